package servicetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkNodeOverhead compares the generated instrumentation with two
// hand-wired setups of the same pieces (sdk-node + pino + @sentry/node,
// see nodebench/) on the same Express app, under autocannon (10
// connections per variant):
//   - contract: wired by hand to keep the generated module's contract
//     (request IDs, the route on the stable metric, the SLO buckets, the
//     security headers, the service's log fields, active requests). The
//     target (within 10 %) is against this one: it is the cost of the
//     generated code over writing the same behaviour by hand.
//   - canonical: the documentation's first examples, which keep less of
//     the contract. The ratio against it is what the contract itself costs.
//
// All variants run side by side, export traces to the same receiver with
// the same sampler and write their JSON lines to a file. Where taskset
// exists, the services are on the first core and the load generators on
// the second, so the load generators never take the services' time.
//
// The machine's speed drifts between runs seconds apart by more than the
// variants differ, so each comparison is made within a round, and the
// ratios reported are the medians of the rounds' generated/other ratios:
//   - shared (12 rounds): all variants are loaded at once for 5 s. They
//     get the same share of the same core at the same moments, so the
//     ratio of their requests per second is the inverse ratio of their
//     work per request.
//   - alone (12 rounds): each variant has the core to itself for 2 s of
//     warm-up and 5 s measured (a mark-compact of the old generation
//     comes every 1.5 s under this load), one after the other, in each of
//     the six orders in turn, so that what a run leaves behind (exports,
//     garbage) weighs on all alike.
//
// Run it from the servicetest module with
//
//	go test -run '^$' -bench NodeOverhead -benchtime 1x .
//
// (about 7 minutes).
func BenchmarkNodeOverhead(b *testing.B) {
	node := requireTool(b, "node")
	npm := requireTool(b, "npm")
	dir := writeNodeService(b, "bench", "express", "commonjs", false)
	npmRun(b, npm, dir, "install", "--no-audit", "--no-fund", "--prefer-offline")
	initNodeService(b, dir, "svc-bench", "grpc")
	npmRun(b, npm, dir, "install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline", "autocannon@9.0.0")
	for _, f := range []string{"canonical.cjs", "canonical-app.cjs", "contract.cjs", "contract-app.cjs", "generated-app.cjs", "load.cjs"} {
		data, err := os.ReadFile(filepath.Join("nodebench", f))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	service, load := pinning(b)
	traces := startTraceReceiver(b, "grpc")
	// The generated module first: ratios are of it to the others.
	svcs := []benchService{
		startBenchService(b, "generated", service, node, dir, []string{"--import", "./src/observability/register.cjs", "generated-app.cjs"}, traces.addr),
		startBenchService(b, "contract", service, node, dir, []string{"--import", "./contract.cjs", "contract-app.cjs"}, traces.addr),
		startBenchService(b, "canonical", service, node, dir, []string{"--import", "./canonical.cjs", "canonical-app.cjs"}, traces.addr),
	}
	// run loads svcs at once for seconds.
	run := func(seconds int, svcs ...benchService) []loadResult {
		out := make([]loadResult, len(svcs))
		errs := make([]error, len(svcs))
		cpu0 := make([]float64, len(svcs))
		var wg sync.WaitGroup
		for i, svc := range svcs {
			cpu0[i] = cpuSeconds(b, svc.pid)
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i], errs[i] = loadNode(load, node, dir, svc.url, seconds)
			}()
		}
		wg.Wait()
		for i, svc := range svcs {
			if errs[i] != nil {
				b.Fatal(errs[i])
			}
			out[i].CPU = (cpuSeconds(b, svc.pid) - cpu0[i]) / out[i].Total * 1e6
		}
		return out
	}
	// orders are the six orders of the three variants, for the alone mode.
	orders := [][]int{{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}, {1, 0, 2}, {0, 2, 1}}
	var shared, alone []benchRound
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Warm-up: JIT, connection pools, the exporters' first batches
		// (the request rate levels off after about 12 s).
		run(15, svcs...)
		for round := range 12 {
			r := run(5, svcs...)
			shared = append(shared, r)
			b.Logf("shared round %d: %s", round+1, describe(svcs, r))
		}
		for round := range 2 * len(orders) {
			r := make(benchRound, len(svcs))
			for _, v := range orders[round%len(orders)] {
				// Unmeasured: a process idle for seconds can serve its
				// next seconds slower, and the orders leave some
				// variants idle longer than others.
				run(2, svcs[v])
				r[v] = run(5, svcs[v])[0]
			}
			alone = append(alone, r)
			b.Logf("alone round %d: %s", round+1, describe(svcs, r))
		}
	}
	b.StopTimer()
	// With SENTRY_RELEASE set, every setup tracks request sessions
	// (release health) and sends their aggregates once a minute: the
	// first of those envelopes costs a step in the request rate, so a
	// setup that sent none would be measured without it.
	for _, svc := range svcs {
		if n := svc.sentry.itemCount("sessions"); n == 0 {
			b.Fatalf("%s sent no session aggregates to Sentry", svc.name)
		}
	}
	report(b, "shared", svcs, shared)
	report(b, "alone", svcs, alone)
	// The wall time per iteration is the fixed load duration: meaningless.
	b.ReportMetric(0, "ns/op")
}

