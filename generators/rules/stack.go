package rules

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// The local stack watches itself: a Watchdog that always fires (routed to
// a dead man's switch when alerts.heartbeat is on), and alerts for the
// failures that silently blind every other alert: a telemetry container
// that stops answering scrapes, a collector that cannot export or refuses
// data, an Alertmanager that cannot notify, rules that fail to evaluate.
// These rules exist for the compose stack only: on Kubernetes,
// kube-prometheus-stack ships its own for the same components.

// Names of the stack's self-monitoring alerts.
const (
	AlertWatchdog             = "Watchdog"
	AlertStackTargetDown      = "ObservabilityTargetDown"
	AlertExportStalled        = "CollectorExportStalled"
	AlertDroppingData         = "CollectorDroppingData"
	AlertRefusingData         = "CollectorRefusingData"
	AlertNotificationsFailing = "AlertmanagerNotificationsFailing"
	AlertRuleFailures         = "PrometheusRuleEvaluationFailures"
	AlertLokiRuleFailures     = "LokiRuleEvaluationFailures"
	// SeverityHeartbeat marks the Watchdog: Alertmanager routes it to the
	// dead man's switch, never to a person.
	SeverityHeartbeat = "heartbeat"
)

// StackGroupName is the rule group of the stack's self-monitoring alerts.
const StackGroupName = "observability-stack"

// Metric names of the stack's components the alerts read. The end-to-end
// test checks each one against what the real component serves.
const (
	MetricCollectorQueueSize     = "otelcol_exporter_queue_size"
	MetricCollectorSentLogs      = "otelcol_exporter_sent_log_records"
	MetricCollectorSentSpans     = "otelcol_exporter_sent_spans"
	MetricCollectorFailedLogs    = "otelcol_exporter_send_failed_log_records"
	MetricCollectorFailedSpans   = "otelcol_exporter_send_failed_spans"
	MetricCollectorRefusedLogs   = "otelcol_receiver_refused_log_records"
	MetricCollectorRefusedSpans  = "otelcol_receiver_refused_spans"
	MetricNotificationsFailed    = "alertmanager_notifications_failed_total"
	MetricRuleEvaluationFailures = "prometheus_rule_evaluation_failures_total"
	MetricLokiRuleFailures       = "loki_prometheus_rule_evaluation_failures_total"
)

// StackMetrics are the names StackAlerts read, all served by the stack's
// components (not the service).
var StackMetrics = []StackMetric{
	{MetricCollectorQueueSize, stack.Collector, false}, {MetricCollectorSentLogs, stack.Collector, false}, {MetricCollectorSentSpans, stack.Collector, false},
	{MetricCollectorFailedLogs, stack.Collector, true}, {MetricCollectorFailedSpans, stack.Collector, true},
	{MetricCollectorRefusedLogs, stack.Collector, false}, {MetricCollectorRefusedSpans, stack.Collector, false},
	{MetricNotificationsFailed, stack.Alertmanager, false}, {MetricRuleEvaluationFailures, stack.Prometheus, false}, {MetricLokiRuleFailures, stack.Loki, false},
}

// StackMetric is a metric name and the scrape job that serves it.
// OnFailure names are served only once the failure they count happened.
type StackMetric struct {
	Name, Job string
	OnFailure bool
}

// stackJobs are the scrape jobs of the stack's own components.
func stackJobs(s spec.Spec) []string {
	var jobs []string
	for _, c := range stack.Monitored(s) {
		jobs = append(jobs, c.Job)
	}
	return jobs
}

// risen is the condition of an alert on failure counters: any of metrics
// of the job in sel rose over the last 5m (fn is rate or increase), per job
// and by.
func risen(fn, by, sel string, metrics ...string) string {
	parts := make([]string, len(metrics))
	for i, m := range metrics {
		parts[i] = fmt.Sprintf("sum by (job, %s) (%s(%s%s[5m])) > 0", by, fn, m, sel)
	}
	return strings.Join(parts, "\nor\n")
}

