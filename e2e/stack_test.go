package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/obsgen/obsgen/generators/loki"
	"github.com/obsgen/obsgen/generators/otelcol"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/depsfixture"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

const (
	e2eService = "shop"
	e2eEnv     = "e2e"
	// What the running service is told it is, against the answers.
	overriddenService = "shop-canary"
	overriddenEnv     = "staging"
)

// ports of one run, all on 127.0.0.1.
type ports struct {
	service, metrics                     int
	prom, promOld                        int
	lokiHTTP, lokiGRPC                   int
	colGRPC, colHTTP, colHealth, colMetr int
	jgGRPC, jgHTTP, jgUI, jgQueryGRPC    int
	jgHealth, jgMetrics                  int
	am, grafana, blackbox                int
}

func newPorts(t *testing.T) ports {
	// Held listeners would be cleaner, but the servers bind themselves; the
	// kernel does not hand the same free port out twice in a row.
	p := ports{}
	for _, f := range []*int{&p.service, &p.metrics, &p.prom, &p.promOld, &p.lokiHTTP, &p.lokiGRPC, &p.colGRPC, &p.colHTTP,
		&p.colHealth, &p.colMetr, &p.jgGRPC, &p.jgHTTP, &p.jgUI, &p.jgQueryGRPC, &p.jgHealth, &p.jgMetrics, &p.am, &p.grafana, &p.blackbox} {
		*f = freePort(t)
	}
	return p
}

