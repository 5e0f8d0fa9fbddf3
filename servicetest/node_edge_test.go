package servicetest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/contract"
)

// securityHeaders are the headers the Go edge sets on every response; the
// Node glue must set the same.
var securityHeaders = map[string]string{
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
	"X-Frame-Options":         "DENY",
	"Content-Security-Policy": "frame-ancestors 'none'",
}

// checkNodeEdgeDefaults checks the public-endpoint behaviour every
// generated Node service has: security headers on routes and probes, no
// HSTS without TLS in front, 413 past the default body limit (1 MiB).
func checkNodeEdgeDefaults(t *testing.T, base string) {
	for _, path := range []string{"/hello/headers", contract.HealthLivenessPath} {
		resp := get(t, base+path, "")
		for k, v := range securityHeaders {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, v)
			}
		}
		if h := resp.Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("GET %s: HSTS %q without edge.tls_in_front", path, h)
		}
	}
	if code := rawStatus(t, base, "POST /hello/big HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MB Content-Length: %d, want 413 (edge.max_body_bytes is 1 MiB)", code)
	}
	checkProbeMethods(t, base)
}

// rawStatus sends head (a request without its body) on a new connection
// and returns the status of the answer: the server must answer before the
// body, which the test never sends.
func rawStatus(t *testing.T, base, head string) int {
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to %q: %v", head, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// checkNodeEdgeVariant regenerates the service as reachable from the
// internet behind one load balancer, with TLS in front, a rate limit and a
// 1 KiB body limit, and checks what changes for untrusted clients.
func checkNodeEdgeVariant(t *testing.T, node, npm, dir string, ts bool) {
	var out, errOut bytes.Buffer
	code := cli.Main([]string{"generate", "--dir", dir,
		"--set", "internet-facing=true", "--set", "tls-in-front=true", "--set", "rate-limit=20",
		"--set", "trusted-proxy-hops=1", "--set", "max-body-bytes=1024"},
		cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	if code != 0 {
		t.Fatalf("obsgen generate: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if ts {
		npmRun(t, npm, dir, "exec", "--", "tsc", "-p", ".")
	}
	traces := startTraceReceiver(t, "http")
	// A ratio of 0.3: few enough to tell the ratio from a client's sampled flag.
	r := startNode(t, node, dir, startArgs(t, dir),
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+traces.addr,
		"OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.3")

	// The client's trace context, baggage and request ID are not taken.
	inbound := randomHex(16)
	req := request(t, r.base+"/hello/untrusted", inbound)
	req.Header.Set(contract.HeaderRequestID, "client-chosen-42")
	req.Header.Set("baggage", "tenant=evil")
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
	var access map[string]any
	waitFor(t, 5*time.Second, "the untrusted request's access line", func() bool {
		access = r.logs.find(func(l map[string]any) bool {
			return l[contract.LogMessage] == contract.AccessLogMessage && l[contract.LogRequestID] == own
		})
		return access != nil
	})
	if access[contract.LogTraceID] == inbound {
		t.Errorf("the client's trace ID is the service's: %v", access)
	}
	if access[contract.LogClientRequestID] != "client-chosen-42" {
		t.Errorf("%s = %v, want the client's ID", contract.LogClientRequestID, access[contract.LogClientRequestID])
	}
	// The handler's own line carries it too, as on the Go side.
	own2 := r.logs.find(func(l map[string]any) bool {
		return l[contract.LogMessage] == "saying hello" && l[contract.LogRequestID] == own
	})
	if own2 == nil || own2[contract.LogClientRequestID] != "client-chosen-42" {
		t.Errorf("the handler's line %v has no %s of the client's ID", own2, contract.LogClientRequestID)
	}
	// Of 100 requests flagged sampled by the client, about 30 % are.
	sampled, links := clientSampled(t, r.base, r.logs)
	if sampled > 60 {
		t.Errorf("%d of 100 client-flagged requests were sampled: the client's flag decides, not the 30%% ratio", sampled)
	}
	t.Logf("client-flagged sampled requests kept: %d of 100", sampled)
	checkClientLinks(t, traces, links)
	// The span's client address is the one the trusted proxy saw.
	var sp span
	waitFor(t, 10*time.Second, "a sampled span with a client address", func() bool {
		var ok bool
		sp, ok = traces.find(func(s span) bool { return s.attrs["url.path"] == "/hello/s" && s.attrs["client.address"] != "" })
		return ok
	})
	if a := sp.attrs["client.address"]; !strings.HasPrefix(a, "198.51.100.") {
		t.Errorf("span client.address %q, want the address the trusted proxy saw (198.51.100.x)", a)
	}

	// One client (the address the trusted proxy saw, not what the client
	// wrote left of it) is limited; another is not.
	limited := floodUntilLimited(t, r.base+"/hello/flood", "spoofed.by.client, 203.0.113.7")
	if limited == nil || limited.Header.Get("Retry-After") == "" {
		t.Fatalf("100 requests from one client at once: no 429 with Retry-After (%v)", limited)
	}
	req, _ = http.NewRequest(http.MethodGet, r.base+"/hello/other", nil)
	req.Header.Set("X-Forwarded-For", "spoofed.by.client, 203.0.113.8")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("another client: %v %v, want 200", err, resp)
	} else {
		resp.Body.Close()
	}
	if code := rawStatus(t, r.base, "POST /hello/big HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\nContent-Length: 2048\r\n\r\n"); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 KiB Content-Length with edge.max_body_bytes 1024: %d, want 413", code)
	}
	text := scrape(t, r.metrics, "")
	if !strings.Contains(text, contract.RateLimited) {
		t.Errorf("/metrics has no %s", contract.RateLimited)
	}
	for _, refused := range []string{`http_response_status_code="429"`, `http_response_status_code="413"`} {
		if strings.Contains(text, refused) {
			t.Errorf("%s is in the request metrics the SLO reads", refused)
		}
	}
	if l := r.logs.find(func(l map[string]any) bool { return l[contract.LogHTTPStatus] == 429.0 }); l != nil {
		t.Errorf("a refusal has an access line: %v", l)
	}
}

// clientSampled sends 100 requests with a sampled traceparent, each from
// its own client behind one proxy (and a spoofed entry left of it), and
// counts those whose access line says the trace was sampled.
func clientSampled(t *testing.T, base string, logs *lineBuffer) (sampled int, links map[string]string) {
	links = map[string]string{}
	for i := range 100 {
		inbound := randomHex(16)
		req := request(t, base+"/hello/s", inbound)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("spoofed.by.client, 198.51.100.%d", 10+i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get(contract.HeaderRequestID)
		waitFor(t, 5*time.Second, "the access line of request "+id, func() bool {
			l := logs.find(func(l map[string]any) bool {
				return l[contract.LogMessage] == contract.AccessLogMessage && l[contract.LogRequestID] == id
			})
			if l != nil && l[contract.LogTraceSampled] == true {
				sampled++
				links[l[contract.LogTraceID].(string)] = inbound
			}
			return l != nil
		})
	}
	return sampled, links
}

// checkClientLinks: the span of a sampled untrusted request (links maps
// its trace ID to the client's) is a new trace that links to the client's.
func checkClientLinks(t *testing.T, traces *traceReceiver, links map[string]string) {
	if len(links) == 0 {
		t.Fatal("none of the client-flagged requests was sampled")
	}
	for own, inbound := range links {
		var sp span
		waitFor(t, 10*time.Second, "the span of a sampled untrusted request", func() bool {
			var ok bool
			sp, ok = traces.find(func(s span) bool { return s.traceID == own })
			return ok
		})
		if !slices.Contains(sp.links, inbound) {
			t.Errorf("span links %v, want the client's trace %s", sp.links, inbound)
		}
		return
	}
}

// floodUntilLimited sends up to 100 requests at once as the client behind
// xff and returns the first 429, or nil.
func floodUntilLimited(t *testing.T, url, xff string) *http.Response {
	for range 100 {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			return resp
		}
	}
	return nil
}
