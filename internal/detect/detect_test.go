package detect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRepo(t *testing.T) {
	cases := []struct {
		name, gomod       string
		module, framework string
		wantErr           string
	}{
		{"no go.mod", "", "", "", ""},
		{"plain", "module github.com/a/b\n\ngo 1.22\n", "github.com/a/b", "", ""},
		{"chi", "module x.io/y\n\nrequire github.com/go-chi/chi/v5 v5.1.0\n", "x.io/y", "chi", ""},
		{"gin", "module x.io/y\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.10.0\n\tgithub.com/x/z v1.0.0\n)\n", "x.io/y", "gin", ""},
		{"echo", "module x.io/y\n\nrequire github.com/labstack/echo/v4 v4.12.0 // indirect\n", "x.io/y", "echo", ""},
		{"broken", "module\n\nrequire (((\n", "", "", "go.mod"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.gomod != "" {
				if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(c.gomod), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			d, err := Repo(dir)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %v, want error naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Module != c.module || d.Framework != c.framework {
				t.Fatalf("got %+v, want module %q framework %q", d, c.module, c.framework)
			}
		})
	}
}
