package servicetest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/contract"
)

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

// floodUntilLimited sends 100 requests at once (on 20 connections, so a
// busy machine cannot spread them over more than the bucket refills) as
// the client behind xff and returns a 429 among the answers, or nil.
func floodUntilLimited(t *testing.T, url, xff string) *http.Response {
	var (
		mu      sync.Mutex
		limited *http.Response
		wg      sync.WaitGroup
		failed  error
	)
	reqs := make(chan struct{}, 100)
	for range 100 {
		reqs <- struct{}{}
	}
	close(reqs)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range reqs {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("X-Forwarded-For", xff)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				if resp.StatusCode == http.StatusTooManyRequests && limited == nil {
					limited = resp
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	return limited
}
