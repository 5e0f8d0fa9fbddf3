package servicetest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/testtool"
)

// frameworks are run one after another: each builds a service binary, and
// the machines this runs on have two cores. Each uses one OTLP protocol, so
// both exporters are exercised.
var frameworks = []struct {
	name, protocol string
	// route is the template the framework reports for /hello/{name}.
	route string
}{
	{"nethttp", "grpc", "/hello/{name}"},
	{"chi", "http", "/hello/{name}"},
	{"gin", "grpc", "/hello/:name"},
	{"echo", "http", "/hello/:name"},
}

const sloThreshold = "300ms" // the default; its bucket must exist

func TestGeneratedServices(t *testing.T) {
	testtool.Slow(t, "builds and runs a service per framework")
	goTool := testtool.Go(t)
	for _, fw := range frameworks {
		t.Run(fw.name, func(t *testing.T) {
			start := time.Now()
			svc := buildService(t, goTool, fw.name, fw.protocol)
			t.Logf("generated, go get, vet and build: %s", time.Since(start).Round(time.Millisecond))
			start = time.Now()
			checkExampleDefaults(t, svc)
			checkProbe(t, svc, fw.protocol, fw.route)
			gs := &goStarter{goTool: goTool, svc: svc, bin: svc.probe, protocol: fw.protocol, route: fw.route}
			runConformance(t, gs)
			// The last variant is the internet-facing one.
			checkEdgeVariant(t, gs)
			t.Logf("run checks: %s", time.Since(start).Round(time.Millisecond))
		})
	}
}

// goStarter runs a Go service's probe main (the handlers of a real
// service, every framework's own main) for the conformance suite.
type goStarter struct {
	goTool, bin, protocol, route string
	svc                          builtService
	builds                       int
}

func (g *goStarter) facts() facts {
	return facts{lang: "go", route: g.route, runtime: goRuntime, panicValue: "assignment to entry in nil map"}
}

func (g *goStarter) start(t *testing.T, env ...string) *running {
	return start(t, g.bin, g.protocol, env...)
}

func (g *goStarter) regenerate(t *testing.T, sets ...string) {
	regenerate(t, g.svc.dir, sets...)
	g.builds++
	g.bin = filepath.Join(g.svc.dir, fmt.Sprintf("probe-%d", g.builds))
	goCmd(t, g.goTool, g.svc.dir, "build", "-ldflags", "-X "+g.svc.importPath+".version="+probeVersion, "-o", g.bin, "./cmd/probe")
}

// builtService is a generated service: its folder, the example main and
// the probe main, a main with the handlers a real service has (streaming,
// websockets, uploads, panics, error storms) wired the way wiring does it.
type builtService struct {
	dir, name, example, probe string
	importPath                string
}

// probeVersion is stamped into the probe binary the way the Dockerfile does.
const probeVersion = "1.4.2-probe"

//go:embed probe/*.go.txt
var probeFiles embed.FS

