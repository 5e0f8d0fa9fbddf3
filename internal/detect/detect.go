// Package detect reads what obsgen can learn from the service repository by
// itself, once per run (Facts): the language, the Go module path and router
// from go.mod or the Node package's manager, module type, entry file and
// folders from package.json, the lock file and tsconfig; the .gitignore;
// and the analysis of the Go code. The wizard offers what it finds as
// defaults instead of asking blind.
package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/obsgen/obsgen/internal/spec"
)

// frameworkModules maps a router's module path prefix to its framework answer.
var frameworkModules = []struct{ prefix, framework string }{
	{"github.com/go-chi/chi", "chi"},
	{"github.com/gin-gonic/gin", "gin"},
	{"github.com/labstack/echo", "echo"},
}

// dependencyModules maps a client's module path to its dependency kind.
// Only direct requirements count: a library's own driver (indirect) is
// not something the service calls.
var dependencyModules = []struct{ path, kind string }{
	{"github.com/jackc/pgx/v5", "postgres"},
	{"github.com/jackc/pgx/v4", "postgres"},
	{"github.com/lib/pq", "postgres"},
	{"github.com/go-sql-driver/mysql", "mysql"},
	{"github.com/mattn/go-sqlite3", "sqlite"},
	{"modernc.org/sqlite", "sqlite"},
	{"github.com/redis/go-redis/v9", "redis"},
}

// Repo inspects dir. A missing go.mod is not an error: the folder may be a
// new service, or a Node.js one (package.json, see Node). A go.mod wins
// over a package.json: Go services often carry one for front-end tooling.
func Repo(dir string) (spec.Detected, error) {
	name := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		d, _, err := Node(dir)
		return d, err
	}
	if err != nil {
		return spec.Detected{}, err
	}
	f, err := modfile.ParseLax(name, data, nil)
	if err != nil {
		return spec.Detected{}, fmt.Errorf("%s: %w: fix the go.mod or run obsgen from another folder with --dir", name, err)
	}
	d := spec.Detected{Language: spec.LangGo}
	if f.Module != nil {
		d.Module = f.Module.Mod.Path
	}
	for _, r := range f.Require {
		for _, dm := range dependencyModules {
			if r.Mod.Path == dm.path && !r.Indirect && !d.Dependencies.Has(dm.kind) {
				// Named after the kind: the wizard offers it for renaming.
				d.Dependencies = append(d.Dependencies, spec.Dependency{Name: dm.kind, Kind: dm.kind})
			}
		}
		for _, fm := range frameworkModules {
			if strings.HasPrefix(r.Mod.Path, fm.prefix) && d.Framework == "" {
				d.Framework = fm.framework
			}
		}
	}
	return d, nil
}
