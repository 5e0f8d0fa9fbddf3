// Package rules generates the service's Prometheus recording and alerting
// rules, their promtool unit tests and one runbook per alert. Rules are
// built as typed values and encoded as YAML, and the tests are derived from
// the same values, so every alert the rules file defines has tests that
// expect exactly its labels and annotations.
package rules

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/obsgen/obsgen/generators/ops"
	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Alert is one generated alerting rule and what a responder needs to know
// about it. The README and the runbooks are written from these values.
type Alert struct {
	Name     string
	Severity string
	// SLO is the objective kind the alert protects; empty for target health.
	SLO         string
	Expr        string
	For         time.Duration
	Labels      map[string]string
	Summary     string
	Description string
	RunbookURL  string
	Dashboard   string
	// Meaning, Threshold, Checks and Mitigations feed the runbook.
	Meaning   string
	Threshold string
	Checks    []string
	// Mitigations are the steps that stop what this alert is about; the
	// runbook adds only the silencing rule every alert shares.
	Mitigations []string
	// kept is the set of series labels the expression keeps, for tests.
	kept []string
	// window is the burn-rate window of an SLO alert.
	window    slo.Window
	objective slo.Objective
	// Stack alerts carry their own test inputs (stack.go).
	fire, quiet []input
	evalAt      time.Duration
	alwaysFires bool
	// dependency alerts go in the dependencies group, each tested by its
	// cases.
	dependency bool
	cases      []inputCase
}

// Template placeholders of the annotations. Prometheus expands them when the
// alert fires; the generated tests expand them the same way to know the text
// to expect.
const (
	valuePercent = "{{ $value | humanizePercentage }}"
	labelEnv     = "{{ $labels." + contract.LabelEnvironment + " }}"
	labelInst    = "{{ $labels." + contract.LabelInstance + " }}"
)

// Names of the target-health alerts.
const (
	AlertServiceDown   = "ServiceDown"
	AlertTargetDown    = "ServiceTargetDown"
	AlertMetricsAbsent = "ServiceMetricsAbsent"
	AlertRestarting    = "ServiceRestarting"
	// serviceSeenWithin is how long a service that lost every target
	// counts as down rather than as not scraped (ServiceMetricsAbsent).
	serviceSeenWithin = time.Hour
	// restartWindow and restartsPerReplica: a crash loop starts more than
	// two processes per replica in 15m; a deploy starts one per replica,
	// a deploy and its rollback two.
	restartWindow       = 15 * time.Minute
	restartsPerReplica  = 2
	targetDownFor       = 10 * time.Minute
	serviceDownFor      = 2 * time.Minute
	metricsAbsentFor    = 10 * time.Minute
	budgetExhaustedFor  = 15 * time.Minute
	runbookDir          = "runbooks"
	dashboardEnvVarName = "environment"
)

// Records of the service's processes the restart alert reads: the start
// time of its newest process, and how many processes it has. Aggregated
// per job, because a restarted container often comes back on a new
// address: per instance, each restart would be a new series, never a
// change.
const (
	RecordNewestStart = "job:process_start_time_seconds:max"
	RecordReplicas    = "job:process_replicas:count"
)

// processRecords are the rules of RecordNewestStart and RecordReplicas.
func processRecords(m slo.Model) []Rule {
	sel := fmt.Sprintf("%s{%s}", contract.ProcessStartTime, m.JobSelector)
	return []Rule{
		{Record: RecordNewestStart, Expr: fmt.Sprintf("max by (%s) (%s)", m.By, sel)},
		{Record: RecordReplicas, Expr: fmt.Sprintf("count by (%s) (%s)", m.By, sel)},
	}
}

// BurnAlertName names the alert of one objective and window pair, e.g.
// AvailabilitySLOBurn1h5m: responders see which window fired.
func BurnAlertName(o slo.Objective, w slo.Window) string {
	return strings.ToUpper(o.Kind[:1]) + o.Kind[1:] + "SLOBurn" + slo.Dur(w.Long) + slo.Dur(w.Short)
}

// BudgetExhaustedAlertName names the ticket alert of an objective whose
// whole budget over the SLO window is spent.
func BudgetExhaustedAlertName(o slo.Objective) string {
	return strings.ToUpper(o.Kind[:1]) + o.Kind[1:] + "ErrorBudgetExhausted"
}

// RunbookPath is where the runbook of an alert is generated.
// With several services, each service's runbooks are in a folder named
// after it (the stack's own stay at the top).
func RunbookPath(s spec.Spec, alert string) string {
	return path.Join(s.Output.ConfigDir, runbookDir, runbookName(s, alert))
}