// sel is a selector of one job.
func sel(job string) string { return fmt.Sprintf("{job=%q}", job) }

// StackAlerts returns the stack's self-monitoring alerts for s. Each
// carries the input series that make it fire and ones that keep it quiet,
// from which its promtool tests are generated.
func StackAlerts(s spec.Spec) []Alert {
	col := sel(stack.Collector)
	jobs := stackJobs(s)
	flat := func(v string, n int) string { return fmt.Sprintf("%sx%d", v, n) }
	grow := func(n int) string { return fmt.Sprintf("0+60x%d", n) }
	target := func(job, addr string, kv ...string) map[string]string {
		return with(map[string]string{"job": job, "instance": addr}, kv...)
	}
	colTarget := func(kv ...string) map[string]string {
		return target(stack.Collector, stack.Addr(stack.Collector, stack.CollectorMetricsPort), kv...)
	}
	exporter := func(metric, exp, values string) input {
		return input{metric, colTarget("exporter", exp), values}
	}
	receiver := func(metric, recv, values string) input {
		return input{metric, colTarget("receiver", recv), values}
	}
	loki := target(stack.Loki, stack.Addr(stack.Loki, stack.LokiPort))
	am := target(stack.Alertmanager, stack.Addr(stack.Alertmanager, stack.AlertmanagerPort), "integration", "slack")
	prom := target(stack.Prometheus, "localhost:9090", "rule_group", "rules/x.rules.yml;x-slo")
	lokiRules := with(loki, "rule_group", "/loki/rules/fake/x.rules.yml;x-logs")
	lokiExp := "otlp_http/loki"
	alerts := []Alert{
		{
			Name: AlertWatchdog, Severity: SeverityHeartbeat,
			Expr:    "vector(1)",
			Summary: "Alerting works: this alert always fires",
			Description: "Watchdog fires as long as Prometheus evaluates rules and Alertmanager receives alerts. " +
				"A dead man's switch that stops receiving it knows the alerting path itself is broken.",
			Meaning:     "Nothing is wrong: Watchdog is the heartbeat of the alerting pipeline. Its absence is the incident.",
			Threshold:   "always fires",
			Mitigations: []string{"Nothing to do while it fires. When the dead man's switch says the heartbeat stopped: bring back whichever of Prometheus, Alertmanager or the heartbeat URL's network failed, then check that the alerts that should have fired meanwhile reached you (Alertmanager's UI lists them)."},
			Checks:      []string{"If the dead man's switch reports missing heartbeats: is Prometheus up (`" + stack.Compose + " ps prometheus`), does it reach Alertmanager (Status > Runtime & Build Information, Alertmanagers), is Alertmanager up, and does it reach the heartbeat URL (`" + stack.Compose + " logs alertmanager`)?"},
			alwaysFires: true,
			evalAt:      time.Minute,
		},
		{
			Name: AlertStackTargetDown, Severity: slo.SeverityTicket,
			Expr:        fmt.Sprintf("up{job=~%q} == 0", strings.Join(jobs, "|")),
			For:         5 * time.Minute,
			Summary:     "{{ $labels.job }} of the observability stack is down",
			Description: "Prometheus has failed to scrape {{ $labels.job }} ({{ $labels.instance }}) for 5m. While it is down its part of the stack (logs, traces, alert delivery or dashboards) is missing or stale.",
			Meaning:     "A component of the observability stack does not answer: the signals it carries are missing, and alerts that depend on them cannot fire.",
			Threshold:   "up == 0 for one of " + strings.Join(jobs, ", ") + " for 5m",
			Mitigations: []string{
				"Bring the component of the observability stack back (`" + stack.Compose + " up -d <job>`); if it keeps exiting, raise its memory limit or free its volume's disk, whichever its last log lines name.",
				"Until it is back, say in the incident channel which signal is missing (logs for loki, traces for the trace backend, notifications for alertmanager, dashboards for grafana) so nobody reads its silence as health.",
			},
			Checks: []string{
				"`" + stack.Compose + " ps` and `" + stack.Compose + " logs --tail=100 <job>`: did the container exit, run out of memory (`docker inspect <job> --format '{{ .State.OOMKilled }}'`) or fail its healthcheck?",
				"Restart it with `" + stack.Compose + " up -d <job>`; the collector queues logs on disk meanwhile, so a short outage loses nothing.",
			},
			kept:   []string{"job", "instance"},
			fire:   []input{{"up", loki, flat("0", 10)}},
			quiet:  []input{{"up", loki, "1 0x3 1x6"}},
			evalAt: 8 * time.Minute,
		},
		{
			Name: AlertExportStalled, Severity: slo.SeverityTicket,
			Expr: fmt.Sprintf("sum by (job, exporter) (%s%s) > 0\nunless on (job, exporter)\n(\n  sum by (job, exporter) (rate(%s%s[2m])) > 0\n  or\n  sum by (job, exporter) (rate(%s%s[2m])) > 0\n)",
				MetricCollectorQueueSize, col, MetricCollectorSentLogs, col, MetricCollectorSentSpans, col),
			For:         10 * time.Minute,
			Summary:     "The collector has exported nothing through {{ $labels.exporter }} for 10m while data waits",
			Description: "Items wait in the queue of {{ $labels.exporter }} and none was sent for 10m: its backend is down or refuses them. Logs wait on disk and are sent when it is back; spans wait in memory and are dropped after 5m of retries.",
			Meaning:     "The collector cannot deliver to a backend (Loki, or the trace backend). Dashboards and log alerts show old data; nothing is lost yet for logs.",
			Threshold:   "queue size > 0 and nothing sent in the last 2m, for 10m",
			Mitigations: []string{
				"Start or fix the backend the collector exports to; the collector then sends what waits in its queue by itself, oldest first; do not restart the collector for it, nothing is gained.",
				"If the backend refuses the data (4xx in the collector's log: a limit, a tenant, an auth header), fix that setting: retries will not get through.",
			},
			Checks: []string{
				"Which backend? The alert's `exporter` label: otlp_http/loki is Loki, otlp_grpc/* the trace backend. Is it up (`" + stack.Compose + " ps`)?",
				"The collector's log says why exports fail: `" + stack.Compose + " logs --tail=50 " + stack.Collector + "`.",
			},
			kept: []string{"job", "exporter"},
			fire: []input{
				exporter(MetricCollectorQueueSize, lokiExp, "0+100x15"),
				exporter(MetricCollectorSentLogs, lokiExp, flat("5000", 15)),
			},
			quiet: []input{
				exporter(MetricCollectorQueueSize, lokiExp, flat("200", 15)),
				exporter(MetricCollectorSentLogs, lokiExp, grow(15)),
			},
			evalAt: 12 * time.Minute,
		},
		{
			Name: AlertDroppingData, Severity: slo.SeverityTicket,
			Expr:        risen("rate", "exporter", col, MetricCollectorFailedLogs, MetricCollectorFailedSpans),
			For:         5 * time.Minute,
			Summary:     "The collector is dropping data it could not send through {{ $labels.exporter }}",
			Description: "{{ $labels.exporter }} gave up on items after its retries: they are lost. Spans are dropped after 5m of a trace backend outage; logs only when their disk queue fails.",
			Meaning:     "Telemetry is being lost for good: traces (or logs) of this period will be missing.",
			Threshold:   "send_failed rate > 0 for 5m",
			Mitigations: []string{
				"Bring the backend back first: the collector is dropping what it could not send through the exporter, and keeps dropping until the backend answers.",
				"If outages of the trace backend are common, give its exporter a disk queue and longer retries, as the logs exporter has.",
			},
			Checks: []string{
				"`" + stack.Compose + " logs --tail=50 " + stack.Collector + "` names the error the backend returns.",
				"Bring the backend back first; then check whether the collector's volume has space (`" + stack.Compose + " exec " + stack.Collector + " /busybox df -h /var/lib/otelcol`).",
			},
			kept:   []string{"job", "exporter"},
			fire:   []input{exporter(MetricCollectorFailedSpans, "otlp_grpc/jaeger", grow(12))},
			quiet:  []input{exporter(MetricCollectorFailedSpans, "otlp_grpc/jaeger", flat("7", 12))},
			evalAt: 10 * time.Minute,
		},
		{
			Name: AlertRefusingData, Severity: slo.SeverityTicket,
			Expr:        risen("rate", "receiver", col, MetricCollectorRefusedLogs, MetricCollectorRefusedSpans),
			For:         5 * time.Minute,
			Summary:     "The collector refuses data at {{ $labels.receiver }}",
			Description: "{{ $labels.receiver }} refuses incoming data, most often because the memory limiter is above its limit: services' spans are dropped at the door.",
			Meaning:     "The collector is overloaded (memory limiter) or its pipeline is blocked; senders lose data.",
			Threshold:   "refused rate > 0 for 5m",
			Mitigations: []string{
				"Free the collector: if an export is stalled, fix that backend first (the queue fills memory); otherwise give the collector more memory, since it refuses data while above its memory limiter.",
				"Lower what the services send meanwhile (tracing.sample_ratio) if the load itself is the cause.",
			},
			Checks: []string{
				"Memory: `docker stats --no-stream " + stack.Collector + "` against its limit; a blocked exporter (see " + AlertExportStalled + ") fills memory too.",
				"Raise the container's memory limit in the compose file (the memory limiter takes 80% of it), or lower the traffic sampled.",
			},
			kept:   []string{"job", "receiver"},
			fire:   []input{receiver(MetricCollectorRefusedSpans, "otlp", grow(12))},
			quiet:  []input{receiver(MetricCollectorRefusedSpans, "otlp", flat("0", 12))},
			evalAt: 10 * time.Minute,
		},
		{
			Name: AlertNotificationsFailing, Severity: slo.SeverityTicket,
			Expr:        risen("rate", "integration", sel(stack.Alertmanager), MetricNotificationsFailed),
			For:         5 * time.Minute,
			Summary:     "Alertmanager cannot deliver notifications through {{ $labels.integration }}",
			Description: "Notifications through {{ $labels.integration }} fail: alerts fire but nobody hears of them. If it is the only integration, this alert does not arrive either: the dead man's switch (alerts.heartbeat) is what tells you.",
			Meaning:     "Alerts are not reaching people. Treat the receiver as down until a notification gets through.",
			Threshold:   "notifications_failed rate > 0 for 5m",
			Mitigations: []string{
				"Fix the receiver's credentials or endpoint (rotate the webhook or key, set it in observability.env, `" + stack.Compose + " up -d " + stack.Alertmanager + "`); Alertmanager delivers what is still firing at the next group interval.",
				"Until notifications go through, someone watches Alertmanager's UI for firing alerts.",
			},
			Checks: []string{
				"`" + stack.Compose + " logs --tail=50 " + stack.Alertmanager + "` shows the receiver's error (a revoked webhook, a wrong routing key, an unreachable SMTP relay).",
				"Check the secret file the receiver reads (`" + stack.Compose + " exec " + stack.Alertmanager + " ls /run/secrets`) and the value set in observability.env.",
			},
			kept:   []string{"job", "integration"},
			fire:   []input{{MetricNotificationsFailed, am, grow(12)}},
			quiet:  []input{{MetricNotificationsFailed, am, flat("3", 12)}},
			evalAt: 10 * time.Minute,
		},
		{
			Name: AlertRuleFailures, Severity: slo.SeverityTicket,
			Expr:        risen("increase", "rule_group", sel(stack.Prometheus), MetricRuleEvaluationFailures),
			For:         5 * time.Minute,
			Summary:     "Prometheus fails to evaluate rules of {{ $labels.rule_group }}",
			Description: "Rules of {{ $labels.rule_group }} fail to evaluate: their records have gaps and their alerts cannot fire.",
			Meaning:     "Some SLO records or alerts are not computed: the alerts built on them are blind.",
			Threshold:   "rule evaluation failures in the last 5m, for 5m",
			Mitigations: []string{
				"Revert the last change to the rule files or to the labels of the scraped metrics, check with `promtool check rules`, and reload Prometheus (`" + stack.Compose + " restart " + stack.Prometheus + "`) so it evaluates the rules again.",
			},
			Checks: []string{
				"Status > Rules in Prometheus shows the failing rule and its error (often many-to-many matching after a label change, or a query timeout).",
				"`promtool check rules` and `promtool test rules` in the prometheus folder catch most of it before a deploy.",
			},
			kept:   []string{"job", "rule_group"},
			fire:   []input{{MetricRuleEvaluationFailures, prom, "0+2x12"}},
			quiet:  []input{{MetricRuleEvaluationFailures, prom, flat("4", 12)}},
			evalAt: 10 * time.Minute,
		},
		{
			Name: AlertLokiRuleFailures, Severity: slo.SeverityTicket,
			Expr:        risen("increase", "rule_group", sel(stack.Loki), MetricLokiRuleFailures),
			For:         5 * time.Minute,
			Summary:     "Loki's ruler fails to evaluate {{ $labels.rule_group }}",
			Description: "The log alerts of {{ $labels.rule_group }} fail to evaluate in Loki's ruler: they cannot fire.",
			Meaning:     "The log-based alerts (error ratio, panics, logs stopped) are blind.",
			Threshold:   "Loki rule evaluation failures in the last 5m, for 5m",
			Mitigations: []string{
				"Fix or revert the Loki rule file the ruler fails to evaluate and restart Loki (`" + stack.Compose + " restart " + stack.Loki + "`); if its query hits a limit, narrow the query's selector rather than raising the limit.",
			},
			Checks: []string{
				"`" + stack.Compose + " logs --tail=100 " + stack.Loki + "` shows the ruler's error for the group.",
				"Run the rule's query in Grafana Explore (Loki): a query that times out or hits a limit fails the same way.",
			},
			kept:   []string{"job", "rule_group"},
			fire:   []input{{MetricLokiRuleFailures, lokiRules, "0+1x12"}},
			quiet:  []input{{MetricLokiRuleFailures, lokiRules, flat("0", 12)}},
			evalAt: 10 * time.Minute,
		},
	}
	// With several services the stack is nobody's service: its alerts
	// carry the group's name, link Grafana's dashboard list and keep
	// their runbooks at the top of the runbook folder.
	owner, dashboard, own := s.Service.Name, DashboardURL(s), s
	if s.Listed {
		owner, dashboard, own.Listed = StackGroupName, s.Alerts.GrafanaURL+"/dashboards", false
	}
	for i := range alerts {
		a := &alerts[i]
		a.Labels = map[string]string{slo.LabelSeverity: a.Severity, slo.LabelService: owner}
		a.RunbookURL = RunbookURL(own, a.Name)
		a.Dashboard = dashboard
	}
	return alerts
}