// describe is a round's results, named by variant.
func describe(svcs []benchService, r benchRound) string {
	parts := make([]string, len(svcs))
	for i, svc := range svcs {
		parts[i] = svc.name + " " + r[i].String()
	}
	return strings.Join(parts, "; ")
}

// report reports the medians of rounds under the name of their mode: each
// variant's requests per second and p99, and the ratios of the generated
// module (the first variant) to each other one.
func report(b *testing.B, mode string, svcs []benchService, rounds []benchRound) {
	of := func(f func(benchRound) float64) float64 {
		var v []float64
		for _, r := range rounds {
			v = append(v, f(r))
		}
		return median(v)
	}
	for i, svc := range svcs {
		b.ReportMetric(of(func(r benchRound) float64 { return r[i].RPS }), mode+"-"+svc.name+"-req/s")
		b.ReportMetric(of(func(r benchRound) float64 { return r[i].P99 }), mode+"-"+svc.name+"-p99-ms")
	}
	for i := 1; i < len(svcs); i++ {
		svc := svcs[i]
		b.ReportMetric(of(func(r benchRound) float64 { return r[0].RPS / r[i].RPS }), mode+"-req/s-ratio-"+svc.name)
		b.ReportMetric(of(func(r benchRound) float64 { return r[0].P99 / r[i].P99 }), mode+"-p99-ratio-"+svc.name)
		// CPU time the service spent per request.
		b.ReportMetric(of(func(r benchRound) float64 { return r[0].CPU / r[i].CPU }), mode+"-cpu-ratio-"+svc.name)
	}
}

// benchRound is one round: each variant's run, in the order of the variants.
type benchRound []loadResult

// pinning returns the command prefixes that put the services on the
// first core and the load generator on the second (none without taskset
// or a second core).
func pinning(b *testing.B) (service, load []string) {
	taskset, err := exec.LookPath("taskset")
	if err != nil || runtime.NumCPU() < 2 {
		b.Log("services and load generator are not pinned to cores (no taskset or one core)")
		return nil, nil
	}
	return []string{taskset, "-c", "0"}, []string{taskset, "-c", "1"}
}

// loadResult is one run: CPU is the service's CPU time per request in µs.
type loadResult struct{ RPS, P99, Total, CPU float64 }

func (r loadResult) String() string {
	return fmt.Sprintf("%.0f req/s, p99 %.2f ms, %.0f µs CPU per request", r.RPS, r.P99, r.CPU)
}

// benchService is a variant running for the benchmark, with its own
// Sentry DSN host.
type benchService struct {
	name, url string
	pid       int
	sentry    *sentryServer
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
func startBenchService(b *testing.B, name string, pin []string, node, dir string, args []string, otlp string) benchService {
	sentry := startSentry(b)
	port, metricsPort := freePort(b), freePort(b)
	// V8's memory reducer shrinks the heap of a process idle for 8 s
	// (every variant waits 14 s between its alone runs), and the heap
	// then grows back slowly: mark-compacts every 0.25 s instead of every
	// 1.5 s, for one run or for minutes, in whichever setup it hits. A
	// service under steady load never idles that long, so it is off for
	// all three setups alike (docs/node.md, Benchmark).
	cmd := pinned(pin, node, append([]string{"--no-memory-reducer"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+port, "OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1", "OTEL_EXPORTER_PROMETHEUS_PORT="+metricsPort,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+otlp, "OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.1",
		"SENTRY_DSN=http://public@"+sentry.addr+"/1", "SENTRY_RELEASE=svc-bench@1.4.2", "SENTRY_ENVIRONMENT=production")
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
	waitFor(b, 90*time.Second, "benchmark service "+name, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return benchService{name: name, url: url, pid: cmd.Process.Pid, sentry: sentry}
}

// pinned is the command name args, run through the pin prefix.
func pinned(pin []string, name string, args ...string) *exec.Cmd {
	argv := append(slices.Clone(pin), name)
	argv = append(argv, args...)
	return exec.Command(argv[0], argv[1:]...)
}

// loadNode drives url with load.cjs for seconds.
func loadNode(pin []string, node, dir, url string, seconds int) (loadResult, error) {
	load := pinned(pin, node, "load.cjs", url, strconv.Itoa(seconds))
	load.Dir = dir
	data, err := load.Output()
	if err != nil {
		return loadResult{}, fmt.Errorf("autocannon: %v\n%s", err, data)
	}
	var raw struct {
		RPS   float64 `json:"rps"`
		P99   float64 `json:"p99"`
		Total float64 `json:"total"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return loadResult{}, fmt.Errorf("autocannon output %q: %v", data, err)
	}
	if raw.Total == 0 {
		return loadResult{}, fmt.Errorf("autocannon sent no request: %s", data)
	}
	return loadResult{RPS: raw.RPS, P99: raw.P99, Total: raw.Total}, nil
}
