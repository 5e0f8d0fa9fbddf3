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
		for _, fm := range frameworkModules {
			if strings.HasPrefix(r.Mod.Path, fm.prefix) && d.Framework == "" {
				d.Framework = fm.framework
			}
		}
	}
	return d, nil
}
