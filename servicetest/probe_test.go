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

// checkProbe runs the probe main of one framework and checks what a hostile
// client, an unlucky request or a log call can do to it.
func checkProbe(t *testing.T, svc builtService, protocol, route string) {
	failFile := filepath.Join(t.TempDir(), "fail")
	r := start(t, svc.probe, protocol, "PROBE_FAIL_FILE="+failFile)

	t.Run("log keys are the logger's own", func(t *testing.T) { checkLogKeys(t, r) })
	t.Run("redaction", func(t *testing.T) { checkRedaction(t, r) })
	t.Run("span route and request ID", func(t *testing.T) { checkSpan(t, r, route) })
	t.Run("panic stack", func(t *testing.T) { checkPanic(t, r) })
	t.Run("streaming and hijack", func(t *testing.T) { checkStreaming(t, r) })
	if svc.name == "svc-nethttp" || svc.name == "svc-chi" {
		// gin and echo hand handlers their own writers; for the two
		// frameworks whose writer the middleware wraps, sendfile stays.
		t.Run("io.ReaderFrom", func(t *testing.T) { checkReaderFrom(t, r) })
	}
	t.Run("metrics", func(t *testing.T) { checkServerMetrics(t, r, route) })
	t.Run("exemplars", func(t *testing.T) { checkExemplars(t, r) })
	t.Run("security headers and body limit", func(t *testing.T) { checkEdge(t, r) })
	t.Run("readiness", func(t *testing.T) { checkReadiness(t, r, failFile) })
	t.Run("sentry repeats", func(t *testing.T) { checkSentryRepeats(t, r) })
	t.Run("version", func(t *testing.T) { checkStampedVersion(t, r) })
	t.Run("second signal", func(t *testing.T) { checkSecondSignal(t, r) })
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

func checkLogKeys(t *testing.T, r *running) {
	traceID := randomHex(16)
	get(t, r.base+"/log", traceID)
	l, raw := logLine(t, r, "calling payments", traceID)
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
	// A group: the IDs stay at the top level, the caller's attributes
	// in the group.
	g, raw := logLine(t, r, "query done", traceID)
	db, _ := g["db"].(map[string]any)
	if g[contract.LogTraceID] != traceID || g[contract.LogSpanID] == nil || g[contract.LogRequestID] == nil || g[contract.LogTraceSampled] != true {
		t.Errorf("grouped logger: correlation IDs not at the top level: %s", raw)
	}
	if db["rows"] != 3.0 || db["table"] != "orders" || db[contract.LogTraceID] != nil {
		t.Errorf("grouped logger: attributes not in the group, or IDs in it: %s", raw)
	}
	// An unsampled trace says so: its trace_id links to nothing.
	unsampled := randomHex(16)
	req := request(t, r.base+"/hello/un", "")
	req.Header.Set("traceparent", "00-"+unsampled+"-"+randomHex(8)+"-00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, raw := logLine(t, r, contract.AccessLogMessage, unsampled)
	if u[contract.LogTraceSampled] != false {
		t.Errorf("unsampled trace: %s = %v, want false: %s", contract.LogTraceSampled, u[contract.LogTraceSampled], raw)
	}
}

func checkRedaction(t *testing.T, r *running) {
	traceID := randomHex(16)
	req := request(t, r.base+"/log?token=s3cr3t-query&page=2", traceID)
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
	_, raw := logLine(t, r, "inbound request", traceID)
	// A trusted caller's baggage reaches the handler (the untrusted
	// variant checks it does not).
	if b, _ := logLine(t, r, "baggage", traceID); b["baggage_seen"] != "tenant=acme" {
		t.Errorf("baggage from a trusted caller: %v", b["baggage_seen"])
	}
	for _, secret := range []string{"eyJhbGciOi", "abc123", "key-123", "s3cr3t-query", "4111111111111111", "ana@example.com", `"cvv":"123"`} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%q reached the log: %s", secret, raw)
		}
	}
	for _, kept := range []string{"acme", `"page":["2"]`, `"span_name":"kept"`, `"plan":"gold"`} {
		if !bytes.Contains(raw, []byte(kept)) {
			t.Errorf("%s was redacted or lost: %s", kept, raw)
		}
	}
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
func scrape(t *testing.T, url, accept string) string {
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

func checkServerMetrics(t *testing.T, r *running, route string) {
	text := scrape(t, r.metrics, "")
	for _, want := range []string{
		contract.ActiveRequests + "{",
		`error_type="503"`,
		"service_instance_id=",
		"host_name=",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
	if strings.Contains(text, contract.LabelScopeName) {
		t.Errorf("/metrics still has %s labels", contract.LabelScopeName)
	}
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

func checkEdge(t *testing.T, r *running) {
	resp := get(t, r.base+"/hello/h", "")
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if resp.Header.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, resp.Header.Get(k), v)
		}
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS without TLS in front")
	}
	big := bytes.Repeat([]byte("x"), 2<<20)
	up, err := http.Post(r.base+"/upload", "application/octet-stream", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	up.Body.Close()
	if up.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body with Content-Length: %d, want 413", up.StatusCode)
	}
	// Chunked: no length up front, refused when read past the limit.
	chunked, err := http.Post(r.base+"/upload", "application/octet-stream", io.MultiReader(bytes.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	chunked.Body.Close()
	if chunked.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB chunked body: %d, want 413", chunked.StatusCode)
	}
	ok, err := http.Post(r.base+"/upload", "application/octet-stream", bytes.NewReader(big[:1000]))
	if err != nil {
		t.Fatal(err)
	}
	ok.Body.Close()
	if ok.StatusCode != http.StatusOK {
		t.Errorf("1000-byte body: %d", ok.StatusCode)
	}
	checkProbeMethods(t, r.base)
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

func checkSentryRepeats(t *testing.T, r *running) {
	get(t, r.base+"/errors", "")
	waitFor(t, 10*time.Second, "Sentry events of the error storm", func() bool {
		return r.sentry.count("ledger write failed") == 1
	})
	time.Sleep(500 * time.Millisecond)
	if n := r.sentry.count("payment provider unreachable"); n != 1 {
		t.Errorf("50 identical error lines became %d Sentry events, want 1", n)
	}
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

// checkSecondSignal: SIGTERM starts the drain; a second one exits at once.
func checkSecondSignal(t *testing.T, r *running) {
	slow := make(chan int, 1)
	go func() {
		resp, err := http.Get(r.base + "/slow")
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	time.Sleep(200 * time.Millisecond)
	t0 := time.Now()
	_ = r.cmd.Process.Signal(os.Interrupt)
	waitFor(t, 2*time.Second, "draining", func() bool { c, _ := readyz(t, r.base); return c == http.StatusServiceUnavailable })
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
