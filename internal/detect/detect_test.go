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

// Database drivers and the Redis client the service requires itself become
// dependencies named after their kind, one per kind; a library's driver
// (indirect) does not.
func TestRepoDependencies(t *testing.T) {
	gomod := `module x.io/shop

require (
	github.com/jackc/pgx/v5 v5.7.1
	github.com/lib/pq v1.10.9
	github.com/redis/go-redis/v9 v9.7.0
	github.com/go-sql-driver/mysql v1.8.1 // indirect
	modernc.org/sqlite v1.34.0
)
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Repo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Dependencies.String(), "postgres=postgres,redis=redis,sqlite=sqlite"; got != want {
		t.Fatalf("dependencies %q, want %q", got, want)
	}
	if err := d.Dependencies.Check(); err != nil {
		t.Fatalf("detected dependencies do not validate: %v", err)
	}
}