// TestStackEndToEnd runs the generated service with real servers on
// loopback: Prometheus 3 with the generated scrape config (targets rewritten
// to loopback) and rules, Loki with the generated config (ports and folders
// rewritten), the collector with the generated config (addresses rewritten,
// validated first), and Jaeger v2. The service is the generated package
// called by a main that queries a real PostgreSQL, caches in a real Redis
// and calls an API (internal/depsfixture). It drives traffic, including a
// panic and failed dependency calls, and checks every link through the
// servers' own HTTP APIs.
//
// Run it alone: cd e2e && go test -run TestStackEndToEnd -v
func TestStackEndToEnd(t *testing.T) {
	if testing.Short() {
		// A developer's quick run; CI never passes -short, and fails here if it does.
		testtool.Missing(t, "starts five servers: not run with -short")
	}
	bins := map[string]string{}
	for _, b := range []string{"prometheus", "loki", "otelcol", "jaeger", "alertmanager", blackboxBin} {
		bins[b] = testtool.Require(t, b)
	}
	goTool := testtool.Go(t)
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	p := newPorts(t)
	work := t.TempDir()
	repo := filepath.Join(work, "repo")
	logFile := filepath.Join(work, "logs", e2eService+".log")
	// The service's repository exists before obsgen runs in it, as a user's does.
	for _, d := range []string{filepath.Dir(logFile), repo} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// 1. obsgen init, as a user runs it (go get included), then build.
	pub := startPublicURL(t)
	s := initService(t, repo, p, logFile, "--module", "example.com/"+e2eService, "--probe-urls", pub.URL,
		"--dependencies", depsfixture.Flag)
	// The service is a main that calls its dependencies through the
	// generated package (the example main does not call any).
	bin := filepath.Join(work, e2eService)
	buildDepsService(t, goTool, repo, bin, s)
	t.Logf("init and build: %s", time.Since(began).Round(time.Millisecond))

	// 2. The servers, each with its generated config.
	cfgDir := filepath.Join(repo, s.Output.ConfigDir)
	am := startAlertmanager(t, bins["alertmanager"], cfgDir, work, p)
	jaeger := startJaeger(t, bins["jaeger"], cfgDir, work, p)
	lokiProc := startLoki(t, bins["loki"], cfgDir, work, p)
	collector := startCollector(t, bins["otelcol"], repo, s, work, p)
	prom := startPrometheus(t, bins["prometheus"], cfgDir, work, p, "prometheus", p.prom, nil)
	// A second Prometheus evaluates the rules of a96bf7a over the same
	// scrapes, to compare their cost with the generated rules'.
	promOld := startPrometheus(t, bins["prometheus"], cfgDir, work, p, "prometheus-old", p.promOld, func(dir string) { writeOldRules(t, dir) })
	servers := []*proc{am, jaeger, lokiProc, collector, prom, promOld, startBlackbox(t, bins[blackboxBin], cfgDir, p, pub)}

	lokiURL := "http://" + loop(p.lokiHTTP)
	promURL := "http://" + loop(p.prom)
	jaegerURL := "http://" + loop(p.jgUI)
	eventually(t, 30*time.Second, "jaeger healthy", servers, func() error { return getJSON(ctx, "http://"+loop(p.jgHealth)+"/status", nil) })
	eventually(t, 30*time.Second, "collector healthy", servers, func() error { return getJSON(ctx, "http://"+loop(p.colHealth)+"/", nil) })
	amURL := "http://" + loop(p.am)
	eventually(t, 20*time.Second, "alertmanager ready", servers, func() error { return getJSON(ctx, amURL+"/-/ready", nil) })
	eventually(t, 20*time.Second, "prometheus ready", servers, func() error { return getJSON(ctx, promURL+"/-/ready", nil) })
	promOldURL := "http://" + loop(p.promOld)
	eventually(t, 20*time.Second, "second prometheus ready", servers, func() error { return getJSON(ctx, promOldURL+"/-/ready", nil) })
	eventually(t, 60*time.Second, "loki ready", servers, func() error { return getJSON(ctx, lokiURL+"/ready", nil) })
	// The compose healthchecks probe the same endpoints polled above; Loki's
	// image has no wget, so its healthcheck is `loki -health`: run it too.
	if out, err := run(bins["loki"], "-health", "-health.url="+lokiURL+"/ready"); err != nil {
		t.Errorf("loki -health (the compose healthcheck): %v\n%s", err, out)
	}
	deps := startDependencies(t)
	t.Logf("servers ready: %s", time.Since(began).Round(time.Millisecond))

	// 3. The service, its stdout appended to the file the collector tails.
	svc := startService(t, logFile, "", append(deps.env(), depsPort(p),
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+loop(p.colGRPC),
		"OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1",
		// The overrides the generated code honours: the stack must still
		// ship, label and alert on every signal under its own names.
		"OTEL_SERVICE_NAME="+overriddenService,
		"OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name="+overriddenEnv,
		// The main serves /panic only in development.
		"DEV_ROUTES=true",
	), bin)
	servers = append(servers, svc)
	svcURL := "http://" + loop(p.service)
	eventually(t, 20*time.Second, "service ready", servers, func() error {
		return getJSON(ctx, svcURL+contract.HealthReadinessPath, nil)
	})

	// 4. Traffic: successes, 404s, panics, health checks, and one request
	// with a trace ID we chose, to follow across logs and traces.
	known := randomHex(16)
	for i := 0; i < 20; i++ {
		get(t, svcURL+"/hello/user"+strconv.Itoa(i), "")
		get(t, svcURL+"/no/such/route", "")
		get(t, svcURL+contract.HealthLivenessPath, "")
	}
	for i := 0; i < 3; i++ {
		if code := get(t, svcURL+"/panic", ""); code != http.StatusInternalServerError {
			t.Errorf("GET /panic: %d, want 500", code)
		}
	}
	get(t, svcURL+"/hello/known", known)
	ordered := dependencyTraffic(t, svcURL, deps)
	// Lines a user's own code could write into the same file: the pipeline
	// must drop a health-check access line and keep a line that is not
	// JSON as written, marked raw. (Every other line of the file is the
	// service's, whatever its service field says: the process runs with
	// overridden names.)
	appendLines(t, logFile,
		fmt.Sprintf(`{"time":%q,"level":"info","msg":"request","service":%q,"environment":%q,"path":%q,"route":%q,"marker":"health-line"}`,
			time.Now().UTC().Format(time.RFC3339Nano), e2eService, e2eEnv, contract.HealthReadinessPath, contract.HealthReadinessPath),
		plainLine,
	)
	t.Logf("traffic sent: %s", time.Since(began).Round(time.Millisecond))

	// 5. Logs in Loki: labels, structured metadata, time, filtering.
	lines := awaitLokiLines(t, ctx, lokiURL, s, began, known, plainLine, servers)
	checkLogLines(t, lines, e2eService, known)
	checkRawLine(t, lines, plainLine)
	checkOverriddenLines(t, lines)
	checkLokiLabels(t, ctx, lokiURL)
	checkLokiRules(t, ctx, lokiURL, s, servers)
	checkDashboardLogQueries(t, ctx, lokiURL, cfgDir, len(lines), began)
	checkTracesToLogs(t, ctx, lokiURL, cfgDir, known, began)
	t.Logf("loki checks done (%d lines): %s", len(lines), time.Since(began).Round(time.Millisecond))
	checkDockerPipeline(t, ctx, bins["otelcol"], s, logFile, work, lokiURL, servers)
	t.Logf("compose-mode collector checked: %s", time.Since(began).Round(time.Millisecond))

	// 6. Logs -> traces: every trace ID in the logs is a trace in Jaeger.
	ids := map[string]bool{}
	for _, l := range lines {
		if id := l.meta[contract.LokiMetaTraceID]; id != "" {
			ids[id] = true
		}
	}
	if len(ids) < 20 {
		t.Errorf("only %d distinct trace IDs in the logs", len(ids))
	}
	for id := range ids {
		eventually(t, 30*time.Second, "trace "+id+" in jaeger", servers, func() error { return jaegerHasTrace(ctx, jaegerURL, id) })
	}
	t.Logf("%d traces found in jaeger: %s", len(ids), time.Since(began).Round(time.Millisecond))
	checkDependencyTrace(t, ctx, jaegerURL, ordered, servers)

	// 7. Metrics in Prometheus.
	checkPrometheus(t, ctx, promURL, cfgDir, s, servers, []string{"/hello/{name}", "/panic", "/orders/{id}"})
	checkDependencySeries(t, ctx, promURL, cfgDir, s, servers)
	checkExemplars(t, ctx, promURL, jaegerURL, s, servers)
	compareRuleCost(t, ctx, promURL, promOldURL, rules.DependencyGroupName(s))
	doctorRows := checkDoctorHealthy(t, repo, p, servers)

	// 8. The log alert the panics fire reaches Alertmanager through the
	// Loki ruler, labelled like the Prometheus alerts.
	eventually(t, 90*time.Second, "PanicLogged in alertmanager", servers, func() error {
		var alerts []struct {
			Labels map[string]string `json:"labels"`
		}
		if err := getJSON(ctx, amURL+"/api/v2/alerts", &alerts); err != nil {
			return err
		}
		for _, a := range alerts {
			if a.Labels["alertname"] == "PanicLogged" {
				if a.Labels["severity"] != "ticket" || a.Labels["service"] != e2eService || a.Labels["environment"] != e2eEnv {
					return fmt.Errorf("PanicLogged labels %v", a.Labels)
				}
				return nil
			}
		}
		return fmt.Errorf("%d alerts, none is PanicLogged", len(alerts))
	})

	// 9. The stack watches itself: every metric its alerts read is served
	// by the real component and scraped; with Loki down and the service
	// still logging, the collector's export-stalled condition holds.
	checkStackMetrics(t, ctx, promURL, servers)
	checkExportStalls(t, ctx, s, promURL, svcURL, lokiProc, servers)
	// checkExportStalls left Loki stopped: doctor must name it.
	checkDoctorLokiDown(t, repo, p, doctorRows)
	checkFailureCounters(t, ctx, bins["otelcol"], repo, s)
	t.Logf("total: %s", time.Since(began).Round(time.Millisecond))
}

