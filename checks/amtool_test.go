package checks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/alertmanager"
	"github.com/obsgen/obsgen/internal/testtool"
)

// amtool 0.34 is the Alertmanager release the compose stack runs.

func TestAmtoolCheckConfig(t *testing.T) {
	amtool := testtool.Require(t, "amtool")
	for _, sc := range stackScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			cfg := sc.path(alertmanager.Path(sc.Spec))
			out := mustRun(t, sc.Dir, amtool, "check-config", cfg)
			if !strings.Contains(out, "SUCCESS") || !strings.Contains(out, "4 inhibit rules") {
				t.Fatalf("amtool did not accept the config with its inhibit rules:\n%s", out)
			}
			// Secrets are file references only: no credential-shaped value.
			raw := string(sc.read(t, alertmanager.Path(sc.Spec)))
			for _, sec := range alertmanager.ProjectSecrets(sc.Project) {
				if !strings.Contains(raw, "_file: "+sec.File) {
					t.Errorf("secret %s is not read from %s", sec.Name, sec.File)
				}
			}
			for _, leak := range []string{"api_url:", "routing_key:", "service_key:", "auth_password:", "url: http"} {
				if strings.Contains(raw, leak) {
					t.Errorf("alertmanager.yml sets %s inline: credentials must come from *_file", leak)
				}
			}
		})
	}
}

// The route tree sends each severity to its receiver, as Alertmanager
// itself resolves it.
func TestAmtoolRoutes(t *testing.T) {
	amtool := testtool.Require(t, "amtool")
	for _, sc := range stackScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			cfg := sc.path(alertmanager.Path(sc.Spec))
			// A service with a receiver of its own has its own pair.
			page, ticket := alertmanager.ReceiverPage, alertmanager.ReceiverTicket
			for _, o := range alertmanager.OwnReceivers(sc.Project) {
				if n := o.Service.Name; n == sc.Spec.Service.Name {
					page, ticket = n+"-"+page, n+"-"+ticket
				}
			}
			for labels, want := range map[string]string{
				"severity=page":   page,
				"severity=ticket": ticket,
				"alertname=Other": ticket,
				// The heartbeat never reaches a person, whatever its labels.
				"alertname=Watchdog severity=heartbeat": alertmanager.ReceiverHeartbeat,
				"alertname=Watchdog severity=page":      alertmanager.ReceiverHeartbeat,
			} {
				args := []string{"config", "routes", "test", "--config.file=" + cfg, "service=" + sc.Spec.Service.Name}
				args = append(args, strings.Fields(labels)...)
				if got := strings.TrimSpace(mustRun(t, sc.Dir, amtool, args...)); got != want {
					t.Errorf("%s routes to %q, want %q", labels, got, want)
				}
			}
		})
	}
}

