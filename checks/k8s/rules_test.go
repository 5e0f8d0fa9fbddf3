package k8s

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/generators/loki"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/testtool"
)

// ruleGroups returns spec.groups of the rendered PrometheusRule name as a
// rule file.
func ruleGroups(t *testing.T, objs []object, name string) rules.RuleFile {
	t.Helper()
	for _, o := range objs {
		if o.Kind != "PrometheusRule" || o.Name != name {
			continue
		}
		var pr struct {
			Spec rules.RuleFile `yaml:"spec"`
		}
		if err := yaml.Unmarshal(o.Doc, &pr); err != nil {
			t.Fatal(err)
		}
		return pr.Spec
	}
	t.Fatalf("no PrometheusRule %s rendered", name)
	return rules.RuleFile{}
}

// withNamespaceLabel adds namespace=<ns> to the expected labels of every
// alert a promtool test file expects: the one difference the Kubernetes
// rules have, so the operator's namespace matcher routes them.
func withNamespaceLabel(t *testing.T, test []byte, ns string) []byte {
	t.Helper()
	var f rules.TestFile
	if err := yaml.Unmarshal(test, &f); err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range f.Tests {
		for j := range f.Tests[i].AlertRuleTests {
			for k := range f.Tests[i].AlertRuleTests[j].ExpAlerts {
				f.Tests[i].AlertRuleTests[j].ExpAlerts[k].ExpLabels[kubernetes.LabelNamespace] = ns
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("the test file expects no alert: nothing would be proven")
	}
	b, err := yaml.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPrometheusRuleUnitTests runs the compose target's promtool unit tests
// against the rule groups taken out of the PrometheusRule Helm renders: the
// Kubernetes rules are proven by the same cases.
func TestPrometheusRuleUnitTests(t *testing.T) {
	helm := testtool.Require(t, "helm")
	promtool := testtool.Require(t, "promtool")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			groups := ruleGroups(t, render(t, helm, sc, nil), sc.Spec.Service.Name)
			dir := t.TempDir()
			rulesFile := filepath.Join(dir, rules.RulesDir, sc.Spec.Service.Name+".rules.yml")
			b, err := yaml.Marshal(groups)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Dir(rulesFile), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(rulesFile, b, 0o644); err != nil {
				t.Fatal(err)
			}
			mustRun(t, dir, promtool, "check", "rules", "--lint=all", "--lint-fatal", rulesFile)
			testsDir := filepath.Join(dir, rules.TestsDir)
			if err := os.MkdirAll(testsDir, 0o755); err != nil {
				t.Fatal(err)
			}
			var tests []string
			for _, p := range []string{rules.TestsPath(sc.Spec), rules.SlowTestsPath(sc.Spec)} {
				src, err := os.ReadFile(sc.path(p))
				if err != nil {
					t.Fatal(err)
				}
				name := filepath.Base(p)
				if err := os.WriteFile(filepath.Join(testsDir, name), withNamespaceLabel(t, src, sc.Spec.Kubernetes.Namespace), 0o644); err != nil {
					t.Fatal(err)
				}
				tests = append(tests, name)
			}
			out := mustRun(t, testsDir, promtool, append([]string{"test", "rules"}, tests...)...)
			if !strings.Contains(out, "SUCCESS") {
				t.Fatalf("promtool test rules did not succeed:\n%s", out)
			}
		})
	}
}

// TestPrometheusRuleNeedsNamespaceLabel: the same tests without the
// namespace label fail on the Kubernetes rules, so the label is what the
// run above proves and not an accident.
func TestPrometheusRuleNeedsNamespaceLabel(t *testing.T) {
	helm := testtool.Require(t, "helm")
	promtool := testtool.Require(t, "promtool")
	sc := scenarios(t)[0]
	groups := ruleGroups(t, render(t, helm, sc, nil), sc.Spec.Service.Name)
	dir := t.TempDir()
	b, _ := yaml.Marshal(groups)
	rulesFile := filepath.Join(dir, rules.RulesDir, sc.Spec.Service.Name+".rules.yml")
	_ = os.MkdirAll(filepath.Dir(rulesFile), 0o755)
	_ = os.MkdirAll(filepath.Join(dir, rules.TestsDir), 0o755)
	if err := os.WriteFile(rulesFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(sc.path(rules.TestsPath(sc.Spec)))
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(rules.TestsPath(sc.Spec))
	if err := os.WriteFile(filepath.Join(dir, rules.TestsDir, name), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(filepath.Join(dir, rules.TestsDir), promtool, "test", "rules", name); err == nil {
		t.Fatalf("the unchanged compose tests passed against rules that add a namespace label:\n%s", out)
	}
}

// TestLokiRulesAreTheComposeRules: the LogQL PrometheusRule holds the
// compose target's Loki rules (whose LogQL checks/logql parses), with the
// namespace label, and carries the ruler label but not the release label.
func TestLokiRulesAreTheComposeRules(t *testing.T) {
	helm := testtool.Require(t, "helm")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			objs := render(t, helm, sc, nil)
			got := ruleGroups(t, objs, sc.Spec.Service.Name+"-logs")
			var compose rules.RuleFile
			if err := yaml.Unmarshal(sc.Files[loki.RulesPath(sc.Spec)], &compose); err != nil {
				t.Fatal(err)
			}
			if len(got.Groups) != len(compose.Groups) {
				t.Fatalf("%d groups, compose has %d", len(got.Groups), len(compose.Groups))
			}
			for i, g := range compose.Groups {
				for j, r := range g.Rules {
					k := got.Groups[i].Rules[j]
					if k.Alert != r.Alert || k.Expr != r.Expr || k.For != r.For || k.Labels[kubernetes.LabelNamespace] != sc.Spec.Kubernetes.Namespace {
						t.Errorf("rule %s differs from the compose rule %s: %+v", k.Alert, r.Alert, k)
					}
				}
			}
			for _, o := range objs {
				if o.Kind == "PrometheusRule" && o.Name == sc.Spec.Service.Name+"-logs" {
					labels := o.Value["metadata"].(map[string]any)["labels"].(map[string]any)
					if labels["release"] != nil || labels[kubernetes.LabelLokiRuler] != "loki" {
						t.Errorf("Loki PrometheusRule labels %v: want %s=loki and no release label", labels, kubernetes.LabelLokiRuler)
					}
				}
			}
		})
	}
}
