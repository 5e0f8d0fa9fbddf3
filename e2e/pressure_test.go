package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/generators/registry"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

// pressureLimits give the collector a memory limit low enough for the test
// to reach (the generated config takes 80 % of the container's memory), a
// forced GC at most every second while above the soft limit, and a trace
// exporter that gives its queued spans up after 5 s (retrying at most every 2 s), so the pressure the
// test builds ends by itself. The generated file is not touched.
var pressureLimits = []string{
	"--set=processors::memory_limiter::limit_mib=100",
	"--set=processors::memory_limiter::spike_limit_mib=20",
	"--set=processors::memory_limiter::min_gc_interval_when_soft_limited=1s",
	"--set=exporters::otlp_grpc/jaeger::retry_on_failure::initial_interval=1s",
	"--set=exporters::otlp_grpc/jaeger::retry_on_failure::max_interval=2s",
	"--set=exporters::otlp_grpc/jaeger::retry_on_failure::max_elapsed_time=5s",
}

// TestLogsSurviveMemoryPressure runs the generated host-mode collector
// config with a real Loki and fills the collector's memory with spans it
// cannot export (the trace backend is down), until memory_limiter refuses
// data; log lines written then are refused too. When the spans are given up
// and memory is back under the limit, every line must reach Loki, once.
//
// OBSGEN_PRESSURE_OVERRIDE adds collector arguments, to watch it fail:
// with --set=receivers::file_log::retry_on_failure::enabled=false the
// receiver drops the refused lines (its offset has moved on).
//
// Run it alone: cd e2e && go test -run TestLogsSurviveMemoryPressure -v
func TestLogsSurviveMemoryPressure(t *testing.T) {
	if testing.Short() {
		testtool.Missing(t, "starts Loki and the collector: not run with -short")
	}
	lokiBin, colBin := testtool.Require(t, "loki"), testtool.Require(t, "otelcol")
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	p := newPorts(t)
	work := t.TempDir()
	repo := filepath.Join(work, "repo")
	logFile := filepath.Join(work, "logs", e2eService+".log")
	s := spec.New()
	s.Service.Name, s.Service.Module, s.Service.Environment = e2eService, "example.com/"+e2eService, e2eEnv
	s.Logs.Path = logFile
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := registry.Generate(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := res.Files
	for _, f := range files {
		writeFile(t, filepath.Join(repo, f.Path), f.Content)
	}
	writeFile(t, logFile, nil)
	args := append([]string{}, pressureLimits...)
	if o := os.Getenv("OBSGEN_PRESSURE_OVERRIDE"); o != "" {
		args = append(args, strings.Fields(o)...)
	}
	lokiURL := "http://" + loop(p.lokiHTTP)
	lokiProc := startLoki(t, lokiBin, filepath.Join(repo, s.Output.ConfigDir), work, p)
	col := startCollector(t, colBin, repo, s, work, p, args...)
	servers := []*proc{lokiProc, col}
	eventually(t, 60*time.Second, "loki ready", servers, func() error { return getJSON(ctx, lokiURL+"/ready", nil) })
	eventually(t, 30*time.Second, "collector healthy", servers, func() error { return getJSON(ctx, "http://"+loop(p.colHealth)+"/", nil) })

	var ids []string
	write := func(phase string, n int) {
		t.Helper()
		lines := make([]string, n)
		for i := range lines {
			id := fmt.Sprintf("%s-%03d-%s", phase, i, randomHex(4))
			ids = append(ids, id)
			lines[i] = fmt.Sprintf(`{"time":%q,"level":"info","msg":"order placed","service":%q,"environment":%q,"line_id":%q}`,
				time.Now().UTC().Format(time.RFC3339Nano), e2eService, e2eEnv, id)
		}
		appendLines(t, logFile, lines...)
	}
	write("before", 20)
	eventually(t, 30*time.Second, "first lines in Loki", servers, func() error { return allOnce(ctx, lokiURL, s, began, ids) })

	// Spans the collector must hold (the trace backend is down) until
	// memory_limiter refuses them; then the lines.
	refused := fillMemory(t, "http://"+loop(p.colHTTP)+"/v1/traces")
	if !refused {
		t.Fatal("the collector accepted every span: memory_limiter never refused data, nothing is tested")
	}
	write("pressure", 30)
	eventually(t, 10*time.Second, "memory_limiter refusing", servers, func() error {
		if !strings.Contains(tail(col.log, 400), "Refusing data") {
			return fmt.Errorf("no refusal logged")
		}
		return nil
	})
	t.Logf("memory_limiter refusing: %s", time.Since(began).Round(time.Millisecond))
	eventually(t, 90*time.Second, "every line in Loki after the pressure", servers, func() error { return allOnce(ctx, lokiURL, s, began, ids) })
	write("after", 10)
	eventually(t, 30*time.Second, "lines after the pressure in Loki", servers, func() error { return allOnce(ctx, lokiURL, s, began, ids) })
	t.Logf("total: %s", time.Since(began).Round(time.Millisecond))
}

// fillMemory posts large spans to the collector's OTLP/HTTP receiver until
// it refuses one (memory_limiter is above its limit) and says whether it
// did.
func fillMemory(t *testing.T, url string) bool {
	t.Helper()
	blob := strings.Repeat("x", 1<<20)
	for range 80 {
		var b bytes.Buffer
		b.WriteString(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"filler"}}]},"scopeSpans":[{"spans":[`)
		for i := range 4 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"traceId":%q,"spanId":%q,"name":"fill","kind":1,"startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"blob","value":{"stringValue":%q}}]}`,
				randomHex(16), randomHex(8), blob)
		}
		b.WriteString(`]}]}]}`)
		resp, err := http.Post(url, "application/json", &b)
		if err != nil {
			t.Fatalf("OTLP/HTTP post: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Logf("the collector refused spans with %s", resp.Status)
			return true
		}
		// memory_limiter checks every second: a gentle pace keeps the
		// collector's heap near its limit rather than far above it.
		time.Sleep(100 * time.Millisecond)
	}
	return false
}
