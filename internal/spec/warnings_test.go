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

// A request minimum that lets one or two failed requests page a quiet
// service is valid, but the owner must hear it: the generated tests drop
// the "two failed requests do not page" case for it.
func TestWarningsOnMinRequestsTooLowForTheObjective(t *testing.T) {
	cases := []struct {
		availability float64
		min          int
		want         string
	}{
		{99.9, 1000, ""},
		{99.99, 50, "slo.min_requests (--slo-min-requests) 50 is low for the 99.99% objective of slo.availability: a quiet hour of 50 requests pages on 1 failed request(s) (the fastest burn alert fires above 0.144% failed); set it to at least 1389"},
		{99.99, 1000, "pages on 2 failed request(s)"},
		{99.99, 1389, ""},
		{99.999, 1000, "set it to at least 13889"},
		{95, 1, "pages on 1 failed"},
		{95, 3, ""},
	}
	for _, c := range cases {
		s := New()
		s.Service.Name = "checkout"
		s.SLO.Availability, s.SLO.LatencyObjective, s.SLO.MinRequests = c.availability, 95, c.min
		got := strings.Join(Warnings(s), "\n")
		if c.want == "" && strings.Contains(got, "slo.min_requests") || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("availability %v, min_requests %d: warnings %q, want %q", c.availability, c.min, got, c.want)
		}
	}
}
