package servicetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/nodefixture"
	"github.com/obsgen/obsgen/internal/testtool"
)

// nodeServices are real Node services of each kind obsgen generates for:
// both frameworks, TypeScript and JavaScript, ESM and CommonJS, both OTLP
// protocols. They run one after another (two cores).
var nodeServices = []struct {
	name, framework, moduleType, protocol string
	ts                                    bool
}{
	{"express-js-cjs", "express", "commonjs", "grpc", false},
	{"fastify-ts-esm", "fastify", "module", "http", true},
	{"express-ts-cjs", "express", "commonjs", "http", true},
	{"fastify-js-esm", "fastify", "module", "grpc", false},
}

// Node's routers name routes with :params.
const nodeRoute = "/hello/:name"

func TestGeneratedNodeServices(t *testing.T) {
	node := requireTool(t, "node")
	npm := requireTool(t, "npm")
	for _, svc := range nodeServices {
		if !strings.Contains(os.Getenv("OBSGEN_NODE_SERVICES"), svc.name) && os.Getenv("OBSGEN_NODE_SERVICES") != "" {
			continue
		}
		t.Run(svc.name, func(t *testing.T) {
			start := time.Now()
			dir := writeNodeService(t, svc.name, svc.framework, svc.moduleType, svc.ts)
			npmRun(t, npm, dir, "install", "--no-audit", "--no-fund", "--prefer-offline")
			initNodeService(t, dir, "svc-"+svc.name, svc.protocol)
			if svc.ts {
				npmRun(t, npm, dir, "exec", "--", "tsc", "-p", ".")
			}
			t.Logf("fixture, npm install, obsgen init, build: %s", time.Since(start).Round(time.Millisecond))
			args := startArgs(t, dir)
			start = time.Now()
			checkNodeService(t, node, dir, args, svc.protocol)
			checkNodeCrash(t, node, dir, args)
			checkNodeEdgeVariant(t, node, npm, dir, svc.ts)
			t.Logf("run checks: %s", time.Since(start).Round(time.Millisecond))
		})
	}
}

// requireTool finds a program in PATH: the test is skipped without it
// locally and fails under CI.
func requireTool(t testing.TB, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		testtool.Missing(t, name+" is not in PATH: install Node.js 20 or later")
	}
	return p
}

