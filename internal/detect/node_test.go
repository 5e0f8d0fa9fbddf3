package detect

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/spec"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestNode(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  spec.Detected
	}{
		{"express commonjs npm", map[string]string{
			"package.json":      `{"name":"orders","main":"server.js","dependencies":{"express":"^5.1.0"}}`,
			"package-lock.json": `{}`,
		}, spec.Detected{Language: "node", Framework: "express", PackageManager: "npm", ModuleType: "commonjs", NodeMain: "server.js"}},
		{"fastify esm pnpm, start script wins over main", map[string]string{
			"package.json":   `{"type":"module","main":"lib/index.js","scripts":{"start":"NODE_ENV=production node --enable-source-maps ./src/app.mjs"},"dependencies":{"fastify":"5.0.0"}}`,
			"pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
		}, spec.Detected{Language: "node", Framework: "fastify", PackageManager: "pnpm", ModuleType: "module", NodeMain: "src/app.mjs"}},
		{"typescript with a commented tsconfig, yarn", map[string]string{
			"package.json":  `{"scripts":{"start":"node dist/main.js"},"dependencies":{"express":"5.3.0"},"devDependencies":{"typescript":"7.0.2"}}`,
			"yarn.lock":     "",
			"tsconfig.json": "{\n  // compiled to build\n  \"compilerOptions\": {\"rootDir\": \"./lib\", \"outDir\": \"build/\"}\n}\n",
		}, spec.Detected{Language: "node", Framework: "express", PackageManager: "yarn", ModuleType: "commonjs", TypeScript: true, NodeMain: "dist/main.js", RootDir: "lib", OutDir: "build"}},
		{"new service without a framework yet", map[string]string{
			"package.json": `{"name":"fresh"}`,
		}, spec.Detected{Language: "node", PackageManager: "npm", ModuleType: "commonjs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Repo(writeFiles(t, c.files))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d, c.want) {
				t.Errorf("got %+v\nwant %+v", d, c.want)
			}
		})
	}
}

// Bad input gets an error that names the file and the fix.
func TestNodeBadInput(t *testing.T) {
	cases := map[string]struct {
		files map[string]string
		want  string
	}{
		"package.json does not parse": {map[string]string{"package.json": `{"name": "x",`}, "does not parse"},
		"unknown framework":           {map[string]string{"package.json": `{"dependencies":{"koa":"2.15.0"}}`}, "uses koa"},
		"workspace root":              {map[string]string{"package.json": `{"private":true,"workspaces":["packages/*"]}`}, "workspace root"},
		"pnpm workspace root":         {map[string]string{"package.json": `{"private":true}`, "pnpm-workspace.yaml": "packages:\n  - apps/*\n"}, "workspace root"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Repo(writeFiles(t, c.files))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "package.json") {
				t.Fatalf("got %v, want an error naming package.json and %q", err, c.want)
			}
		})
	}
}

// A go.mod wins: Go services often carry a package.json for tooling.
func TestGoModWinsOverPackageJSON(t *testing.T) {
	d, err := Repo(writeFiles(t, map[string]string{
		"go.mod":       "module x.io/y\n",
		"package.json": `{"dependencies":{"express":"5.3.0"}}`,
	}))
	if err != nil || !d.Language.IsGo() || d.Framework != "" {
		t.Fatalf("got %+v, %v; want the Go module", d, err)
	}
}

// pg and ioredis among the service's own dependencies become dependencies
// named after their kind, as go.mod's drivers do; the other clients a
// Node service cannot yet have instrumented (redis, mysql2) and a
// devDependency do not, so the answers always validate.
func TestNodeDependencies(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"package.json": `{"main":"server.js","dependencies":{"express":"5.3.0","ioredis":"^5.8.2","pg":"8.16.3","mysql2":"^3.12.0","redis":"^5.0.0"},"devDependencies":{"pg-mem":"3.0.0"}}`,
	})
	d, _, err := Node(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Dependencies.String(), "postgres=postgres,redis=redis"; got != want {
		t.Fatalf("dependencies %q, want %q", got, want)
	}
	if err := d.Dependencies.CheckNode(); err != nil {
		t.Fatalf("detected dependencies do not validate for Node: %v", err)
	}
}
