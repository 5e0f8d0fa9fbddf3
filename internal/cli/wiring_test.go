package cli

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/testtool"
	"github.com/obsgen/obsgen/internal/writer"
	"github.com/obsgen/obsgen/wizard"
	"github.com/obsgen/obsgen/wizard/wizardtest"
)

const chiMain = `package main

import (
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

func main() {
	r := chi.NewRouter()
	r.Use(middleware.Logger) // request logs
	// Routes of the API.
	r.Get("/items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	log.Fatal(http.ListenAndServe(":8080", r))
}
`

func existingService(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module rest-example\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n"
	for name, content := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, name, content)
	}
	return dir
}

// Without --wire a run without questions leaves main alone and prints the
// exact patch; with it, main is edited, comments kept, and a second run
// changes nothing.
func TestWirePlansEditOfMain(t *testing.T) {
	dir := existingService(t, map[string]string{"main.go": chiMain})
	out := mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "rest")
	if got := readFile(t, dir, "main.go"); got != chiMain {
		t.Fatalf("main.go changed without --wire:\n%s", got)
	}
	for _, want := range []string{"router: chi r, built by chi.NewRouter()", "conflicting middleware: middleware.Logger", "+\tr.Use(observability.Middleware)", "obsgen wire"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "cmd/rest/main.go")); err == nil {
		t.Error("the example main was written although the service has its own")
	}
	if df := readFile(t, dir, "Dockerfile"); !strings.Contains(df, "./. ") && !strings.Contains(df, " ./.\n") {
		t.Errorf("Dockerfile does not build the service's main in .:\n%s", df)
	}

	mustRun(t, 0, dir, "wire")
	got := readFile(t, dir, "main.go")
	for _, want := range []string{"observability.Setup(ctx)", "r.Use(observability.Middleware)", "observability.Serve(ctx, \":8080\", r)",
		"// Routes of the API.", "// obsgen: removed middleware.Logger"} {
		if !strings.Contains(got, want) {
			t.Errorf("wired main lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "chi/v5/middleware") {
		t.Errorf("the unused middleware import stayed:\n%s", got)
	}
	before := testtool.ReadTree(t, dir)
	if out := mustRun(t, 0, dir, "wire"); !strings.Contains(out, "nothing to do") {
		t.Errorf("second wire:\n%s", out)
	}
	if !maps.Equal(before, testtool.ReadTree(t, dir)) {
		t.Error("a second wire changed files")
	}
}

func TestWireJSONAndDryRun(t *testing.T) {
	dir := existingService(t, map[string]string{"main.go": chiMain})
	r := run(t, nil, "init", "--no-prompt", "--wire", "--dry-run", "-o", "json", "--dir", dir, "--service-name", "rest")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var rep struct {
		Files []struct{ Path, Action, Owner string }
		Found struct {
			Mains []struct{ Framework, File string }
		}
		Wiring []struct{ File, Action, Patch string }
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Found.Mains) != 1 || rep.Found.Mains[0].Framework != "chi" || len(rep.Wiring) != 1 || rep.Wiring[0].Action != "planned" || !strings.Contains(rep.Wiring[0].Patch, "observability.Serve") {
		t.Errorf("json: %+v", rep)
	}
	found := false
	for _, f := range rep.Files {
		if f.Path == "main.go" && f.Action == "updated" && f.Owner == "edit" {
			found = true
		}
	}
	if !found {
		t.Errorf("main.go is not in the plan as an edit: %+v", rep.Files)
	}
	if got := readFile(t, dir, "main.go"); got != chiMain {
		t.Error("dry run wrote main.go")
	}
}

// A main that does not parse: an error naming file and line, nothing
// written.
func TestUnparsableMainWritesNothing(t *testing.T) {
	dir := existingService(t, map[string]string{"main.go": "package main\n\nfunc main() {\n\tx := \n}\n"})
	before := testtool.ReadTree(t, dir)
	out := mustRun(t, ExitUsage, dir, "init", "--no-prompt", "--wire", "--service-name", "rest")
	if !strings.Contains(out, "main.go:5") || !strings.Contains(out, "nothing written") {
		t.Errorf("error: %s", out)
	}
	if !maps.Equal(before, testtool.ReadTree(t, dir)) {
		t.Error("files were written")
	}
}

// A router built in another package: the exact lines for the file and a
// warning, exit 0, main untouched.
func TestUnwireableMainGetsLines(t *testing.T) {
	const main = `package main

import (
	"log"
	"net/http"

	"rest-example/api"
)

func main() {
	h := api.NewRouter()
	log.Fatal(http.ListenAndServe(":8080", h))
}
`
	dir := existingService(t, map[string]string{"main.go": main, "api/api.go": "package api\n\nimport \"net/http\"\n\nfunc NewRouter() http.Handler { return http.NewServeMux() }\n"})
	out := mustRun(t, 0, dir, "init", "--no-prompt", "--wire", "--service-name", "rest")
	for _, want := range []string{"warning: obsgen cannot wire main.go", "in another package", `"rest-example/internal/observability"`, "observability.Serve(ctx, \":8080\", h)", "h.Use(observability.Middleware)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if readFile(t, dir, "main.go") != main {
		t.Error("main.go was changed")
	}
}

// An edited, uncommitted main is refused like every file.
func TestDirtyMainIsRefused(t *testing.T) {
	testtool.Require(t, "git")
	dir := existingService(t, map[string]string{"main.go": chiMain})
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-qm", "service")
	writeFile(t, dir, "main.go", chiMain+"\n// work in progress\n")
	out := mustRun(t, ExitDirty, dir, "init", "--no-prompt", "--wire", "--service-name", "rest")
	if !strings.Contains(out, "main.go (modified)") {
		t.Errorf("refusal:\n%s", out)
	}
}

// The wizard shows what it found and the patch, then asks; yes writes the
// edit, no leaves main alone.
func TestWizardAsksBeforeWiring(t *testing.T) {
	for _, yes := range []bool{true, false} {
		dir := existingService(t, map[string]string{"main.go": chiMain})
		p := &wizardtest.Scripted{Answers: map[string]string{"Service name": "rest", wizard.AskWire: strconv.FormatBool(yes)}}
		r := run(t, p, "init", "--dir", dir)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.errOut)
		}
		if !slices.Contains(p.Asked, wizard.AskWire) {
			t.Fatalf("not asked %q: %v", wizard.AskWire, p.Asked)
		}
		if !strings.Contains(r.errOut, "conflicting middleware: middleware.Logger") || !strings.Contains(r.errOut, "+\tr.Use(observability.Middleware)") {
			t.Errorf("the wizard did not show the findings and the patch:\n%s", r.errOut)
		}
		wired := strings.Contains(readFile(t, dir, "main.go"), "observability.Serve")
		if wired != yes {
			t.Errorf("answer %v: wired = %v", yes, wired)
		}
	}
}