func npmRun(t testing.TB, npm, dir string, args ...string) {
	t.Helper()
	if out, err := nodefixture.NPM(npm, dir, args...); err != nil {
		t.Fatalf("npm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// initNodeService runs `obsgen init` in the service's folder as a user
// would: it detects Node, the framework, TypeScript and the module type
// from package.json, installs the pinned packages and edits the start
// script.
func initNodeService(t testing.TB, dir, name, protocol string) {
	t.Setenv("npm_config_prefer_offline", "true")
	var out, errOut bytes.Buffer
	code := cli.Main([]string{"init", "--no-prompt", "--dir", dir, "--service-name", name,
		"--otlp-protocol", protocol, "--slo-latency-threshold", sloThreshold},
		cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	if code != 0 {
		t.Fatalf("obsgen init: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"detected language node", "running: npm install --save-exact", "running: npm pkg set"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("obsgen init did not say %q:\n%s", want, errOut.String())
		}
	}
}

// startArgs returns node's arguments from the start script obsgen wrote,
// after checking the pinned packages are exact versions.
func startArgs(t *testing.T, dir string) []string {
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"@opentelemetry/sdk-node", "pino", "@sentry/node"} {
		if v := pkg.Dependencies[want]; v == "" || strings.ContainsAny(v, "^~") {
			t.Errorf("package.json dependency %s = %q, want an exact version", want, v)
		}
	}
	args, err := nodefixture.StartArgs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return args
}

// nodeRun is a Node service the test started.
type nodeRun struct {
	cmd           *exec.Cmd
	exited        chan error
	base, metrics string
	logs          *lineBuffer
}

// startNode starts node with args in dir, on free ports, with env added,
// and waits until it is ready. It is killed when the test ends.
func startNode(t *testing.T, node, dir string, args []string, env ...string) *nodeRun {
	port, metricsPort := freePort(t), freePort(t)
	r := &nodeRun{logs: &lineBuffer{}, exited: make(chan error, 1),
		base: "http://127.0.0.1:" + port, metrics: "http://127.0.0.1:" + metricsPort + "/metrics"}
	r.cmd = exec.Command(node, args...)
	r.cmd.Dir = dir
	r.cmd.Env = append(append(os.Environ(), "PORT="+port, "OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1", "OTEL_EXPORTER_PROMETHEUS_PORT="+metricsPort), env...)
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.exited <- r.cmd.Wait() }()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("service output:\n%s", r.logs.String())
		}
	})
	// Loading the SDKs takes seconds on a busy machine.
	waitFor(t, 90*time.Second, "service ready", func() bool {
		resp, err := http.Get(r.base + contract.HealthReadinessPath)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return r
}

func checkNodeService(t *testing.T, node, dir string, args []string, protocol string) {
	traces := startTraceReceiver(t, protocol)
	sentry := startSentry(t)
	run := startNode(t, node, dir, args,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+traces.addr,
		"OTEL_BSP_SCHEDULE_DELAY=100",
		"SENTRY_DSN=http://public@"+sentry.addr+"/1",
	)
	base, logs, cmd, exited := run.base, run.logs, run.cmd, run.exited

	traceID := randomHex(16)
	resp := get(t, base+"/hello/ana", traceID)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(contract.HeaderRequestID) == "" {
		t.Fatalf("GET /hello/ana: %d, %s=%q", resp.StatusCode, contract.HeaderRequestID, resp.Header.Get(contract.HeaderRequestID))
	}
	var access map[string]any
	waitFor(t, 5*time.Second, "access log line with the trace ID", func() bool {
		access = logs.find(func(l map[string]any) bool {
			return l[contract.LogMessage] == contract.AccessLogMessage && l[contract.LogTraceID] == traceID
		})
		return access != nil
	})
	for k, v := range map[string]any{
		contract.LogHTTPRoute: nodeRoute, contract.LogHTTPMethod: "GET", contract.LogHTTPStatus: 200.0,
		contract.LogRequestID: resp.Header.Get(contract.HeaderRequestID), contract.LogHTTPPath: "/hello/ana",
		contract.LogTraceSampled: true, contract.LogLevel: contract.LevelInfo, contract.LogVersion: "1.4.2",
	} {
		if access[k] != v {
			t.Errorf("access log %s = %v, want %v: %v", k, access[k], v, access)
		}
	}
	for _, k := range []string{contract.LogTime, contract.LogSpanID, contract.LogDurationMS, contract.LogBytes, contract.LogService, contract.LogEnvironment} {
		if _, ok := access[k]; !ok {
			t.Errorf("access log has no %s: %v", k, access)
		}
	}
	// The same request ID in, the same out.
	req := request(t, base+"/hello/id", "")
	req.Header.Set(contract.HeaderRequestID, "caller-id-42")
	if r, err := http.DefaultClient.Do(req); err != nil || r.Header.Get(contract.HeaderRequestID) != "caller-id-42" {
		t.Errorf("a caller's %s is not kept: %v %v", contract.HeaderRequestID, err, r)
	} else {
		r.Body.Close()
	}
	if logs.find(func(l map[string]any) bool {
		return l[contract.LogMessage] == "saying hello" && l[contract.LogTraceID] == traceID && l["password"] == "[REDACTED]"
	}) == nil {
		t.Error("the handler's own log line does not carry the trace ID, or its password field is not redacted")
	}
	waitFor(t, 15*time.Second, "span with the trace ID at the OTLP receiver", func() bool { return traces.has(traceID) })

	// Health checks leave no access log line.
	get(t, base+contract.HealthLivenessPath, "")
	if l := logs.find(func(l map[string]any) bool { return l[contract.LogHTTPPath] == contract.HealthLivenessPath }); l != nil {
		t.Errorf("health check was logged: %v", l)
	}

	checkExposition(t, run.metrics, nodeRoute)
	checkNodeEdgeDefaults(t, base)

	// Exactly one tracer provider: the SDK's, not Sentry's, and no
	// duplicate registration of the global.
	var tp struct{ Provider string }
	if r, err := http.Get(base + "/debug/tracer-provider"); err != nil {
		t.Error(err)
	} else {
		_ = json.NewDecoder(r.Body).Decode(&tp)
		r.Body.Close()
	}
	if tp.Provider != "TracerProvider" {
		t.Errorf("the global tracer provider is %q, want the OpenTelemetry SDK's TracerProvider", tp.Provider)
	}
	if strings.Contains(logs.String(), "duplicate registration") {
		t.Error("a second tracer provider tried to register")
	}

	// A thrown error: 500, the process stays up, Sentry gets the exception
	// with the trace ID.
	panicTrace := randomHex(16)
	preq := request(t, base+"/panic?token=qu3ry-s3cret", panicTrace)
	preq.Header.Set("Cookie", "session=c00kie-s3cret")
	preq.Header.Set("Authorization", "Bearer t0ken-s3cret")
	if resp, err := http.DefaultClient.Do(preq); err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("GET /panic: %v %v, want 500", err, resp)
	} else {
		resp.Body.Close()
	}
	if resp := get(t, base+"/hello/bo", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a thrown error: %d, want 200", resp.StatusCode)
	}
	var event map[string]any
	waitFor(t, 15*time.Second, "Sentry event for the thrown error", func() bool {
		event = sentry.eventWithTrace(panicTrace)
		return event != nil
	})
	if ex := fmt.Sprint(event["exception"]); !strings.Contains(ex, "example panic") || !strings.Contains(ex, "stacktrace") {
		t.Errorf("Sentry event has no exception with a stack trace: %s", ex)
	}
	if raw, _ := json.Marshal(event); strings.Contains(string(raw), "s3cret") {
		t.Errorf("PII reached Sentry (a cookie, credential or query value): %s", raw)
	}
	if event["environment"] != "production" || !strings.HasPrefix(fmt.Sprint(event["release"]), "svc-") {
		t.Errorf("Sentry event environment/release: %v / %v", event["environment"], event["release"])
	}
	if logs.find(func(l map[string]any) bool { return isPanicLine(l, panicTrace, "example panic") }) == nil {
		t.Errorf("no error log line for the thrown error with its trace ID, its message in %q and its stack in %q", contract.LogPanic, contract.LogStack)
	}

	// The collector goes away: requests keep succeeding.
	traces.stop()
	client := &http.Client{Timeout: 2 * time.Second}
	var slowest time.Duration
	for i := range 50 {
		t0 := time.Now()
		resp, err := client.Do(request(t, base+"/hello/x", randomHex(16)))
		if err != nil {
			t.Fatalf("request %d with the collector down: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d with the collector down: %d", i, resp.StatusCode)
		}
		slowest = max(slowest, time.Since(t0))
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("collector down: 50 requests, slowest %s", slowest)

	// SIGTERM: drain and flush within the generated bound (5s), even with
	// the collector down.
	t0 := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
		took := time.Since(t0)
		t.Logf("shutdown with the collector down: %s", took.Round(time.Millisecond))
		if took > 7*time.Second {
			t.Errorf("shutdown took %s, more than the 5s flush bound", took)
		}
	case <-time.After(20 * time.Second):
		t.Error("service did not exit within 20s of SIGTERM")
	}
}

