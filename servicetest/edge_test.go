package servicetest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/contract"
)

// checkEdgeVariant regenerates the service as reachable from the internet,
// behind one load balancer, with TLS in front and a rate limit, rebuilds
// the probe and checks what changes for untrusted clients; then overrides
// the service identity at run time and turns the SDK off.
func checkEdgeVariant(t *testing.T, goTool string, svc builtService, protocol string) {
	var out, errOut bytes.Buffer
	code := cli.Main([]string{"generate", "--dir", svc.dir,
		"--set", "internet-facing=true", "--set", "tls-in-front=true",
		"--set", "rate-limit=20", "--set", "trusted-proxy-hops=1"},
		cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	if code != 0 {
		t.Fatalf("obsgen generate: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	bin := filepath.Join(svc.dir, "probe-edge")
	goCmd(t, goTool, svc.dir, "build", "-ldflags", "-X "+svc.importPath+".version="+probeVersion, "-o", bin, "./cmd/probe")

	// A ratio of 0.3: enough sampled traces to look at, few enough to
	// tell the ratio from a client's sampled flag.
	r := start(t, bin, protocol,
		"OTEL_RESOURCE_ATTRIBUTES=service.name=orders-renamed,deployment.environment.name=staging",
		"OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.3")
	t.Run("untrusted clients", func(t *testing.T) { checkUntrusted(t, r) })
	t.Run("one identity", func(t *testing.T) { checkIdentity(t, r) })
	t.Run("rate limit", func(t *testing.T) { checkRateLimit(t, r) })
	t.Run("load", func(t *testing.T) { checkLoad(t, r) })

	off := start(t, bin, protocol, "OTEL_SDK_DISABLED=true")
	t.Run("sdk disabled", func(t *testing.T) { checkSDKDisabled(t, off) })
}

func checkUntrusted(t *testing.T, r *running) {
	inbound := randomHex(16)
	req := request(t, r.base+"/log", inbound)
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
	var l map[string]any
	waitFor(t, 5*time.Second, "the handler's log line", func() bool {
		l = r.logs.find(func(l map[string]any) bool {
			return l[contract.LogMessage] == "calling payments" && l[contract.LogRequestID] == own
		})
		return l != nil
	})
	if l[contract.LogTraceID] == inbound {
		t.Errorf("the client's trace ID is the service's: %v", l)
	}
	if l[contract.LogClientRequestID] != "client-chosen-42" {
		t.Errorf("%s = %v, want the client's ID", contract.LogClientRequestID, l[contract.LogClientRequestID])
	}
	var b map[string]any
	waitFor(t, 5*time.Second, "the baggage line", func() bool {
		b = r.logs.find(func(l map[string]any) bool {
			return l[contract.LogMessage] == "baggage" && l[contract.LogRequestID] == own
		})
		return b != nil
	})
	if b["baggage_seen"] != "" {
		t.Errorf("client baggage reached the handler: %v", b)
	}
	traceID, _ := l[contract.LogTraceID].(string)
	// The ratio decides (0.3), not the client's sampled flag; when this
	// trace was sampled, its span links to the client's.
	if l[contract.LogTraceSampled] == true {
		waitFor(t, 10*time.Second, "span of the untrusted request", func() bool { return r.traces.has(traceID) })
		s, _ := r.traces.find(func(s span) bool { return s.traceID == traceID })
		if !slices.Contains(s.links, inbound) {
			t.Errorf("span links %v, want the client's trace %s", s.links, inbound)
		}
	}
	// Of 100 requests flagged sampled by the client, about 30 % are.
	sampled, links := clientSampled(t, r.base, r.logs)
	if sampled > 60 {
		t.Errorf("%d of 100 client-flagged requests were sampled: the client's flag decides, not the 30%% ratio", sampled)
	}
	t.Logf("client-flagged sampled requests kept: %d of 100", sampled)
	checkClientLinks(t, r.traces, links)
}

func checkIdentity(t *testing.T, r *running) {
	traceID := "" // sampling is the service's; find any sampled span
	l := r.logs.find(func(l map[string]any) bool { return l[contract.LogService] != nil })
	if l[contract.LogService] != "orders-renamed" || l[contract.LogEnvironment] != "staging" {
		t.Errorf("log service/environment %v/%v, want the override", l[contract.LogService], l[contract.LogEnvironment])
	}
	text := scrape(t, r.metrics, "")
	for _, want := range []string{contract.LabelServiceName + `="orders-renamed"`, contract.LabelDeploymentEnvironment + `="staging"`} {
		if !strings.Contains(text, want) {
			t.Errorf("target_info has no %s", want)
		}
	}
	for range 30 {
		get(t, r.base+"/hello/id", "")
	}
	waitFor(t, 10*time.Second, "a sampled span", func() bool {
		s, ok := r.traces.find(func(span) bool { return true })
		traceID = s.traceID
		return ok
	})
	s, _ := r.traces.find(func(s span) bool { return s.traceID == traceID })
	if s.resource["service.name"] != "orders-renamed" || s.resource["deployment.environment.name"] != "staging" || s.resource["service.instance.id"] == "" {
		t.Errorf("span resource %v", s.resource)
	}
	get(t, r.base+"/errors", "")
	waitFor(t, 10*time.Second, "a Sentry event", func() bool { return r.sentry.count("ledger write failed") > 0 })
	r.sentry.mu.Lock()
	ev := r.sentry.events[len(r.sentry.events)-1]
	r.sentry.mu.Unlock()
	if ev["environment"] != "staging" || !strings.HasPrefix(fmt.Sprint(ev["release"]), "orders-renamed@") {
		t.Errorf("Sentry environment/release %v/%v, want the override", ev["environment"], ev["release"])
	}
}

func checkRateLimit(t *testing.T, r *running) {
	limited := floodUntilLimited(t, r.base+"/hello/flood", "spoofed.by.client, 203.0.113.7")
	if limited == nil || limited.Header.Get("Retry-After") == "" {
		t.Fatalf("100 requests from one client at once: no 429 with Retry-After (%v)", limited)
	}
	// Another client is not limited.
	req, _ := http.NewRequest(http.MethodGet, r.base+"/hello/other", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("another client: %d", resp.StatusCode)
	}
	text := scrape(t, r.metrics, "")
	if !strings.Contains(text, contract.RateLimited) {
		t.Errorf("/metrics has no %s", contract.RateLimited)
	}
	if strings.Contains(text, `http_response_status_code="429"`) {
		t.Error("429s are in the request metrics the SLO reads")
	}
}

// checkLoad: one client floods, 50 connections trickle their headers
// (slowloris), others send oversized bodies; a normal client still gets
// its answers fast. The numbers go to docs/go.md.
func checkLoad(t *testing.T, r *running) {
	addr := strings.TrimPrefix(r.base, "http://")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var flood, flood429, big413 atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 5 * time.Second}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, r.base+"/hello/flood", nil)
				req.Header.Set("X-Forwarded-For", "203.0.113.66")
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				flood.Add(1)
				if resp.StatusCode == http.StatusTooManyRequests {
					flood429.Add(1)
				}
			}
		}()
	}
	var slow []net.Conn
	for range 50 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
		fmt.Fprintf(c, "GET /hello/slow HTTP/1.1\r\nHost: x\r\n")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Second):
					if _, err := fmt.Fprintf(c, "X-Trickle: 1\r\n"); err != nil {
						return
					}
				}
			}
		}()
	}
	big := bytes.Repeat([]byte("x"), 4<<20)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest(http.MethodPost, r.base+"/upload", bytes.NewReader(big))
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", 100+time.Now().Nanosecond()%100))
			resp, err := client.Do(req)
			if err != nil {
				continue
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusRequestEntityTooLarge {
				big413.Add(1)
			}
		}
	}()

	time.Sleep(500 * time.Millisecond)
	var lat []time.Duration
	failed := 0
	normal := &http.Client{Timeout: 5 * time.Second}
	for i := range 100 {
		req, _ := http.NewRequest(http.MethodGet, r.base+"/hello/normal", nil)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i%50))
		t0 := time.Now()
		resp, err := normal.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			failed++
			if resp != nil {
				resp.Body.Close()
			}
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(t0))
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	for _, c := range slow {
		c.Close()
	}
	wg.Wait()
	slices.Sort(lat)
	if failed > 0 || len(lat) == 0 {
		t.Fatalf("under load %d of 100 normal requests failed", failed)
	}
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("under load (8 flooding workers: %d requests, %d refused 429; 50 slowloris connections; %d oversized bodies refused 413): normal client 100/100 ok, p50 %s, p99 %s, max %s",
		flood.Load(), flood429.Load(), big413.Load(), p50.Round(time.Microsecond), p99.Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	if p99 > time.Second {
		t.Errorf("normal client p99 %s under load", p99)
	}
	if flood429.Load() == 0 || big413.Load() == 0 {
		t.Errorf("the flood was never limited (%d) or no oversized body was refused (%d)", flood429.Load(), big413.Load())
	}
}

func checkSDKDisabled(t *testing.T, r *running) {
	traceID := randomHex(16)
	get(t, r.base+"/hello/off", traceID)
	var l map[string]any
	waitFor(t, 5*time.Second, "an access log line with the SDK disabled", func() bool {
		l = r.logs.find(func(l map[string]any) bool { return l[contract.LogMessage] == contract.AccessLogMessage })
		return l != nil
	})
	if _, ok := l[contract.LogTraceID]; ok {
		t.Errorf("a span was made with OTEL_SDK_DISABLED=true: %v", l)
	}
	if resp, err := http.Get(r.metrics); err == nil {
		resp.Body.Close()
		t.Error("metrics are served with OTEL_SDK_DISABLED=true")
	}
	time.Sleep(500 * time.Millisecond)
	if r.traces.has(traceID) {
		t.Error("a span was exported with OTEL_SDK_DISABLED=true")
	}
}
