package rules

import (
	"fmt"
	"time"

	"github.com/obsgen/obsgen/generators/ops"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Names of the alerts on the blackbox probes.
const (
	AlertProbeFailing       = "ServiceProbeFailing"
	AlertCertExpiresSoon    = "CertificateExpiresSoon"
	AlertCertExpiring       = "CertificateExpiring"
	AlertProbesNotRunning   = "ServiceProbesNotRunning"
	probesNotRunningFor     = 10 * time.Minute
	probeFailingFor         = 2 * time.Minute
	certFor                 = 10 * time.Minute
	certTicketWithin        = 14 * 24 * time.Hour
	certPageWithin          = 3 * 24 * time.Hour
	metricProbeSuccess      = "probe_success"
	metricProbeCertExpiry   = "probe_ssl_earliest_cert_expiry"
	metricProbeDuration     = "probe_duration_seconds"
	metricProbeHTTPStatus   = "probe_http_status_code"
	labelModule             = "module"
	labelProbeInstanceValue = "{{ $labels.instance }}"
)

// ProbeMetrics are the blackbox exporter's metrics the probe alerts and
// the dashboard read; a test runs the real exporter and checks that it
// serves each one.
var ProbeMetrics = []string{metricProbeSuccess, metricProbeCertExpiry, metricProbeDuration, metricProbeHTTPStatus}

// ProbeSelector selects the probe results of the service. On Kubernetes
// the Probe objects live in the service's namespace, whose name the
// operator puts on every probe series: the selector keeps to it, so a
// staging outage never pages production in a shared cluster.
func ProbeSelector(s spec.Spec) string {
	sel := fmt.Sprintf("%s=%q, %s=%q", contract.LabelJob, prometheus.ProbeJob, slo.LabelService, s.Service.Name)
	if s.Deploy.Target.IsKubernetes() {
		sel += fmt.Sprintf(", %s=%q", contract.LabelNamespace, s.Kubernetes.Namespace)
	}
	return "{" + sel + "}"
}

// CertExpiryThresholds are the ticket and page thresholds of the
// certificate alerts, in seconds left.
func CertExpiryThresholds() (ticket, page time.Duration) { return certTicketWithin, certPageWithin }

// probeAlerts watch the service from outside: a probe that fails and a
// TLS certificate that is about to expire. Each carries its test inputs.
func probeAlerts(s spec.Spec) []Alert {
	sel := ProbeSelector(s)
	svc := s.Service.Name
	steps := ops.For(s)
	target := func(module, url string) map[string]string {
		l := map[string]string{contract.LabelJob: prometheus.ProbeJob, contract.LabelInstance: url, labelModule: module, slo.LabelService: svc, contract.LabelEnvironment: s.Service.Environment}
		if s.Deploy.Target.IsKubernetes() {
			l[contract.LabelNamespace] = s.Kubernetes.Namespace
		}
		return l
	}
	health := target(prometheus.ModuleHealth, prometheus.Probes(s)[0].Targets[0])
	public := target(prometheus.ModulePublic, "https://"+svc+".example.com/healthz")
	kept := []string{contract.LabelJob, contract.LabelInstance, labelModule, slo.LabelService, contract.LabelEnvironment}
	days := func(d time.Duration) string { return fmt.Sprint(int(d.Hours() / 24)) }
	// The test's clock starts at 0: an expiry time is seconds from then.
	expiresIn := func(d time.Duration) string { return fmt.Sprintf("%.0fx20", d.Seconds()) }
	certChecks := []string{
		"Which certificate? The alert's `instance` is the probed URL; `openssl s_client -connect <host>:443 -servername <host> </dev/null | openssl x509 -noout -dates -issuer` shows its dates and issuer.",
		"Why did renewal not happen? The ACME client's (cert-manager, certbot, the load balancer's managed certificate) last renewal log and its DNS or HTTP challenge.",
	}
	ticketMitigations := []string{
		"Fix what broke the automatic renewal (its DNS or HTTP challenge, credentials, a rate limit) and let it renew within the next days; the ticket resolves once the probe sees the new certificate.",
		"Without automatic renewal, put the certificate's renewal date in the team's calendar after renewing it by hand, or move the URL to a managed certificate.",
	}
	pageMitigations := []string{
		"Renew the certificate now: run the ACME client's renewal by hand or upload a new certificate to the load balancer, then check the dashboard's uptime row shows the new expiry.",
		"If renewal cannot succeed before the expiry (the CA's rate limit, a broken challenge), install a certificate from another CA or a manually issued one, and tell users of the URL what to expect.",
	}
	alerts := []Alert{
		{
			Name: AlertProbeFailing, Severity: slo.SeverityPage,
			Expr:        fmt.Sprintf("%s%s == 0", metricProbeSuccess, sel),
			For:         probeFailingFor,
			Summary:     labelProbeInstanceValue + " fails its probe from outside " + svc,
			Description: fmt.Sprintf("The blackbox exporter's probe of %s (module {{ $labels.module }}) has failed for %s: it does not answer, answers with a non-2xx status, or (when TLS is required) is not served over valid TLS. Users reaching %s that way fail too.", labelProbeInstanceValue, slo.Dur(probeFailingFor), svc),
			Meaning:     "A URL of the service does not answer as a user would need it to, seen from outside its process: the service, its network path, DNS, TLS or the proxy in front is broken.",
			Threshold:   "probe_success == 0 for one probed URL for " + slo.Dur(probeFailingFor),
			Checks: []string{
				"What does the probe see? Prometheus: `probe_http_status_code" + sel + "` and `probe_duration_seconds" + sel + "`; the exporter explains its last probe: " + steps.ProbeDebug + " with the alert's module and instance.",
				"The health module probes the service " + steps.ProbeHealthPath + ": is " + AlertServiceDown + " firing too? The public module probes the URL users open: DNS, the load balancer and its certificate are in the path.",
			},
			Mitigations: []string{
				"If the service is down, follow " + AlertServiceDown + "'s runbook.",
				"If only the public URL fails, fix the path in front of the service (DNS record, load balancer, proxy, certificate) or fail over to another region.",
			},
			kept:   kept,
			fire:   []input{{metricProbeSuccess, health, "0x10"}},
			quiet:  []input{{metricProbeSuccess, health, "1 0 1x8"}},
			evalAt: 5 * time.Minute,
		},
		{
			Name: AlertCertExpiresSoon, Severity: slo.SeverityTicket,
			Expr:        fmt.Sprintf("%s%s - time() < %s * 86400", metricProbeCertExpiry, sel, days(certTicketWithin)),
			For:         certFor,
			Summary:     "The TLS certificate of " + labelProbeInstanceValue + " expires in less than " + days(certTicketWithin) + " days",
			Description: fmt.Sprintf("The earliest-expiring certificate of the chain %s serves expires within %s days: renew it before it pages at %s days, and before browsers refuse it.", labelProbeInstanceValue, days(certTicketWithin), days(certPageWithin)),
			Meaning:     "The certificate was not renewed on time: automatic renewal is broken or there is none.",
			Threshold:   "probe_ssl_earliest_cert_expiry - time() < " + days(certTicketWithin) + " days, for " + slo.Dur(certFor),
			Checks:      certChecks, Mitigations: ticketMitigations,
			kept:   kept,
			fire:   []input{{metricProbeCertExpiry, public, expiresIn(10 * 24 * time.Hour)}},
			quiet:  []input{{metricProbeCertExpiry, public, expiresIn(30 * 24 * time.Hour)}},
			evalAt: 15 * time.Minute,
		},
		{
			Name: AlertCertExpiring, Severity: slo.SeverityPage,
			Expr:        fmt.Sprintf("%s%s - time() < %s * 86400", metricProbeCertExpiry, sel, days(certPageWithin)),
			For:         certFor,
			Summary:     "The TLS certificate of " + labelProbeInstanceValue + " expires in less than " + days(certPageWithin) + " days",
			Description: fmt.Sprintf("The earliest-expiring certificate of the chain %s serves expires within %s days: once it does, every client refuses the connection. %s is muted while this fires.", labelProbeInstanceValue, days(certPageWithin), AlertCertExpiresSoon),
			Meaning:     "An outage is scheduled: when the certificate expires, clients refuse every connection to this URL.",
			Threshold:   "probe_ssl_earliest_cert_expiry - time() < " + days(certPageWithin) + " days, for " + slo.Dur(certFor),
			Checks:      certChecks, Mitigations: pageMitigations,
			kept:   kept,
			fire:   []input{{metricProbeCertExpiry, public, expiresIn(2 * 24 * time.Hour)}},
			quiet:  []input{{metricProbeCertExpiry, public, expiresIn(10 * 24 * time.Hour)}},
			evalAt: 15 * time.Minute,
		},
	}
	if s.Deploy.Target.IsKubernetes() {
		// On a cluster the exporter is not a component of a stack obsgen
		// scrapes: while it is down or not installed every probe scrape
		// fails, no probe_success exists and the probe alerts cannot fire.
		alerts = append(alerts, Alert{
			Name: AlertProbesNotRunning, Severity: slo.SeverityTicket,
			Expr:        fmt.Sprintf("up%s == 0", sel),
			For:         probesNotRunningFor,
			Summary:     "The blackbox probes of " + svc + " are not running: " + labelProbeInstanceValue + " is not probed",
			Description: fmt.Sprintf("Prometheus has not reached the blackbox exporter for the probe of %s for %s: no probe result exists, so %s and the certificate alerts cannot fire for it.", labelProbeInstanceValue, slo.Dur(probesNotRunningFor), AlertProbeFailing),
			Meaning:     "The service is watched from outside by nothing: the blackbox exporter the Probe objects name is down, not installed, or unreachable from Prometheus.",
			Threshold:   "up of the probe job == 0 for one probed URL for " + slo.Dur(probesNotRunningFor),
			Checks: []string{
				"Is the exporter running? " + steps.ProbeRunning,
				"Does the Probe's prober address match it? `kubectl -n " + s.Kubernetes.Namespace + " get probes -o yaml` shows `spec.prober.url`; Prometheus' Status > Targets shows the scrape error of each `probe/...` job.",
			},
			Mitigations: []string{
				"Install or restart the exporter (" + steps.ProbeRestart + "); the probe results come back at the next scrape.",
			},
			kept:   kept,
			fire:   []input{{"up", health, "0x15"}},
			quiet:  []input{{"up", health, "1x15"}},
			evalAt: 12 * time.Minute,
		})
	}
	// The dashboard's uptime row shows every probe of the service.
	for i := range alerts {
		alerts[i].Dashboard = DashboardAt(s, labelEnv)
	}
	return alerts
}