func runbookName(s spec.Spec, alert string) string {
	if s.Listed {
		return s.Service.Name + "/" + alert + ".md"
	}
	return alert + ".md"
}

// RunbookURL is an alert's runbook link: under alerts.runbook_base_url
// when set, else the runbook's path in the repo. Log alerts use it too.
func RunbookURL(s spec.Spec, alert string) string {
	if s.Alerts.RunbookBaseURL != "" {
		return s.Alerts.RunbookBaseURL + "/" + runbookName(s, alert)
	}
	return RunbookPath(s, alert)
}

// DashboardURL is the service dashboard under the spec's Grafana URL.
func DashboardURL(s spec.Spec) string {
	return s.Alerts.GrafanaURL + "/d/" + slo.DashboardUID(s.Service.Name) + "/" + slo.DashboardSlug(s.Service.Name)
}

// DashboardAt is the service dashboard showing the environment env (a value,
// or an alert template that expands to one).
func DashboardAt(s spec.Spec, env string) string {
	return DashboardURL(s) + "?var-" + dashboardEnvVarName + "=" + env
}

// Alerts returns every alert generated for the spec, target health first.
func Alerts(s spec.Spec) []Alert {
	m := slo.New(s)
	svc := s.Service.Name
	up := fmt.Sprintf("%s{%s}", contract.ScrapeUp, m.JobSelector)
	dash := DashboardURL(s)
	steps := ops.For(s)
	dashEnv := DashboardAt(s, labelEnv)
	alerts := []Alert{
		{
			// Not `up == 0` alone: a container that exits leaves Docker's
			// DNS (a crashed pod leaves its endpoints), its target is
			// dropped and up is absent, not 0. The service is down when it
			// had targets in the last hour and none answers now, whether
			// they fail or vanished.
			Name: AlertServiceDown, Severity: slo.SeverityPage,
			Expr:        fmt.Sprintf("max by (%s) (max_over_time(%s[%s]))\nunless on (%s)\n%s == 1", m.By, up, slo.Dur(serviceSeenWithin), m.By, up),
			For:         serviceDownFor,
			Summary:     svc + " is down: none of its targets answers Prometheus",
			Description: fmt.Sprintf("No target of job %s has answered a scrape for %s: its scrapes fail, or its targets left service discovery (the container exited). The service is down or unreachable from Prometheus. Its SLO alerts are inhibited while this fires.", svc, slo.Dur(serviceDownFor)),
			Dashboard:   dashEnv,
			Meaning:     "No target of the service answered a scrape for " + slo.Dur(serviceDownFor) + ", or the targets vanished (an exited container leaves service discovery). Users most likely get connection errors.",
			Threshold:   "job " + svc + " had targets in the last " + slo.Dur(serviceSeenWithin) + " and none has up == 1, for " + slo.Dur(serviceDownFor),
			Checks: []string{
				steps.Running,
				steps.Crashed,
				steps.Scrape,
				"Prometheus' view of the targets: Status > Targets, or `" + up + "` in the query UI; the scrape error is in the target's last error.",
			},
			Mitigations: []string{
				"If the process crashed or is wedged, " + steps.Restart + "; if it exits again, the reason is in the last lines before the exit.",
				"If it went down with a deploy or a config change (a missing secret or variable shows in the first log lines), roll back to the last release that was up.",
				"If the service answers users but Prometheus cannot scrape it (the metrics check above fails from Prometheus' container only), fix the network path or the metrics port " + fmt.Sprint(s.Metrics.Port) + ": users are not affected, but every other alert of " + svc + " is blind until the targets are scraped again.",
			},
			kept: []string{contract.LabelJob, contract.LabelEnvironment},
		},
		{
			Name: AlertTargetDown, Severity: slo.SeverityTicket,
			Expr:        up + " == 0",
			For:         targetDownFor,
			Summary:     svc + " target " + labelInst + " is down",
			Description: fmt.Sprintf("Prometheus has failed to scrape %s (job %s) for %s. Other targets of the job may still serve traffic; the SLO alerts say whether users notice.", labelInst, svc, slo.Dur(targetDownFor)),
			Dashboard:   dashEnv,
			Meaning:     "One target of the service has not answered scrapes for " + slo.Dur(targetDownFor) + ". Capacity is reduced, or the instance is wedged or unreachable.",
			Threshold:   "up == 0 for one target for " + slo.Dur(targetDownFor),
			Checks: []string{
				"Find the instance in the alert's `instance` label and check its process and logs.",
				"Compare with the other instances on the dashboard (saturation and process row, filtered by instance).",
			},
			Mitigations: []string{
				"Restart or replace the one instance in the alert's `instance` label; the other targets keep serving, so no rollback is needed unless every new instance fails the same way.",
				"If that instance is gone for good (scaled down, moved), the target is stale: fix service discovery or the static targets so Prometheus stops scraping it, and the alert resolves.",
			},
			kept: []string{contract.LabelJob, contract.LabelInstance, contract.LabelEnvironment, slo.LabelService},
		},
		{
			Name: AlertMetricsAbsent, Severity: slo.SeverityPage,
			Expr:        fmt.Sprintf("absent(%s)", up),
			For:         metricsAbsentFor,
			Summary:     "Prometheus has no target for " + svc,
			Description: fmt.Sprintf("There has been no series %s for %s: the scrape configuration lost the service (job name, service discovery or relabelling changed), so none of its SLO alerts can fire.", up, slo.Dur(metricsAbsentFor)),
			Dashboard:   dash,
			Meaning:     "Prometheus does not scrape the service at all, so every other alert of the service is blind.",
			Threshold:   "no up series for job " + svc + " for " + slo.Dur(metricsAbsentFor),
			Checks:      steps.ScrapeChecks,
			Mitigations: []string{
				steps.RestoreScrape,
				"Until Prometheus scrapes " + svc + " again, no SLO alert can fire: watch its error logs in Loki and its health endpoint by hand, and say so in the incident channel.",
			},
			kept: []string{contract.LabelJob},
		},
		{
			Name: AlertRestarting, Severity: slo.SeverityPage,
			Expr: fmt.Sprintf("changes(%s{%s}[%s])\n> on (%s)\n%d * max_over_time(%s{%s}[%s])",
				RecordNewestStart, m.JobSelector, slo.Dur(restartWindow), m.By, restartsPerReplica, RecordReplicas, m.JobSelector, slo.Dur(restartWindow)),
			Summary:     svc + " is restarting over and over (crash loop)",
			Description: fmt.Sprintf("New processes of job %s keep starting: more than %d per replica in %s. A process that crashes and is restarted serves in between, so %s alone may never fire.", svc, restartsPerReplica, slo.Dur(restartWindow), AlertServiceDown),
			Dashboard:   dashEnv,
			Meaning:     fmt.Sprintf("The service's processes keep dying and being restarted: more than %d new processes per replica in %s. Requests in flight fail at every crash, and a restart loop often hides behind targets that come and go.", restartsPerReplica, slo.Dur(restartWindow)),
			Threshold:   fmt.Sprintf("the newest process start time of job %s changed more than %d times per replica in %s (a deploy changes it once per replica)", svc, restartsPerReplica, slo.Dur(restartWindow)),
			Checks: []string{
				"Why does it exit? " + steps.ExitLogs + ": the last lines before each exit (a panic, a fatal error, a missing variable or secret); the service's error logs in the dashboard's logs panel.",
				steps.Crashed,
				"Did a deploy or a config change start it? The dashboard's Deploys annotations and the start time panel.",
			},
			Mitigations: []string{
				"If a deploy started it, roll back to the last release that stayed up.",
				"If the kernel kills it for memory, raise the container's memory limit (and GOMEMLIMIT with it for a Go service) while the leak is found.",
				"If it crashes on one kind of request or on a dependency, switch that feature off or fix the dependency's configuration; the stack trace in the exit logs names the place.",
			},
			kept: []string{contract.LabelJob, contract.LabelEnvironment},
		},
	}
	alerts = append(alerts, probeAlerts(s)...)
	alerts = append(alerts, dependencyAlerts(s)...)
	for _, o := range m.Objectives {
		for _, w := range m.Windows() {
			thr := w.Burn * o.Budget()
			name := BurnAlertName(o, w)
			a := Alert{
				Name: name, Severity: w.Severity, SLO: o.Kind,
				Expr: fmt.Sprintf("%s{%s} > (%s * %s)\nand\n%s{%s} > (%s * %s)\nand\n%s >= %d",
					o.Record(w.Long), m.JobSelector, slo.Number(w.Burn), o.BudgetText(),
					o.Record(w.Short), m.JobSelector, slo.Number(w.Burn), o.BudgetText(),
					m.RequestsIn(w.Long), m.MinRequests),
				For: w.For,
				Summary: fmt.Sprintf("%s is burning its %s%% %s error budget %sx too fast (%s/%s windows)",
					svc, slo.Number(o.Target), o.Title, slo.Number(w.Burn), slo.Dur(w.Long), slo.Dur(w.Short)),
				Description: fmt.Sprintf("%s of %s's requests %s over the last %s (and over the last %s), above %s: %sx the %s budget of the %s%% %s SLO. At this rate the %s budget is spent in %s.",
					valuePercent, svc, o.Bad, slo.Dur(w.Long), slo.Dur(w.Short), slo.Percent(thr), slo.Number(w.Burn),
					slo.Percent(o.Budget()), slo.Number(o.Target), o.Title, slo.Dur(m.SLOWindow), m.Exhaustion(w.Burn)),
				Dashboard: dashEnv,
				Meaning: fmt.Sprintf("Requests that %s are using up the %s%% %s SLO's error budget %sx faster than the SLO allows, over both %s and %s. Sustained, this spends %s of the %s budget in %s.",
					o.Bad, slo.Number(o.Target), o.Title, slo.Number(w.Burn), slo.Dur(w.Long), slo.Dur(w.Short), m.BudgetShare(w), slo.Dur(m.SLOWindow), slo.Dur(w.Long)),
				Threshold: fmt.Sprintf("bad-request ratio > %s over %s and over %s, for %s, with at least %d requests in the %s window", slo.Percent(thr), slo.Dur(w.Long), slo.Dur(w.Short), slo.Dur(w.For), m.MinRequests, slo.Dur(w.Long)),
				kept:      []string{contract.LabelJob, contract.LabelEnvironment},
				window:    w, objective: o,
			}
			a.Mitigations = burnMitigations(s, o, w, m.Exhaustion(w.Burn))
			if o.Kind == "availability" {
				a.Checks = []string{
					"Which routes fail? The dashboard's error ratio by route panel, or `sum by (" + contract.LabelRoute + ", " + contract.LabelStatus + ") (rate(" + contract.RequestDurationCount + "{" + m.JobSelector + ", " + contract.LabelStatus + "=~\"5..\"}[5m]))`.",
					"Read the error logs of the service in the dashboard's logs panel (level error) and follow their trace links.",
					"Did a deploy, a config change or a dependency outage start it? Roll back first, investigate second.",
				}
			} else {
				a.Checks = []string{
					"Which routes are slow? The dashboard's p95/p99 latency by route panels.",
					slowTraces(s),
					"Check saturation on the dashboard: " + saturationSigns(s) + "; CPU limits of the container.",
				}
			}
			alerts = append(alerts, a)
		}
	}
	for _, o := range m.Objectives {
		name := BudgetExhaustedAlertName(o)
		alerts = append(alerts, Alert{
			Name: name, Severity: slo.SeverityTicket, SLO: o.Kind,
			Expr: fmt.Sprintf("%s{%s, %s=%q} <= 0\nand on (%s)\n%s >= %d",
				slo.RecordBudgetRemaining, m.JobSelector, slo.LabelSLO, o.Kind, m.By, m.RequestsIn(m.SLOWindow), m.MinRequests),
			For:         budgetExhaustedFor,
			Summary:     fmt.Sprintf("%s has spent its %s %s error budget", svc, slo.Dur(m.SLOWindow), o.Title),
			Description: fmt.Sprintf("%s of %s's %s error budget is left over the last %s: the %s%% %s SLO is missed. Until the window rolls past the bad period, every further request that %s deepens the miss.", valuePercent, svc, o.Title, slo.Dur(m.SLOWindow), slo.Number(o.Target), o.Title, o.Bad),
			Dashboard:   dashEnv,
			Meaning:     fmt.Sprintf("More than %s of the requests over the last %s %s: the SLO is missed for this window. The burn-rate alerts say how fast it is being spent; this one says the budget is gone.", slo.Percent(o.Budget()), slo.Dur(m.SLOWindow), o.Bad),
			Threshold:   fmt.Sprintf("error budget remaining over %s <= 0 for %s, with at least %d requests in the window", slo.Dur(m.SLOWindow), slo.Dur(budgetExhaustedFor), m.MinRequests),
			Checks: []string{
				"Read the burn-rate panel over the last " + slo.Dur(m.SLOWindow) + ": one incident or a steady leak?",
				"Agree with the service's owners what the SLO policy says now: freeze risky deploys, spend the time on reliability work until the budget recovers.",
			},
			Mitigations: budgetMitigations(o, svc),
			kept:        []string{contract.LabelJob, contract.LabelEnvironment, slo.LabelSLO},
			objective:   o,
		})
	}
	for i := range alerts {
		a := &alerts[i]
		a.Labels = map[string]string{slo.LabelSeverity: a.Severity, slo.LabelService: svc}
		if a.SLO != "" {
			a.Labels[slo.LabelSLO] = a.SLO
		}
		a.RunbookURL = RunbookURL(s, a.Name)
		if s.Deploy.Target.IsKubernetes() {
			// Every selector and aggregation keeps it (slo.New).
			a.kept = append(a.kept, contract.LabelNamespace)
		}
	}
	return alerts
}