// StackRulesPath is the rule file of the stack's own alerts when several
// services share it (with one, they end the service's rule file).
func StackRulesPath(s spec.Spec) string {
	return path.Join(s.Output.ConfigDir, prometheus.Dir, RulesDir, StackGroupName+".rules.yml")
}

// StackTestSet is the unit tests of the stack's own rule file of a
// project of several services; false when the stack's rules end a
// service's rule file (one service) or there are none (Kubernetes).
func StackTestSet(p spec.Project) (TestSet, bool) {
	s := p.Stack()
	if !p.Listed || !s.Deploy.Target.IsCompose() {
		return TestSet{}, false
	}
	return TestSet{Path: StackTestsPath(s), File: TestFile{
		RuleFiles:          []string{path.Join("..", RulesDir, StackGroupName+".rules.yml")},
		EvaluationInterval: "1m", GroupEvalOrder: []string{StackGroupName}, Tests: stackTests(s),
	}}, true
}

// stackFiles writes the stack's own rules, tests and runbooks once for a
// project of several services.
func stackFiles(p spec.Project) ([]generators.File, error) {
	s := p.Stack()
	if !p.Listed || !s.Deploy.Target.IsCompose() {
		return nil, nil
	}
	rules, err := generators.YAML("# The observability stack's own health, shared by every service: Watchdog,\n"+
		"# collector, Alertmanager, rule evaluation. Unit tests: ../tests/"+StackGroupName+".test.yml\n\n", RuleFile{Groups: []RuleGroup{StackGroup(s)}})
	if err != nil {
		return nil, err
	}
	set, _ := StackTestSet(p)
	tests, err := generators.YAML("", set.File)
	if err != nil {
		return nil, err
	}
	files := []generators.File{
		{Path: StackRulesPath(s), Content: rules, Owner: generators.Owned},
		{Path: set.Path, Content: append([]byte(fmt.Sprintf(testsIntro, StackGroupName, set.File.EvaluationInterval)), tests...), Owner: generators.Owned},
	}
	top := s
	top.Listed = false
	rb, err := runbooks(top, StackAlerts(s))
	return append(files, rb...), err
}