// The example main follows the answers it is built from: a framework or
// code folder change regenerates it, so the repo keeps building.
func TestExampleMainFollowsAnswers(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "checkout")
	out := mustRun(t, 0, dir, "generate", "--set", "framework=chi", "--set", "code-dir=pkg/telemetry")
	if !strings.Contains(out, "cmd/checkout/main.go") || strings.Contains(out, "unchanged  cmd/checkout/main.go") {
		t.Errorf("report:\n%s", out)
	}
	got := readFile(t, dir, "cmd/checkout/main.go")
	for _, want := range []string{`"github.com/go-chi/chi/v5"`, `"example.com/checkout/pkg/telemetry"`, "telemetry.Setup(ctx)"} {
		if !strings.Contains(got, want) {
			t.Errorf("example main lacks %s:\n%s", want, got)
		}
	}
}

// With several main packages the wizard asks which one the image builds.
func TestWizardAsksWhichMainTheImageBuilds(t *testing.T) {
	dir := existingService(t, map[string]string{"cmd/api/main.go": chiMain, "cmd/worker/main.go": "package main\n\nfunc main() {}\n"})
	p := &wizardtest.Scripted{Answers: map[string]string{"Service name": "rest", wizard.AskWire: "false", wizard.AskMain: "cmd/worker"}}
	if r := run(t, p, "init", "--dir", dir); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	if p.Defaults[wizard.AskMain] != "cmd/api" {
		t.Errorf("default %q, want the main that serves HTTP", p.Defaults[wizard.AskMain])
	}
	if df := readFile(t, dir, "Dockerfile"); !strings.Contains(df, "./cmd/worker\n") {
		t.Errorf("Dockerfile does not build the chosen main:\n%s", df)
	}
}

