package servicetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/contract"
)

// The conformance suite: one table of contract cases, run against a
// running generated service of every language through one interface. A
// language supplies a starter (generate and build its service, start it
// with the test's backends, regenerate it with changed answers) and the
// facts that differ by language; it adds no case of its own here. What a
// language cannot meet is in the case's cannot map, with why, and in its
// docs page.

// starter is one language's way to run the service obsgen generated.
type starter interface {
	// facts are what differs by language and framework.
	facts() facts
	// start runs the service as last generated, with a fresh trace
	// receiver and Sentry stand-in, free ports and env added, and waits
	// until it is ready. The process is killed when the test ends.
	start(t *testing.T, env ...string) *running
	// regenerate changes answers (obsgen generate --set k=v ...) and
	// rebuilds the service.
	regenerate(t *testing.T, sets ...string)
}

// facts are the differences between languages the cases read.
type facts struct {
	// lang names the language in cannot maps: "go", "node".
	lang string
	// route is the template the framework reports for /hello/{name}.
	route string
	// runtime are the runtime metrics only this language exports.
	runtime []string
	// panicValue is in the panic field of /panic's error line and in its
	// Sentry exception.
	panicValue string
}

// Every service the suite runs serves these routes (the Go probe's
// handlers, internal/nodefixture for Node):
//
//	GET  /hello/{name}  logs "saying hello"
//	GET  /log           logs the logger's own key names as a caller's,
//	                    a group or child logger, a request with its
//	                    credentials and personal data, the baggage it saw
//	GET  /errors        reports two errors 50 times each, interleaved,
//	                    and a third once
//	GET  /panic         panics (Go) or throws (Node)
//	GET  /fail          answers 503
//	POST /upload        reads the body
//	GET  /api/user      on a router mounted under /api: 200, 401 with
//	                    ?deny=1, 503 with ?shed=1, 500 with ?boom=1
//	                    (through the framework's error path where it has
//	                    one: an error with a status, a plain error); on
//	                    Node the router's own error handler answers them
//	                    as {"api_error": ...}

// variant is a set of answers the service is regenerated with; cases run
// against the variant they name, in table order, on one process.
type variant struct {
	name string
	sets []string
	// env is set on the variant's process.
	env []string
}

var variants = []variant{
	{name: "default"},
	{name: "sentry sampled", sets: []string{"sentry-sample-rate=0.25"}},
	// A ratio of 0.3: few enough to tell the ratio from a client's
	// sampled flag.
	{name: "internet-facing", sets: []string{"sentry-sample-rate=1", "internet-facing=true", "tls-in-front=true",
		"rate-limit=20", "trusted-proxy-hops=1", "max-body-bytes=1024"},
		env: []string{"OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.3"}},
}

// sentrySampleRate is the sentry sampled variant's rate.
const sentrySampleRate = 0.25

type conformanceCase struct {
	name, variant string
	run           func(t *testing.T, c *caseRun)
	// cannot holds, by language, why that language cannot meet the case
	// (docs/<language>.md says so too).
	cannot map[string]string
}

// caseRun is what a case gets: the variant's running service, the
// starter (for cases that need a process of their own) and the facts.
type caseRun struct {
	r *running
	s starter
	f facts
}

