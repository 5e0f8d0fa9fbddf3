package servicetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/testtool"
)

// existing are services shaped like real ones (testdata/existing/<name>,
// each its own module), wired by `obsgen init --wire` and then run.
var existing = []struct {
	name string
	// main is the main package's folder and file.
	main, file string
	// args are the service's own flags; {port} is replaced.
	args []string
	// hit is a request whose route template is route; own is the message
	// the service's own logger writes for it ("" when it logs nothing).
	hit, route, own string
	panicPath       string
	// more checks what only this service does, while it runs.
	more func(t *testing.T, base string, stdout *lineBuffer)
}{
	{"chi-rest", ".", "main.go", nil, "/articles/1", "/articles/{articleID}", "", "/panic", nil},
	{"gin-realworld", ".", "hello.go", nil, "/api/articles/how-to-train-your-dragon", "/api/articles/:slug", "article retrieved", "/api/panic", nil},
	{"echo-clean", ".", "app.go", nil, "/users/42", "/users/:id", "user fetched", "/panic", nil},
	{"inventory", "cmd/inventory", "cmd/inventory/main.go", nil, "/items/sku-1", "/items/{id}", "", "/boom", nil},
	{"payments", ".", "main.go", []string{"-addr", ":{port}"}, "/payments/p-1", "/payments/{id}", "payment looked up", "/crash", nil},
	{"orders", "cmd/orders", "cmd/orders/main.go", nil, "/orders/7", "/orders/{orderID}", "order shown", "/orders/7/fail", nil},
	{"payments-api", ".", "main.go", nil, "/invoices/9", "/invoices/:id", "", "/invoices/9/crash", nil},
	{"catalog", ".", "main.go", nil, "/products/l-1", "/products/:sku", "", "/products/l-1/crash", nil},
	{"notes", "cmd/notes", "cmd/notes/main.go", nil, "/notes/3", "/notes/{id}", "note read", "/notes/3/panic", nil},
	{"shipping", ".", "main.go", nil, "/shipments/s-5", "/shipments/{id}", "shipment tracked", "/shipments/s-5/panic", nil},
	{"ledger", ".", "main.go", nil, "/accounts/a-1/balance", "/accounts/{accountID}/balance", "", "/accounts/a-1/reconcile", nil},
	{"kiosk", ".", "main.go", nil, "/tickets/t-1", "/tickets/{id}", "", "/tickets/t-0", nil},
	{"parcels", ".", "main.go", nil, "/parcels/p-9", "/parcels/{id}", "", "/parcels/p-9/label", nil},
	{"pantry", ".", "main.go", nil, "/recipes/saffron-risotto", "/recipes/:slug", "", "/recipes/saffron-risotto/crash", checkPantry},
}

// existingSays is what init must report about a fixture's main.
var existingSays = map[string][]string{
	"kiosk": {
		"recover middleware of the service's own: s.recoverJSON (line 49): method (*server).recoverJSON (main.go:23) calls recover(); kept, with obsgen's middleware after it",
		`warning: recover middleware of the service's own on a route group: partner.Recover (line 52, on r.Route("/partners") at line 51): func Recover (internal/partner/partner.go:12) calls recover(); it recovers the panics of those routes before obsgen's middleware`,
	},
}

