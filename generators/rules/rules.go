package rules

import (
	"fmt"
	"path"
	"time"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes the rules, their unit tests and the runbooks.
var Generator = generators.Generator{
	Name:     "rules",
	Doc:      "Prometheus SLO recording and alerting rules, promtool unit tests, runbooks",
	Generate: generate,
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

// budgetInterval is the evaluation interval of the SLO-window ratios: they
// feed only the dashboard, and a 30-day rate every 15s would cost more than
// it tells.
const budgetInterval = time.Minute

// Groups builds the rule groups for a spec.
func Groups(s spec.Spec) []RuleGroup {
	m := slo.New(s)
	alerts := Alerts(s)
	health := RuleGroup{Name: s.Service.Name + "-targets"}
	// Records come first in the SLO group so the alerts after them read
	// this evaluation's ratios.
	burn := RuleGroup{Name: s.Service.Name + "-slo"}
	budget := RuleGroup{Name: s.Service.Name + "-slo-budget", Interval: slo.Dur(budgetInterval)}
	for _, o := range m.Objectives {
		for _, w := range slo.RatioWindows() {
			burn.Rules = append(burn.Rules, Rule{Record: o.Record(w), Expr: o.RatioExpr(w)})
		}
		budget.Rules = append(budget.Rules, Rule{Record: o.Record(m.SLOWindow), Expr: o.RatioExpr(m.SLOWindow)})
	}
	for _, a := range alerts {
		r := Rule{Alert: a.Name, Expr: a.Expr, For: slo.Dur(a.For), Labels: a.Labels, Annotations: a.annotations()}
		if a.SLO == "" {
			health.Rules = append(health.Rules, r)
		} else {
			burn.Rules = append(burn.Rules, r)
		}
	}
	return []RuleGroup{health, burn, budget}
}

const rulesIntro = `# SLO rules for %s: target health, then multi-window multi-burn-rate alerts
# (SRE workbook) on the availability and latency SLOs, fed by recorded
# bad-request ratios. Unit tests: ../tests/%s*.test.yml
# (cd ../tests && promtool test rules *.test.yml).

`

func generate(s spec.Spec) ([]generators.File, error) {
	rules, err := generators.YAML("", RuleFile{Groups: Groups(s)})
	if err != nil {
		return nil, err
	}
	intro := []byte(fmt.Sprintf(rulesIntro, s.Service.Name, s.Service.Name))
	files := []generators.File{{Path: RulesPath(s), Content: append(intro, rules...), Owner: generators.Owned}}
	for _, set := range Tests(s) {
		tests, err := generators.YAML("", set.File)
		if err != nil {
			return nil, err
		}
		intro := fmt.Sprintf(testsIntro, s.Service.Name, set.File.EvaluationInterval)
		files = append(files, generators.File{Path: set.Path, Content: append([]byte(intro), tests...), Owner: generators.Owned})
	}
	for _, a := range Alerts(s) {
		f, err := generators.RenderFile("runbooks/runbook.md.tmpl", RunbookPath(s, a.Name), generators.Merged, runbookView{Alert: a, Service: s.Service.Name, Env: s.Service.Environment})
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

type runbookView struct {
	Alert
	Service, Env string
}