// A build that needs cgo gets a Dockerfile with cgo on a libc image; a
// Dockerfile of the service's is kept, and the report says what the stack
// expects of it.
func TestDockerfileCgoAndKept(t *testing.T) {
	dir := existingService(t, map[string]string{"main.go": chiMain, "db/db.go": "package db\n\nimport _ \"github.com/mattn/go-sqlite3\"\n"})
	mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "rest")
	df := readFile(t, dir, "Dockerfile")
	for _, want := range []string{"CGO_ENABLED=1", "FROM golang:1.26-bookworm", "FROM debian:bookworm-slim", "wget"} {
		if !strings.Contains(df, want) {
			t.Errorf("cgo Dockerfile lacks %q:\n%s", want, df)
		}
	}

	dir = existingService(t, map[string]string{"main.go": chiMain, "Dockerfile": "FROM golang:1.22\n"})
	out := mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "rest")
	if !strings.Contains(out, "unchanged  Dockerfile  (kept: not written by obsgen; the stack builds it and expects the service on port 8080") {
		t.Errorf("report:\n%s", out)
	}
	if readFile(t, dir, "Dockerfile") != "FROM golang:1.22\n" {
		t.Error("the service's Dockerfile was changed")
	}
}

// promptOrder wraps a scripted prompter and records, for the questions
// about the service's own mains, whether they came after the summary's
// confirmation or while the repository's write lock was held.
type promptOrder struct {
	*wizardtest.Scripted
	dir  string
	late []string
}

func (p *promptOrder) note(msg string) {
	if msg != wizard.AskWire && msg != wizard.AskMain {
		return
	}
	if slices.Contains(p.Asked, wizard.AskConfirm) {
		p.late = append(p.late, msg+": asked after the summary was confirmed")
	}
	unlock, err := writer.Lock(p.dir)
	if err != nil {
		p.late = append(p.late, msg+": asked while the repository lock is held")
		return
	}
	unlock()
}

func (p *promptOrder) Confirm(msg, help string, def bool) (bool, error) {
	p.note(msg)
	return p.Scripted.Confirm(msg, help, def)
}

func (p *promptOrder) Select(msg, help string, options []string, def string) (string, error) {
	p.note(msg)
	return p.Scripted.Select(msg, help, options, def)
}

// Every question, the wiring ones included, comes before the summary the
// user confirms, and none while the lock is held: the summary is the last
// word before obsgen writes.
func TestWiringQuestionsComeBeforeTheSummary(t *testing.T) {
	dir := existingService(t, map[string]string{"cmd/api/main.go": chiMain, "cmd/worker/main.go": "package main\n\nfunc main() {}\n"})
	p := &promptOrder{Scripted: &wizardtest.Scripted{Answers: map[string]string{"Service name": "rest", wizard.AskWire: "true", wizard.AskMain: "cmd/api"}}, dir: dir}
	r := run(t, p, "init", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	for _, q := range []string{wizard.AskMain, wizard.AskWire} {
		if !slices.Contains(p.Asked, q) {
			t.Errorf("not asked %q: %v", q, p.Asked)
		}
	}
	for _, l := range p.late {
		t.Error(l)
	}
	if !strings.Contains(readFile(t, dir, "cmd/api/main.go"), "observability.Serve") {
		t.Error("the chosen main was not wired")
	}
}

// -o json lists the planned rewrite of the service's own database client
// next to the mains' wiring, as the text report shows its patch.
func TestJSONReportListsClientRewrites(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "go.mod", "module example.com/orders\n\ngo 1.24\n\nrequire github.com/jackc/pgx/v5 v5.9.2\n")
	writeFile(t, dir, "main.go", "package main\n\nimport \"example.com/orders/internal/store\"\n\nfunc main() { _, _ = store.Open(\"postgres://db\") }\n")
	writeFile(t, dir, "internal/store/store.go", "package store\n\nimport (\n\t\"database/sql\"\n\n\t_ \"github.com/jackc/pgx/v5/stdlib\"\n)\n\n// Open opens the orders database.\nfunc Open(dsn string) (*sql.DB, error) { return sql.Open(\"pgx\", dsn) }\n")
	code, out, errOut := obsgen(t, dir, "init", "--no-prompt", "--service-name", "orders", "--dry-run", "-o", "json")
	if code != 0 {
		t.Fatalf("init --dry-run -o json: exit %d\n%s%s", code, out, errOut)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Dependencies) != 1 || rep.Dependencies[0].File != "internal/store/store.go" || rep.Dependencies[0].Action != "planned" {
		t.Fatalf("dependencies in the JSON report: %+v, want the planned rewrite of internal/store/store.go", rep.Dependencies)
	}
	if !strings.Contains(rep.Dependencies[0].Patch, `OpenDB("postgres", "pgx", dsn)`) {
		t.Errorf("the rewrite's patch does not open the database through OpenDB:\n%s", rep.Dependencies[0].Patch)
	}
}