// TestExistingServices wires each fixture and runs it: health endpoints,
// the trace ID on every JSON line a request causes (the service's own
// logger's included), nothing but JSON on stdout, the route template on
// the request metric, a Sentry event for a panic, exit 0 after SIGTERM.
func TestExistingServices(t *testing.T) {
	testtool.Slow(t, "wires and runs existing services")
	goTool := testtool.Go(t)
	for _, fx := range existing {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			if fx.name == "gin-realworld" || fx.name == "shipping" || fx.name == "pantry" {
				testtool.Require(t, "gcc") // go-sqlite3 builds with cgo
			}
			dir := filepath.Join(t.TempDir(), fx.name)
			copyTree(t, filepath.Join("testdata", "existing", fx.name), dir)
			before, _ := os.ReadFile(filepath.Join(dir, fx.file))
			dotenv, _ := os.ReadFile(filepath.Join(dir, ".env"))

			t0 := time.Now()
			out := obsgen(t, dir, "init", "--no-prompt", "--wire", "--service-name", fx.name)
			t.Logf("init --wire: %s", time.Since(t0).Round(time.Millisecond))
			for _, w := range existingSays[fx.name] {
				if !strings.Contains(out, w) {
					t.Errorf("init does not say %q:\n%s", w, out)
				}
			}
			after, _ := os.ReadFile(filepath.Join(dir, fx.file))
			checkPatch(t, fx.name, fx.file, before, after)
			if dotenv != nil {
				if now, _ := os.ReadFile(filepath.Join(dir, ".env")); !bytes.Equal(now, dotenv) {
					t.Errorf("the service's .env was changed")
				}
			}
			if !strings.Contains(out, "running: go build ./...") {
				t.Errorf("init did not build the wired service:\n%s", out)
			}

			// A second run changes nothing.
			var report struct {
				Files []struct{ Path, Action string }
			}
			if err := json.Unmarshal([]byte(obsgen(t, dir, "init", "--no-prompt", "--wire", "-o", "json")), &report); err != nil {
				t.Fatal(err)
			}
			for _, f := range report.Files {
				if f.Action != "unchanged" {
					t.Errorf("second init: %s %s", f.Action, f.Path)
				}
			}

			bin := filepath.Join(dir, "svc.bin")
			build := exec.Command(goTool, "build", "-o", bin, "./"+fx.main)
			build.Dir = dir
			if b, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, b)
			}
			runExisting(t, bin, fx.args, fx.hit, fx.route, fx.own, fx.panicPath, fx.more)
		})
	}
}

// obsgen runs the CLI in dir and returns stdout and stderr; exit 0 is
// required.
func obsgen(t *testing.T, dir string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(append(args, "--dir", dir), cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	if code != 0 {
		t.Fatalf("obsgen %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	if strings.Contains(strings.Join(args, " "), "-o json") {
		return out.String()
	}
	return out.String() + errOut.String()
}

// checkPatch compares the edit of main with testdata/existing/patches/
// <name>.diff; OBSGEN_UPDATE_PATCHES=1 rewrites it (read the diff).
func checkPatch(t *testing.T, name, file string, before, after []byte) {
	t.Helper()
	got, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(before)), B: difflib.SplitLines(string(after)),
		FromFile: "a/" + file, ToFile: "b/" + file, Context: 2,
	})
	golden := filepath.Join("testdata", "existing", "patches", name+".diff")
	if os.Getenv("OBSGEN_UPDATE_PATCHES") == "1" {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with OBSGEN_UPDATE_PATCHES=1 to create it)", err)
	}
	if got != string(want) {
		t.Errorf("the planned patch of %s differs from %s:\n%s", file, golden, got)
	}
}

func runExisting(t *testing.T, bin string, args []string, hit, route, own, panicPath string, more func(*testing.T, string, *lineBuffer)) {
	traces := startTraceReceiver(t, "grpc")
	sentry := startSentry(t)
	port, metricsPort := freePort(t), freePort(t)
	stdout, stderr := &lineBuffer{}, &lineBuffer{}
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "{port}", port)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = filepath.Dir(bin)
	cmd.Env = append(os.Environ(),
		"PORT="+port,
		"OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1",
		"OTEL_EXPORTER_PROMETHEUS_PORT="+metricsPort,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+traces.addr,
		"OTEL_BSP_SCHEDULE_DELAY=100",
		"OTEL_TRACES_SAMPLER=parentbased_always_on",
		"SENTRY_DSN=http://public@"+sentry.addr+"/1",
		"GIN_MODE=",
	)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
	})
	base := "http://127.0.0.1:" + port
	waitFor(t, 20*time.Second, "readyz 200", func() bool {
		resp, err := http.Get(base + contract.HealthReadinessPath)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if resp := get(t, base+contract.HealthLivenessPath, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("%s: %d", contract.HealthLivenessPath, resp.StatusCode)
	}

	// Every line the request causes carries its trace ID.
	seen := len(jsonLines(t, stdout.String()))
	traceID := randomHex(16)
	resp := get(t, base+hit, traceID)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", hit, resp.StatusCode)
	}
	waitFor(t, 5*time.Second, "access log line", func() bool {
		return stdout.find(func(l map[string]any) bool {
			return l[contract.LogMessage] == contract.AccessLogMessage && l[contract.LogTraceID] == traceID
		}) != nil
	})
	caused := jsonLines(t, stdout.String())[seen:]
	for _, l := range caused {
		if l[contract.LogTraceID] != traceID {
			t.Errorf("a line the request caused has no trace ID %s: %v", traceID, l)
		}
		if l[contract.LogRequestID] != resp.Header.Get(contract.HeaderRequestID) {
			t.Errorf("a line the request caused has request_id %v, the response %q: %v", l[contract.LogRequestID], resp.Header.Get(contract.HeaderRequestID), l)
		}
	}
	if own != "" && stdout.find(func(l map[string]any) bool { return l[contract.LogMessage] == own && l[contract.LogTraceID] == traceID }) == nil {
		t.Errorf("the service's own logger line %q has no trace ID", own)
	}
	checkMetrics(t, "http://127.0.0.1:"+metricsPort+"/metrics", route)

	panicTrace := randomHex(16)
	if resp := get(t, base+panicPath, panicTrace); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("GET %s: %d, want 500", panicPath, resp.StatusCode)
	}
	waitFor(t, 10*time.Second, "Sentry event for the panic", func() bool { return sentry.eventWithTrace(panicTrace) != nil })
	if more != nil {
		more(t, base, stdout)
	}

	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("no exit within 20s of SIGTERM")
	}
	jsonLines(t, stdout.String()) // nothing but JSON, to the end
}

