package spec

import (
	"fmt"
	"math"
	"net"
	"net/url"
)

// FastestPageBurn is the burn rate of the fastest page (the SRE workbook's
// 14.4x over 1h for a 30-day window; the factor stays for every window).
// The SLO model's windows and the request-minimum warning share it.
const FastestPageBurn = 14.4

// Warnings lists answers that are valid but would mislead responders: with
// a receiver set, alerts leave the machine, so their runbook and dashboard
// links must open from wherever the notification is read. Generation goes
// on; the CLI prints them.
func Warnings(s Spec) []string {
	out := minRequestsWarnings(s)
	if s.Alerts.Receiver == "none" {
		return out
	}
	if s.Alerts.RunbookBaseURL == "" {
		out = append(out, fmt.Sprintf("alerts.runbook_base_url (--runbook-base-url) is empty: %s notifications will carry runbook paths in the repository (%s/runbooks/…), which a responder cannot open; set it to where the runbooks can be browsed, e.g. https://github.com/acme/%s/blob/main/%s/runbooks", s.Alerts.Receiver, s.Output.ConfigDir, s.Service.Name, s.Output.ConfigDir))
	} else if local(s.Alerts.RunbookBaseURL) {
		out = append(out, fmt.Sprintf("alerts.runbook_base_url (--runbook-base-url) %s is on this machine: runbook links in %s notifications open nowhere else; use an address responders can reach", s.Alerts.RunbookBaseURL, s.Alerts.Receiver))
	}
	if local(s.Alerts.GrafanaURL) {
		out = append(out, fmt.Sprintf("alerts.grafana_url (--grafana-url) %s is on this machine: dashboard links in %s notifications open nowhere else; set it to your Grafana's address, e.g. https://grafana.example.com", s.Alerts.GrafanaURL, s.Alerts.Receiver))
	}
	return out
}

// local reports whether a URL points at the machine it is opened on.
func local(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// minRequestsWarnings warns when the request minimum lets a quiet service
// page on one or two failed requests: at exactly min_requests requests in
// the fastest page's window, the fewest failures above its threshold.
func minRequestsWarnings(s Spec) []string {
	var out []string
	for _, o := range []struct {
		path   string
		target float64
	}{{"slo.availability", s.SLO.Availability}, {"slo.latency_objective", s.SLO.LatencyObjective}} {
		threshold := FastestPageBurn * (100 - o.target) / 100
		n := s.SLO.MinRequests
		fewest := int(math.Floor(float64(n)*threshold+1e-9)) + 1
		if fewest > 2 {
			continue
		}
		// Three failures at the minimum: n * threshold >= 2.
		need := int(math.Ceil(2/threshold - 1e-9))
		out = append(out, fmt.Sprintf("slo.min_requests (--slo-min-requests) %d is low for the %v%% objective of %s: a quiet hour of %d requests pages on %d failed request(s) (the fastest burn alert fires above %.4g%% failed); set it to at least %d so a page needs 3 or more", n, o.target, o.path, n, fewest, threshold*100, need))
		break
	}
	return out
}
