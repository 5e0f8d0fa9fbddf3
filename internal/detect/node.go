package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/obsgen/obsgen/internal/spec"
)

// packageJSON is the part of package.json obsgen reads.
type packageJSON struct {
	Name            string            `json:"name"`
	Type            string            `json:"type"`
	Main            string            `json:"main"`
	Scripts         map[string]string `json:"scripts"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	// Workspaces is an array or an object ({"packages": [...]}): only its
	// presence matters.
	Workspaces json.RawMessage `json:"workspaces"`
}

// nodeFrameworks maps a dependency to its framework answer.
var nodeFrameworks = []struct{ dep, framework string }{
	{"express", "express"},
	{"fastify", "fastify"},
}

// nodeDependencyPackages maps a client package to its dependency kind,
// for the clients the Node module instruments (pg, ioredis). Only the
// service's own dependencies count, not its devDependencies.
var nodeDependencyPackages = []struct{ pkg, kind string }{
	{"pg", "postgres"},
	{"ioredis", "redis"},
}

// unsupportedNode are HTTP frameworks obsgen has no glue for: a service
// built on one gets an error rather than Express middleware it cannot use.
var unsupportedNode = []string{"koa", "@hapi/hapi", "hapi", "@nestjs/core", "restify", "hono", "@adonisjs/core", "sails"}

// lockFiles name the package manager that wrote them, in the order checked.
var lockFiles = []struct{ file, manager string }{
	{"pnpm-lock.yaml", "pnpm"},
	{"yarn.lock", "yarn"},
	{"package-lock.json", "npm"},
	{"npm-shrinkwrap.json", "npm"},
}

// startNodeRE finds the script node runs in a start script such as
// "node dist/server.js" or "NODE_ENV=production node --enable-source-maps src/app.mjs".
var startNodeRE = regexp.MustCompile(`(?:^|\s)node\s+(?:--?[\w-]+(?:=\S+)?\s+)*([\w./-]+\.(?:js|cjs|mjs))\b`)

// Node reads package.json in dir (and the lock file and tsconfig.json next
// to it). ok is false when there is no package.json. A package.json that
// does not parse, a workspace root that is not itself a service, or a
// service on a framework obsgen has no glue for is an error that says what
// to do.
func Node(dir string) (d spec.Detected, ok bool, err error) {
	name := filepath.Join(dir, "package.json")
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	var pkg packageJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&pkg); err != nil {
		return d, false, fmt.Errorf("%s does not parse: %v: fix the JSON (npm pkg get name shows whether npm can read it) or pass --dir to the service's folder", name, err)
	}
	deps := map[string]bool{}
	for n := range pkg.Dependencies {
		deps[n] = true
	}
	d.Language = spec.LangNode
	for _, f := range nodeFrameworks {
		if deps[f.dep] {
			d.Framework = f.framework
			break
		}
	}
	if d.Framework == "" {
		if len(pkg.Workspaces) > 0 && string(pkg.Workspaces) != "null" || exists(filepath.Join(dir, "pnpm-workspace.yaml")) {
			return spec.Detected{}, false, fmt.Errorf("%s is a workspace root, not a service: pass --dir with the folder of the service package (the one that depends on express or fastify)", name)
		}
		for _, u := range unsupportedNode {
			if deps[u] {
				return spec.Detected{}, false, fmt.Errorf("%s: the service uses %s, and obsgen generates Node glue only for express and fastify: port the service, or pass --framework express|fastify if it also serves through one", name, u)
			}
		}
	}
	for _, dp := range nodeDependencyPackages {
		if deps[dp.pkg] && !d.Dependencies.Has(dp.kind) {
			// Named after the kind, as from go.mod.
			d.Dependencies = append(d.Dependencies, spec.Dependency{Name: dp.kind, Kind: dp.kind})
		}
	}
	d.PackageManager = "npm"
	for _, l := range lockFiles {
		if exists(filepath.Join(dir, l.file)) {
			d.PackageManager = l.manager
			break
		}
	}
	d.ModuleType = "commonjs"
	if pkg.Type == "module" {
		d.ModuleType = "module"
	}
	_, tsDep := pkg.DevDependencies["typescript"]
	tsconfig := filepath.Join(dir, "tsconfig.json")
	d.TypeScript = tsDep || deps["typescript"] || exists(tsconfig)
	if d.TypeScript {
		d.RootDir, d.OutDir = tsDirs(tsconfig)
	}
	d.NodeMain = mainFile(pkg)
	if d.NodeMain == "" {
		d.NodeMain = builtEntry(dir, d)
	}
	d.Bundler = bundler(dir)
	return d, true, nil
}

// bundlerWords name the bundlers whose output file obsgen cannot know.
var bundlerWords = []string{"esbuild", "webpack", "rollup", "rspack", "vite"}

// bundler is the executor of an Nx project.json target that bundles the
// service, or "".
func bundler(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "project.json"))
	if err != nil {
		return ""
	}
	var project struct {
		Targets map[string]struct {
			Executor string `json:"executor"`
		} `json:"targets"`
	}
	if json.Unmarshal(data, &project) != nil {
		return ""
	}
	names := make([]string, 0, len(project.Targets))
	for n := range project.Targets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, w := range bundlerWords {
			if e := project.Targets[n].Executor; strings.Contains(e, w) {
				return e
			}
		}
	}
	return ""
}

// entryNames are the names a service's entry file usually has, in the
// order tried, in src and then at the top of the repo.
var entryNames = []string{"main", "server", "index", "app"}

// builtEntry finds the entry when neither the start script (nx serve,
// nodemon, ts-node) nor package.json's main names the file node runs:
// the first src/main, src/server, ... that exists, as tsc compiles it
// (under outDir, its path under rootDir) for TypeScript. "" for none.
func builtEntry(dir string, d spec.Detected) string {
	ext, root, out := ".js", "", ""
	if d.TypeScript {
		// tsc's defaults for the tsconfig obsgen reads without them.
		ext, root, out = ".ts", d.RootDir, d.OutDir
		if root == "" {
			root = "src"
		}
		if out == "" {
			out = "dist"
		}
	}
	for _, sub := range []string{"src", "."} {
		for _, n := range entryNames {
			src := path.Join(sub, n+ext)
			if !exists(filepath.Join(dir, filepath.FromSlash(src))) {
				continue
			}
			if !d.TypeScript {
				return src
			}
			if root == "." {
				return path.Join(out, strings.TrimSuffix(src, ext)+".js")
			}
			if rel, ok := strings.CutPrefix(src, root+"/"); ok {
				return path.Join(out, strings.TrimSuffix(rel, ext)+".js")
			}
		}
	}
	return ""
}

// mainFile is the file the start script runs, else package.json's main.
func mainFile(pkg packageJSON) string {
	if m := startNodeRE.FindStringSubmatch(pkg.Scripts["start"]); m != nil {
		return path.Clean(m[1])
	}
	if pkg.Main != "" {
		return path.Clean(strings.TrimPrefix(pkg.Main, "./"))
	}
	return ""
}

var jsonCommentRE = regexp.MustCompile(`(?m)^\s*//.*$`)

// tsDirs reads compilerOptions.rootDir and outDir. tsconfig.json allows
// comments and trailing commas; lines that are comments are dropped, and a
// file that still does not parse keeps the defaults (the answers can be
// set by hand).
func tsDirs(name string) (rootDir, outDir string) {
	data, err := os.ReadFile(name)
	if err != nil {
		return "", ""
	}
	var cfg struct {
		CompilerOptions struct {
			RootDir string `json:"rootDir"`
			OutDir  string `json:"outDir"`
		} `json:"compilerOptions"`
	}
	if json.Unmarshal(jsonCommentRE.ReplaceAll(data, nil), &cfg) != nil {
		return "", ""
	}
	clean := func(p string) string {
		if p == "" {
			return ""
		}
		return path.Clean(strings.TrimPrefix(filepath.ToSlash(p), "./"))
	}
	return clean(cfg.CompilerOptions.RootDir), clean(cfg.CompilerOptions.OutDir)
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
