package servicetest

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkNodeOverhead compares the generated instrumentation with the
// hand-wired canonical setup (sdk-node + pino + @sentry/node, see
// nodebench/) on the same Express app, under autocannon (10 connections,
// 10 s measured after 3 s of warm-up). Both variants export traces to the
// same receiver with the same sampler and write their JSON lines to a file.
// Each of the b.N iterations measures both once, alternating, and the
// reported metrics are the means; the ratios say how far the generated
// module is from the canonical one (the target is within 10 %). Run it
// with
//
//	go test -run '^$' -bench NodeOverhead -benchtime 3x ./servicetest/
//
// from the servicetest module (about a minute per iteration).
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
	variants := map[string][]string{
		"generated": {"--import", "./src/observability/register.cjs", "generated-app.cjs"},
		"canonical": {"--import", "./canonical.cjs", "canonical-app.cjs"},
	}
	sum := map[string]loadResult{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, name := range []string{"generated", "canonical"} {
			r := measureNode(b, node, dir, variants[name], traces.addr, sentry.addr)
			b.Logf("%s iteration %d: %.0f req/s, p99 %.0f ms", name, i+1, r.RPS, r.P99)
			s := sum[name]
			sum[name] = loadResult{s.RPS + r.RPS/float64(b.N), s.P99 + r.P99/float64(b.N)}
		}
	}
	b.StopTimer()
	g, c := sum["generated"], sum["canonical"]
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

// measureNode starts one variant, drives it with load.cjs and stops it.
func measureNode(b *testing.B, node, dir string, args []string, otlp, sentry string) loadResult {
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
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	url := "http://127.0.0.1:" + port + "/hello/bench"
	waitFor(b, 90*time.Second, "benchmark service", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	load := exec.Command(node, "load.cjs", url, "10")
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