var conformance = []conformanceCase{
	{name: "log keys and reserved names", variant: "default", run: caseReservedKeys},
	{name: "IDs under groups and child loggers", variant: "default", run: caseGroupIDs},
	{name: "sampling flag truth", variant: "default", run: caseSampledFlag},
	{name: "trace context in logs and spans", variant: "default", run: caseTraceContext},
	{name: "request ID in and out", variant: "default", run: caseRequestID},
	{name: "redaction by key and by value", variant: "default", run: caseRedaction},
	{name: "raw path not logged", variant: "default", run: caseNoRawPath},
	{name: "security headers and probes", variant: "default", run: caseSecurityHeaders},
	{name: "probes bypass the service's middleware", variant: "default", run: caseProbesBypassService},
	{name: "body limit", variant: "default", run: caseBodyLimit},
	{name: "chunked body limit", variant: "default", run: caseChunkedBodyLimit, cannot: map[string]string{
		"node": "a body without Content-Length is bounded by the framework's body parser (Express: the parser's own limit, 100 kB for express.json), not by edge.max_body_bytes: the edge cannot see its size before the route reads it",
	}},
	{name: "panic line and Sentry event", variant: "default", run: casePanic},
	{name: "Sentry repeat filter", variant: "default", run: caseSentryRepeats},
	{name: "metrics", variant: "default", run: caseMetrics},
	{name: "mounted route on errors", variant: "default", run: caseMountedRoute},
	{name: "a chosen 5xx is no panic", variant: "default", run: caseChosen5xx},
	{name: "the service's own error handler", variant: "default", run: caseOwnErrorHandler, cannot: map[string]string{
		"go": "a recover middleware of the service's own, installed before obsgen's, catches a panic first; the Go probe has none, and that shape is not wired yet (docs/existing-services.md)",
	}},
	{name: "exemplars", variant: "default", run: caseExemplars, cannot: map[string]string{
		"node": "@opentelemetry/exporter-prometheus (0.223) writes no exemplars, in either exposition format",
	}},
	{name: "sampler argument alone", variant: "default", run: caseSamplerArg},
	{name: "first error series at 0", variant: "default", run: caseFirstErrorSeries},
	{name: "collector down", variant: "default", run: caseCollectorDown},
	// Ends the variant's process.
	{name: "drain and readiness at SIGTERM", variant: "default", run: caseDrain},
	{name: "second signal", variant: "default", run: caseSecondSignal},
	{name: "uncaught error", variant: "default", run: caseUncaught, cannot: map[string]string{
		"go": "a panic outside a handler (in a goroutine of the service's own) ends a Go program before any deferred code of the package can run; only handlers' panics are recovered, logged and reported",
	}},

	{name: "Sentry sampling", variant: "sentry sampled", run: caseSentrySampling},

	{name: "trace trust on public endpoints", variant: "internet-facing", run: caseUntrusted},
	{name: "rate limit", variant: "internet-facing", run: caseRateLimit},
	{name: "configured body limit", variant: "internet-facing", run: caseConfiguredBodyLimit},
}

// runConformance runs every case against the service s starts: each
// variant is generated and built once and started once for its cases.
func runConformance(t *testing.T, s starter) {
	f := s.facts()
	for _, v := range variants {
		if v.sets != nil {
			s.regenerate(t, v.sets...)
		}
		r := s.start(t, v.env...)
		for _, cc := range conformance {
			if cc.variant != v.name {
				continue
			}
			t.Run(cc.name, func(t *testing.T) {
				if why, ok := cc.cannot[f.lang]; ok {
					t.Skipf("%s cannot: %s", f.lang, why)
				}
				cc.run(t, &caseRun{r: r, s: s, f: f})
			})
		}
	}
}

