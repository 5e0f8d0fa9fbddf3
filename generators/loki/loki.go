// Package loki generates Loki's config for the local stack and the LogQL
// alert rules its ruler evaluates: the error-log ratio and logged panics of
// the service, labelled and annotated like the Prometheus alerts.
package loki

import (
	"bytes"
	"fmt"
	"path"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/ops"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes loki/loki.yml and the ruler's rules.
var Generator = generators.Generator{
	Name:     "loki",
	Doc:      "Loki config (filesystem storage, ruler) and LogQL alert rules",
	Generate: generate,
	Stack:    stackConfig,
}

// Dir is Loki's folder inside the config folder.
const Dir = "loki"

// ConfigPath is where loki.yml of s is written.
func ConfigPath(s spec.Spec) string { return path.Join(s.Output.ConfigDir, Dir, "loki.yml") }

// RulesDir is the ruler's rules folder (it holds one folder per tenant).
func RulesDir(s spec.Spec) string { return path.Join(s.Output.ConfigDir, Dir, "rules") }

// RulesPath is the rule file of s, in the local stack's tenant folder.
func RulesPath(s spec.Spec) string {
	return path.Join(RulesDir(s), stack.LokiTenant, s.Service.Name+".rules.yml")
}

// Thresholds of the log alerts. Both are tickets: a page is for users
// being hurt now, which the SLO burn-rate alerts already catch; error logs
// and panics are causes to investigate during working hours.
const (
	errorRatioThreshold = 0.05
	errorRatioFor       = "10m"
	window              = "5m"
)

type configView struct {
	Port             int
	Tenant           string
	LabelService     string
	LabelLevel       string
	AlertmanagerAddr string
	OTLP             OTLPConfig
}

// config renders the local stack's Loki config (loki.yml).
func config(s spec.Spec) (generators.File, error) {
	return generators.RenderFile("loki/loki.yml.tmpl", ConfigPath(s), generators.Owned, configView{
		Port:             stack.LokiPort,
		Tenant:           stack.LokiTenant,
		LabelService:     contract.LokiLabelService,
		LabelLevel:       contract.LokiLabelLevel,
		AlertmanagerAddr: stack.Addr(stack.Alertmanager, stack.AlertmanagerPort),
		OTLP:             OTLP(),
	})
}

// stackConfig is the local stack's one Loki config.
func stackConfig(p spec.Project) ([]generators.File, error) {
	s := p.Stack()
	if !s.Deploy.Target.IsCompose() {
		return nil, nil
	}
	cfg, err := config(s)
	return []generators.File{cfg}, err
}

func generate(s spec.Spec) ([]generators.File, error) {
	ruleFile, err := Rules(s)
	if err != nil {
		return nil, err
	}
	var files []generators.File
	// The rule folder is the local stack's; the Kubernetes chart ships the
	// same rules to the cluster's Loki. Runbooks are for both.
	if s.Deploy.Target.IsCompose() {
		files = append(files, generators.File{Path: RulesPath(s), Content: ruleFile, Mode: 0o644, Owner: generators.Owned})
	}
	for _, r := range RuleSet(s).Groups[0].Rules {
		rb, err := generators.RenderFile("loki/runbook.md.tmpl", RunbookPath(s, r.Alert), generators.Merged, runbookView{
			Alert: r.Alert, Expr: r.Expr, For: r.For, Severity: r.Labels["severity"], Service: s.Service.Name,
			ErrorQuery: runbookQuery(s, r.Alert), Go: s.IsGo(), RestartLogPipeline: ops.For(s).RestartLogPipeline,
		})
		if err != nil {
			return nil, err
		}
		files = append(files, rb)
	}
	return files, nil
}

// runbookQuery is the query a runbook tells the responder to run: the
// lines the alert counted.
func runbookQuery(s spec.Spec, alert string) string {
	switch alert {
	case AlertPanicLogged:
		return PanicLines(s)
	case AlertLogsStopped:
		return Selector(s)
	}
	return Selector(s, contract.LokiLabelLevel+"="+quote(contract.LevelError))
}

// AlertPanicLogged names the alert on recovered panics.
const AlertPanicLogged = "PanicLogged"

// AlertLogsStopped names the alert on the service's logs no longer
// arriving; logsStoppedAfter is how long Loki must have no line.
const (
	AlertLogsStopped = "LogsStopped"
	logsStoppedAfter = "30m"
)

type runbookView struct {
	Alert, Expr, For, Severity, Service, ErrorQuery string
	// Go: the service panics (Go) rather than throws (Node).
	Go bool
	// RestartLogPipeline: how, on the deploy target (ops.Steps).
	RestartLogPipeline string
}

// Selector is the stream selector of the service's logs, with extra label
// matchers (already formatted, e.g. level="error").
func Selector(s spec.Spec, extra ...string) string {
	sel := contract.LokiLabelService + "=" + quote(s.Service.Name)
	if s.Deploy.Target.IsKubernetes() {
		// The cluster may run the service in several namespaces (staging
		// and production): keep to this one, as the Prometheus rules do.
		sel += ", " + contract.LokiLabelK8sNamespace + "=" + quote(s.Kubernetes.Namespace)
	}
	for _, e := range extra {
		sel += ", " + e
	}
	return "{" + sel + "}"
}

// quote quotes a label value for LogQL (the PromQL string syntax).
func quote(v string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// panicSummary and panicsWere name what PanicLogged counts in the
// service's language: a Go handler panics, a Node handler throws.
func panicSummary(s spec.Spec, svc, env string) string {
	if s.IsGo() {
		return svc + " recovered from a panic in " + env
	}
	return svc + " answered a thrown error with 500 in " + env
}

func panicsWere(s spec.Spec) string {
	if s.IsGo() {
		return "panics were recovered and"
	}
	return "errors thrown by a handler and not handled were"
}

// PanicLines is the LogQL of the service's recovered panics: the generated
// recovery middleware logs each at error level with this message, and the
// line filter matches its JSON exactly. The alert counts these lines and
// its runbook shows them.
func PanicLines(s spec.Spec) string {
	return Selector(s, contract.LokiLabelLevel+"="+quote(contract.LevelError)) + " |= " + "`\"" + contract.LogMessage + "\":\"" + contract.LogPanicMessage + "\"`"
}

// RuleSet returns the log alert rules of s.
func RuleSet(s spec.Spec) rules.RuleFile {
	by := fmt.Sprintf("sum by (%s, %s)", contract.LokiLabelService, contract.LokiLabelEnvironment)
	errorLevel := contract.LokiLabelLevel + "=" + quote(contract.LevelError)
	labels := func(severity string) map[string]string {
		// service and environment as on the Prometheus alerts (there the
		// environment comes from Prometheus' external labels), so
		// Alertmanager groups and inhibits both kinds alike.
		return map[string]string{"severity": severity, "service": s.Service.Name, "environment": s.Service.Environment}
	}
	svc := "{{ $labels." + contract.LokiLabelService + " }}"
	env := "{{ $labels." + contract.LokiLabelEnvironment + " }}"
	// Each alert carries the environment as a static label; absent_over_time
	// keeps no label to expand.
	dashboard := rules.DashboardAt(s, s.Service.Environment)
	return rules.RuleFile{Groups: []rules.RuleGroup{{
		Name:     s.Service.Name + "-logs",
		Interval: "1m",
		Rules: []rules.Rule{
			{
				Alert: "ErrorLogRatioHigh",
				Expr: fmt.Sprintf("%s (rate(%s[%s]))\n/\n%s (rate(%s[%s]))\n> %g",
					by, Selector(s, errorLevel), window, by, Selector(s), window, errorRatioThreshold),
				For:    errorRatioFor,
				Labels: labels("ticket"),
				Annotations: map[string]string{
					"summary": svc + " logs more than 5% of its lines at error level in " + env,
					"description": "{{ $value | humanizePercentage }} of the log lines of " + svc +
						" were at error level over the last " + window + " (threshold 5% for " + errorRatioFor + "). " +
						"Query the errors in Grafana Explore: " + Selector(s, errorLevel),
					"runbook_url": rules.RunbookURL(s, "ErrorLogRatioHigh"),
					"dashboard":   dashboard,
				},
			},
			{
				Alert: AlertPanicLogged,
				// The generated recovery middleware logs every recovered panic
				// with this message; the line filter matches its JSON exactly.
				Expr:   fmt.Sprintf("%s (count_over_time(%s [%s]))\n> 0", by, PanicLines(s), window),
				Labels: labels("ticket"),
				Annotations: map[string]string{
					"summary":     panicSummary(s, svc, env),
					"description": "{{ $value }} " + panicsWere(s) + " logged by " + svc + " in the last " + window + ". The request got a 500; the stack trace is in the log line and in Sentry.",
					"runbook_url": rules.RunbookURL(s, AlertPanicLogged),
					"dashboard":   dashboard,
				},
			},
			{
				Alert: AlertLogsStopped,
				// Every request writes an access line, so silence means the
				// pipeline broke (collector, Loki, the file or the logging
				// driver), or the service gets no traffic at all.
				Expr:   fmt.Sprintf("absent_over_time(%s[%s])", Selector(s), logsStoppedAfter),
				Labels: labels("ticket"),
				Annotations: map[string]string{
					"summary":     "No log line of " + s.Service.Name + " reached Loki for " + logsStoppedAfter + " in " + s.Service.Environment,
					"description": "Loki has no line of " + s.Service.Name + " for " + logsStoppedAfter + ". Log alerts and log panels are blind until lines arrive again. Either the log pipeline is broken or the service received no request at all (health checks are not logged).",
					"runbook_url": rules.RunbookURL(s, AlertLogsStopped),
					"dashboard":   dashboard,
				},
			},
		},
	}}}
}

// RunbookPath is where the runbook of a log alert is generated: beside
// the Prometheus alerts' runbooks.
func RunbookPath(s spec.Spec, alert string) string { return rules.RunbookPath(s, alert) }

// Rules renders the rule file of s.
func Rules(s spec.Spec) ([]byte, error) {
	return generators.YAML("# LogQL alert rules for the Loki ruler. Labels and annotations follow the\n# Prometheus alerts: severity page|ticket, summary, description, runbook_url.\n", RuleSet(s))
}
