package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/spec"
)

func testSpec() spec.Spec {
	s := spec.New()
	s.Service.Name = "checkout"
	s.Service.Environment = "production"
	s.Tracing.Enabled = true
	s.Tracing.Backend = "jaeger"
	s.Alerts.Receiver = "slack"
	return s
}

// fakeStack answers every API doctor asks like a healthy stack; broken
// names an API path to answer with an empty result instead.
func fakeStack(t *testing.T, broken string) *httptest.Server {
	mux := http.NewServeMux()
	answer := func(path, healthy, empty string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if broken == path+"?"+r.URL.Query().Get("query") || broken == path {
				w.Write([]byte(empty))
				return
			}
			w.Write([]byte(healthy))
		})
	}
	mux.HandleFunc("/api/v1/query", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("query")
		if broken == "/api/v1/query" {
			w.Write([]byte(`{"status":"success","data":{"result":[]}}`))
			return
		}
		if strings.HasPrefix(q, "up") {
			w.Write([]byte(`{"status":"success","data":{"result":[{"metric":{"job":"checkout"},"value":[1,"1"]}]}}`))
			return
		}
		w.Write([]byte(`{"status":"success","data":{"result":[{"metric":{"job":"checkout","environment":"production","http_route":"/items/{id}"},"value":[1,"3"]}]}}`))
	})
	rule := `{"name":"r","health":"ok","lastError":""}`
	answer("/api/v1/rules", `{"data":{"groups":[{"name":"checkout-targets","rules":[`+rule+`]},{"name":"checkout-slo","rules":[`+rule+`]},{"name":"checkout-slo-long","rules":[`+rule+`]}]}}`,
		`{"data":{"groups":[{"name":"checkout-targets","rules":[{"name":"bad","health":"err","lastError":"many-to-many matching not allowed"}]}]}}`)
	answer("/api/v2/status", `{"config":{"original":"receivers:\n- name: page\n  slack_configs:\n  - channel: '#x'\n- name: ticket\n"}}`, `{"config":{"original":"receivers:\n- name: other\n"}}`)
	answer("/loki/api/v1/query_range", `{"data":{"result":[{"values":[["1","line"]]}]}}`, `{"data":{"result":[]}}`)
	answer("/api/traces", `{"data":[{"traceID":"abc"}]}`, `{"data":[]}`)
	answer("/api/search", `[{"uid":"checkout","title":"checkout"}]`, `[]`)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func endpoints(u string) Endpoints {
	return Endpoints{Prometheus: u, Loki: u, Traces: u, Alertmanager: u, Grafana: u}
}

func TestHealthyStackPassesEveryRowInOrder(t *testing.T) {
	srv := fakeStack(t, "")
	rep := Run(context.Background(), []spec.Spec{testSpec()}, Options{Endpoints: endpoints(srv.URL)})
	want := []string{CheckTarget, CheckMetrics, CheckRules, CheckAlertmanager, CheckLogs, CheckTraces, CheckDashboards}
	if len(rep.Results) != len(want) {
		t.Fatalf("got %d rows, want %d", len(rep.Results), len(want))
	}
	for i, r := range rep.Results {
		if r.Check != want[i] || r.Status != Pass || r.Service != "checkout" {
			t.Errorf("row %d: %+v, want %s passed", i, r, want[i])
		}
	}
	if rep.Failed() || rep.NothingRuns() {
		t.Fatal("a healthy stack failed")
	}
}

func TestEachBrokenSignalFailsItsRowOnly(t *testing.T) {
	for path, row := range map[string]string{
		"/api/v1/rules":            CheckRules,
		"/api/v2/status":           CheckAlertmanager,
		"/loki/api/v1/query_range": CheckLogs,
		"/api/traces":              CheckTraces,
		"/api/search":              CheckDashboards,
	} {
		srv := fakeStack(t, path)
		rep := Run(context.Background(), []spec.Spec{testSpec()}, Options{Endpoints: endpoints(srv.URL)})
		for _, r := range rep.Results {
			wantFail := r.Check == row
			if (r.Status == Fail) != wantFail {
				t.Errorf("%s broken: row %s is %s (%s)", path, r.Check, r.Status, r.Reason)
			}
			if wantFail && r.Fix == "" {
				t.Errorf("%s broken: row %s has no fix", path, r.Check)
			}
		}
		if !rep.Failed() {
			t.Errorf("%s broken: report passed", path)
		}
	}
}

func TestEmptyURLSkipsNotFails(t *testing.T) {
	srv := fakeStack(t, "")
	e := endpoints(srv.URL)
	e.Grafana = ""
	rep := Run(context.Background(), []spec.Spec{testSpec()}, Options{Endpoints: e})
	last := rep.Results[len(rep.Results)-1]
	if last.Check != CheckDashboards || last.Status != Skip {
		t.Fatalf("dashboards row: %+v, want skipped", last)
	}
	if rep.Failed() {
		t.Fatal("a skipped row failed the report")
	}
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func TestStoppedLokiNamesLoki(t *testing.T) {
	srv := fakeStack(t, "")
	e := endpoints(srv.URL)
	e.Loki = closedPort(t)
	rep := Run(context.Background(), []spec.Spec{testSpec()}, Options{Endpoints: e})
	for _, r := range rep.Results {
		if r.Check == CheckLogs {
			if r.Status != Fail || !r.Unreachable || !strings.Contains(r.Reason, "Loki") || !strings.Contains(r.Reason, "connection refused") || !strings.Contains(r.Fix, "up -d otel-collector loki") {
				t.Errorf("logs row: %+v, want failed naming Loki", r)
			}
		} else if r.Status != Pass {
			t.Errorf("row %s: %s (%s), want passed", r.Check, r.Status, r.Reason)
		}
	}
	if rep.NothingRuns() {
		t.Error("one stopped backend is not 'nothing runs'")
	}
}

func TestStuckBackendTimesOut(t *testing.T) {
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(stuck.Close)
	start := time.Now()
	rep := Run(context.Background(), []spec.Spec{testSpec()}, Options{Endpoints: endpoints(stuck.URL), Timeout: 200 * time.Millisecond})
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("doctor took %s against a stuck backend with a 200ms timeout", d)
	}
	for _, r := range rep.Results {
		if r.Status != Fail || !strings.Contains(r.Reason, "did not answer within the timeout") {
			t.Errorf("row %s: %+v, want a timeout failure", r.Check, r)
		}
	}
}