// regenerate runs obsgen generate in dir with sets, as a user changing
// answers does.
func regenerate(t *testing.T, dir string, sets ...string) {
	args := []string{"generate", "--dir", dir}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	var out, errOut bytes.Buffer
	code := cli.Main(args, cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	if code != 0 {
		t.Fatalf("obsgen %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
}

func caseReservedKeys(t *testing.T, c *caseRun) {
	traceID := randomHex(16)
	get(t, c.r.base+"/log", traceID)
	l, raw := logLine(t, c.r, "calling payments", traceID)
	seen := map[string]int{}
	for _, k := range topLevelKeys(t, raw) {
		seen[k]++
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("key %q appears %d times: %s", k, n, raw)
		}
	}
	if !strings.HasPrefix(fmt.Sprint(l[contract.LogService]), "svc-") || l[contract.LogLevel] != contract.LevelInfo ||
		l[contract.LogTraceID] != traceID || l[contract.LogMessage] != "calling payments" {
		t.Errorf("a caller's attributes overrode the logger's keys: %s", raw)
	}
	for k, v := range map[string]string{"service": "payments", "level": "fatal", "trace_id": "forged", "msg": "forged"} {
		if l[contract.LogRenamedPrefix+k] != v {
			t.Errorf("the caller's %s=%s is not kept as %s%s: %s", k, v, contract.LogRenamedPrefix, k, raw)
		}
	}
	for _, k := range []string{contract.LogTime, contract.LogVersion, contract.LogEnvironment, contract.LogSpanID, contract.LogRequestID} {
		if _, ok := l[k]; !ok {
			t.Errorf("line has no %s: %s", k, raw)
		}
	}
}

// caseGroupIDs: a group (Go) or child logger (Node) keeps the IDs at the
// top level and its own attributes under its name.
func caseGroupIDs(t *testing.T, c *caseRun) {
	traceID := randomHex(16)
	get(t, c.r.base+"/log", traceID)
	g, raw := logLine(t, c.r, "query done", traceID)
	db, _ := g["db"].(map[string]any)
	if g[contract.LogTraceID] != traceID || g[contract.LogSpanID] == nil || g[contract.LogRequestID] == nil || g[contract.LogTraceSampled] != true {
		t.Errorf("grouped logger: correlation IDs not at the top level: %s", raw)
	}
	// The line's own attribute: in the group in Go (slog.WithGroup), on
	// the line in Node (a pino child's bindings are not a group).
	rows := db["rows"]
	if rows == nil {
		rows = g["rows"]
	}
	if rows != 3.0 || db["table"] != "orders" || db[contract.LogTraceID] != nil {
		t.Errorf("grouped logger: attributes not in the group, or IDs in it: %s", raw)
	}
	if n := bytes.Count(raw, []byte(`"`+contract.LogTraceID+`"`)); n != 1 {
		t.Errorf("grouped logger: %d trace_id keys: %s", n, raw)
	}
}

// caseSampledFlag: trace_sampled says whether the trace reaches the
// backend; an unsampled trace's trace_id links to nothing.
func caseSampledFlag(t *testing.T, c *caseRun) {
	for _, flags := range []string{"00", "01"} {
		id := randomHex(16)
		req := request(t, c.r.base+"/hello/flag", "")
		req.Header.Set("traceparent", "00-"+id+"-"+randomHex(8)+"-"+flags)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		l, raw := logLine(t, c.r, contract.AccessLogMessage, id)
		if want := flags == "01"; l[contract.LogTraceSampled] != want {
			t.Errorf("flags %s: %s = %v, want %v: %s", flags, contract.LogTraceSampled, l[contract.LogTraceSampled], want, raw)
		}
	}
}

func caseTraceContext(t *testing.T, c *caseRun) {
	traceID := randomHex(16)
	resp := get(t, c.r.base+"/hello/ana", traceID)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(contract.HeaderRequestID) == "" {
		t.Fatalf("GET /hello/ana: %d, %s=%q", resp.StatusCode, contract.HeaderRequestID, resp.Header.Get(contract.HeaderRequestID))
	}
	access, raw := logLine(t, c.r, contract.AccessLogMessage, traceID)
	for k, v := range map[string]any{
		contract.LogHTTPRoute: c.f.route, contract.LogHTTPMethod: "GET", contract.LogHTTPStatus: 200.0,
		contract.LogRequestID: resp.Header.Get(contract.HeaderRequestID), contract.LogTraceSampled: true,
		contract.LogLevel: contract.LevelInfo,
	} {
		if access[k] != v {
			t.Errorf("access log %s = %v, want %v: %s", k, access[k], v, raw)
		}
	}
	for _, k := range []string{contract.LogSpanID, contract.LogDurationMS, contract.LogBytes, contract.LogService, contract.LogTime} {
		if _, ok := access[k]; !ok {
			t.Errorf("access log has no %s: %s", k, raw)
		}
	}
	logLine(t, c.r, "saying hello", traceID)
	waitFor(t, 15*time.Second, "span with the trace ID at the OTLP receiver", func() bool { return c.r.traces.has(traceID) })
	// Health checks leave no access log line.
	get(t, c.r.base+contract.HealthLivenessPath, "")
	time.Sleep(200 * time.Millisecond)
	if l := c.r.logs.find(func(l map[string]any) bool { return l[contract.LogHTTPRoute] == contract.HealthLivenessPath }); l != nil {
		t.Errorf("health check was logged: %v", l)
	}
}

// caseRequestID: a trusted caller's X-Request-ID is kept, in and out.
func caseRequestID(t *testing.T, c *caseRun) {
	req := request(t, c.r.base+"/hello/id", "")
	req.Header.Set(contract.HeaderRequestID, "caller-id-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get(contract.HeaderRequestID); got != "caller-id-42" {
		t.Errorf("a caller's %s is not kept: %q", contract.HeaderRequestID, got)
	}
	waitFor(t, 5*time.Second, "the handler's line with the caller's request ID", func() bool {
		return c.r.logs.find(func(l map[string]any) bool {
			return l[contract.LogMessage] == "saying hello" && l[contract.LogRequestID] == "caller-id-42"
		}) != nil
	})
}

func caseRedaction(t *testing.T, c *caseRun) {
	traceID := randomHex(16)
	req := request(t, c.r.base+"/log?token=s3cr3t-query&page=2", traceID)
	req.Header.Set("Authorization", "Bearer eyJhbGciOi.secret")
	req.Header.Set("Cookie", "session=abc123")
	req.Header.Set("X-Api-Key", "key-123")
	req.Header.Set("X-Tenant", "acme")
	req.Header.Set("baggage", "tenant=acme")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, raw := logLine(t, c.r, "inbound request", traceID)
	// A trusted caller's baggage reaches the handler (the internet-facing
	// variant checks it does not).
	if b, _ := logLine(t, c.r, "baggage", traceID); b["baggage_seen"] != "tenant=acme" {
		t.Errorf("baggage from a trusted caller: %v", b["baggage_seen"])
	}
	for _, secret := range []string{"eyJhbGciOi", "abc123", "key-123", "s3cr3t-query", "4111111111111111", "ana@example.com", `"cvv":"123"`} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%q reached the log: %s", secret, raw)
		}
	}
	for _, kept := range []string{"acme", `"page":`, `"span_name":"kept"`, `"plan":"gold"`} {
		if !bytes.Contains(raw, []byte(kept)) {
			t.Errorf("%s was redacted or lost: %s", kept, raw)
		}
	}
}