// buildService runs `obsgen init` in an empty folder, exactly as a user
// would (go mod init, go get, go mod tidy included), then vets and builds
// the example main without VCS stamping (as in a container without git)
// and the probe main with a stamped version.
func buildService(t *testing.T, goTool, framework, protocol string) builtService {
	dir := t.TempDir()
	name := "svc-" + framework
	var out, errOut bytes.Buffer
	code := cli.Main([]string{"init", "--no-prompt", "--dir", dir, "--service-name", name,
		"--framework", framework, "--otlp-protocol", protocol, "--slo-latency-threshold", sloThreshold},
		cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	if code != 0 {
		t.Fatalf("obsgen init: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "running: go get ") {
		t.Errorf("obsgen init did not say it ran go get:\n%s", errOut.String())
	}
	svc := builtService{dir: dir, name: name, example: filepath.Join(dir, "svc"), probe: filepath.Join(dir, "probe"),
		importPath: "example.com/" + name + "/internal/observability"}
	writeProbe(t, svc, framework)
	goCmd(t, goTool, dir, "vet", "./...")
	goCmd(t, goTool, dir, "build", "-buildvcs=false", "-o", svc.example, "./cmd/"+name)
	goCmd(t, goTool, dir, "build", "-ldflags", "-X "+svc.importPath+".version="+probeVersion, "-o", svc.probe, "./cmd/probe")
	return svc
}

func writeProbe(t *testing.T, svc builtService, framework string) {
	if err := os.MkdirAll(filepath.Join(svc.dir, "cmd", "probe"), 0o755); err != nil {
		t.Fatal(err)
	}
	for src, dst := range map[string]string{"probe/probe.go.txt": "probe.go", "probe/main_" + framework + ".go.txt": "main.go"} {
		b, err := probeFiles.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("IMPORTPATH"), []byte(svc.importPath))
		if err := os.WriteFile(filepath.Join(svc.dir, "cmd", "probe", dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func goCmd(t *testing.T, goTool, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(goTool, args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// running is a started service with its fake backends.
type running struct {
	base, metrics string
	logs          *lineBuffer
	cmd           *exec.Cmd
	exited        chan error
	traces        *traceReceiver
	sentry        *sentryServer
}

// start runs bin with a trace receiver, a Sentry stand-in and free ports,
// and waits until it is ready. env adds to or overrides the defaults.
func start(t *testing.T, bin, protocol string, env ...string) *running {
	t.Helper()
	return startCmd(t, exec.Command(bin), protocol, env...)
}

// startCmd runs cmd as start does.
func startCmd(t *testing.T, cmd *exec.Cmd, protocol string, env ...string) *running {
	t.Helper()
	r := &running{traces: startTraceReceiver(t, protocol), sentry: startSentry(t), logs: &lineBuffer{}, exited: make(chan error, 1)}
	port, metricsPort := freePort(t), freePort(t)
	r.cmd = cmd
	r.cmd.Env = append(append(os.Environ(),
		"PORT="+port,
		"OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1",
		"OTEL_EXPORTER_PROMETHEUS_PORT="+metricsPort,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+r.traces.addr,
		"OTEL_BSP_SCHEDULE_DELAY=100",
		"SENTRY_DSN=http://public@"+r.sentry.addr+"/1",
	), env...)
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.exited <- r.cmd.Wait() }()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(cmd.Path), r.logs.String())
		}
	})
	r.base = "http://127.0.0.1:" + port
	r.metrics = "http://127.0.0.1:" + metricsPort + "/metrics"
	// Loading Node's SDKs takes seconds on a busy machine.
	waitFor(t, 90*time.Second, "service ready", func() bool {
		resp, err := http.Get(r.base + contract.HealthReadinessPath)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return r
}

// stopAndWait sends SIGTERM and waits for the exit.
func (r *running) stopAndWait(t *testing.T, limit time.Duration) (time.Duration, error) {
	t.Helper()
	t0 := time.Now()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-r.exited:
		return time.Since(t0), err
	case <-time.After(limit):
		t.Fatalf("service did not exit within %s of SIGTERM", limit)
	}
	return 0, nil
}

// checkExampleDefaults: without DEV_ROUTES the example main serves no
// /panic (anyone could page the on-call with it); built without VCS
// stamping, its version is unknown and it says so once.
func checkExampleDefaults(t *testing.T, svc builtService) {
	r := start(t, svc.example, "grpc")
	if resp := get(t, r.base+"/panic", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /panic without %s: %d, want 404", "DEV_ROUTES=true", resp.StatusCode)
	}
	warnings := r.logs.findAll(func(l map[string]any) bool {
		return l[contract.LogLevel] == contract.LevelWarn && strings.Contains(fmt.Sprint(l[contract.LogMessage]), "version unknown")
	})
	if len(warnings) != 1 || !strings.Contains(fmt.Sprint(warnings[0][contract.LogMessage]), svc.importPath+".version") {
		t.Errorf("want one warning naming the -X symbol for an unknown version, got %v", warnings)
	}
	if l := r.logs.find(func(l map[string]any) bool { return l[contract.LogVersion] != nil }); l == nil || l[contract.LogVersion] != "unknown" {
		t.Errorf("version of a -buildvcs=false build: %v", l)
	}
	if _, err := r.stopAndWait(t, 20*time.Second); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// goRuntime are the runtime, file descriptor and saturation metrics only
// a Go service exports (the dashboard reads them).
var goRuntime = []string{contract.GoGoroutines, contract.GoHeapBytes, contract.GoGCDuration,
	contract.ProcessOpenFDs, contract.ProcessMaxFDs, contract.ActiveRequests}

// checkMetrics parses the exposition with Prometheus' own parser and checks
// every name of the contract against it.
func checkMetrics(t testing.TB, url, route string) {
	checkExposition(t, url, route, goRuntime...)
}

// checkExposition checks the contract's HTTP, resource and process metrics
// and the language's runtime metrics.
func checkExposition(t testing.TB, url, route string, runtime ...string) {
	families := scrapeFamilies(t, url)
	for _, name := range append([]string{contract.RequestDuration, contract.TargetInfo,
		contract.ProcessCPUSeconds, contract.ProcessResidentMemory, contract.ProcessStartTime}, runtime...) {
		if families[name] == nil {
			t.Errorf("/metrics has no %s", name)
		}
	}
	h := families[contract.RequestDuration]
	if h == nil {
		return
	}
	if h.GetType().String() != "HISTOGRAM" {
		t.Errorf("%s is a %s, want a histogram", contract.RequestDuration, h.GetType())
	}
	le := contract.BucketLE(300 * time.Millisecond)
	found := false
	for _, m := range h.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for _, k := range []string{"server_address", "server_port", "url_path"} {
			if _, ok := labels[k]; ok {
				t.Errorf("%s carries the unbounded label %s", contract.RequestDuration, k)
			}
		}
		if labels[contract.LabelRoute] != route || labels[contract.LabelMethod] != "GET" || labels[contract.LabelStatus] != "200" {
			continue
		}
		// Scope labels double every series when the scope version moves.
		if _, ok := labels[contract.LabelScopeName]; ok {
			t.Errorf("%s carries scope labels: %v", contract.RequestDuration, labels)
		}
		for _, b := range m.GetHistogram().GetBucket() {
			if model.FloatString(b.GetUpperBound()).String() == le && b.GetCumulativeCount() >= 1 {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no %s series for route %q with a bucket le=%q holding the request", contract.RequestDuration, route, le)
	}
	if ti := families[contract.TargetInfo]; ti != nil {
		labels := map[string]string{}
		for _, l := range ti.GetMetric()[0].GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for _, k := range []string{contract.LabelServiceName, contract.LabelServiceVersion, contract.LabelDeploymentEnvironment} {
			if labels[k] == "" {
				t.Errorf("%s has no %s: %v", contract.TargetInfo, k, labels)
			}
		}
	}
}

// traceReceiver is an OTLP trace endpoint (gRPC or HTTP) that remembers
// the spans it received.
type traceReceiver struct {
	addr  string
	stop  func()
	mu    sync.Mutex
	ids   map[string]bool
	spans []span
}

// span is what the checks read of a received span.
type span struct {
	traceID, name string
	// spanID and parentID are hex; kind is the OTLP span kind.
	spanID, parentID string
	kind             tracepb.Span_SpanKind
	attrs            map[string]string
	resource         map[string]string
	statusError      bool
	events           []spanEvent
	links            []string // linked trace IDs
}

type spanEvent struct {
	name  string
	attrs map[string]string
}

func attrMap(kvs []*commonpb.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		v := kv.GetValue()
		switch {
		case v.GetStringValue() != "":
			m[kv.GetKey()] = v.GetStringValue()
		case v.GetIntValue() != 0:
			m[kv.GetKey()] = fmt.Sprint(v.GetIntValue())
		default:
			m[kv.GetKey()] = fmt.Sprint(v.GetBoolValue())
		}
	}
	return m
}

func (r *traceReceiver) record(req *coltrace.ExportTraceServiceRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		res := attrMap(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				id := hex.EncodeToString(sp.GetTraceId())
				r.ids[id] = true
				s := span{traceID: id, name: sp.GetName(), attrs: attrMap(sp.GetAttributes()), resource: res,
					spanID: hex.EncodeToString(sp.GetSpanId()), parentID: hex.EncodeToString(sp.GetParentSpanId()), kind: sp.GetKind(),
					statusError: sp.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR}
				for _, e := range sp.GetEvents() {
					s.events = append(s.events, spanEvent{e.GetName(), attrMap(e.GetAttributes())})
				}
				for _, l := range sp.GetLinks() {
					s.links = append(s.links, hex.EncodeToString(l.GetTraceId()))
				}
				r.spans = append(r.spans, s)
			}
		}
	}
}

func (r *traceReceiver) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[id]
}

// find returns the first span that matches.
func (r *traceReceiver) find(match func(span) bool) (span, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.spans {
		if match(s) {
			return s, true
		}
	}
	return span{}, false
}

type grpcTraces struct {
	coltrace.UnimplementedTraceServiceServer
	r *traceReceiver
}

func (g grpcTraces) Export(_ context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	g.r.record(req)
	return &coltrace.ExportTraceServiceResponse{}, nil
}

func startTraceReceiver(t testing.TB, protocol string) *traceReceiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &traceReceiver{addr: ln.Addr().String(), ids: map[string]bool{}}
	if protocol == "grpc" {
		srv := grpc.NewServer()
		coltrace.RegisterTraceServiceServer(srv, grpcTraces{r: r})
		go func() { _ = srv.Serve(ln) }()
		r.stop = srv.Stop
	} else {
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			body, err := readBody(req)
			var msg coltrace.ExportTraceServiceRequest
			if err != nil || req.URL.Path != "/v1/traces" || proto.Unmarshal(body, &msg) != nil {
				http.Error(w, "bad OTLP request", http.StatusBadRequest)
				return
			}
			r.record(&msg)
			out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write(out)
		})}
		go func() { _ = srv.Serve(ln) }()
		r.stop = func() { _ = srv.Close() }
	}
	t.Cleanup(r.stop)
	return r
}