// jsonLines parses every stdout line; a line that is not JSON fails.
func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Errorf("stdout line is not JSON: %q", sc.Text())
			continue
		}
		out = append(out, l)
	}
	return out
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// refused are services obsgen does not wire: init leaves their mains as
// they were, exits 0, and prints the refusal and the lines to add by hand.
var refused = []struct {
	name, file string
	// want are in the output: the refusal and the service's own names.
	want []string
}{
	{"storefront", "cmd/api/main.go", []string{
		"gorilla/mux is not supported: obsgen's middleware cannot read its route templates",
		"handler := observability.Middleware(r)",
		"instead of the goroutine that serves (line 27), your signal wait (line 34), the Shutdown call (line 38) and the srv it then leaves unused (kept beside Serve",
		"if err := observability.Serve(ctx, *addr, handler); err != nil {",
	}},
	{"bookshelf", "main.go", []string{
		"the router e is built by router.New (line 9), in another package",
		"conflicting middleware: middleware.Recover (router/router.go:16)",
		"e.Use(observability.Middleware())",
		"//   middleware.Logger at router/router.go:15\n  //   middleware.Recover at router/router.go:16",
		`if err := observability.Serve(ctx, ":8585", e); err != nil {`,
	}},
}

// TestExistingRefused runs init --wire on services obsgen refuses to
// wire: their mains stay untouched (so their shutdown is what it was), the
// refusal names what to do by hand, and the service still builds beside
// the generated package.
func TestExistingRefused(t *testing.T) {
	testtool.Slow(t, "runs init and go build")
	goTool := testtool.Go(t)
	for _, fx := range refused {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), fx.name)
			copyTree(t, filepath.Join("testdata", "existing", fx.name), dir)
			before, _ := os.ReadFile(filepath.Join(dir, fx.file))
			out := obsgen(t, dir, "init", "--no-prompt", "--wire", "--service-name", fx.name)
			if after, _ := os.ReadFile(filepath.Join(dir, fx.file)); !bytes.Equal(after, before) {
				t.Errorf("%s was edited", fx.file)
			}
			for _, w := range fx.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			_, warning, _ := strings.Cut(out, "warning: obsgen cannot wire "+fx.file+" by itself: ")
			warning, _, _ = strings.Cut(warning, "\n")
			if warning == "" || strings.Contains(warning, "no serve call") || strings.Contains(out, "router.Use") {
				t.Errorf("the refusal misreads main:\n%s", out)
			}
			if strings.Contains(out, `Serve(ctx, ":8080"`) {
				t.Errorf("the lines move the service to :8080:\n%s", out)
			}
			build := exec.Command(goTool, "build", "./...")
			build.Dir = dir
			if b, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, b)
			}
		})
	}
}