// burnMitigations are the steps that stop an SLO's budget from burning: a
// page burns it in hours and calls for the fastest fix, a ticket is a
// leak to fix in a normal change.
func burnMitigations(s spec.Spec, o slo.Objective, w slo.Window, exhaustion string) []string {
	svc := s.Service.Name
	page := w.Severity == slo.SeverityPage
	if o.Kind == "availability" {
		if page {
			return []string{
				"Roll back the deploy or config change that started the failing requests: at this burn rate the whole availability budget is spent in " + exhaustion + ", and a rollback is faster than a fix.",
				"If one route or one dependency fails, switch that feature off or serve a fallback (feature flag, cached answer) so the other routes stop spending the availability budget; fail fast on a dead dependency (short timeouts) instead of letting requests queue.",
				"If the 5xx come from overload, add instances or capacity to " + svc + " first; look for the cause once the availability error ratio is back under the budget.",
			}
		}
		return []string{
			"A slow availability leak: find the failing route and error from the checks above and fix it forward in a normal change; roll back only if the leak started with the last deploy.",
			"If the failures come from a dependency, open a ticket with its owners with the trace IDs of failing requests, and add a retry with backoff or a fallback where the call allows it.",
		}
	}
	if page {
		return []string{
			"Roll back the deploy that made the routes slow: at this burn rate the whole latency budget is spent in " + exhaustion + ".",
			"If the slow traces show one slow dependency, lower its timeout or serve a cached or degraded answer so requests stop waiting on it; shed load (the rate limit) rather than queue.",
			"If the dashboard shows saturation (" + saturationSigns(s) + "), scale " + svc + " out or raise its CPU limit, then look for the cause of the latency.",
		}
	}
	return []string{
		"A slow latency creep: profile the slowest route (the slow traces' longest spans, " + profiler(s) + ") and fix it forward; growing data (a query without an index, calls in a loop) is the usual cause.",
		"If a dependency got slower, open a ticket with its owners with the trace IDs of slow requests, and cache or batch those calls where the data allows it.",
	}
}