// StackGroup is the rule group of StackAlerts.
func StackGroup(s spec.Spec) RuleGroup {
	g := RuleGroup{Name: StackGroupName}
	for _, a := range StackAlerts(s) {
		r := Rule{Alert: a.Name, Expr: a.Expr, Labels: a.Labels, Annotations: a.annotations()}
		if a.For > 0 {
			r.For = slo.Dur(a.For)
		}
		g.Rules = append(g.Rules, r)
	}
	return g
}

// input is one input series of a stack alert's tests.
type input struct {
	metric string
	labels map[string]string
	values string
}

func seriesOf(in []input) []Series {
	out := make([]Series, len(in))
	for i, x := range in {
		out[i] = Series{Series: seriesName(x.metric, x.labels), Values: x.values}
	}
	return out
}

// stackTests are a firing and a quiet test per stack alert, from the input
// series the alert carries. The Watchdog has no quiet case: it always fires.
func stackTests(s spec.Spec) []TestGroup {
	var out []TestGroup
	for _, a := range StackAlerts(s) {
		out = append(out, inputTests(a)...)
	}
	return out
}

// inputTests are a firing and a quiet test of an alert that carries its
// own input series.
func inputTests(a Alert) []TestGroup {
	out := []TestGroup{{
		Name: a.Name + " fires", Interval: slo.Dur(inputStep), InputSeries: seriesOf(a.fire),
		AlertRuleTests: []AlertTest{{EvalTime: minutes(a.evalAt), Alertname: a.Name, ExpAlerts: []ExpAlert{a.expectedFrom(a.fire)}}},
	}}
	if !a.alwaysFires {
		out = append(out, TestGroup{
			Name: a.Name + " stays quiet", Interval: slo.Dur(inputStep), InputSeries: seriesOf(a.quiet),
			AlertRuleTests: []AlertTest{none(a.evalAt, a.Name)},
		})
	}
	return out
}

// expectedFrom is the alert as it fires on the first of its inputs: the
// kept labels of that series, the alert's labels, and its annotations with
// those labels expanded as Prometheus expands them.
func (a Alert) expectedFrom(in []input) ExpAlert {
	labels := map[string]string{}
	var pairs []string
	if len(in) > 0 {
		for _, k := range a.kept {
			labels[k] = in[0].labels[k]
			pairs = append(pairs, "{{ $labels."+k+" }}", in[0].labels[k])
		}
	}
	for k, v := range a.Labels {
		labels[k] = v
	}
	r := strings.NewReplacer(pairs...)
	ann := map[string]string{}
	for k, v := range a.annotations() {
		ann[k] = r.Replace(v)
	}
	return ExpAlert{ExpLabels: labels, ExpAnnotations: ann}
}

// AlwaysFires reports whether the alert is a heartbeat with no quiet state.
func (a Alert) AlwaysFires() bool { return a.alwaysFires }