// caseNoRawPath: the access line has the route, never the raw path
// (logs.access_log_path is false by default): paths hold user input.
func caseNoRawPath(t *testing.T, c *caseRun) {
	traceID := randomHex(16)
	get(t, c.r.base+"/hello/ana@example.com", traceID)
	l, raw := logLine(t, c.r, contract.AccessLogMessage, traceID)
	if p, ok := l[contract.LogHTTPPath]; ok || bytes.Contains(raw, []byte("ana@example.com")) {
		t.Errorf("access log has the raw path %v: %s", p, raw)
	}
}

// securityHeaders are the headers the edge sets on every response.
var securityHeaders = map[string]string{
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
	"X-Frame-Options":         "DENY",
	"Content-Security-Policy": "frame-ancestors 'none'",
}

func caseSecurityHeaders(t *testing.T, c *caseRun) {
	for _, path := range []string{"/hello/headers", contract.HealthLivenessPath} {
		resp := get(t, c.r.base+path, "")
		for k, v := range securityHeaders {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, v)
			}
		}
		if h := resp.Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("GET %s: HSTS %q without edge.tls_in_front", path, h)
		}
	}
	checkProbeMethods(t, c.r.base)
}

// caseBodyLimit: past edge.max_body_bytes (1 MiB by default) a request
// with a Content-Length is refused before its body is read.
func caseBodyLimit(t *testing.T, c *caseRun) {
	if code := rawStatus(t, c.r.base, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 2000000\r\n\r\n"); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MB Content-Length: %d, want 413", code)
	}
	ok, err := http.Post(c.r.base+"/upload", "application/octet-stream", bytes.NewReader(bytes.Repeat([]byte("x"), 1000)))
	if err != nil {
		t.Fatal(err)
	}
	ok.Body.Close()
	if ok.StatusCode != http.StatusOK {
		t.Errorf("1000-byte body: %d", ok.StatusCode)
	}
}

