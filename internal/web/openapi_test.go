package web

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestOpenAPI holds api/openapi.yaml to what Ferry serves: every API route
// is documented, nothing documented under /api/ is missing, and the public
// and operational routes are there too.
func TestOpenAPI(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "api", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		OpenAPI string                            `yaml:"openapi"`
		Paths   map[string]map[string]interface{} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &spec); err != nil {
		t.Fatalf("api/openapi.yaml does not parse: %v", err)
	}
	if !strings.HasPrefix(spec.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", spec.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range spec.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := APIRoutes()
	for _, route := range served {
		if !documented[route] {
			t.Errorf("%s is served but not documented", route)
		}
	}
	for route := range documented {
		if strings.Contains(route, " /api/") && !slices.Contains(served, route) {
			t.Errorf("%s is documented but not served", route)
		}
	}
	for _, route := range []string{
		"GET /s/{token}", "POST /s/{token}/unlock", "GET /s/{token}/files/{id}", "HEAD /s/{token}/files/{id}",
		"GET /s/{token}/files/{id}/thumbnail", "GET /s/{token}/zip", "GET /health", "GET /ready", "GET /metrics",
	} {
		if !documented[route] {
			t.Errorf("%s is served but not documented", route)
		}
	}
}
