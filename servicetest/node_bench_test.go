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

// TestNodeOverhead compares the generated instrumentation with the
// hand-wired canonical setup (sdk-node + pino + @sentry/node, see
// nodebench/) on the same Express app, under autocannon: requests per
// second and p99 latency must be within 10 % of it. Both runs export
// traces to the same receiver with the same sampler. It takes about two
// minutes, so it runs only with OBSGEN_NODE_BENCH=1; docs/node.md has the
// numbers.
func TestNodeOverhead(t *testing.T) {
	if os.Getenv("OBSGEN_NODE_BENCH") == "" {
		t.Skip("a benchmark: set OBSGEN_NODE_BENCH=1 to run it")
	}
	node := requireTool(t, "node")
	npm := requireTool(t, "npm")
	dir := writeNodeService(t, "bench", "express", "commonjs", false)
	npmRun(t, npm, dir, "install", "--no-audit", "--no-fund", "--prefer-offline")
	initNodeService(t, dir, "svc-bench", "grpc")
	npmRun(t, npm, dir, "install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline", "autocannon@9.0.0")
	for _, f := range []string{"canonical.cjs", "canonical-app.cjs", "generated-app.cjs", "load.cjs"} {
		b, err := os.ReadFile(filepath.Join("nodebench", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	traces := startTraceReceiver(t, "grpc")
	sentry := startSentry(t)
	variants := map[string][]string{
		"generated": {"--import", "./src/observability/register.cjs", "generated-app.cjs"},
		"canonical": {"--import", "./canonical.cjs", "canonical-app.cjs"},
	}
	type result struct{ RPS, P99 float64 }
	sum := map[string]result{}
	const rounds = 2
	for i := 0; i < rounds; i++ {
		for _, name := range []string{"generated", "canonical"} {
			r := measure(t, node, dir, variants[name], traces.addr, sentry.addr)
			t.Logf("%s round %d: %.0f req/s, p99 %.0f ms", name, i+1, r.RPS, r.P99)
			s := sum[name]
			sum[name] = result{s.RPS + r.RPS/rounds, s.P99 + r.P99/rounds}
		}
	}
	g, c := sum["generated"], sum["canonical"]
	t.Logf("mean: generated %.0f req/s p99 %.1f ms; canonical %.0f req/s p99 %.1f ms; req/s ratio %.3f, p99 ratio %.3f",
		g.RPS, g.P99, c.RPS, c.P99, g.RPS/c.RPS, g.P99/max(c.P99, 1))
	if g.RPS < 0.9*c.RPS {
		t.Errorf("generated %.0f req/s is more than 10%% below the canonical %.0f", g.RPS, c.RPS)
	}
	// p99 is in whole milliseconds: allow one of rounding.
	if g.P99 > 1.1*c.P99+1 {
		t.Errorf("generated p99 %.1f ms is more than 10%% above the canonical %.1f ms", g.P99, c.P99)
	}
}

func measure(t *testing.T, node, dir string, args []string, otlp, sentry string) (r struct{ RPS, P99 float64 }) {
	port, metricsPort := freePort(t), freePort(t)
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+port, "OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1", "OTEL_EXPORTER_PROMETHEUS_PORT="+metricsPort,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+otlp, "OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.1",
		"SENTRY_DSN=http://public@"+sentry+"/1")
	// Both write their JSON lines to the same sink: a file, as in production.
	out, err := os.Create(filepath.Join(t.TempDir(), "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	url := "http://127.0.0.1:" + port + "/hello/bench"
	waitFor(t, 90*time.Second, "benchmark service", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	load := exec.Command(node, "load.cjs", url, "10")
	load.Dir = dir
	b, err := load.Output()
	if err != nil {
		t.Fatalf("autocannon: %v\n%s", err, b)
	}
	var res struct{ RPS, P99 float64 }
	var raw struct {
		RPS float64 `json:"rps"`
		P99 float64 `json:"p99"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("autocannon output %q: %v", b, err)
	}
	res.RPS, res.P99 = raw.RPS, raw.P99
	return res
}