func caseChunkedBodyLimit(t *testing.T, c *caseRun) {
	big := bytes.Repeat([]byte("x"), 2<<20)
	// A MultiReader hides the length: the body goes chunked.
	resp, err := http.Post(c.r.base+"/upload", "application/octet-stream", io.MultiReader(bytes.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB chunked body: %d, want 413", resp.StatusCode)
	}
}

// casePanic: a handler's panic (a thrown error) answers 500, the process
// stays up, one error line has the value, the stack and the trace ID,
// and Sentry gets the exception with its stack and the trace ID and no
// credential of the request.
func casePanic(t *testing.T, c *caseRun) {
	traceID := randomHex(16)
	req := request(t, c.r.base+"/panic?token=qu3ry-s3cret", traceID)
	req.Header.Set("Cookie", "session=c00kie-s3cret")
	req.Header.Set("Authorization", "Bearer t0ken-s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("GET /panic: %d, want 500", resp.StatusCode)
	}
	if resp := get(t, c.r.base+"/hello/bo", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a panic: %d, want 200", resp.StatusCode)
	}
	l, raw := logLine(t, c.r, contract.LogPanicMessage, traceID)
	if !isPanicLine(l, traceID, c.f.panicValue) {
		t.Errorf("the panic's line has not its value (%q) in %q, its stack in %q, level error: %s", c.f.panicValue, contract.LogPanic, contract.LogStack, raw)
	}
	if p, ok := l[contract.LogHTTPPath]; ok {
		t.Errorf("the panic's line has the raw path %v (logs.access_log_path is false): %s", p, raw)
	}
	if stack, _ := l[contract.LogStack].(string); len(stack) > 9<<10 {
		t.Errorf("stack of %d bytes is not bounded", len(stack))
	}
	var event map[string]any
	waitFor(t, 15*time.Second, "Sentry event for the panic", func() bool {
		event = c.r.sentry.eventWithTrace(traceID)
		return event != nil
	})
	if ex := fmt.Sprint(event["exception"]); !strings.Contains(ex, c.f.panicValue) || !strings.Contains(ex, "stacktrace") {
		t.Errorf("Sentry event has no exception with a stack trace: %s", ex)
	}
	if b, _ := json.Marshal(event); bytes.Contains(b, []byte("s3cret")) {
		t.Errorf("a cookie, credential or query value reached Sentry: %s", b)
	}
	if event["environment"] != "production" || !strings.HasPrefix(fmt.Sprint(event["release"]), "svc-") {
		t.Errorf("Sentry event environment/release: %v / %v", event["environment"], event["release"])
	}
}

// caseSentryRepeats: two errors reported 50 times each within a minute,
// interleaved, are one event each; a third error still gets through.
func caseSentryRepeats(t *testing.T, c *caseRun) {
	get(t, c.r.base+"/errors", "")
	for deadline := time.Now().Add(15 * time.Second); c.r.sentry.count("ledger write failed") == 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	for _, msg := range []string{"payment provider unreachable", "inventory lookup failed", "ledger write failed"} {
		if n := c.r.sentry.count(msg); n != 1 {
			t.Errorf("%q became %d Sentry events, want 1", msg, n)
		}
	}
}

func caseMetrics(t *testing.T, c *caseRun) {
	get(t, c.r.base+"/hello/metrics", "")
	get(t, c.r.base+"/fail", "")
	time.Sleep(200 * time.Millisecond)
	checkExposition(t, c.r.metrics, c.f.route, c.f.runtime...)
	text := scrape(t, c.r.metrics, "")
	for _, want := range []string{contract.ActiveRequests, `error_type="503"`, "service_instance_id=", "host_name="} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}

// caseProbesBypassService: the service's own middleware (a load shedder
// answering 503) runs for its routes, never for the probes: a liveness
// probe that fails with the database restarts pods that are fine.
func caseProbesBypassService(t *testing.T, c *caseRun) {
	status := func(path string) int {
		req := request(t, c.r.base+path, "")
		req.Header.Set("X-Overloaded", "1")
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := status("/hello/shed"); code != http.StatusServiceUnavailable {
		t.Fatalf("the service's own middleware answered /hello/shed with %d, not 503: the case proves nothing", code)
	}
	for _, p := range []string{contract.HealthLivenessPath, contract.HealthReadinessPath} {
		if code := status(p); code != http.StatusOK {
			t.Errorf("%s answered %d while the service sheds load: its own middleware ran for the probe", p, code)
		}
	}
}

// caseChosen5xx: a 503 the service answers on purpose (an error that
// carries its status, where the framework has one) keeps its status and is
// neither a panic line nor a Sentry event, while a plain error is both.
func caseChosen5xx(t *testing.T, c *caseRun) {
	shed := randomHex(16)
	if code := get(t, c.r.base+"/api/user?shed=1", shed).StatusCode; code != http.StatusServiceUnavailable {
		t.Errorf("GET /api/user?shed=1: %d, want the chosen 503", code)
	}
	// The panic of a plain error arrives; the chosen 503's would have too.
	boom := randomHex(16)
	get(t, c.r.base+"/api/user?boom=1", boom)
	logLine(t, c.r, contract.LogPanicMessage, boom)
	waitFor(t, 15*time.Second, "Sentry event for the plain error", func() bool { return c.r.sentry.eventWithTrace(boom) != nil })
	for _, line := range c.r.logs.lines() {
		var l map[string]any
		if json.Unmarshal(line, &l) == nil && l[contract.LogMessage] == contract.LogPanicMessage && l[contract.LogTraceID] == shed {
			t.Errorf("the chosen 503 was logged as a panic: %s", line)
		}
	}
	if c.r.sentry.eventWithTrace(shed) != nil {
		t.Errorf("the chosen 503 was reported to Sentry")
	}
}

// caseOwnErrorHandler: where a router has an error handler of the
// service's own that answers (an Express final error middleware that does
// not call next, a Fastify setErrorHandler), it keeps answering in its own
// format, and a plain error is still a panic line and a Sentry event while
// an error with its own status is neither.
func caseOwnErrorHandler(t *testing.T, c *caseRun) {
	answer := func(q, traceID string) (int, string) {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(request(t, c.r.base+"/api/user?"+q, traceID))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	boom, deny := randomHex(16), randomHex(16)
	if code, body := answer("boom=1", boom); code != http.StatusInternalServerError || !strings.Contains(body, `"api_error":"internal"`) {
		t.Errorf("GET /api/user?boom=1: %d %s, want the service's own handler's 500 {\"api_error\":\"internal\"}", code, body)
	}
	if code, body := answer("deny=1", deny); code != http.StatusUnauthorized || !strings.Contains(body, `"api_error":"unauthorized"`) {
		t.Errorf("GET /api/user?deny=1: %d %s, want the service's own handler's 401", code, body)
	}
	l, raw := logLine(t, c.r, contract.LogPanicMessage, boom)
	if !isPanicLine(l, boom, "user store down") {
		t.Errorf("the error's line has not its value, its stack, level error: %s", raw)
	}
	waitFor(t, 15*time.Second, "Sentry event for the error the service's handler answered", func() bool { return c.r.sentry.eventWithTrace(boom) != nil })
	if c.r.logs.find(func(l map[string]any) bool {
		return l[contract.LogTraceID] == deny && l[contract.LogMessage] == contract.LogPanicMessage
	}) != nil {
		t.Error("the 401 was logged as a panic")
	}
	if c.r.sentry.eventWithTrace(deny) != nil {
		t.Error("the 401 was reported to Sentry")
	}
}

// caseMountedRoute: a route of a router mounted under /api keeps its full
// template whether it succeeds, refuses or fails. A refusal labelled
// /user and a success /api/user split every per-route ratio and SLO.
func caseMountedRoute(t *testing.T, c *caseRun) {
	for _, q := range []string{"", "?deny=1", "?boom=1"} {
		get(t, c.r.base+"/api/user"+q, "")
	}
	time.Sleep(200 * time.Millisecond)
	codes := map[string]bool{}
	for _, line := range strings.Split(scrape(t, c.r.metrics, ""), "\n") {
		if !strings.HasPrefix(line, contract.RequestDurationCount+"{") {
			continue
		}
		if strings.Contains(line, contract.LabelRoute+`="/user"`) {
			t.Errorf("a request under /api lost the mount path: %s", line)
		}
		if !strings.Contains(line, contract.LabelRoute+`="/api/user"`) {
			continue
		}
		for _, code := range []string{"200", "401", "500"} {
			if strings.Contains(line, contract.LabelStatus+`="`+code+`"`) {
				codes[code] = true
			}
		}
	}
	for _, code := range []string{"200", "401", "500"} {
		if !codes[code] {
			t.Errorf("no %s series with %s=\"/api/user\"", code, contract.LabelRoute)
		}
	}
}

func caseExemplars(t *testing.T, c *caseRun) { checkExemplars(t, c.r) }

// caseCollectorDown: with the trace backend gone, requests keep
// succeeding at the speed they had with it up (compared on the same
// machine at the same time: absolute bounds fail on a loaded machine,
// while an exporter that blocks requests costs them seconds).
func caseCollectorDown(t *testing.T, c *caseRun) {
	up := latencies(t, c.r.base)
	c.r.traces.stop()
	down := latencies(t, c.r.base)
	t.Logf("50 requests: median %s, slowest %s with the collector up; median %s, slowest %s with it down",
		up[len(up)/2], up[len(up)-1], down[len(down)/2], down[len(down)-1])
	if down[len(down)/2] > 2*up[len(up)/2]+50*time.Millisecond || down[len(down)-1] > time.Second+up[len(up)-1] {
		t.Errorf("with the collector down requests are slower than with it up")
	}
}

// latencies sends 50 traced requests 20ms apart (the batcher exports
// meanwhile) and returns their durations, sorted.
func latencies(t *testing.T, base string) []time.Duration {
	client := &http.Client{Timeout: 5 * time.Second}
	var out []time.Duration
	for i := range 50 {
		t0 := time.Now()
		resp, err := client.Do(request(t, base+"/hello/x", randomHex(16)))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
		out = append(out, time.Since(t0).Round(time.Microsecond))
		time.Sleep(20 * time.Millisecond)
	}
	slices.Sort(out)
	return out
}

// caseDrain: at SIGTERM readiness turns 503 at once while requests are
// still served for service.drain_delay (5s); then the service drains and
// flushes with bounded timeouts, the collector still down, and exits 0.
func caseDrain(t *testing.T, c *caseRun) {
	t0 := time.Now()
	_ = c.r.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, 2*time.Second, "readiness 503 after SIGTERM", func() bool {
		resp, err := http.Get(c.r.base + contract.HealthReadinessPath)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	time.Sleep(time.Second)
	if resp := get(t, c.r.base+"/hello/draining", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("during the drain delay: %d, want 200", resp.StatusCode)
	}
	select {
	case err := <-c.r.exited:
		took := time.Since(t0)
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
		if took < 4500*time.Millisecond || took > 20*time.Second {
			t.Errorf("shutdown took %s, want the 5s drain delay and at most 20s", took)
		}
		t.Logf("shutdown with the collector down: %s", took.Round(time.Millisecond))
	case <-time.After(25 * time.Second):
		t.Error("service did not exit within 25s of SIGTERM")
	}
}

// caseSecondSignal: SIGINT starts the drain; a second one exits at once.
func caseSecondSignal(t *testing.T, c *caseRun) {
	r := c.s.start(t)
	t0 := time.Now()
	_ = r.cmd.Process.Signal(os.Interrupt)
	waitFor(t, 2*time.Second, "draining", func() bool { code, _ := readyz(t, r.base); return code == http.StatusServiceUnavailable })
	_ = r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.exited:
		if took := time.Since(t0); took > 3*time.Second {
			t.Errorf("second signal: exit after %s, want at once", took)
		}
	case <-time.After(4 * time.Second):
		t.Error("second signal did not exit at once")
	}
}

// caseUncaught: an error thrown outside any handler is logged with its
// stack, reported to Sentry and flushed, and the process exits 1.
func caseUncaught(t *testing.T, c *caseRun) {
	r := c.s.start(t, "OTEL_TRACES_EXPORTER=none")
	t0 := time.Now()
	get(t, r.base+"/crash", "")
	select {
	case err := <-r.exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("exit after an uncaught error: %v, want exit status 1", err)
		}
		t.Logf("uncaught error: exited in %s", time.Since(t0).Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		t.Fatal("service did not exit within 20s of an uncaught error")
	}
	if r.sentry.count("crash example") == 0 {
		t.Error("the uncaught error did not reach Sentry before the exit")
	}
	if r.logs.find(func(l map[string]any) bool {
		stack, _ := l[contract.LogStack].(string)
		return l[contract.LogLevel] == contract.LevelError && l[contract.LogMessage] == "uncaught exception" &&
			strings.Contains(fmt.Sprint(l[contract.LogError]), "crash example") && strings.Contains(stack, "crash example")
	}) == nil {
		t.Errorf("no error log line for the uncaught error with its message in %q and its stack in %q", contract.LogError, contract.LogStack)
	}
}

// caseSentrySampling: with sentry.sample_rate 0.25, about a quarter of
// 100 distinct panics become events (binomial: 25 ± 4.3; the bounds are
// more than four deviations out).
func caseSentrySampling(t *testing.T, c *caseRun) {
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = randomHex(16)
		get(t, c.r.base+"/panic", ids[i])
	}
	// The last panic's line is written when its event is handed over.
	logLine(t, c.r, contract.LogPanicMessage, ids[len(ids)-1])
	time.Sleep(3 * time.Second)
	n := 0
	for _, id := range ids {
		if c.r.sentry.eventWithTrace(id) != nil {
			n++
		}
	}
	t.Logf("sentry.sample_rate %.2f: %d of 100 panics sent", sentrySampleRate, n)
	if n < 7 || n > 45 {
		t.Errorf("%d of 100 panics reached Sentry with sentry.sample_rate %.2f", n, sentrySampleRate)
	}
}

// caseUntrusted: internet-facing, the client's trace context, baggage and
// request ID are not taken; its request ID is logged as client_request_id;
// the sampler's ratio decides, not the client's flag, and a sampled span
// links to the client's trace; HSTS is set with TLS in front.
func caseUntrusted(t *testing.T, c *caseRun) {
	inbound := randomHex(16)
	req := request(t, c.r.base+"/log", inbound)
	req.Header.Set(contract.HeaderRequestID, "client-chosen-42")
	req.Header.Set("baggage", "tenant=evil,role=admin")
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	own := resp.Header.Get(contract.HeaderRequestID)
	if own == "client-chosen-42" || own == "" {
		t.Errorf("the client chose the request ID: %q", own)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS with TLS in front")
	}
	for _, msg := range []string{"calling payments", contract.AccessLogMessage} {
		var l map[string]any
		waitFor(t, 5*time.Second, "the "+msg+" line", func() bool {
			l = c.r.logs.find(func(l map[string]any) bool {
				return l[contract.LogMessage] == msg && l[contract.LogRequestID] == own
			})
			return l != nil
		})
		if l[contract.LogTraceID] == inbound {
			t.Errorf("the client's trace ID is the service's: %v", l)
		}
		if l[contract.LogClientRequestID] != "client-chosen-42" {
			t.Errorf("%s line: %s = %v, want the client's ID", msg, contract.LogClientRequestID, l[contract.LogClientRequestID])
		}
	}
	var b map[string]any
	waitFor(t, 5*time.Second, "the baggage line", func() bool {
		b = c.r.logs.find(func(l map[string]any) bool {
			return l[contract.LogMessage] == "baggage" && l[contract.LogRequestID] == own
		})
		return b != nil
	})
	if b["baggage_seen"] != "" {
		t.Errorf("client baggage reached the handler: %v", b)
	}
	// Of 100 requests flagged sampled by the client, about 30 % are.
	sampled, links := clientSampled(t, c.r.base, c.r.logs)
	if sampled > 60 {
		t.Errorf("%d of 100 client-flagged requests were sampled: the client's flag decides, not the 30%% ratio", sampled)
	}
	t.Logf("client-flagged sampled requests kept: %d of 100", sampled)
	checkClientLinks(t, c.r.traces, links)
	// The span's client address is the one the trusted proxy saw.
	var sp span
	waitFor(t, 10*time.Second, "a sampled span with a client address", func() bool {
		var ok bool
		sp, ok = c.r.traces.find(func(s span) bool { return s.attrs["url.path"] == "/hello/s" && s.attrs["client.address"] != "" })
		return ok
	})
	if a := sp.attrs["client.address"]; !strings.HasPrefix(a, "198.51.100.") {
		t.Errorf("span client.address %q, want the address the trusted proxy saw (198.51.100.x)", a)
	}
}

// caseRateLimit: one client (the address the trusted proxy saw, not what
// the client wrote left of it) is limited with 429 and Retry-After;
// another is not; refusals are counted apart from the SLO's metrics and
// have no access line.
func caseRateLimit(t *testing.T, c *caseRun) {
	limited := floodUntilLimited(t, c.r.base+"/hello/flood", "spoofed.by.client, 203.0.113.7")
	if limited == nil || limited.Header.Get("Retry-After") == "" {
		t.Fatalf("100 requests from one client at once: no 429 with Retry-After (%v)", limited)
	}
	req, _ := http.NewRequest(http.MethodGet, c.r.base+"/hello/other", nil)
	req.Header.Set("X-Forwarded-For", "spoofed.by.client, 203.0.113.8")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("another client: %v %v, want 200", err, resp)
	} else {
		resp.Body.Close()
	}
	text := scrape(t, c.r.metrics, "")
	if !strings.Contains(text, contract.RateLimited) {
		t.Errorf("/metrics has no %s", contract.RateLimited)
	}
	if strings.Contains(text, `http_response_status_code="429"`) {
		t.Error("429s are in the request metrics the SLO reads")
	}
	if l := c.r.logs.find(func(l map[string]any) bool { return l[contract.LogHTTPStatus] == 429.0 }); l != nil {
		t.Errorf("a refusal has an access line: %v", l)
	}
}

// caseConfiguredBodyLimit: edge.max_body_bytes 1024 refuses 2 KiB, and the
// refusal is not in the SLO's metrics.
func caseConfiguredBodyLimit(t *testing.T, c *caseRun) {
	if code := rawStatus(t, c.r.base, "POST /upload HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\nContent-Type: application/octet-stream\r\nContent-Length: 2048\r\n\r\n"); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 KiB Content-Length with edge.max_body_bytes 1024: %d, want 413", code)
	}
	if strings.Contains(scrape(t, c.r.metrics, ""), `http_response_status_code="413"`) {
		t.Error("413s are in the request metrics the SLO reads")
	}
}
