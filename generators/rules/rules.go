package rules

import (
	"fmt"
	"path"
	"time"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes the rules, their unit tests and the runbooks.
var Generator = generators.Generator{
	Name:     "rules",
	Doc:      "Prometheus SLO recording and alerting rules, promtool unit tests, runbooks",
	Generate: generate,
	Stack:    stackFiles,
}

// Folders inside the Prometheus config folder. prometheus.yml loads
// rules/*.rules.yml; `promtool test rules` runs from tests/.
const (
	RulesDir = "rules"
	TestsDir = "tests"
)

// RulesPath and TestsPath are where the service's rules and tests go.
func RulesPath(s spec.Spec) string {
	return path.Join(s.Output.ConfigDir, prometheus.Dir, RulesDir, s.Service.Name+".rules.yml")
}

// TestsPath is the promtool unit test file of the rules.
func TestsPath(s spec.Spec) string {
	return path.Join(s.Output.ConfigDir, prometheus.Dir, TestsDir, s.Service.Name+".test.yml")
}

// SlowTestsPath is the promtool unit test file of the multi-day burn alerts.
func SlowTestsPath(s spec.Spec) string {
	return path.Join(s.Output.ConfigDir, prometheus.Dir, TestsDir, s.Service.Name+".slow-burn.test.yml")
}

// StackTestsPath is the promtool unit test file of the stack's own alerts.
func StackTestsPath(s spec.Spec) string {
	return path.Join(s.Output.ConfigDir, prometheus.Dir, TestsDir, StackGroupName+".test.yml")
}

// RuleFile is the rule file format Prometheus loads.
type RuleFile struct {
	Groups []RuleGroup `yaml:"groups"`
}

// RuleGroup is a group of rules evaluated in order at one interval.
type RuleGroup struct {
	Name     string `yaml:"name"`
	Interval string `yaml:"interval,omitempty"`
	Rules    []Rule `yaml:"rules"`
}

// Rule is a recording or an alerting rule.
type Rule struct {
	Record      string            `yaml:"record,omitempty"`
	Alert       string            `yaml:"alert,omitempty"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// LongInterval is the evaluation interval of the long-window group: the
// ticket windows, the SLO window and its metadata. Their ratios move slowly
// and their alerts wait an hour or more, so evaluating them every minute
// instead of at the global interval costs a quarter as much and delays
// nothing a responder would notice.
const LongInterval = time.Minute

// Group name suffixes.
const (
	groupTargets = "-targets"
	groupSLO     = "-slo"
	groupLong    = "-slo-long"
)

// GroupNames are the rule groups of the service in evaluation order; the
// dependencies group only with dependencies that are measured.
func GroupNames(s spec.Spec) []string {
	names := []string{s.Service.Name + groupTargets, s.Service.Name + groupSLO, s.Service.Name + groupLong}
	if len(DependencyCallFamilies(s)) > 0 {
		names = append(names, DependencyGroupName(s))
	}
	return names
}

// Groups builds the rule groups for a spec. The SLO group records the 5m
// rates every ratio is built from, the page windows' ratios and the page
// alerts, at the global interval; the long group everything slower.
func Groups(s spec.Spec) []RuleGroup {
	m := slo.New(s)
	alerts := Alerts(s)
	names := GroupNames(s)
	health := RuleGroup{Name: names[0], Rules: processRecords(m)}
	// Records come first in each group so the alerts after them read
	// this evaluation's ratios.
	fast := RuleGroup{Name: names[1]}
	long := RuleGroup{Name: names[2], Interval: slo.Dur(LongInterval)}
	var deps RuleGroup
	if len(names) > 3 {
		deps.Name = names[3]
	}
	paged := map[time.Duration]bool{}
	for _, w := range m.Windows() {
		if w.Severity == slo.SeverityPage {
			paged[w.Long], paged[w.Short] = true, true
		}
	}
	fast.Rules = append(fast.Rules, Rule{Record: slo.RecordRequests, Expr: m.RequestsExpr()})
	for _, o := range m.Objectives {
		fast.Rules = append(fast.Rules, Rule{Record: o.BadRateRecord(), Expr: o.BadRateExpr()})
	}
	for _, o := range m.Objectives {
		for _, w := range m.RatioWindows() {
			r := Rule{Record: o.Record(w), Expr: o.RatioExpr(w)}
			if paged[w] {
				fast.Rules = append(fast.Rules, r)
			} else {
				long.Rules = append(long.Rules, r)
			}
		}
	}
	for _, o := range m.Objectives {
		labels := func() map[string]string {
			return map[string]string{slo.LabelSLO: o.Kind, contract.LabelJob: s.Service.Name}
		}
		long.Rules = append(long.Rules,
			Rule{Record: o.Record(m.SLOWindow), Expr: o.RatioExpr(m.SLOWindow)},
			Rule{Record: slo.RecordObjective, Expr: fmt.Sprintf("vector(%s)", slo.Number(o.Target/100)), Labels: labels()},
			Rule{Record: slo.RecordBudget, Expr: fmt.Sprintf("vector(%s)", o.BudgetText()), Labels: labels()},
			Rule{Record: slo.RecordBudgetRemaining, Expr: fmt.Sprintf("1 - %s{%s} / %s", o.Record(m.SLOWindow), m.JobSelector, o.BudgetText()), Labels: map[string]string{slo.LabelSLO: o.Kind}},
		)
	}
	for _, a := range alerts {
		r := Rule{Alert: a.Name, Expr: a.Expr, Labels: a.Labels, Annotations: a.annotations()}
		if a.For > 0 {
			r.For = slo.Dur(a.For)
		}
		switch {
		case a.dependency:
			deps.Rules = append(deps.Rules, r)
		case a.SLO == "":
			health.Rules = append(health.Rules, r)
		case a.Severity == slo.SeverityPage:
			fast.Rules = append(fast.Rules, r)
		default:
			long.Rules = append(long.Rules, r)
		}
	}
	if deps.Name != "" {
		return []RuleGroup{health, fast, long, deps}
	}
	return []RuleGroup{health, fast, long}
}

const rulesIntro = `# SLO rules for %s: target health, then multi-window multi-burn-rate alerts
# (SRE workbook) on the availability and latency SLOs, fed by recorded
# bad-request ratios%s. Unit tests: ../tests/%s*.test.yml
# (cd ../tests && promtool test rules *.test.yml).

`

// stackIntro ends the intro where the file holds the stack's own health.
const stackIntro = "; last, the observability stack's own health (Watchdog,\n# collector, Alertmanager, rule evaluation)"

func generate(s spec.Spec) ([]generators.File, error) {
	// The compose stack's file also holds the stack's self-monitoring; a
	// cluster's stack (kube-prometheus-stack) monitors itself.
	groups, alerts, stackPart := Groups(s), Alerts(s), ""
	if ownStack(s) {
		groups, alerts = append(groups, StackGroup(s)), append(alerts, StackAlerts(s)...)
		stackPart = stackIntro
	}
	rules, err := generators.YAML("", RuleFile{Groups: groups})
	if err != nil {
		return nil, err
	}
	intro := []byte(fmt.Sprintf(rulesIntro, s.Service.Name, stackPart, s.Service.Name))
	files := []generators.File{{Path: RulesPath(s), Content: append(intro, rules...), Owner: generators.Owned}}
	for _, set := range Tests(s) {
		tests, err := generators.YAML("", set.File)
		if err != nil {
			return nil, err
		}
		intro := fmt.Sprintf(testsIntro, s.Service.Name, set.File.EvaluationInterval)
		files = append(files, generators.File{Path: set.Path, Content: append([]byte(intro), tests...), Owner: generators.Owned})
	}
	rb, err := runbooks(s, alerts)
	return append(files, rb...), err
}

// runbooks renders a runbook per alert, where the alert's link points.
func runbooks(s spec.Spec, alerts []Alert) ([]generators.File, error) {
	var files []generators.File
	for _, a := range alerts {
		f, err := generators.RenderFile("runbooks/runbook.md.tmpl", RunbookPath(s, a.Name), generators.Merged, runbookView{Alert: a, Service: s.Service.Name, Env: s.Service.Environment})
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// ownStack reports whether s's rule file also watches the observability
// stack obsgen generates (the compose target's); with several services
// the stack's rules are a file of their own (stack).
func ownStack(s spec.Spec) bool { return s.Deploy.Target.IsCompose() && !s.Listed }

type runbookView struct {
	Alert
	Service, Env string
}