// checkStackMetrics asks Prometheus which names each stack job serves.
func checkStackMetrics(t *testing.T, ctx context.Context, promURL string, servers []*proc) {
	t.Helper()
	eventually(t, 60*time.Second, "the stack alerts' metrics scraped from the real components", servers, func() error {
		var missing []string
		for _, m := range rules.StackMetrics {
			if m.OnFailure {
				continue // checkFailureCounters
			}
			r, err := promQuery(ctx, promURL, fmt.Sprintf("count(%s{job=%q})", m.Name, m.Job))
			if err != nil {
				return err
			}
			if len(r) == 0 {
				missing = append(missing, m.Job+": "+m.Name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("not served: %s", strings.Join(missing, ", "))
		}
		return nil
	})
}

// checkFailureCounters: the counters a collector creates only when an
// export fails are served under the names the stack alerts read. A second
// collector with the generated config, backends that do not exist, no
// queues and retries shortened by flags fails the log file's lines and one
// span.
func checkFailureCounters(t *testing.T, ctx context.Context, bin, repo string, s spec.Spec) {
	t.Helper()
	p := newPorts(t)
	var flags []string
	for _, e := range []string{"otlp_grpc/jaeger", "otlp_http/loki"} {
		flags = append(flags, "--set=exporters::"+e+"::retry_on_failure::initial_interval=100ms",
			"--set=exporters::"+e+"::retry_on_failure::max_interval=200ms",
			"--set=exporters::"+e+"::retry_on_failure::max_elapsed_time=1s",
			"--set=exporters::"+e+"::sending_queue::enabled=false")
	}
	col := startCollector(t, bin, repo, s, t.TempDir(), p, flags...)
	span := `{"resourceSpans":[{"resource":{},"scopeSpans":[{"spans":[{"traceId":"` + randomHex(16) + `","spanId":"` + randomHex(8) +
		`","name":"failing","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}`
	eventually(t, 60*time.Second, "the failure counters on a collector whose backends are down", []*proc{col}, func() error {
		resp, err := client.Post("http://"+loop(p.colHTTP)+"/v1/traces", "application/json", strings.NewReader(span))
		if err != nil {
			return err
		}
		resp.Body.Close()
		body, err := getText(ctx, "http://"+loop(p.colMetr)+"/metrics")
		if err != nil {
			return err
		}
		var missing []string
		for _, m := range rules.StackMetrics {
			if m.OnFailure && !regexp.MustCompile(`(?m)^`+m.Name+`\{`).MatchString(body) {
				missing = append(missing, m.Name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("not served: %s", strings.Join(missing, ", "))
		}
		return nil
	})
}

// checkExportStalls stops Loki while requests keep coming and waits for
// the export-stalled alert's condition (its expression, before its for).
func checkExportStalls(t *testing.T, ctx context.Context, s spec.Spec, promURL, svcURL string, lokiProc *proc, servers []*proc) {
	t.Helper()
	var stalled rules.Alert
	for _, a := range rules.StackAlerts(s) {
		if a.Name == rules.AlertExportStalled {
			stalled = a
		}
	}
	// Before the outage the condition does not hold: the check can fail.
	if r, err := promQuery(ctx, promURL, stalled.Expr); err != nil || len(r) != 0 {
		t.Fatalf("%s condition with Loki up: %v %v", stalled.Name, r, err)
	}
	lokiProc.stop()
	var alive []*proc
	for _, p := range servers {
		if p != lokiProc {
			alive = append(alive, p)
		}
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
				// Lines to queue; failures show in the checks above.
				if resp, err := client.Get(svcURL + "/hello/outage"); err == nil {
					resp.Body.Close()
				}
			}
		}
	}()
	began := time.Now()
	eventually(t, 4*time.Minute, stalled.Name+" condition with Loki down", alive, func() error {
		r, err := promQuery(ctx, promURL, stalled.Expr)
		if err != nil {
			return err
		}
		for _, x := range r {
			if x.Metric["exporter"] == "otlp_http/loki" {
				return nil
			}
		}
		return fmt.Errorf("no series for otlp_http/loki: %v", r)
	})
	t.Logf("%s condition true %s after Loki stopped", stalled.Name, time.Since(began).Round(time.Second))
}

// initService runs `obsgen init` in the service's folder with the e2e
// answers and the language's own extra flags.
func initService(t *testing.T, dir string, p ports, logFile string, extra ...string) spec.Spec {
	t.Helper()
	var out, errOut bytes.Buffer
	args := []string{"init", "--no-prompt", "--dir", dir,
		"--service-name", e2eService, "--environment", e2eEnv,
		"--port", strconv.Itoa(p.service), "--metrics-port", strconv.Itoa(p.metrics),
		// Every trace is kept, so every trace ID in the logs is in Jaeger.
		"--sampling-ratio", "1",
		"--log-path", logFile,
	}
	args = append(args, extra...)
	code := cli.Main(args, cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	if code != 0 {
		t.Fatalf("obsgen %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "obsgen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("obsgen.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runIn(dir, bin string, args ...string) (string, error) {
	return testtool.Run(dir, bin, nil, args...)
}

func startAlertmanager(t *testing.T, bin, cfgDir, work string, p ports) *proc {
	cfg := filepath.Join(cfgDir, "alertmanager", "alertmanager.yml")
	return startProc(t, "alertmanager", nil, bin, "--config.file="+cfg,
		"--storage.path="+filepath.Join(work, "alertmanager"), "--web.listen-address="+loop(p.am),
		// A single instance: no gossip listener.
		"--cluster.listen-address=")
}

// blackboxBin is the blackbox exporter as Debian packages it.
const blackboxBin = "prometheus-blackbox-exporter"

// publicURL is an HTTPS URL the stack probes as a public one
// (alerts.probe_urls), and the CA file that makes its certificate trusted.
type publicURL struct{ URL, CA string }

// startPublicURL serves the health endpoint over TLS on loopback, so the
// public module's probe has a certificate to read the expiry of.
func startPublicURL(t *testing.T) publicURL {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	return publicURL{URL: srv.URL + contract.HealthLivenessPath, CA: ca}
}

// startBlackbox runs the blackbox exporter with the generated config,
// trusting the public URL's certificate as a public CA's would be.
func startBlackbox(t *testing.T, bin, cfgDir string, p ports, pub publicURL) *proc {
	return startProc(t, "blackbox", []string{"SSL_CERT_FILE=" + pub.CA}, bin, "--config.file="+filepath.Join(cfgDir, "blackbox", "blackbox.yml"),
		"--web.listen-address="+loop(p.blackbox))
}

// probeOnLoopback points the probe job at the exporter on loopback, and its
// probe of the service at the service's loopback port; other URLs stay.
func probeOnLoopback(t *testing.T, job map[string]any, p ports) {
	t.Helper()
	rewrote := 0
	relabels, _ := job["relabel_configs"].([]any)
	for _, r := range relabels {
		rc := r.(map[string]any)
		if rc["target_label"] == "__address__" {
			if fmt.Sprint(rc["replacement"]) != stack.Addr(stack.Blackbox, stack.BlackboxPort) {
				t.Fatalf("prometheus.yml: the probe job sends its probes to %v", rc["replacement"])
			}
			rc["replacement"] = loop(p.blackbox)
			rewrote++
		}
	}
	scs, _ := job["static_configs"].([]any)
	for _, sc := range scs {
		targets, _ := sc.(map[string]any)["targets"].([]any)
		for i, tg := range targets {
			targets[i] = strings.Replace(fmt.Sprint(tg), "//"+stack.Addr(e2eService, p.service), "//"+loop(p.service), 1)
			if targets[i] != tg {
				rewrote++
			}
		}
	}
	if rewrote != 2 {
		t.Fatalf("prometheus.yml: want the exporter's address and the service's probe URL rewritten, rewrote %d in %v", rewrote, job)
	}
}

func startJaeger(t *testing.T, bin, cfgDir, work string, p ports) *proc {
	d := loadYAML(t, filepath.Join(cfgDir, "jaeger", "config.yml"))
	d.set(loop(p.jgHealth), "extensions", "healthcheckv2", "http", "endpoint")
	d.set(loop(p.jgUI), "extensions", "jaeger_query", "http", "endpoint")
	d.set(loop(p.jgQueryGRPC), "extensions", "jaeger_query", "grpc", "endpoint")
	d.set(loop(p.jgGRPC), "receivers", "otlp", "protocols", "grpc", "endpoint")
	d.set(loop(p.jgHTTP), "receivers", "otlp", "protocols", "http", "endpoint")
	d.set("127.0.0.1", "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "host")
	d.set(p.jgMetrics, "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "port")
	cfg := filepath.Join(work, "jaeger.yml")
	d.write(cfg)
	return startProc(t, "jaeger", nil, bin, "--config="+cfg)
}

func startLoki(t *testing.T, bin, cfgDir, work string, p ports) *proc {
	data := filepath.Join(work, "loki-data")
	d := loadYAML(t, filepath.Join(cfgDir, "loki", "loki.yml"))
	d.set(p.lokiHTTP, "server", "http_listen_port")
	d.set(p.lokiGRPC, "server", "grpc_listen_port")
	d.set(data, "common", "path_prefix")
	d.set(filepath.Join(data, "chunks"), "common", "storage", "filesystem", "chunks_directory")
	// The generated rules, where the generated config would mount them.
	d.set(filepath.Join(cfgDir, "loki", "rules"), "common", "storage", "filesystem", "rules_directory")
	d.set(filepath.Join(data, "compactor"), "compactor", "working_directory")
	d.set(filepath.Join(data, "rules-temp"), "ruler", "rule_path")
	d.set("http://"+loop(p.am), "ruler", "alertmanager_url")
	cfg := filepath.Join(work, "loki.yml")
	d.write(cfg)
	if out, err := run(bin, "-verify-config", "-config.file="+cfg); err != nil {
		t.Fatalf("loki -verify-config on the rewritten config: %v\n%s", err, out)
	}
	return startProc(t, "loki", nil, bin, "-config.file="+cfg)
}

// startCollector runs the collector with the generated config, addresses
// rewritten to loopback; extra are more command-line arguments (--set=...).
func startCollector(t *testing.T, bin, repo string, s spec.Spec, work string, p ports, extra ...string) *proc {
	d := collectorOnLoopback(t, bin, filepath.Join(repo, otelcol.ConfigPath(s)), work, p)
	if inc := d.get("receivers", "file_log", "include"); fmt.Sprint(inc) != fmt.Sprint([]any{s.Logs.Path}) {
		t.Fatalf("file_log include is %v, want the spec's log path %s", inc, s.Logs.Path)
	}
	cfg := filepath.Join(work, "otelcol.yml")
	d.write(cfg)
	if out, err := run(bin, "validate", "--config="+cfg); err != nil {
		t.Fatalf("otelcol validate on the rewritten config: %v\n%s", err, out)
	}
	return startProc(t, "otelcol", nil, bin, append([]string{"--config=" + cfg}, extra...)...)
}

// collectorOnLoopback validates the generated collector config and
// returns it with its listeners, exporters and storage on loopback and in
// work.
func collectorOnLoopback(t *testing.T, bin, generated, work string, p ports) *yamlDoc {
	t.Helper()
	if out, err := run(bin, "validate", "--config="+generated); err != nil {
		t.Fatalf("otelcol validate on the generated config: %v\n%s", err, out)
	}
	d := loadYAML(t, generated)
	d.set(loop(p.colHealth), "extensions", "health_check", "endpoint")
	d.set(filepath.Join(work, "otelcol-storage"), "extensions", "file_storage", "directory")
	d.set(loop(p.colGRPC), "receivers", "otlp", "protocols", "grpc", "endpoint")
	d.set(loop(p.colHTTP), "receivers", "otlp", "protocols", "http", "endpoint")
	d.set(loop(p.jgGRPC), "exporters", "otlp_grpc/jaeger", "endpoint")
	d.set("http://"+loop(p.lokiHTTP)+"/otlp", "exporters", "otlp_http/loki", "endpoint")
	d.set("127.0.0.1", "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "host")
	d.set(p.colMetr, "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "port")
	return d
}

// startPrometheus runs Prometheus on port as name, with a copy of the
// generated folder that prep, when set, may change first.
func startPrometheus(t *testing.T, bin, cfgDir, work string, p ports, name string, port int, prep func(dir string)) *proc {
	// The whole folder, so rule_files resolve as they do in the stack.
	promDir := filepath.Join(work, name)
	if err := os.CopyFS(promDir, os.DirFS(filepath.Join(cfgDir, "prometheus"))); err != nil {
		t.Fatal(err)
	}
	if prep != nil {
		prep(promDir)
	}
	d := loadYAML(t, filepath.Join(promDir, "prometheus.yml"))
	d.set([]any{loop(p.am)}, "alerting", "alertmanagers", 0, "static_configs", 0, "targets")
	rewrite := map[string]string{
		stack.Addr(e2eService, p.metrics):                       loop(p.metrics),
		stack.Addr("localhost", stack.PrometheusPort):           loop(port),
		stack.Addr(stack.Collector, stack.CollectorMetricsPort): loop(p.colMetr),
		stack.Addr(stack.Loki, stack.LokiPort):                  loop(p.lokiHTTP),
		stack.Addr(stack.Jaeger, stack.JaegerMetricsPort):       loop(p.jgMetrics),
		stack.Addr(stack.Alertmanager, stack.AlertmanagerPort):  loop(p.am),
		// No Grafana runs here (none builds on the test machines): its
		// target stays down, as it would in a broken stack.
		stack.Addr(stack.Grafana, stack.GrafanaPort):   loop(p.grafana),
		stack.Addr(stack.Blackbox, stack.BlackboxPort): loop(p.blackbox),
	}
	jobs, _ := d.get("scrape_configs").([]any)
	for _, j := range jobs {
		// The service's replicas are found by compose's DNS; here the one
		// replica is on loopback.
		job := j.(map[string]any)
		if dns, ok := job["dns_sd_configs"].([]any); ok {
			sd := dns[0].(map[string]any)
			names, _ := sd["names"].([]any)
			if len(names) != 1 || fmt.Sprint(names[0]) != e2eService || fmt.Sprint(sd["port"]) != strconv.Itoa(p.metrics) {
				t.Fatalf("prometheus.yml: unexpected dns_sd_configs %v", dns)
			}
			delete(job, "dns_sd_configs")
			job["static_configs"] = []any{map[string]any{"targets": []any{stack.Addr(e2eService, p.metrics)}}}
		}
	}
	for i, j := range jobs {
		if j.(map[string]any)["job_name"] == prometheus.ProbeJob {
			// Probe targets are URLs the blackbox exporter requests.
			probeOnLoopback(t, j.(map[string]any), p)
			continue
		}
		scs, _ := j.(map[string]any)["static_configs"].([]any)
		for k, sc := range scs {
			targets, _ := sc.(map[string]any)["targets"].([]any)
			for m, tg := range targets {
				to, ok := rewrite[fmt.Sprint(tg)]
				if !ok {
					t.Fatalf("prometheus.yml: no loopback address for target %v", tg)
				}
				d.set(to, "scrape_configs", i, "static_configs", k, "targets", m)
			}
		}
	}
	cfg := filepath.Join(promDir, "prometheus.yml")
	d.write(cfg)
	return startProc(t, name, nil, bin, "--config.file="+cfg,
		"--storage.tsdb.path="+filepath.Join(work, name+"-data"), "--web.listen-address="+loop(port),
		"--enable-feature=exemplar-storage")
}

// startService runs the service (bin with args, in dir) with env added,
// its stdout appended to the log file the collector tails.
func startService(t *testing.T, logFile, dir string, env []string, bin string, args ...string) *proc {
	f, err := os.OpenFile(logFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr := &proc{name: e2eService, cmd: cmd, log: logFile, done: make(chan struct{})}
	stderr := filepath.Join(t.TempDir(), "stderr.log")
	ef, err := os.Create(stderr)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = ef
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); f.Close(); ef.Close(); close(pr.done) }()
	t.Cleanup(func() {
		pr.stop()
		if t.Failed() {
			t.Logf("--- %s stdout (last 30 lines) ---\n%s\n--- stderr ---\n%s", e2eService, tail(logFile, 30), tail(stderr, 30))
		}
	})
	return pr
}

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// get sends a GET (with a sampled traceparent when traceID is set) and
// returns the status code.
func get(t *testing.T, u, traceID string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if traceID != "" {
		req.Header.Set("traceparent", "00-"+traceID+"-"+randomHex(8)+"-01")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// lokiLine is one log entry as Loki returns it.
type lokiLine struct {
	ts     time.Time
	line   string
	stream map[string]string
	meta   map[string]string
	json   map[string]any
}

// queryLoki returns every line of sel since start, with stream labels and
// structured metadata told apart (categorize-labels encoding).
func queryLoki(ctx context.Context, base, sel string, start time.Time) ([]lokiLine, error) {
	q := url.Values{}
	q.Set("query", sel)
	q.Set("start", strconv.FormatInt(start.Add(-time.Minute).UnixNano(), 10))
	q.Set("end", strconv.FormatInt(time.Now().Add(time.Minute).UnixNano(), 10))
	q.Set("limit", "5000")
	q.Set("direction", "forward")
	var resp struct {
		Data struct {
			Result []struct {
				Stream map[string]string   `json:"stream"`
				Values [][]json.RawMessage `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := getJSON(ctx, base+"/loki/api/v1/query_range?"+q.Encode(), &resp, "X-Loki-Response-Encoding-Flags", "categorize-labels"); err != nil {
		return nil, err
	}
	var out []lokiLine
	for _, r := range resp.Data.Result {
		for _, v := range r.Values {
			var tsText, line string
			if len(v) < 2 || json.Unmarshal(v[0], &tsText) != nil || json.Unmarshal(v[1], &line) != nil {
				return nil, fmt.Errorf("unexpected Loki value %s", v)
			}
			ns, err := strconv.ParseInt(tsText, 10, 64)
			if err != nil {
				return nil, err
			}
			l := lokiLine{ts: time.Unix(0, ns), line: line, stream: r.Stream, meta: map[string]string{}}
			if len(v) > 2 {
				var cat struct {
					StructuredMetadata map[string]string `json:"structuredMetadata"`
				}
				if err := json.Unmarshal(v[2], &cat); err != nil {
					return nil, err
				}
				if cat.StructuredMetadata != nil {
					l.meta = cat.StructuredMetadata
				}
			}
			_ = json.Unmarshal([]byte(line), &l.json)
			out = append(out, l)
		}
	}
	return out, nil
}

// checkLogLines checks what Loki holds for the service against the
// pipeline's promises; known, when set, is a trace ID whose access line
// must be there. It reports at most a few problems of each kind.
func checkLogLines(t *testing.T, lines []lokiLine, service, known string) {
	t.Helper()
	reported := map[string]int{}
	errorf := func(kind, format string, args ...any) {
		t.Helper()
		if reported[kind]++; reported[kind] <= 3 {
			t.Errorf(format, args...)
		}
	}
	want := []string{contract.LokiLabelService, contract.LokiLabelEnvironment, contract.LokiLabelLevel}
	sort.Strings(want)
	for _, l := range lines {
		if l.meta[rawMeta] == "true" {
			// Kept as written (checkRawLine); only the stream is checked.
			if l.json != nil {
				errorf("raw", "a JSON line is marked raw: %q", l.line)
			}
			if l.stream[contract.LokiLabelService] != service || l.stream[contract.LokiLabelEnvironment] != e2eEnv {
				errorf("stream", "raw line in stream %v: %q", l.stream, l.line)
			}
			continue
		}
		if l.json == nil {
			errorf("json", "line is not the service's JSON as written, nor marked raw: %q", l.line)
			continue
		}
		if m := l.json["marker"]; m != nil {
			errorf("marker", "the pipeline let through a line it must drop (%v): %s", m, l.line)
		}
		if p := l.json[contract.LogHTTPPath]; p == contract.HealthLivenessPath || p == contract.HealthReadinessPath {
			errorf("health", "health-check access line reached Loki: %s", l.line)
		}
		// Only the low-cardinality labels are stream labels.
		var names []string
		for k := range l.stream {
			names = append(names, k)
		}
		sort.Strings(names)
		if strings.Join(names, ",") != strings.Join(want, ",") {
			errorf("labels", "stream labels %v, want exactly %v", names, want)
		}
		if l.stream[contract.LokiLabelService] != service || l.stream[contract.LokiLabelEnvironment] != e2eEnv ||
			l.stream[contract.LokiLabelLevel] != l.json[contract.LogLevel] {
			errorf("stream", "stream %v does not match the line %s", l.stream, l.line)
		}
		// The entry's time is the log's own time field.
		if ts, err := time.Parse(time.RFC3339Nano, fmt.Sprint(l.json[contract.LogTime])); err != nil || !ts.Equal(l.ts) {
			errorf("time", "entry time %s, line time %v (%v)", l.ts.Format(time.RFC3339Nano), l.json[contract.LogTime], err)
		}
		// IDs are structured metadata equal to the line's fields.
		for field, meta := range map[string]string{
			contract.LogTraceID: contract.LokiMetaTraceID, contract.LogSpanID: contract.LokiMetaSpanID, contract.LogRequestID: contract.LokiMetaRequestID,
		} {
			if v, ok := l.json[field]; ok && l.meta[meta] != v {
				errorf("meta", "structured metadata %s=%q, line has %v: %s", meta, l.meta[meta], v, l.line)
			}
		}
	}
	if known == "" {
		return
	}
	found := false
	for _, l := range lines {
		if l.meta[contract.LokiMetaTraceID] == known && l.json[contract.LogMessage] == contract.AccessLogMessage {
			found = true
			if l.meta[contract.LokiMetaRequestID] == "" || l.meta[contract.LokiMetaSpanID] == "" {
				t.Errorf("access line of the known trace lacks request_id or span_id metadata: %v", l.meta)
			}
		}
	}
	if !found {
		t.Errorf("no access line with trace_id %s", known)
	}
}

// plainLine is a line of the service's file that is not JSON.
const plainLine = `plain text marker=plain-line`

// rawMeta is the structured metadata that marks a line kept as written.
var rawMeta = stack.NewLogPipeline(spec.New()).MetaRaw

// checkRawLine: the line that is not JSON reached Loki once, as written,
// marked raw.
func checkRawLine(t *testing.T, lines []lokiLine, want string) {
	t.Helper()
	n := 0
	for _, l := range lines {
		if strings.TrimRight(l.line, "\n") == want {
			n++
			if l.meta[rawMeta] != "true" {
				t.Errorf("the non-JSON line reached Loki without %s=\"true\": %v", rawMeta, l.meta)
			}
		}
	}
	if n != 1 {
		t.Errorf("the non-JSON line %q is in Loki %d times, want once", want, n)
	}
}

func checkLokiLabels(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	var resp struct {
		Data []string `json:"data"`
	}
	q := url.Values{"start": {strconv.FormatInt(time.Now().Add(-time.Hour).UnixNano(), 10)}}
	if err := getJSON(ctx, base+"/loki/api/v1/labels?"+q.Encode(), &resp); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{contract.LokiLabelService, contract.LokiLabelLevel} {
		if !contains(resp.Data, want) {
			t.Errorf("Loki label %q is not indexed; labels: %v", want, resp.Data)
		}
	}
	for _, never := range []string{contract.LokiMetaTraceID, contract.LokiMetaSpanID, contract.LokiMetaRequestID} {
		if contains(resp.Data, never) {
			t.Errorf("%q is an index label: it must be structured metadata", never)
		}
	}
}

// checkLokiRules checks the ruler loaded the generated rules and that the
// panic rule's own expression counts the panics we caused.
func checkLokiRules(t *testing.T, ctx context.Context, base string, s spec.Spec, servers []*proc) {
	t.Helper()
	rs := loki.RuleSet(s)
	eventually(t, 30*time.Second, "loki ruler loads the generated rules", servers, func() error {
		var resp struct {
			Data struct {
				Groups []struct {
					Rules []struct {
						Name string `json:"name"`
					} `json:"rules"`
				} `json:"groups"`
			} `json:"data"`
		}
		if err := getJSON(ctx, base+"/prometheus/api/v1/rules", &resp); err != nil {
			return err
		}
		var loaded []string
		for _, g := range resp.Data.Groups {
			for _, r := range g.Rules {
				loaded = append(loaded, r.Name)
			}
		}
		for _, r := range rs.Groups[0].Rules {
			if !contains(loaded, r.Alert) {
				return fmt.Errorf("rule %s not loaded (loaded: %v)", r.Alert, loaded)
			}
		}
		return nil
	})
	for _, r := range rs.Groups[0].Rules {
		if r.Alert != "PanicLogged" {
			continue
		}
		var resp struct {
			Data struct {
				Result []struct {
					Value []any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := getJSON(ctx, base+"/loki/api/v1/query?"+url.Values{"query": {r.Expr}}.Encode(), &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.Data.Result) != 1 || fmt.Sprint(resp.Data.Result[0].Value[1]) == "0" {
			t.Errorf("the PanicLogged expression does not see the panics: %+v", resp.Data.Result)
		}
	}
}

func jaegerHasTrace(ctx context.Context, base, id string) error {
	var resp struct {
		Data []struct {
			TraceID string `json:"traceID"`
			Spans   []struct {
				TraceID string `json:"traceID"`
			} `json:"spans"`
			Processes map[string]struct {
				ServiceName string `json:"serviceName"`
				Tags        []struct {
					Key   string `json:"key"`
					Value any    `json:"value"`
				} `json:"tags"`
			} `json:"processes"`
		} `json:"data"`
	}
	if err := getJSON(ctx, base+"/api/traces/"+id, &resp); err != nil {
		return err
	}
	if len(resp.Data) != 1 || len(resp.Data[0].Spans) == 0 {
		return fmt.Errorf("trace %s: %d traces", id, len(resp.Data))
	}
	for _, sp := range resp.Data[0].Spans {
		if sp.TraceID != id {
			return fmt.Errorf("trace %s holds a span of trace %s", id, sp.TraceID)
		}
	}
	// The stack's names, as on the metrics and the log streams.
	for _, p := range resp.Data[0].Processes {
		env := ""
		for _, tag := range p.Tags {
			if tag.Key == "deployment.environment.name" {
				env = fmt.Sprint(tag.Value)
			}
		}
		if p.ServiceName != e2eService || env != e2eEnv {
			return fmt.Errorf("trace %s is from service %q in %q, want %q in %q as the metrics say", id, p.ServiceName, env, e2eService, e2eEnv)
		}
	}
	return nil
}

// checkOverriddenLines: the lines say what the process was told (the
// override reached it) while their streams carry the stack's names, the
// ones the metrics, rules and dashboard variables use.
func checkOverriddenLines(t *testing.T, lines []lokiLine) {
	t.Helper()
	for _, l := range lines {
		if l.meta[rawMeta] == "true" {
			// Not the logger's: kept as written (checkRawLine).
			continue
		}
		if l.json[contract.LogService] != overriddenService || l.json[contract.LogEnvironment] != overriddenEnv {
			t.Errorf("line says service %v in %v, want the override %s in %s: %s",
				l.json[contract.LogService], l.json[contract.LogEnvironment], overriddenService, overriddenEnv, l.line)
			return
		}
	}
}

// promResult is an instant query's vector.
type promResult []struct {
	Metric map[string]string `json:"metric"`
	Value  []any             `json:"value"`
}

func promQuery(ctx context.Context, base, q string) (promResult, error) {
	var resp struct {
		Data struct {
			Result promResult `json:"result"`
		} `json:"data"`
	}
	err := getJSON(ctx, base+"/api/v1/query?"+url.Values{"query": {q}}.Encode(), &resp)
	return resp.Data.Result, err
}

// checkPrometheus checks the service's targets, that its request series
// carry routes (the service's route templates), and that every metric the
// generated rules and dashboards read has data, but for those empty says
// the runtime does not export (nil: none).
func checkPrometheus(t *testing.T, ctx context.Context, base, cfgDir string, s spec.Spec, servers []*proc, routes []string) {
	t.Helper()
	job := s.Service.Name
	eventually(t, 45*time.Second, "the service's target up", servers, func() error {
		r, err := promQuery(ctx, base, fmt.Sprintf(`up{job=%q}`, job))
		if err != nil {
			return err
		}
		if len(r) != 1 || r[0].Value[1] != "1" {
			return fmt.Errorf("up{job=%q} = %v", job, r)
		}
		return nil
	})
	// The stack watches its collector: the generated job scrapes its
	// telemetry port.
	eventually(t, 45*time.Second, "the collector's target up", servers, func() error {
		r, err := promQuery(ctx, base, fmt.Sprintf(`up{job=%q}`, prometheus.CollectorJob))
		if err != nil {
			return err
		}
		if len(r) != 1 || r[0].Value[1] != "1" {
			return fmt.Errorf("up{job=%q} = %v", prometheus.CollectorJob, r)
		}
		return nil
	})
	eventually(t, 30*time.Second, "request duration series with routes", servers, func() error {
		r, err := promQuery(ctx, base, fmt.Sprintf(`%s{job=%q}`, contract.RequestDurationCount, job))
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, m := range r {
			seen[m.Metric[contract.LabelRoute]] = true
		}
		for _, want := range routes {
			if !seen[want] {
				return fmt.Errorf("routes seen: %v, want %v", seen, routes)
			}
		}
		return nil
	})

	// Every metric the generated rules and dashboards read, as Prometheus'
	// own parser sees them (/api/v1/parse_query).
	exprs, records, slowest := promExpressions(t, cfgDir)
	// A rule group first runs up to one interval after the rules load, and
	// that run may come before the series it reads have two samples: a
	// recorded series can take two intervals of its group to appear.
	wait := max(60*time.Second, 2*slowest+30*time.Second)
	// Each selector as written, with its label matchers: a metric name
	// that some other job exports (go_* from Prometheus itself) is no
	// data for a panel that selects the service's job.
	selectors := map[string]string{}
	for _, e := range exprs {
		var resp struct {
			Data any `json:"data"`
		}
		if err := getJSON(ctx, base+"/api/v1/parse_query?"+url.Values{"query": {e}}.Encode(), &resp); err != nil {
			t.Errorf("parse %q: %v", e, err)
			continue
		}
		collectSelectors(resp.Data, selectors)
	}
	t.Logf("%d expressions read %d selectors; %d recording rules", len(exprs), len(selectors), len(records))
	onFailure := map[string]bool{}
	for _, m := range rules.StackMetrics {
		onFailure[m.Name] = m.OnFailure
	}
	for sel, name := range selectors {
		if syntheticSeries[name] {
			// Exists only while an alert is pending or firing.
			continue
		}
		if onFailure[name] {
			// Served once a stack component failed: checkFailureCounters.
			continue
		}
		eventually(t, wait, "data for "+sel, servers, func() error {
			r, err := promQuery(ctx, base, sel)
			if err == nil && len(r) == 0 {
				err = fmt.Errorf("no series")
			}
			return err
		})
	}
	for _, rec := range records {
		eventually(t, wait, "recording rule "+rec, servers, func() error {
			r, err := promQuery(ctx, base, rec)
			if err == nil && len(r) == 0 {
				err = fmt.Errorf("no value yet")
			}
			return err
		})
	}
}

// syntheticSeries are written by Prometheus' rule manager, not scraped.
var syntheticSeries = map[string]bool{"ALERTS": true, "ALERTS_FOR_STATE": true}

// promExpressions returns every PromQL expression of the generated rules
// and dashboards under cfgDir, the names of the recording rules and the
// longest interval a rule group sets.
func promExpressions(t *testing.T, cfgDir string) (exprs, records []string, slowest time.Duration) {
	t.Helper()
	rules, _ := filepath.Glob(filepath.Join(cfgDir, "prometheus", "rules", "*.yml"))
	for _, f := range rules {
		if strings.HasSuffix(f, "_test.yml") || strings.HasSuffix(f, ".test.yml") {
			continue
		}
		d := loadYAML(t, f)
		groups, _ := d.get("groups").([]any)
		for _, g := range groups {
			if iv, ok := g.(map[string]any)["interval"].(string); ok {
				d, err := time.ParseDuration(iv)
				if err != nil {
					t.Fatalf("%s: group interval %q: %v", f, iv, err)
				}
				slowest = max(slowest, d)
			}
			rs, _ := g.(map[string]any)["rules"].([]any)
			for _, r := range rs {
				m := r.(map[string]any)
				if e, ok := m["expr"].(string); ok {
					exprs = append(exprs, e)
				}
				if rec, ok := m["record"].(string); ok {
					records = append(records, rec)
				}
			}
		}
	}
	for _, doc := range readDashboards(t, cfgDir) {
		walkExprs(doc, "prometheus", false, func(e string) { exprs = append(exprs, expandPromVars(e)) })
	}
	return exprs, records, slowest
}

var promVars = regexp.MustCompile(`\$\{?(__rate_interval|__interval|__range|__auto)\}?`)

// expandPromVars replaces Grafana's variables: intervals with 5m, other
// template variables with a regex that matches anything.
func expandPromVars(q string) string {
	q = promVars.ReplaceAllString(q, "5m")
	return regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`).ReplaceAllString(q, ".*")
}

// collectSelectors adds every vector or matrix selector of a parse_query
// AST, rebuilt from its matchers, with its metric name. Prometheus 3
// writes a range's selector as a matrixSelector node with the matchers
// itself (no vectorSelector inside): the counters under rate() are there.
func collectSelectors(v any, selectors map[string]string) {
	switch n := v.(type) {
	case map[string]any:
		if _, ok := n["matchers"].([]any); ok && (n["type"] == "vectorSelector" || n["type"] == "matrixSelector") {
			var ms []string
			for _, m := range n["matchers"].([]any) {
				m := m.(map[string]any)
				ms = append(ms, fmt.Sprintf("%s%s%q", m["name"], m["type"], m["value"]))
			}
			slices.Sort(ms)
			name, _ := n["name"].(string)
			selectors["{"+strings.Join(ms, ", ")+"}"] = name
		}
		for _, c := range n {
			collectSelectors(c, selectors)
		}
	case []any:
		for _, c := range n {
			collectSelectors(c, selectors)
		}
	}
}

var dashboardVar = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)

// expandLogVars turns a dashboard's LogQL into what Loki receives with
// every variable at "All": intervals become 5m, a variable with an
// allValue takes it (as Grafana sends it), any other (used in =~
// matchers) matches any value.
func expandLogVars(q string, allValues map[string]string) string {
	return dashboardVar.ReplaceAllStringFunc(expandGrafanaVars(q), func(v string) string {
		if all, ok := allValues[strings.Trim(v, "${}")]; ok {
			return all
		}
		return ".+"
	})
}

// allValues maps each templating variable of a dashboard to its allValue.
func allValues(doc any) map[string]string {
	out := map[string]string{}
	d, _ := doc.(map[string]any)
	tpl, _ := d["templating"].(map[string]any)
	list, _ := tpl["list"].([]any)
	for _, v := range list {
		m, _ := v.(map[string]any)
		if all, ok := m["allValue"].(string); ok && all != "" {
			out[fmt.Sprint(m["name"])] = all
		}
	}
	return out
}

// checkDashboardLogQueries runs every Loki query of the generated
// dashboards against the real Loki: log queries must return the service's
// lines, metric queries a value.
func checkDashboardLogQueries(t *testing.T, ctx context.Context, base, cfgDir string, want int, since time.Time) {
	t.Helper()
	n := 0
	for _, doc := range readDashboards(t, cfgDir) {
		all := allValues(doc)
		walkExprs(doc, "loki", false, func(q string) {
			n++
			expr := expandLogVars(q, all)
			if strings.HasPrefix(strings.TrimSpace(expr), "{") {
				got, err := queryLoki(ctx, base, expr, since)
				if err != nil {
					t.Errorf("dashboard query %q: %v", q, err)
				} else if len(got) < want {
					t.Errorf("dashboard query %q returned %d lines, want the service's %d", q, len(got), want)
				}
				return
			}
			var resp struct {
				Data struct {
					Result []any `json:"result"`
				} `json:"data"`
			}
			if err := getJSON(ctx, base+"/loki/api/v1/query?"+url.Values{"query": {expr}}.Encode(), &resp); err != nil {
				t.Errorf("dashboard query %q: %v", q, err)
			} else if len(resp.Data.Result) == 0 {
				t.Errorf("dashboard query %q returned nothing", q)
			}
		})
	}
	t.Logf("%d dashboard LogQL queries run against Loki", n)
}

// checkTracesToLogs runs the trace datasource's traces-to-logs query from
// the generated Grafana provisioning, as Grafana would for the known trace:
// it must return that trace's lines and no other.
func checkTracesToLogs(t *testing.T, ctx context.Context, base, cfgDir, traceID string, since time.Time) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(cfgDir, "grafana", "provisioning", "datasources", "*.yml"))
	var queries []string
	for _, f := range files {
		d := loadYAML(t, f)
		dss, _ := d.get("datasources").([]any)
		for _, ds := range dss {
			jd, _ := ds.(map[string]any)["jsonData"].(map[string]any)
			if tl, ok := jd["tracesToLogsV2"].(map[string]any); ok {
				if q, ok := tl["query"].(string); ok {
					queries = append(queries, q)
				}
			}
		}
	}
	if len(queries) == 0 {
		t.Error("no traces-to-logs query in the generated datasources")
	}
	for _, q := range queries {
		// Grafana reads $$ in provisioning files as a literal $.
		expr := strings.ReplaceAll(strings.ReplaceAll(q, "$$", "$"), "${__trace.traceId}", traceID)
		got, err := queryLoki(ctx, base, expr, since)
		if err != nil {
			t.Errorf("traces-to-logs query %q: %v", q, err)
			continue
		}
		if len(got) == 0 {
			t.Errorf("traces-to-logs query %q returned no line for trace %s", expr, traceID)
		}
		for _, l := range got {
			if l.meta[contract.LokiMetaTraceID] != traceID {
				t.Errorf("traces-to-logs query %q returned a line of another trace: %s", expr, l.line)
			}
		}
	}
}

// readDashboards decodes every generated dashboard under cfgDir.
func readDashboards(t *testing.T, cfgDir string) []any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(cfgDir, "grafana", "dashboards", "*.json"))
	var docs []any
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		docs = append(docs, doc)
	}
	return docs
}

// getText GETs url and returns a 200 response's body.
func getText(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

// awaitLokiLines waits until Loki holds the service's lines since began,
// with at least 3 recovered panics (or thrown errors) and a line of the
// known trace, and returns them.
func awaitLokiLines(t *testing.T, ctx context.Context, lokiURL string, s spec.Spec, began time.Time, known, raw string, servers []*proc) []lokiLine {
	t.Helper()
	var lines []lokiLine
	eventually(t, 60*time.Second, "the panics, the known request's access line and the raw line in Loki", servers, func() error {
		var err error
		lines, err = queryLoki(ctx, lokiURL, loki.Selector(s), began)
		if err != nil {
			return err
		}
		// A line that is not JSON waits for the next one or the
		// recombine's flush (it may start a stack trace).
		panics, sawKnown, sawRaw := 0, false, raw == ""
		for _, l := range lines {
			if strings.TrimRight(l.line, "\n") == raw {
				sawRaw = true
			}
			if l.json[contract.LogMessage] == contract.LogPanicMessage {
				panics++
			}
			// The access line, written when the response ends, after the
			// handler's own lines.
			if l.meta[contract.LokiMetaTraceID] == known && l.json[contract.LogMessage] == contract.AccessLogMessage {
				sawKnown = true
			}
		}
		if panics < 3 || !sawKnown || !sawRaw {
			return fmt.Errorf("%d lines, %d panics, known trace seen: %v, raw line seen: %v", len(lines), panics, sawKnown, sawRaw)
		}
		return nil
	})
	return lines
}
