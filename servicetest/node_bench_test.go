package servicetest

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkNodeOverhead compares the generated instrumentation with the
// hand-wired canonical setup (sdk-node + pino + @sentry/node, see
// nodebench/) on the same Express app, under autocannon (10 connections).
// Both variants run side by side, export traces to the same receiver with
// the same sampler and write their JSON lines to a file. Each of the b.N
// iterations warms both up, then measures them alternately in short runs,
// so a change in the machine's load hits both alike; the reported
// metrics are the medians over all runs, and the ratios say how far the
// generated module is from the canonical one (the target is within 10 %).
// Run it from the servicetest module with
//
//	go test -run '^$' -bench NodeOverhead .
//
// (about 2 minutes: the go tool runs one iteration, b.N = 1).
func BenchmarkNodeOverhead(b *testing.B) {
	node := requireTool(b, "node")
	npm := requireTool(b, "npm")
	dir := writeNodeService(b, "bench", "express", "commonjs", false)
	npmRun(b, npm, dir, "install", "--no-audit", "--no-fund", "--prefer-offline")
	initNodeService(b, dir, "svc-bench", "grpc")
	npmRun(b, npm, dir, "install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline", "autocannon@9.0.0")
	for _, f := range []string{"canonical.cjs", "canonical-app.cjs", "generated-app.cjs", "load.cjs"} {
		data, err := os.ReadFile(filepath.Join("nodebench", f))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	traces := startTraceReceiver(b, "grpc")
	sentry := startSentry(b)
	urls := map[string]string{
		"generated": startBenchService(b, node, dir, []string{"--import", "./src/observability/register.cjs", "generated-app.cjs"}, traces.addr, sentry.addr),
		"canonical": startBenchService(b, node, dir, []string{"--import", "./canonical.cjs", "canonical-app.cjs"}, traces.addr, sentry.addr),
	}
	const rounds = 6
	rps, p99 := map[string][]float64{}, map[string][]float64{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Warm-up: JIT, connection pools, the exporters' first batches.
		for _, url := range urls {
			loadNode(b, node, dir, url, 3)
		}
		for round := range rounds {
			for _, name := range []string{"generated", "canonical"} {
				r := loadNode(b, node, dir, urls[name], 5)
				b.Logf("%s round %d: %.0f req/s, p99 %.0f ms", name, round+1, r.RPS, r.P99)
				rps[name] = append(rps[name], r.RPS)
				p99[name] = append(p99[name], r.P99)
			}
		}
	}
	b.StopTimer()
	g, c := loadResult{median(rps["generated"]), median(p99["generated"])}, loadResult{median(rps["canonical"]), median(p99["canonical"])}
	b.ReportMetric(g.RPS, "generated-req/s")
	b.ReportMetric(c.RPS, "canonical-req/s")
	b.ReportMetric(g.P99, "generated-p99-ms")
	b.ReportMetric(c.P99, "canonical-p99-ms")
	b.ReportMetric(g.RPS/c.RPS, "req/s-ratio")
	b.ReportMetric(g.P99/max(c.P99, 1), "p99-ratio")
	// The wall time per iteration is the fixed load duration: meaningless.
	b.ReportMetric(0, "ns/op")
}

type loadResult struct{ RPS, P99 float64 }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// startBenchService starts one variant until the benchmark ends and
// returns the URL of its route.
func startBenchService(b *testing.B, node, dir string, args []string, otlp, sentry string) string {
	port, metricsPort := freePort(b), freePort(b)
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+port, "OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1", "OTEL_EXPORTER_PROMETHEUS_PORT="+metricsPort,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+otlp, "OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.1",
		"SENTRY_DSN=http://public@"+sentry+"/1")
	out, err := os.Create(filepath.Join(b.TempDir(), "stdout.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); out.Close() })
	url := "http://127.0.0.1:" + port + "/hello/bench"
	waitFor(b, 90*time.Second, "benchmark service", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return url
}

// loadNode drives url with load.cjs for seconds.
func loadNode(b *testing.B, node, dir, url string, seconds int) loadResult {
	load := exec.Command(node, "load.cjs", url, strconv.Itoa(seconds))
	load.Dir = dir
	data, err := load.Output()
	if err != nil {
		b.Fatalf("autocannon: %v\n%s", err, data)
	}
	var raw struct {
		RPS float64 `json:"rps"`
		P99 float64 `json:"p99"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		b.Fatalf("autocannon output %q: %v", data, err)
	}
	return loadResult{raw.RPS, raw.P99}
}
