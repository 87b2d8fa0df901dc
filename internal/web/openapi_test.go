package web

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// publicRoutes are the routes outside the JSON API that api/openapi.yaml
// must describe too.
var publicRoutes = []string{
	"GET /s/{token}", "POST /s/{token}/unlock", "GET /s/{token}/files/{id}", "HEAD /s/{token}/files/{id}",
	"GET /s/{token}/files/{id}/thumbnail", "GET /s/{token}/zip", "GET /s/{token}/qr.svg", "GET /health", "GET /ready", "GET /metrics",
}

// TestOpenAPI holds api/openapi.yaml to what Ferry serves: every API route
// is documented, every documented API route is served, and the public and
// operational routes are documented. Routes compare by shape, wildcard
// names aside: the mux serves PUT /api/v1/files/{name} and GET
// /api/v1/files/{id} on one path, which OpenAPI must write as one path.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	documented := readSpec(t)
	served := map[string]string{}
	for _, route := range APIRoutes() {
		served[shape(route)] = route
	}
	var documentedAPI []string
	for _, op := range documented {
		if strings.Contains(op, " /api/") {
			documentedAPI = append(documentedAPI, op)
		}
	}
	tests := []struct {
		name   string
		routes []string
		in     map[string]string
	}{
		{"served API routes are documented", APIRoutes(), documented},
		{"documented API routes are served", documentedAPI, served},
		{"public and operational routes are documented", publicRoutes, documented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.routes) == 0 {
				t.Fatal("no routes to check")
			}
			for _, route := range tt.routes {
				if _, ok := tt.in[shape(route)]; !ok {
					t.Errorf("%s: missing", route)
				}
			}
		})
	}
}

var wildcardName = regexp.MustCompile(`\{[^}]*\}`)

// shape is "METHOD /path" with every wildcard's name dropped.
func shape(route string) string { return wildcardName.ReplaceAllString(route, "{}") }

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// readSpec parses api/openapi.yaml, checks it is an OpenAPI 3.1 document,
// and returns its operations as written, by shape.
func readSpec(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "api", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := yaml.Unmarshal(raw, &spec); err != nil || spec == nil {
		t.Fatalf("api/openapi.yaml is not a YAML mapping: %v", err)
	}
	if v, _ := spec["openapi"].(string); !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(v) {
		t.Fatalf("openapi = %#v, want a string 3.1.x", spec["openapi"])
	}
	paths, _ := spec["paths"].(map[string]any)
	ops := map[string]string{}
	for path, item := range paths {
		item, _ := item.(map[string]any)
		for key := range item {
			if httpMethods[key] {
				op := strings.ToUpper(key) + " " + path
				ops[shape(op)] = op
			}
		}
	}
	return ops
}

// TestOpenAPIScopes holds each API operation's bearer scopes in
// api/openapi.yaml to apiScopes: the scope it names is the one a token
// needs, and a route any token may call names none.
func TestOpenAPIScopes(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "api", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type requirement map[string][]string
	var spec struct {
		Security []requirement                   `yaml:"security"`
		Paths    map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	documented := map[string][]string{} // shape → bearer scopes
	for path, item := range spec.Paths {
		for method, node := range item {
			if !httpMethods[method] || !strings.HasPrefix(path, "/api/") {
				continue
			}
			var op struct {
				Security *[]requirement `yaml:"security"`
			}
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			reqs := spec.Security
			if op.Security != nil {
				reqs = *op.Security
			}
			var scopes []string
			for _, r := range reqs {
				scopes = append(scopes, r["bearer"]...)
			}
			documented[shape(strings.ToUpper(method)+" "+path)] = scopes
		}
	}
	for _, route := range APIRoutes() {
		t.Run(route, func(t *testing.T) {
			var want []string
			if sc := apiScopes[route]; sc != anyScope {
				want = []string{string(sc)}
			}
			if got := documented[shape(route)]; !slices.Equal(got, want) {
				t.Errorf("documented bearer scopes %q, want %q", got, want)
			}
		})
	}
}
