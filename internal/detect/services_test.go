package detect

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestServicesOfARepository(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"services/api/go.mod":              "module example.com/api\n",
		"services/api/cmd/api/main.go":     "package main\nfunc main() {}\n",
		"services/billing/go.mod":          "module example.com/billing\n",
		"services/billing/main.go":         "package main\nfunc main() {}\n",
		"services/Web_UI/package.json":     `{"name": "web", "dependencies": {"express": "^4.21.2"}}`,
		"services/Web_UI/server.js":        "",
		"libs/money/go.mod":                "module example.com/money\n",
		"libs/money/money.go":              "package money\n",
		"libs/money/money_test.go":         "package main\n",
		"tools/lint/package.json":          `{"name": "lint", "devDependencies": {"eslint": "9"}}`,
		"services/api/tools/gen/go.mod":    "module example.com/gen\n",
		"services/api/tools/gen/main.go":   "package main\n",
		"node_modules/x/package.json":      `{"dependencies": {"express": "4"}}`,
		".github/actions/a/go.mod":         "module a\n",
		".github/actions/a/main.go":        "package main\n",
		"a/b/c/deep/go.mod":                "module deep\n",
		"a/b/c/deep/main.go":               "package main\n",
		"services/api/internal/x/x.go":     "package x\n",
		"services/billing/testdata/t/m.go": "package main\n",
	})
	got, err := Services(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []FoundService{{Dir: "services/api", Name: "api"}, {Dir: "services/billing", Name: "billing"}, {Dir: "services/Web_UI", Name: "web-ui"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("found %+v, want %+v (a library, a tool's package.json, node_modules, hidden and too deep folders are not services)", got, want)
	}
}

func TestServicesWithOneNameRefused(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"go/api/go.mod": "module a\n", "go/api/main.go": "package main\n",
		"node/api/package.json": `{"dependencies": {"fastify": "5"}}`,
	})
	_, err := Services(root)
	if err == nil || !strings.Contains(err.Error(), `go/api and node/api would both be the service "api"`) {
		t.Errorf("error %v, want both folders named", err)
	}
}
