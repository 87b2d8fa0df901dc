package twelvefactor

import (
	"path"
	"regexp"
	"strings"
)

// kind is what a file is, which decides the rules it is read against.
type kind int

const (
	kindNone kind = iota
	kindGo
	kindJS
	kindPython
	kindRuby
	kindJava
	kindDocker
	kindCompose
	kindYAML // any other YAML; Kubernetes objects are found by content
	kindProcfile
	kindPackageJSON
	kindEnv
	kindXML // logging configuration such as logback.xml
	kindProperties
	kindManifest    // go.mod, requirements.txt, Gemfile, pyproject.toml, pom.xml, build.gradle
	kindStartScript // a shell script that starts the app: run.sh, start.sh, docker-entrypoint.sh
	kindJSONConfig  // a JSON settings file: config*.json, settings*.json, or any JSON under config/
)

var codeKinds = []kind{kindGo, kindJS, kindPython, kindRuby, kindJava}

// configKinds hold settings rather than code.
var configKinds = []kind{kindDocker, kindCompose, kindYAML, kindProcfile, kindPackageJSON, kindEnv, kindXML, kindProperties, kindStartScript, kindJSONConfig}

var allKinds = append(append([]kind{}, codeKinds...), configKinds...)

var byExt = map[string]kind{
	".go": kindGo, ".js": kindJS, ".mjs": kindJS, ".cjs": kindJS, ".ts": kindJS, ".tsx": kindJS, ".jsx": kindJS,
	".py": kindPython, ".rb": kindRuby, ".java": kindJava, ".kt": kindJava,
	".yaml": kindYAML, ".yml": kindYAML, ".env": kindEnv, ".xml": kindXML, ".properties": kindProperties,
}

// testSegment is a folder name with the word test or tests in it.
var testSegment = regexp.MustCompile(`(?:^|[-_.])tests?(?:$|[-_.])`)

// startScript names a shell script that starts the app.
var startScript = regexp.MustCompile(`^(?:run|start|startup|boot|serve|server|launch|entrypoint|docker-entrypoint|[\w-]*-entrypoint)\.sh$`)

// jsonConfig names a JSON settings file.
var jsonConfig = regexp.MustCompile(`^(?:config|settings|default|production|development|appsettings)(?:[.-][\w.-]*)?\.json$`)

// kindOf classifies a file by its name.
func kindOf(name string) kind {
	base := path.Base(name)
	lower := strings.ToLower(base)
	switch {
	case lower == "dockerfile" || strings.HasPrefix(lower, "dockerfile.") || strings.HasSuffix(lower, ".dockerfile"):
		return kindDocker
	case lower == "kustomization":
		return kindYAML
	case lower == "procfile":
		return kindProcfile
	case lower == "package.json":
		return kindPackageJSON
	case lower == "go.mod" || lower == "gemfile" || lower == "pyproject.toml" || lower == "pom.xml" || strings.HasPrefix(lower, "build.gradle") || strings.HasPrefix(lower, "requirements") && strings.HasSuffix(lower, ".txt"):
		return kindManifest
	case lower == ".env" || strings.HasPrefix(lower, ".env."):
		return kindEnv
	case (strings.HasPrefix(lower, "compose") || strings.HasPrefix(lower, "docker-compose")) && (strings.HasSuffix(lower, ".yaml") || strings.HasSuffix(lower, ".yml")):
		return kindCompose
	case startScript.MatchString(lower):
		return kindStartScript
	case strings.HasSuffix(lower, ".json") && (jsonConfig.MatchString(lower) || strings.Contains("/"+strings.ToLower(name), "/config/")):
		return kindJSONConfig
	}
	if strings.HasSuffix(lower, ".d.ts") || strings.HasSuffix(lower, ".d.mts") || strings.HasSuffix(lower, ".d.cts") {
		return kindNone // type declarations: no code runs from them
	}
	return byExt[path.Ext(lower)]
}

// isTestPath reports files whose findings matter less: tests, examples
// and fixtures do not run in production.
func isTestPath(rel string) bool {
	lower := "/" + strings.ToLower(rel)
	for _, s := range []string{"/test/", "/tests/", "/testdata/", "/__tests__/", "/spec/", "/example/", "/examples/", "/fixtures/", "/e2e/", "/.github/", "/.gitlab/", "/.circleci/", "/.devcontainer/", "/contrib/", "/scripts/"} {
		if strings.Contains(lower, s) {
			return true
		}
	}
	// A folder named for tests: test-server, oidc-test-env, e2e_tests.
	for _, seg := range strings.Split(path.Dir(lower), "/") {
		if testSegment.MatchString(seg) {
			return true
		}
	}
	base := path.Base(lower)
	for _, s := range []string{"_test.go", "_test.py", "_spec.rb", ".test.", ".spec.", "test.java", "tests.java"} {
		if strings.Contains(base, s) {
			return true
		}
	}
	return strings.HasPrefix(base, "test_") || strings.HasPrefix(base, "example")
}

// lower is one step down, for findings in tests and examples.
func lower(s Severity) Severity { return max(s-1, Note) }
