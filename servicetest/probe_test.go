package servicetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/contract"
)

// checkProbe runs the probe main of one framework and checks what only Go
// has (the conformance suite checks the contract every language keeps):
// spans' attributes, a panic's span event, streaming, hijacking and
// sendfile through the middleware, readiness checks' reuse, the stamped
// version, OTEL_PROPAGATORS.
func checkProbe(t *testing.T, svc builtService, protocol, route string) {
	failFile := filepath.Join(t.TempDir(), "fail")
	r := start(t, svc.probe, protocol, "PROBE_FAIL_FILE="+failFile)

	t.Run("span route and request ID", func(t *testing.T) { checkSpan(t, r, route) })
	t.Run("panic stack", func(t *testing.T) { checkPanic(t, r) })
	t.Run("streaming and hijack", func(t *testing.T) { checkStreaming(t, r) })
	if svc.name == "svc-nethttp" || svc.name == "svc-chi" {
		// gin and echo hand handlers their own writers; for the two
		// frameworks whose writer the middleware wraps, sendfile stays.
		t.Run("io.ReaderFrom", func(t *testing.T) { checkReaderFrom(t, r) })
	}
	t.Run("readiness", func(t *testing.T) { checkReadiness(t, r, failFile) })
	t.Run("version", func(t *testing.T) { checkStampedVersion(t, r) })
	if svc.name == "svc-nethttp" {
		// Propagation is set up in Setup, the same for every framework.
		t.Run("OTEL_PROPAGATORS", func(t *testing.T) {
			checkPropagators(t, start(t, svc.probe, protocol, "OTEL_PROPAGATORS=baggage"))
		})
	}
}

// checkPropagators: with OTEL_PROPAGATORS=baggage a traceparent is not
// read (a new trace starts) while baggage still is.
func checkPropagators(t *testing.T, r *running) {
	inbound := randomHex(16)
	req := request(t, r.base+"/log", inbound)
	req.Header.Set("baggage", "tenant=acme")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get(contract.HeaderRequestID)
	var b map[string]any
	waitFor(t, 5*time.Second, "the baggage line", func() bool {
		b = r.logs.find(func(l map[string]any) bool {
			return l[contract.LogMessage] == "baggage" && l[contract.LogRequestID] == id
		})
		return b != nil
	})
	if b[contract.LogTraceID] == inbound || b[contract.LogTraceID] == nil {
		t.Errorf("traceparent was read with OTEL_PROPAGATORS=baggage: %v", b)
	}
	if b["baggage_seen"] != "tenant=acme" {
		t.Errorf("baggage not read with OTEL_PROPAGATORS=baggage: %v", b)
	}
}

// logLine finds the line with msg logged under traceID, and its raw bytes.
func logLine(t *testing.T, r *running, msg, traceID string) (map[string]any, []byte) {
	t.Helper()
	var found map[string]any
	var raw []byte
	waitFor(t, 5*time.Second, "log line "+msg, func() bool {
		for _, line := range r.logs.lines() {
			var l map[string]any
			if json.Unmarshal(line, &l) == nil && l[contract.LogMessage] == msg && (traceID == "" || l[contract.LogTraceID] == traceID) {
				found, raw = l, line
				return true
			}
		}
		return false
	})
	return found, raw
}

// topLevelKeys lists the keys of a JSON object in order, duplicates kept:
// encoding/json would keep the last of two, as the log pipelines do.
func topLevelKeys(t *testing.T, line []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", line)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func checkSpan(t *testing.T, r *running, route string) {
	traceID := randomHex(16)
	resp := get(t, r.base+"/hello/ana", traceID)
	id := resp.Header.Get(contract.HeaderRequestID)
	var s span
	waitFor(t, 10*time.Second, "server span of /hello", func() bool {
		var ok bool
		s, ok = r.traces.find(func(s span) bool { return s.traceID == traceID })
		return ok
	})
	if s.attrs["http.route"] != route || s.name != "GET "+route {
		t.Errorf("span %q has http.route %q, want %q and name %q", s.name, s.attrs["http.route"], route, "GET "+route)
	}
	if s.attrs[contract.LogRequestID] != id || id == "" {
		t.Errorf("span request_id %q, response header %q", s.attrs[contract.LogRequestID], id)
	}
	if s.attrs["http.response.status_code"] != "200" || s.attrs["http.request.method"] != "GET" {
		t.Errorf("span attributes: %v", s.attrs)
	}
	// Inbound context is trusted by default: one trace across services.
	if len(s.links) != 0 {
		t.Errorf("span has links %v; a trusted caller's context is the parent", s.links)
	}

	// A 5xx: span status error and error.type.
	failTrace := randomHex(16)
	get(t, r.base+"/fail", failTrace)
	waitFor(t, 10*time.Second, "server span of /fail", func() bool {
		var ok bool
		s, ok = r.traces.find(func(s span) bool { return s.traceID == failTrace })
		return ok
	})
	if !s.statusError || s.attrs["error.type"] != "503" {
		t.Errorf("5xx span: status error %v, error.type %q", s.statusError, s.attrs["error.type"])
	}
}

