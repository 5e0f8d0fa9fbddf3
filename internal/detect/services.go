package detect

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// FoundService is a service found in a repository of several: its folder
// (slash-separated, relative to the repository) and the name obsgen gives
// it (the folder's, as a service name).
type FoundService struct {
	Dir, Name string
}

// maxServiceDepth is how deep below the root services are looked for
// (services/api, apps/backend/billing).
const maxServiceDepth = 3

// Services finds the services of a repository: each folder up to three
// levels down with a go.mod whose module has a main package, or with a
// package.json that depends on Express or Fastify. Hidden folders,
// node_modules, vendor and testdata are not searched, nor the folders of a
// service found. Two services that would get one name are an error naming
// both folders.
func Services(root string) ([]FoundService, error) {
	var out []FoundService
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if skipped(d.Name()) || strings.Count(rel, "/") >= maxServiceDepth {
			return filepath.SkipDir
		}
		if isGoService(p) || isNodeService(p) {
			out = append(out, FoundService{Dir: rel, Name: serviceName(d.Name())})
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || out[i].Name == out[j].Name && out[i].Dir < out[j].Dir
	})
	for i := 1; i < len(out); i++ {
		if out[i].Name == out[i-1].Name {
			return nil, fmt.Errorf("%s and %s would both be the service %q: rename one folder, or write the answers file's services: by hand (docs/multi-service.md)", out[i-1].Dir, out[i].Dir, out[i].Name)
		}
	}
	return out, nil
}

func skipped(name string) bool {
	return strings.HasPrefix(name, ".") || name == "node_modules" || name == "vendor" || name == "testdata"
}

// isGoService: dir holds a Go module with a main package (its own
// folders, not those of modules nested in it).
func isGoService(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return false
	}
	found := errors.New("found")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (skipped(d.Name()) || exists(filepath.Join(p, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.PackageClauseOnly)
		if err == nil && f.Name.Name == "main" {
			return found
		}
		return nil
	})
	return errors.Is(err, found)
}

// isNodeService: dir's package.json names a framework obsgen wires.
func isNodeService(dir string) bool {
	d, ok, err := Node(dir)
	return ok && err == nil && d.Framework != ""
}

var notNameRE = regexp.MustCompile(`[^a-z0-9]+`)

// serviceName makes a folder's name a service name: lower case, runs of
// other characters a dash, a letter first.
func serviceName(folder string) string {
	n := strings.Trim(notNameRE.ReplaceAllString(strings.ToLower(folder), "-"), "-")
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = "svc-" + n
	}
	return strings.TrimRight(n[:min(len(n), 63)], "-")
}
