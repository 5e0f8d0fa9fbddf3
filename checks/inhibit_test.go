package checks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sort"
	"testing"
	"time"

	"github.com/obsgen/obsgen/generators/alertmanager"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/testtool"
)

// startAlertmanager runs the real Alertmanager on a loopback port with cfg
// and returns its base URL once it is ready.
func startAlertmanager(t *testing.T, cfg string) string {
	t.Helper()
	bin := testtool.Require(t, "alertmanager")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var log bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.path="+t.TempDir(),
		"--web.listen-address="+addr, "--cluster.listen-address=")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(url + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("alertmanager did not become ready:\n%s", log.String())
		}
	}
}

// firing is the label set of a generated alert as Alertmanager receives
// it: the rule's labels, the series labels it keeps, and Prometheus'
// external environment label.
func firing(t *testing.T, all []rules.Alert, name string, extra ...string) map[string]string {
	t.Helper()
	for _, a := range all {
		if a.Name != name {
			continue
		}
		labels := map[string]string{"alertname": name, "environment": "production"}
		for k, v := range a.Labels {
			labels[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			labels[extra[i]] = extra[i+1]
		}
		return labels
	}
	t.Fatalf("no alert %s is generated", name)
	return nil
}

// inhibited posts alerts to Alertmanager and returns the names of those
// it reports inhibited once that equals want, or after 15s: its own
// inhibitor decides, as for notifications, and learns of a source alert
// asynchronously, so the first answer may not hold it yet.
func inhibited(t *testing.T, url string, alerts []map[string]string, want []string) []string {
	t.Helper()
	post(t, url, alerts)
	var got []string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if got = inhibitedNow(t, url, len(alerts)); fmt.Sprint(got) == fmt.Sprint(want) {
			break
		}
	}
	return got
}

func post(t *testing.T, url string, alerts []map[string]string) {
	t.Helper()
	var body []map[string]any
	for _, l := range alerts {
		body = append(body, map[string]any{"labels": l, "startsAt": time.Now().Add(-time.Minute).Format(time.RFC3339)})
	}
	b, _ := json.Marshal(body)
	resp, err := http.Post(url+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("posting alerts: %s", resp.Status)
	}
}

// inhibitedNow lists the alerts Alertmanager reports inhibited.
func inhibitedNow(t *testing.T, url string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v2/alerts", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []struct {
		Labels map[string]string `json:"labels"`
		Status struct {
			InhibitedBy []string `json:"inhibitedBy"`
		} `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("alertmanager holds %d alerts, want %d", len(got), n)
	}
	var out []string
	for _, a := range got {
		if len(a.Status.InhibitedBy) > 0 {
			out = append(out, a.Labels["alertname"])
		}
	}
	sort.Strings(out)
	return out
}

// A service that is down (ServiceDown) or not scraped at all
// (ServiceMetricsAbsent) explains its SLO alerts and its down targets, and
// nothing else: the stack's own alerts (Alertmanager cannot notify, the
// collector drops data) must still reach someone, as must the restart
// alert that says why the service is down.
func TestInhibitionMutesOnlyWhatADownServiceExplains(t *testing.T) {
	sc := slackScenario(t)
	all := append(rules.Alerts(sc.Spec), rules.StackAlerts(sc.Spec)...)
	svc := sc.Spec.Service.Name
	others := func() []map[string]string {
		return []map[string]string{
			firing(t, all, "AvailabilitySLOBurn1h5m", "job", svc),
			firing(t, all, "LatencyErrorBudgetExhausted", "job", svc),
			firing(t, all, rules.AlertTargetDown, "job", svc, "instance", "10.0.0.7:9464"),
			firing(t, all, rules.AlertRestarting, "job", svc),
			firing(t, all, rules.AlertNotificationsFailing, "job", "alertmanager", "integration", "slack"),
			firing(t, all, rules.AlertDroppingData, "job", "otel-collector", "exporter", "otlp_grpc/jaeger"),
			firing(t, all, rules.AlertStackTargetDown, "job", "loki", "instance", "loki:3100"),
		}
	}
	for source, want := range map[string][]string{
		rules.AlertServiceDown:   {"AvailabilitySLOBurn1h5m", "LatencyErrorBudgetExhausted", rules.AlertTargetDown},
		rules.AlertMetricsAbsent: {"AvailabilitySLOBurn1h5m", "LatencyErrorBudgetExhausted"},
	} {
		t.Run(source, func(t *testing.T) {
			url := startAlertmanager(t, sc.path(alertmanager.Path(sc.Spec)))
			sort.Strings(want)
			got := inhibited(t, url, append(others(), firing(t, all, source, "job", svc)), want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("while %s fires, Alertmanager inhibits %v, want exactly %v", source, got, want)
			}
		})
	}
	// A page of one SLO still mutes that SLO's ticket, and only that one.
	t.Run("SLO page", func(t *testing.T) {
		url := startAlertmanager(t, sc.path(alertmanager.Path(sc.Spec)))
		want := []string{"AvailabilityErrorBudgetExhausted"}
		got := inhibited(t, url, append(others(),
			firing(t, all, "AvailabilityErrorBudgetExhausted", "job", svc)), want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("while AvailabilitySLOBurn1h5m fires, Alertmanager inhibits %v, want exactly %v", got, want)
		}
	})
}
