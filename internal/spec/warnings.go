package spec

import (
	"fmt"
	"net"
	"net/url"
)

// Warnings lists answers that are valid but would mislead responders: with
// a receiver set, alerts leave the machine, so their runbook and dashboard
// links must open from wherever the notification is read. Generation goes
// on; the CLI prints them.
func Warnings(s Spec) []string {
	if s.Alerts.Receiver == "none" {
		return nil
	}
	var out []string
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
