package cli

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/testtool"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// init in a Node repo detects everything package.json says, writes the
// TypeScript module under src, and plans the install and the start script
// edit as steps (printed, not run, with --skip-install).
func TestInitDetectsNodeService(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"package.json":      `{"name":"orders","version":"2.0.0","type":"module","scripts":{"start":"node dist/server.js"},"dependencies":{"fastify":"5.12.8"},"devDependencies":{"typescript":"7.0.2"}}`,
		"package-lock.json": `{}`,
		"tsconfig.json":     `{"compilerOptions":{"rootDir":"src","outDir":"dist"}}`,
	})
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "orders", "--skip-install")
	if r.code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	files := testtool.ReadTree(t, dir)
	for _, want := range []string{"src/observability/register.ts", "src/observability/fastify.ts", "src/observability/telemetry.ts", "Dockerfile"} {
		if _, ok := files[want]; !ok {
			t.Errorf("init did not write %s", want)
		}
	}
	if _, ok := files["src/observability/express.ts"]; ok {
		t.Error("init wrote the Express glue for a Fastify service")
	}
	answers := files["obsgen.yaml"]
	for _, want := range []string{"language: node", "framework: fastify", "typescript: true", "module_type: module", "main: dist/server.js"} {
		if !strings.Contains(answers, want) {
			t.Errorf("obsgen.yaml lacks %q:\n%s", want, answers)
		}
	}
	for _, want := range []string{
		"skipped npm-install",
		"npm install --save-exact --no-fund --no-audit @opentelemetry/api@1.9.1",
		"npm pkg set 'scripts.start=node --import ./dist/observability/register.js dist/server.js'",
	} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("init did not print %q:\n%s", want, r.errOut)
		}
	}
	if files["package.json"] != `{"name":"orders","version":"2.0.0","type":"module","scripts":{"start":"node dist/server.js"},"dependencies":{"fastify":"5.12.8"},"devDependencies":{"typescript":"7.0.2"}}` {
		t.Error("--skip-install changed package.json")
	}
}

// The plan shows the npm step in JSON, and a dry run runs nothing.
func TestDryRunShowsNPMStep(t *testing.T) {
	dir := writeTree(t, map[string]string{"package.json": `{"main":"app.js","dependencies":{"express":"5.3.0","pino":"^10.5.0"}}`})
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "orders", "--dry-run", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Steps) != 1 || rep.Steps[0].Kind != "npm-install" || rep.Steps[0].Tool != "npm" {
		t.Fatalf("steps = %+v, want one npm-install", rep.Steps)
	}
	var cmds []string
	for _, c := range rep.Steps[0].Commands {
		cmds = append(cmds, c.String())
	}
	all := strings.Join(cmds, "\n")
	if strings.Contains(all, "pino@") {
		t.Errorf("the plan reinstalls pino the service has at a newer version:\n%s", all)
	}
	if !strings.Contains(all, "scripts.start=node --import ./src/observability/register.cjs app.js") {
		t.Errorf("the plan does not add the start script:\n%s", all)
	}
	if files := testtool.ReadTree(t, dir); len(files) != 1 {
		t.Errorf("a dry run wrote files: %v", keys(files))
	}
}

// Bad package.json input: one clear error, exit 2, nothing written.
func TestInitRejectsBadPackageJSON(t *testing.T) {
	cases := map[string]map[string]string{
		"does not parse": {"package.json": `{"name": "orders",`},
		"koa":            {"package.json": `{"dependencies":{"koa":"2.15.0"}}`},
		"workspace root": {"package.json": `{"private":true,"workspaces":["services/*"]}`},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			dir := writeTree(t, files)
			before := testtool.ReadTree(t, dir)
			r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "orders", "--skip-install")
			if r.code != ExitUsage || !strings.Contains(r.errOut, "package.json") {
				t.Errorf("exit %d, want %d with an error naming package.json:\n%s", r.code, ExitUsage, r.errOut)
			}
			if after := testtool.ReadTree(t, dir); !maps.Equal(before, after) {
				t.Errorf("bad input wrote files: %v", keys(after))
			}
		})
	}
}

// Regeneration merges hand edits to the generated Node module as it does
// for Go: a team's own readiness check stays, the new sampling ratio comes in.
func TestNodeRegenerationMergesEdits(t *testing.T) {
	dir := writeTree(t, map[string]string{"package.json": `{"main":"server.js","dependencies":{"express":"5.3.0"}}`})
	mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "orders", "--skip-install")
	const reg = "src/observability/register.cjs"
	replaceLine(t, dir, reg, "installProcessHandlers();", "  installProcessHandlers();\n  require('./health.cjs').health.register('db', () => pool.query('select 1'));")
	out := mustRun(t, 0, dir, "generate", "--skip-install", "--set", "sampling-ratio=0.5")
	if !strings.Contains(out, "merged     "+reg) && !strings.Contains(out, "unchanged  "+reg) {
		t.Errorf("report:\n%s", out)
	}
	if got := readFile(t, dir, reg); !strings.Contains(got, "health.register('db'") {
		t.Errorf("the hand edit was lost:\n%s", got)
	}
	if got := readFile(t, dir, "src/observability/config.cjs"); !strings.Contains(got, "samplingRatio: 0.5,") {
		t.Errorf("the new answer did not reach config.cjs:\n%s", got)
	}
	mustRun(t, 0, dir, "check")
}

