package servicetest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/contract"
)

// checkEdgeVariant runs what only Go checks on the internet-facing build
// the conformance suite made last: the service identity overridden at run
// time, a normal client under a flood, slowloris and oversized bodies, and
// the SDK turned off.
func checkEdgeVariant(t *testing.T, g *goStarter) {
	// A ratio of 0.3: enough sampled traces to look at.
	r := g.start(t,
		"OTEL_RESOURCE_ATTRIBUTES=service.name=orders-renamed,deployment.environment.name=staging",
		"OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.3")
	t.Run("one identity", func(t *testing.T) { checkIdentity(t, r) })
	t.Run("load", func(t *testing.T) { checkLoad(t, r) })

	off := g.start(t, "OTEL_SDK_DISABLED=true")
	t.Run("sdk disabled", func(t *testing.T) { checkSDKDisabled(t, off) })
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