func checkPanic(t *testing.T, r *running) {
	traceID := randomHex(16)
	if resp := get(t, r.base+"/panic", traceID); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("GET /panic: %d", resp.StatusCode)
	}
	l, raw := logLine(t, r, contract.LogPanicMessage, traceID)
	stack, _ := l[contract.LogStack].(string)
	if !strings.Contains(stack, "main.init") && !strings.Contains(stack, "main.") || !strings.Contains(stack, "panic") {
		t.Errorf("panic log line has no stack with the handler's frame: %s", raw)
	}
	if len(stack) > 9<<10 {
		t.Errorf("stack of %d bytes is not bounded", len(stack))
	}
	var s span
	waitFor(t, 10*time.Second, "span of the panic", func() bool {
		var ok bool
		s, ok = r.traces.find(func(s span) bool { return s.traceID == traceID })
		return ok
	})
	var exc *spanEvent
	for i := range s.events {
		if s.events[i].name == "exception" {
			exc = &s.events[i]
		}
	}
	if !s.statusError || exc == nil || !strings.Contains(exc.attrs["exception.stacktrace"], "goroutine") ||
		!strings.Contains(exc.attrs["exception.message"], "nil map") {
		t.Errorf("panic span: status error %v, exception event %+v", s.statusError, exc)
	}
}

