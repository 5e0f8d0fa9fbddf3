package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/nodefixture"
	"github.com/obsgen/obsgen/internal/testtool"
)

// TestNodeStackEndToEnd runs a generated Node service (Express,
// JavaScript, CommonJS) through the same real servers as the Go service:
// Jaeger v2, Loki, the collector and Prometheus 3, each with its generated
// config rewritten to loopback. The service is started with the start
// command obsgen wrote into package.json. Traffic includes thrown errors
// and one request with a trace ID we chose; the checks are the Go test's:
// JSON lines in Loki with their IDs as structured metadata, the dashboard
// LogQL and the Loki rules, every logged trace in Jaeger, and every metric
// the rules and dashboards read in Prometheus.
//
// Run it alone: cd e2e && go test -run TestNodeStackEndToEnd -v
func TestNodeStackEndToEnd(t *testing.T) {
	if testing.Short() {
		testtool.Missing(t, "starts four servers and a Node service: not run with -short")
	}
	bins := map[string]string{}
	for _, b := range []string{"prometheus", "loki", "otelcol", "jaeger", "alertmanager", "node", "npm", blackboxBin} {
		bins[b] = testtool.Require(t, b)
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	p := newPorts(t)
	work := t.TempDir()
	repo := filepath.Join(work, "repo")
	logFile := filepath.Join(work, "logs", e2eService+".log")
	if err := os.MkdirAll(filepath.Dir(logFile), 0o755); err != nil {
		t.Fatal(err)
	}

	// 1. A Node service as it is before obsgen, its dependencies installed;
	// obsgen init installs the pinned SDKs and edits the start script.
	if err := nodefixture.Write(repo, e2eService, "express", "commonjs", false); err != nil {
		t.Fatal(err)
	}
	if out, err := nodefixture.NPM(bins["npm"], repo, "install", "--no-audit", "--no-fund", "--prefer-offline"); err != nil {
		t.Fatalf("npm install: %v\n%s", err, out)
	}
	t.Setenv("npm_config_prefer_offline", "true")
	pub := startPublicURL(t)
	s := initService(t, repo, p, logFile, "--otlp-protocol", "grpc", "--probe-urls", pub.URL)
	args, err := nodefixture.StartArgs(repo)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fixture, npm install, obsgen init: %s", time.Since(began).Round(time.Millisecond))

	// 2. The servers, each with its generated config.
	cfgDir := filepath.Join(repo, s.Output.ConfigDir)
	jaeger := startJaeger(t, bins["jaeger"], cfgDir, work, p)
	lokiProc := startLoki(t, bins["loki"], cfgDir, work, p)
	collector := startCollector(t, bins["otelcol"], repo, s, work, p)
	prom := startPrometheus(t, bins["prometheus"], cfgDir, work, p, "prometheus", p.prom, nil)
	// Alertmanager too: the stack's own alerts read its metrics, and the
	// metric check wants every selector of the rules to have data.
	am := startAlertmanager(t, bins["alertmanager"], cfgDir, work, p)
	servers := []*proc{am, jaeger, lokiProc, collector, prom, startBlackbox(t, bins[blackboxBin], cfgDir, p, pub)}
	lokiURL := "http://" + loop(p.lokiHTTP)
	promURL := "http://" + loop(p.prom)
	jaegerURL := "http://" + loop(p.jgUI)

	// 3. The service, started while the servers come up (loading the SDKs
	// takes seconds), its stdout appended to the file the collector tails.
	svc := startService(t, logFile, repo, []string{
		"PORT=" + strconv.Itoa(p.service),
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + loop(p.colGRPC),
		"OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1",
	}, bins["node"], args...)
	servers = append(servers, svc)
	eventually(t, 30*time.Second, "jaeger healthy", servers, func() error { return getJSON(ctx, "http://"+loop(p.jgHealth)+"/status", nil) })
	eventually(t, 30*time.Second, "collector healthy", servers, func() error { return getJSON(ctx, "http://"+loop(p.colHealth)+"/", nil) })
	eventually(t, 20*time.Second, "prometheus ready", servers, func() error { return getJSON(ctx, promURL+"/-/ready", nil) })
	eventually(t, 60*time.Second, "loki ready", servers, func() error { return getJSON(ctx, lokiURL+"/ready", nil) })
	svcURL := "http://" + loop(p.service)
	eventually(t, 90*time.Second, "service ready", servers, func() error {
		return getJSON(ctx, svcURL+contract.HealthReadinessPath, nil)
	})
	t.Logf("servers and service ready: %s", time.Since(began).Round(time.Millisecond))

	// 4. Traffic: successes, 404s, thrown errors, health checks, and one
	// request with a trace ID we chose.
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
	t.Logf("traffic sent: %s", time.Since(began).Round(time.Millisecond))

	// 5. Logs in Loki.
	lines := awaitLokiLines(t, ctx, lokiURL, s, began, known, "", servers)
	checkLogLines(t, lines, e2eService, known)
	checkLokiLabels(t, ctx, lokiURL)
	checkLokiRules(t, ctx, lokiURL, s, servers)
	checkDashboardLogQueries(t, ctx, lokiURL, cfgDir, len(lines), began)
	checkTracesToLogs(t, ctx, lokiURL, cfgDir, known, began)
	t.Logf("loki checks done (%d lines): %s", len(lines), time.Since(began).Round(time.Millisecond))

	// 6. Logs -> traces.
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

	// 7. Metrics: Node routers name routes with :params; every metric the
	// dashboard and rules read has data, as for Go (no empty panels).
	checkPrometheus(t, ctx, promURL, cfgDir, s, servers, []string{"/hello/:name", "/panic"})
	t.Logf("total: %s", time.Since(began).Round(time.Millisecond))
}