// writeNodeService writes the fixture service into a fresh folder.
func writeNodeService(t testing.TB, name, framework, moduleType string, ts bool) string {
	dir := t.TempDir()
	if err := nodefixture.Write(dir, name, framework, moduleType, ts); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkNodeCrash: an uncaught exception is logged, reported to Sentry and
// flushed, and the process exits 1 within the flush bound.
func checkNodeCrash(t *testing.T, node, dir string, args []string) {
	sentry := startSentry(t)
	run := startNode(t, node, dir, args, "OTEL_TRACES_EXPORTER=none", "SENTRY_DSN=http://public@"+sentry.addr+"/1")
	base, logs, exited := run.base, run.logs, run.exited
	t0 := time.Now()
	get(t, base+"/crash", "")
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("exit after an uncaught exception: %v, want exit status 1", err)
		}
		t.Logf("uncaught exception: exited in %s", time.Since(t0).Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		t.Fatal("service did not exit within 20s of an uncaught exception")
	}
	found := false
	sentry.mu.Lock()
	for _, ev := range sentry.events {
		if strings.Contains(fmt.Sprint(ev["exception"]), "crash example") {
			found = true
		}
	}
	sentry.mu.Unlock()
	if !found {
		t.Error("the uncaught exception did not reach Sentry before the exit")
	}
	if logs.find(func(l map[string]any) bool {
		stack, _ := l[contract.LogStack].(string)
		return l[contract.LogLevel] == contract.LevelError && l[contract.LogMessage] == "uncaught exception" &&
			strings.Contains(fmt.Sprint(l[contract.LogError]), "crash example") && strings.Contains(stack, "crash example")
	}) == nil {
		t.Errorf("no error log line for the uncaught exception with its message in %q and its stack in %q", contract.LogError, contract.LogStack)
	}
}