func checkStreaming(t *testing.T, r *running) {
	t0 := time.Now()
	resp, err := http.Get(r.base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	first := time.Since(t0)
	if err != nil || line != "data: event 0\n" {
		t.Fatalf("first event: %q, %v (status %d)", line, err, resp.StatusCode)
	}
	// The handler takes 900ms; a flushed first event arrives long before.
	if first > 600*time.Millisecond {
		t.Errorf("first event after %s: the middleware does not flush", first)
	}
	_, _ = io.Copy(io.Discard, resp.Body)

	conn, err := net.Dial("tcp", strings.TrimPrefix(r.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /hijack HTTP/1.1\r\nHost: probe\r\n\r\n")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	hr, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(hr.Body)
	if string(body) != "hijacked" {
		t.Errorf("hijack through the middleware: %d %q", hr.StatusCode, body)
	}
}

func checkReaderFrom(t *testing.T, r *running) {
	resp, err := http.Get(r.base + "/file")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) != 1<<20 {
		t.Errorf("GET /file: %d, %d bytes: %.80s", resp.StatusCode, len(body), body)
	}
	// The bytes sent through ReadFrom are counted.
	var l map[string]any
	waitFor(t, 5*time.Second, "the access log line of /file", func() bool {
		l = r.logs.find(func(l map[string]any) bool {
			return l[contract.LogMessage] == contract.AccessLogMessage && l[contract.LogHTTPRoute] == "/file"
		})
		return l != nil
	})
	if l[contract.LogBytes] != float64(1<<20) || l[contract.LogHTTPStatus] != 200.0 {
		t.Errorf("access log of a ReadFrom response: %v", l)
	}
}

// scrape returns the exposition text for accept.
func scrape(t testing.TB, url, accept string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func checkExemplars(t *testing.T, r *running) {
	traceID := randomHex(16)
	get(t, r.base+"/hello/exemplar", traceID)
	// The request is recorded when the handler returns, which can be just
	// after the client has its answer: look again for a moment.
	var om string
	found := false
	for deadline := time.Now().Add(3 * time.Second); !found && time.Now().Before(deadline); {
		om = scrape(t, r.metrics, "application/openmetrics-text; version=1.0.0")
		for _, line := range strings.Split(om, "\n") {
			if strings.HasPrefix(line, contract.RequestDurationBucket+"{") && strings.Contains(line, `# {trace_id="`+traceID+`"`) {
				found = true
			}
		}
		if !found {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !found {
		var with []string
		for _, line := range strings.Split(om, "\n") {
			if strings.HasPrefix(line, contract.RequestDurationBucket+"{") && strings.Contains(line, "# {") {
				with = append(with, line)
			}
		}
		t.Errorf("no OpenMetrics exemplar with trace %s on %s; bucket lines with exemplars:\n%s", traceID, contract.RequestDurationBucket, strings.Join(with, "\n"))
	}
	for range 100 {
		scrape(t, r.metrics, "application/openmetrics-text; version=1.0.0")
	}
	if l := r.logs.find(func(l map[string]any) bool { return strings.Contains(fmt.Sprint(l), "exemplar") }); l != nil {
		t.Errorf("scrapes log exemplar warnings: %v", l)
	}
}

// checkProbeMethods: the probes answer whatever the method, as a
// load balancer's or a mesh's health check may send HEAD, POST or OPTIONS;
// a reserved path never falls through to the service's own routes.
func checkProbeMethods(t *testing.T, base string) {
	for _, path := range []string{contract.HealthLivenessPath, contract.HealthReadinessPath} {
		for _, method := range []string{http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions} {
			req, err := http.NewRequest(method, base+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s %s: %d, Cache-Control %q, want 200 and no-store (%s)", method, path, resp.StatusCode, resp.Header.Get("Cache-Control"), body)
			}
			if method != http.MethodHead && !strings.Contains(string(body), `"ok"`) {
				t.Errorf("%s %s: body %q, want the probe's status", method, path, body)
			}
		}
		// Some checkers POST a payload of their own: its type and size
		// are nobody's business but the checker's.
		resp, err := http.Post(base+path, "application/xml", strings.NewReader("<ping/>"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("POST %s with an XML body: %d, want 200", path, resp.StatusCode)
		}
	}
}

func readyz(t *testing.T, base string) (int, string) {
	resp, err := http.Get(base + contract.HealthReadinessPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func checkReadiness(t *testing.T, r *running, failFile string) {
	if err := os.WriteFile(failFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var code int
	var body string
	waitFor(t, 5*time.Second, "readiness 503 with the check failing", func() bool {
		code, body = readyz(t, r.base)
		return code == http.StatusServiceUnavailable
	})
	if !strings.Contains(body, `"flaky"`) || strings.Contains(body, "10.0.0.7") {
		t.Errorf("readiness names the failing check, not its error: %s", body)
	}
	waitFor(t, 5*time.Second, "the check's error in the log", func() bool {
		return r.logs.find(func(l map[string]any) bool { return strings.Contains(fmt.Sprint(l[contract.LogError]), "10.0.0.7") }) != nil
	})
	if err := os.Remove(failFile); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "ready again", func() bool { code, _ = readyz(t, r.base); return code == http.StatusOK })

	// 50 probes at once, twice within a second: the 200ms check runs at
	// most twice (one run in flight, results reused for a second).
	time.Sleep(1100 * time.Millisecond)
	before := counter(t, r.base+"/check-runs")
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() { defer wg.Done(); readyz(t, r.base) }()
	}
	wg.Wait()
	for range 50 {
		readyz(t, r.base)
	}
	if runs := counter(t, r.base+"/check-runs") - before; runs > 2 {
		t.Errorf("100 probes ran the check %d times, want at most 2", runs)
	}
}

func counter(t *testing.T, url string) int {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var n int
	_, _ = fmt.Fscan(resp.Body, &n)
	return n
}

func checkStampedVersion(t *testing.T, r *running) {
	l := r.logs.find(func(l map[string]any) bool { return l[contract.LogVersion] != nil })
	if l == nil || l[contract.LogVersion] != probeVersion {
		t.Errorf("log version %v, want the stamped %s", l, probeVersion)
	}
	if r.logs.find(func(l map[string]any) bool {
		return strings.Contains(fmt.Sprint(l[contract.LogMessage]), "version unknown")
	}) != nil {
		t.Error("a stamped build warns that its version is unknown")
	}
	if !strings.Contains(scrape(t, r.metrics, ""), `service_version="`+probeVersion+`"`) {
		t.Errorf("target_info has no service_version %s", probeVersion)
	}
}