// sentryServer stands in for sentry.io: the DSN points at it, and it keeps
// the events of the envelopes it receives.
type sentryServer struct {
	addr   string
	mu     sync.Mutex
	events []map[string]any
	items  map[string]int // envelope items received, by type
}

func startSentry(t testing.TB) *sentryServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sentryServer{addr: ln.Addr().String(), items: map[string]int{}}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil || r.URL.Path != "/api/1/envelope/" {
			http.Error(w, "bad envelope", http.StatusBadRequest)
			return
		}
		// An envelope: a header line, then item header and payload lines.
		lines := strings.Split(string(body), "\n")
		for i := 1; i+1 < len(lines); i += 2 {
			var item struct{ Type string }
			if json.Unmarshal([]byte(lines[i]), &item) != nil {
				continue
			}
			s.mu.Lock()
			s.items[item.Type]++
			s.mu.Unlock()
			if item.Type != "event" {
				continue
			}
			var ev map[string]any
			if json.Unmarshal([]byte(lines[i+1]), &ev) == nil {
				s.mu.Lock()
				s.events = append(s.events, ev)
				s.mu.Unlock()
			}
		}
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// itemCount returns how many envelope items of type typ arrived.
func (s *sentryServer) itemCount(typ string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.items[typ]
}

// count returns how many events carry msg in their message or an
// exception's type or value (not its stack: source context lines around a
// frame can hold any message).
func (s *sentryServer) count(msg string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ev := range s.events {
		text := fmt.Sprint(ev["message"])
		// {"values": [...]} from sentry-javascript, a bare list from
		// sentry-go.
		values, _ := ev["exception"].([]any)
		if exc, ok := ev["exception"].(map[string]any); ok {
			values, _ = exc["values"].([]any)
		}
		for _, v := range values {
			e, _ := v.(map[string]any)
			text += fmt.Sprint(" ", e["type"], " ", e["value"])
		}
		if strings.Contains(text, msg) {
			n++
		}
	}
	return n
}