func TestNothingRunsIsOneLine(t *testing.T) {
	rep := Run(context.Background(), []spec.Spec{testSpec()}, Options{Endpoints: endpoints(closedPort(t))})
	if !rep.NothingRuns() {
		t.Fatalf("closed ports: NothingRuns false: %+v", rep.Results)
	}
	if l := rep.Unreachable(); strings.Contains(l, "\n") || !strings.Contains(l, "connection refused") || !strings.Contains(l, "up -d") {
		t.Errorf("unreachable line: %q", l)
	}
}

func TestOutputs(t *testing.T) {
	srv := fakeStack(t, "/api/search")
	e := endpoints(srv.URL)
	rep := Run(context.Background(), []spec.Spec{testSpec()}, Options{Endpoints: e})
	var tab bytes.Buffer
	if err := WriteTable(&tab, rep); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(tab.String(), "\n"), "\n")
	// Header, seven rows and the failed row's fix line.
	if len(lines) != 9 || !strings.HasPrefix(lines[1], "✓") || !strings.HasPrefix(lines[7], "✗") || !strings.Contains(lines[8], "fix: ") {
		t.Fatalf("table:\n%s", tab.String())
	}
	// Aligned: the check column starts at the same rune offset on every row.
	col := func(line, word string) int { return len([]rune(line[:strings.Index(line, word)])) }
	if col(lines[1], "target") != col(lines[7], "dashboards") {
		t.Errorf("columns not aligned:\n%s", tab.String())
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var got struct {
		OK      bool `json:"ok"`
		Results []map[string]any
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.OK || len(got.Results) != 7 || got.Results[6]["status"] != "fail" || got.Results[6]["check"] != "dashboards" || got.Results[6]["fix"] == nil || got.Results[0]["service"] != "checkout" {
		t.Errorf("json: %s", js.String())
	}
}

// guarded puts the healthy stack behind a remote stack's auth: Prometheus
// wants a bearer token, Grafana basic auth, Loki a tenant.
func guarded(t *testing.T) *httptest.Server {
	inner := fakeStack(t, "").Config.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/v1/"):
			if r.Header.Get("Authorization") != "Bearer prom-token" {
				http.Error(w, "Unauthorized", http.StatusUnauthorized)
				return
			}
		case strings.HasPrefix(r.URL.Path, "/loki/"):
			if r.Header.Get("X-Scope-OrgID") != "team-a" {
				http.Error(w, "no org id", http.StatusUnauthorized)
				return
			}
		case r.URL.Path == "/api/search":
			if u, p, ok := r.BasicAuth(); !ok || u != "viewer" || p != "pw" {
				http.Error(w, "Unauthorized", http.StatusUnauthorized)
				return
			}
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRemoteStackCredentials(t *testing.T) {
	srv := guarded(t)
	s := testSpec()
	s.Tracing.Enabled = false // /api/search is Grafana's here, not Tempo's
	status := func(rep Report) map[string]Result {
		out := map[string]Result{}
		for _, r := range rep.Results {
			out[r.Check] = r
		}
		return out
	}

	// Without credentials each guarded row fails and says how to give them.
	rows := status(Run(context.Background(), []spec.Spec{s}, Options{Endpoints: endpoints(srv.URL)}))
	for check, want := range map[string]string{
		CheckTarget:     "OBSGEN_DOCTOR_PROMETHEUS_TOKEN",
		CheckRules:      "OBSGEN_DOCTOR_PROMETHEUS_USER",
		CheckLogs:       "--loki-tenant",
		CheckDashboards: "OBSGEN_DOCTOR_GRAFANA_TOKEN",
	} {
		if r := rows[check]; r.Status != Fail || !strings.Contains(r.Reason, want) {
			t.Errorf("%s without credentials: %s %q, want a failure naming %s", check, r.Status, r.Reason, want)
		}
	}
	if r := rows[CheckAlertmanager]; r.Status != Pass {
		t.Errorf("alertmanager needs no credentials here: %+v", r)
	}

	env := map[string]string{
		"OBSGEN_DOCTOR_PROMETHEUS_TOKEN": "prom-token",
		"OBSGEN_DOCTOR_GRAFANA_USER":     "viewer",
		"OBSGEN_DOCTOR_GRAFANA_PASSWORD": "pw",
	}
	o := Options{Endpoints: endpoints(srv.URL), Auth: AuthFromEnv(func(k string) string { return env[k] }), LokiTenant: "team-a"}
	for check, r := range status(Run(context.Background(), []spec.Spec{s}, o)) {
		if r.Status == Fail {
			t.Errorf("%s with credentials: %+v", check, r)
		}
	}
	if len(o.Auth) != 2 {
		t.Errorf("AuthFromEnv read %v, want prometheus and grafana only", o.Auth)
	}
}
