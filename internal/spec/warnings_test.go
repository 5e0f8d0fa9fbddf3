package spec

import (
	"strings"
	"testing"
)

func TestWarningsOnLinksResponderCannotOpen(t *testing.T) {
	cases := []struct {
		name              string
		receiver, rb, gfn string
		want              []string
	}{
		{"no receiver: links stay local", "none", "", "http://localhost:3000", nil},
		{"slack with defaults", "slack", "", "http://localhost:3000", []string{"alerts.runbook_base_url", "alerts.grafana_url"}},
		{"loopback runbooks", "pagerduty", "http://127.0.0.1:8000/runbooks", "https://grafana.example.com", []string{"alerts.runbook_base_url"}},
		{"reachable links", "email", "https://github.com/acme/checkout/blob/main/observability/runbooks", "https://grafana.example.com", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New()
			s.Service.Name = "checkout"
			s.Alerts.Receiver, s.Alerts.RunbookBaseURL, s.Alerts.GrafanaURL = c.receiver, c.rb, c.gfn
			got := Warnings(s)
			if len(got) != len(c.want) {
				t.Fatalf("warnings %q, want ones about %v", got, c.want)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("warning %q, want one about %s", got[i], w)
				}
			}
		})
	}
}