func (s *sentryServer) eventWithTrace(traceID string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range s.events {
		contexts, _ := ev["contexts"].(map[string]any)
		tr, _ := contexts["trace"].(map[string]any)
		if tr["trace_id"] == traceID {
			return ev
		}
	}
	return nil
}

func readBody(r *http.Request) ([]byte, error) {
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		rd = gz
	}
	return io.ReadAll(rd)
}

// lineBuffer collects a process's output and finds JSON log lines in it.
type lineBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lineBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// isPanicLine reports whether l is the error line of a recovered panic (a
// thrown error, in Node) of the request with the trace ID: the value, which
// holds want, in the panic field and the stack in the stack field, the same
// fields in Go and Node so that one query finds both.
func isPanicLine(l map[string]any, traceID, want string) bool {
	stack, _ := l[contract.LogStack].(string)
	return l[contract.LogMessage] == contract.LogPanicMessage && l[contract.LogTraceID] == traceID &&
		l[contract.LogLevel] == contract.LevelError &&
		strings.Contains(fmt.Sprint(l[contract.LogPanic]), want) && stack != ""
}

func (b *lineBuffer) find(match func(map[string]any) bool) map[string]any {
	if all := b.findAll(match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func (b *lineBuffer) findAll(match func(map[string]any) bool) []map[string]any {
	var out []map[string]any
	for _, line := range b.lines() {
		var l map[string]any
		if json.Unmarshal(line, &l) == nil && match(l) {
			out = append(out, l)
		}
	}
	return out
}

// lines returns the raw output lines.
func (b *lineBuffer) lines() [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	return out
}

func request(t *testing.T, url, traceID string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if traceID != "" {
		req.Header.Set("traceparent", "00-"+traceID+"-"+randomHex(8)+"-01")
	}
	return req
}

func get(t *testing.T, url, traceID string) *http.Response {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(request(t, url, traceID))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freePort is testtool.FreePort as the string the services' env takes.
func freePort(t testing.TB) string { return strconv.Itoa(testtool.FreePort(t)) }

func waitFor(t testing.TB, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