// An Express 4 + TypeScript service laid out as Nx lays one out: tsconfig's
// rootDir is the repo itself, the start script runs nx, not node, and the
// entry is src/main.ts. The run takes the rootDir obsgen detected, and the
// start command and the import it prints name the files tsc writes.
func TestInitTypeScriptRootDirIsTheRepo(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"package.json":      `{"name":"@acme/api","private":true,"scripts":{"start":"nx serve","build":"nx build"},"dependencies":{"express":"^4.21.2","@prisma/client":"^5.22.0"},"devDependencies":{"typescript":"~5.5.2","@types/express":"^4.17.21","nx":"20.1.2"}}`,
		"package-lock.json": `{}`,
		"tsconfig.json":     "{\n  \"compilerOptions\": {\"rootDir\": \".\", \"outDir\": \"dist\", \"module\": \"commonjs\"},\n  \"include\": [\"src/**/*.ts\"]\n}\n",
		"src/main.ts":       "import express from 'express';\n",
	})
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "api", "--dry-run")
	if r.code != ExitOK {
		t.Fatalf("init --dry-run: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r = run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "api", "--skip-install")
	if r.code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	all := r.out + r.errOut
	for _, want := range []string{
		"created    src/observability/register.ts",
		"node --import ./dist/src/observability/register.js dist/src/main.js",
		`from "./observability/express.js"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("init did not print %q:\n%s", want, all)
		}
	}
}

// A service's own .env.example (its settings, read by @fastify/env or
// dotenv) is the service's: init leaves it alone and writes the stack's
// example next to the stack's env file.
func TestInitKeepsTheServicesEnvExample(t *testing.T) {
	own := "# Copy to .env and fill in.\nPORT=3000\nDATABASE_URL=mysql://catalog:catalog@localhost:3306/catalog\n"
	dir := writeTree(t, map[string]string{
		"package.json":  `{"name":"catalog-api","version":"1.0.0","type":"module","main":"src/server.js","scripts":{"start":"node src/server.js"},"dependencies":{"fastify":"^5.2.1","@fastify/env":"^5.0.2","mysql2":"^3.12.0"}}`,
		"src/server.js": "import Fastify from 'fastify';\n",
		".env.example":  own,
	})
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "catalog", "--skip-install")
	if r.code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	files := testtool.ReadTree(t, dir)
	if files[".env.example"] != own {
		t.Errorf("init changed the service's own .env.example:\n%s", files[".env.example"])
	}
	if !strings.Contains(files["observability.env.example"], "GRAFANA_ADMIN_PASSWORD=") {
		t.Errorf("no observability.env.example with the stack's variables: %v", keys(files))
	}
}

// A file of the service's own where obsgen writes one is a conflict that
// the message explains as such: no markers were written, so it does not
// ask to resolve any.
func TestConflictOfAFileInTheWaySaysWhatToDo(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"package.json":                     `{"main":"app.js","dependencies":{"express":"5.3.0"}}`,
		"docker-compose.observability.yml": "services: {}\n",
	})
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "orders", "--skip-install")
	if r.code != ExitConflict {
		t.Fatalf("init: exit %d, want %d\n%s%s", r.code, ExitConflict, r.out, r.errOut)
	}
	tail := r.errOut[strings.Index(r.errOut, "need your attention"):]
	if strings.Contains(tail, "<<<<<<<") || !strings.Contains(tail, "docker-compose.observability.yml (exists but was not written by obsgen: move it away, or pass --force to overwrite it)") {
		t.Errorf("the message does not say what to do with a file in the way:\n%s", tail)
	}
}

// An Nx service bundled by esbuild runs the bundle, whose file obsgen
// cannot know: init refuses without --node-main, saying what to pass, and
// writes nothing; with it, the printed start command runs that file.
func TestInitBundledServiceNeedsItsMain(t *testing.T) {
	tree := map[string]string{
		"package.json":  `{"name":"@acme/api","private":true,"scripts":{"start":"nx serve api"},"dependencies":{"express":"^4.21.2"},"devDependencies":{"typescript":"~5.5.2","nx":"20.1.2","@nx/esbuild":"20.1.2"}}`,
		"project.json":  `{"name":"api","targets":{"build":{"executor":"@nx/esbuild:esbuild","options":{"main":"src/main.ts","outputPath":"dist/apps/api"}},"serve":{"executor":"@nx/js:node"}}}`,
		"tsconfig.json": "{\n  \"compilerOptions\": {\"rootDir\": \".\", \"outDir\": \"dist\"}\n}\n",
		"src/main.ts":   "import express from 'express';\n",
	}
	dir := writeTree(t, tree)
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "api", "--skip-install")
	if r.code != ExitUsage || !strings.Contains(r.errOut, "built by @nx/esbuild:esbuild") || !strings.Contains(r.errOut, "--node-main") {
		t.Fatalf("init of a bundled service: exit %d, want %d naming the bundler and --node-main\n%s%s", r.code, ExitUsage, r.out, r.errOut)
	}
	if files := testtool.ReadTree(t, dir); len(files) != len(tree) {
		t.Errorf("the refused init wrote files: %v", keys(files))
	}
	r = run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "api", "--skip-install", "--node-main", "dist/apps/api/main.js")
	if r.code != ExitOK {
		t.Fatalf("init --node-main: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if all := r.out + r.errOut; !strings.Contains(all, "dist/apps/api/main.js") {
		t.Errorf("the start command does not run the bundle:\n%s", all)
	}
}
