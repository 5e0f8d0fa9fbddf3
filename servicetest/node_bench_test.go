package servicetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
	svcs := map[string]benchService{
		"generated": startBenchService(b, node, dir, []string{"--import", "./src/observability/register.cjs", "generated-app.cjs"}, traces.addr, sentry.addr),
		"canonical": startBenchService(b, node, dir, []string{"--import", "./canonical.cjs", "canonical-app.cjs"}, traces.addr, sentry.addr),
	}
	const rounds = 6
	rps, p99, cpu := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Warm-up: JIT, connection pools, the exporters' first batches.
		for _, svc := range svcs {
			loadNode(b, node, dir, svc.url, 3)
		}
		for round := range rounds {
			for _, name := range []string{"generated", "canonical"} {
				cpu0 := cpuSeconds(b, svcs[name].pid)
				r := loadNode(b, node, dir, svcs[name].url, 5)
				perReq := (cpuSeconds(b, svcs[name].pid) - cpu0) / r.Total * 1e6
				b.Logf("%s round %d: %.0f req/s, p99 %.0f ms, %.0f µs CPU per request", name, round+1, r.RPS, r.P99, perReq)
				rps[name] = append(rps[name], r.RPS)
				p99[name] = append(p99[name], r.P99)
				cpu[name] = append(cpu[name], perReq)
			}
		}
	}
	b.StopTimer()
	g := loadResult{RPS: median(rps["generated"]), P99: median(p99["generated"])}
	c := loadResult{RPS: median(rps["canonical"]), P99: median(p99["canonical"])}
	b.ReportMetric(g.RPS, "generated-req/s")
	b.ReportMetric(c.RPS, "canonical-req/s")
	b.ReportMetric(g.P99, "generated-p99-ms")
	b.ReportMetric(c.P99, "canonical-p99-ms")
	b.ReportMetric(g.RPS/c.RPS, "req/s-ratio")
	b.ReportMetric(g.P99/max(c.P99, 1), "p99-ratio")
	// CPU time the service spent per request: far less sensitive to the
	// neighbours' load than throughput, which waits for a core.
	gc, cc := median(cpu["generated"]), median(cpu["canonical"])
	b.ReportMetric(gc, "generated-cpu-µs/req")
	b.ReportMetric(cc, "canonical-cpu-µs/req")
	b.ReportMetric(gc/cc, "cpu-ratio")
	// The wall time per iteration is the fixed load duration: meaningless.
	b.ReportMetric(0, "ns/op")
}

type loadResult struct{ RPS, P99, Total float64 }

// benchService is a variant running for the benchmark.
type benchService struct {
	url string
	pid int
}

// cpuSeconds is the user and system CPU time process pid has used
// (/proc/PID/stat, in clock ticks of 1/100 s on Linux).
func cpuSeconds(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100
}

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

// startBenchService starts one variant until the benchmark ends.
func startBenchService(b *testing.B, node, dir string, args []string, otlp, sentry string) benchService {
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
	return benchService{url: url, pid: cmd.Process.Pid}
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
		RPS   float64 `json:"rps"`
		P99   float64 `json:"p99"`
		Total float64 `json:"total"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		b.Fatalf("autocannon output %q: %v", data, err)
	}
	if raw.Total == 0 {
		b.Fatalf("autocannon sent no request: %s", data)
	}
	return loadResult{raw.RPS, raw.P99, raw.Total}
}