// saturationSigns are the dashboard panels that show a saturated service:
// the process row for every service, the runtime row where there is one.
func saturationSigns(s spec.Spec) string {
	if s.IsGo() {
		return "requests in flight and CPU on the saturation and process row, goroutines, heap and GC on the Go runtime row"
	}
	return "requests in flight, CPU and resident memory on the saturation and process row"
}

// profiler is how to profile the service's runtime.
func profiler(s spec.Spec) string {
	if s.IsGo() {
		return "pprof"
	}
	return "`node --cpu-prof`"
}

// budgetMitigations apply the SLO policy once a budget is spent.
func budgetMitigations(o slo.Objective, svc string) []string {
	out := []string{"Deploy only fixes that protect the " + o.Title + " SLO of " + svc + " until the window rolls past the bad period and the " + o.Title + " budget is positive again."}
	if o.Kind == "availability" {
		out = append(out, "Spend the freed time on what spent the availability budget: the routes and errors of the burn-rate alerts that fired in the window, with a test for each failure mode fixed.")
	} else {
		out = append(out, "Spend the freed time on the slowest routes of the window: the latency budget recovers only as slow requests leave the window, so each fix shows there with a delay.")
	}
	return append(out, "If users are content with what they got, the objective may be too strict: change it in obsgen.yaml (slo.*) with the owners' agreement rather than living with a spent "+o.Title+" budget.")
}

func slowTraces(s spec.Spec) string {
	if !s.Tracing.Enabled {
		return "Tracing is off for this service (tracing.enabled: false): turn it on to see where slow requests spend their time."
	}
	return "Open slow traces from the dashboard's traces panel to see where the time goes (database, downstream calls, locks)."
}

// annotations are the alert's annotations as Prometheus templates.
func (a Alert) annotations() map[string]string {
	return map[string]string{
		"summary":     a.Summary,
		"description": a.Description,
		"runbook_url": a.RunbookURL,
		"dashboard":   a.Dashboard,
	}
}