func TestAmtoolRejectsBrokenConfig(t *testing.T) {
	amtool := testtool.Require(t, "amtool")
	sc := stackScenarios(t)[0]
	raw := string(sc.read(t, alertmanager.Path(sc.Spec)))
	broken := strings.Replace(raw, "receiver: ticket", "receiver: tickets", 1)
	if broken == raw {
		t.Fatal("the config has no ticket route; update the test")
	}
	p := filepath.Join(t.TempDir(), "alertmanager.yml")
	if err := os.WriteFile(p, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(sc.Dir, amtool, "check-config", p); err == nil {
		t.Fatalf("amtool accepted a route to an undefined receiver:\n%s", out)
	}
}

// templates returns every Alertmanager template in the receivers of a
// config: the notification texts obsgen writes.
func templates(t *testing.T, raw []byte) []string {
	t.Helper()
	var cfg struct {
		Receivers []map[string]any `yaml:"receivers"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch n := v.(type) {
		case string:
			if strings.Contains(n, "{{") {
				out = append(out, n)
			}
		case map[string]any:
			for _, c := range n {
				walk(c)
			}
		case []any:
			for _, c := range n {
				walk(c)
			}
		}
	}
	for _, r := range cfg.Receivers {
		walk(r)
	}
	return out
}

// Notification templates are only executed when a notification is sent,
// which check-config does not do: amtool renders each with Alertmanager's
// template engine and example data, so a typo in a field fails here.
func TestAmtoolRendersNotificationTemplates(t *testing.T) {
	amtool := testtool.Require(t, "amtool")
	empty := filepath.Join(t.TempDir(), "none.tmpl")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	render := func(dir, text string) (string, error) {
		return run(dir, amtool, "template", "render", "--template.glob="+empty, "--template.text="+text)
	}
	rendered := 0
	for _, sc := range stackScenarios(t) {
		for _, text := range templates(t, sc.read(t, alertmanager.Path(sc.Spec))) {
			if out, err := render(sc.Dir, text); err != nil {
				t.Errorf("%s: template does not render: %v\n%s\n%s", sc.Name, err, text, out)
			}
			rendered++
		}
	}
	if rendered == 0 {
		t.Fatal("no notification template found in any scenario")
	}
	for _, bad := range []string{`{{ .CommonLabels.severity`, `{{ .Annotations.summary }}`, `{{ range .Alerts }}`} {
		if out, err := render(t.TempDir(), bad); err == nil {
			t.Errorf("amtool rendered the broken template %q:\n%s", bad, out)
		}
	}
}

// receiverScenario is the first golden scenario that routes to receiver.
func receiverScenario(t *testing.T, receiver string) scenario {
	t.Helper()
	for _, sc := range stackScenarios(t) {
		if sc.Spec.Alerts.Receiver == receiver {
			return sc
		}
	}
	t.Fatalf("no golden scenario routes to %s", receiver)
	return scenario{}
}

func slackScenario(t *testing.T) scenario { return receiverScenario(t, "slack") }

// burnGroup is the notification of two windows of one burn firing
// together: the alerts differ in alertname and in every annotation, so
// CommonLabels has no alertname and CommonAnnotations is empty.
var burnGroup = []string{"AvailabilitySLOBurn1h5m", "AvailabilitySLOBurn6h30m"}

// renderGroup renders an Alertmanager template with burnGroup as data,
// through amtool: Alertmanager's own template code and functions.
func renderGroup(t *testing.T, amtool, text string) string {
	t.Helper()
	common := map[string]string{"service": "checkout", "environment": "production", "slo": "availability", "severity": "page"}
	var alerts []any
	for _, name := range burnGroup {
		labels := map[string]string{"alertname": name}
		for k, v := range common {
			labels[k] = v
		}
		alerts = append(alerts, map[string]any{"status": "firing", "labels": labels, "annotations": map[string]string{
			"summary":     "summary of " + name,
			"runbook_url": "https://runbooks.example.com/" + name + ".md",
			"dashboard":   "https://grafana.example.com/d/checkout?from=" + name,
		}})
	}
	data, err := json.Marshal(map[string]any{
		"receiver": "page", "status": "firing", "alerts": alerts,
		"groupLabels": common, "commonLabels": common, "commonAnnotations": map[string]string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dataFile := filepath.Join(dir, "group.json")
	empty := filepath.Join(dir, "none.tmpl")
	for p, b := range map[string][]byte{dataFile: data, empty: nil} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(dir, amtool, "template", "render", "--template.glob="+empty, "--template.data="+dataFile, "--template.text="+text)
	if err != nil {
		t.Fatalf("amtool template render: %v\n%s\n%s", err, text, out)
	}
	return strings.TrimSpace(out)
}

// When two windows of one burn fire together, the notification's alerts
// differ in alertname and CommonLabels has none: the Slack title, rendered
// by amtool with that group, must still name both alerts.
func TestSlackTitleNamesEveryAlertOfTheGroup(t *testing.T) {
	amtool := testtool.Require(t, "amtool")
	sc := slackScenario(t)
	cfg := alertmanager.Build(sc.Spec)
	title := cfg.Receivers[0].SlackConfigs[0].Title
	want := "[FIRING:2] page: AvailabilitySLOBurn1h5m, AvailabilitySLOBurn6h30m (checkout)"
	if got := renderGroup(t, amtool, title); got != want {
		t.Errorf("Slack title renders %q, want %q", got, want)
	}
	// A title of the common alertname only, as before, loses both names.
	if got := renderGroup(t, amtool, strings.Replace(title, "{{ if .CommonLabels.alertname }}", "{{ if true }}", 1)); strings.Contains(got, "AvailabilitySLOBurn") {
		t.Errorf("the check cannot fail: a common-alertname title rendered %q", got)
	}
}

// The same group opened as a PagerDuty incident: its title names both
// alerts and says what is wrong, and its links lead to a runbook and a
// dashboard, as a responder woken by it needs.
func TestPagerdutyIncidentOfAGroupHasTitleAndLinks(t *testing.T) {
	amtool := testtool.Require(t, "amtool")
	cfg := alertmanager.Build(receiverScenario(t, "pagerduty").Spec)
	for _, r := range cfg.Receivers[:2] {
		pd := r.PagerdutyConfigs[0]
		got := renderGroup(t, amtool, pd.Description)
		want := "[FIRING:2] page: AvailabilitySLOBurn1h5m, AvailabilitySLOBurn6h30m (checkout): summary of AvailabilitySLOBurn1h5m"
		if got != want {
			t.Errorf("%s: incident title renders %q, want %q", r.Name, got, want)
		}
		if len(pd.Links) != 2 {
			t.Fatalf("%s: %d links, want a runbook and a dashboard", r.Name, len(pd.Links))
		}
		for _, l := range pd.Links {
			if href := renderGroup(t, amtool, l.Href); !strings.HasPrefix(href, "https://") || !strings.Contains(href, "AvailabilitySLOBurn1h5m") {
				t.Errorf("%s: %s link renders %q, want the first alert's", r.Name, l.Text, href)
			}
		}
	}
}

// The email subject of the group names both alerts too.
func TestEmailSubjectOfAGroupNamesEveryAlert(t *testing.T) {
	amtool := testtool.Require(t, "amtool")
	cfg := alertmanager.Build(receiverScenario(t, "email").Spec)
	for _, r := range cfg.Receivers[:2] {
		subject := r.EmailConfigs[0].Headers["Subject"]
		want := "[FIRING:2] page: AvailabilitySLOBurn1h5m, AvailabilitySLOBurn6h30m (checkout)"
		if got := renderGroup(t, amtool, subject); got != want {
			t.Errorf("%s: email subject renders %q, want %q", r.Name, got, want)
		}
	}
}

// Tickets open incidents on a PagerDuty service of their own: on the
// pages' routing key, a ticket at night is a high-urgency incident.
func TestPagerdutyTicketsUseTheirOwnRoutingKey(t *testing.T) {
	cfg := alertmanager.Build(receiverScenario(t, "pagerduty").Spec)
	keys := map[string]string{}
	for _, r := range cfg.Receivers {
		for _, pd := range r.PagerdutyConfigs {
			keys[r.Name] = pd.RoutingKeyFile
		}
	}
	page, ticket := keys[alertmanager.ReceiverPage], keys[alertmanager.ReceiverTicket]
	if page == "" || ticket == "" || page == ticket {
		t.Errorf("page and ticket incidents use routing keys %q and %q: tickets need their own", page, ticket)
	}
}

// Pages and tickets go to different Slack webhooks, each from its own
// secret file.
func TestSlackPagesAndTicketsUseTwoWebhooks(t *testing.T) {
	sc := slackScenario(t)
	// Only the receivers: matchers are written as strings and kept
	// structured in alertmanager.Config, which therefore only encodes.
	var cfg struct {
		Receivers []alertmanager.Receiver `yaml:"receivers"`
	}
	if err := yaml.Unmarshal(sc.read(t, alertmanager.Path(sc.Spec)), &cfg); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, r := range cfg.Receivers {
		if r.Name == alertmanager.ReceiverHeartbeat {
			continue // the dead man's switch, never Slack
		}
		if len(r.SlackConfigs) != 1 {
			t.Fatalf("receiver %s has %d slack configs", r.Name, len(r.SlackConfigs))
		}
		files[r.Name] = r.SlackConfigs[0].APIURLFile
	}
	if files[alertmanager.ReceiverPage] == "" || files[alertmanager.ReceiverPage] == files[alertmanager.ReceiverTicket] {
		t.Errorf("page and ticket receivers post to %q and %q: pages need their own webhook", files[alertmanager.ReceiverPage], files[alertmanager.ReceiverTicket])
	}
}
