package k8s

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus-operator/prometheus-operator/pkg/operator"
	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/util/intstr"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
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

// TestPrometheusRulesPassTheOperatorWebhook: every PrometheusRule the chart
// renders, with every value set, passes the Prometheus Operator's own rule
// validation (operator.ValidateRule: Prometheus' rulefmt and PromQL
// parser), which its admission webhook runs on every PrometheusRule
// before the API server stores it. A LogQL rule fails it
// (unexpected character: '|'), and with it the whole helm install.
func TestPrometheusRulesPassTheOperatorWebhook(t *testing.T) {
	helm := testtool.Require(t, "helm")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			checked := 0
			for _, vs := range valueSets(sc.Spec) {
				for _, o := range render(t, helm, sc, vs.set) {
					if o.Kind != "PrometheusRule" {
						continue
					}
					var pr monitoringv1.PrometheusRule
					if err := sigsyaml.UnmarshalStrict(o.Doc, &pr); err != nil {
						t.Fatalf("%s: PrometheusRule %s: %v", vs.name, o.Name, err)
					}
					for _, err := range operator.ValidateRule(pr.Spec) {
						t.Errorf("%s: the operator's webhook refuses PrometheusRule %s: %v", vs.name, o.Name, err)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("no PrometheusRule rendered")
			}
		})
	}
}

// TestOperatorValidationRejectsLogQL: the validation above is a real check:
// it refuses a LogQL rule as the webhook does.
func TestOperatorValidationRejectsLogQL(t *testing.T) {
	spec := monitoringv1.PrometheusRuleSpec{Groups: []monitoringv1.RuleGroup{{
		Name:  "logs",
		Rules: []monitoringv1.Rule{{Alert: "Errors", Expr: intstr.FromString(`sum(rate({service_name="checkout"} |= "error" [5m])) > 0`)}},
	}}}
	errs := operator.ValidateRule(spec)
	if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), "unexpected character") {
		t.Fatalf("a LogQL rule passed the operator's validation: %v", errs)
	}
}

// writeRules writes groups as the rule file the generated promtool tests
// read (../rules/<service>.rules.yml from the tests folder) and returns
// the tests folder.
func writeRules(t *testing.T, svc string, groups rules.RuleFile) string {
	t.Helper()
	dir := t.TempDir()
	rulesFile := filepath.Join(dir, rules.RulesDir, svc+".rules.yml")
	b, err := yaml.Marshal(groups)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Dir(rulesFile), filepath.Join(dir, rules.TestsDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(rulesFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, rules.TestsDir)
}

// TestPrometheusRuleUnitTests runs the target's generated promtool unit
// tests (series with the namespace label, alerts expected with it) against
// the rule groups taken out of the PrometheusRule Helm renders.
func TestPrometheusRuleUnitTests(t *testing.T) {
	helm := testtool.Require(t, "helm")
	promtool := testtool.Require(t, "promtool")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			groups := ruleGroups(t, render(t, helm, sc, nil), sc.Spec.Service.Name)
			testsDir := writeRules(t, sc.Spec.Service.Name, groups)
			mustRun(t, testsDir, promtool, "check", "rules", "--lint=all", "--lint-fatal", filepath.Join("..", rules.RulesDir, sc.Spec.Service.Name+".rules.yml"))
			var tests []string
			for _, p := range []string{rules.TestsPath(sc.Spec), rules.SlowTestsPath(sc.Spec)} {
				name := filepath.Base(p)
				if err := os.WriteFile(filepath.Join(testsDir, name), sc.Files[p], 0o644); err != nil {
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

// otherNamespaceTest is a promtool test of one cluster running the service
// in ns and in other, with the same job, environment and labels (one chart,
// two installs): every target in other is down and every request there
// fails, those in ns are healthy. The rules of ns must fire none of the
// alerts that would page or ticket ns.
func otherNamespaceTest(s spec.Spec, ns, other string) rules.TestFile {
	svc, env := s.Service.Name, s.Service.Environment
	series := func(metric, namespace string, kv ...string) string {
		labels := []string{
			contract.LabelJob + `="` + svc + `"`, contract.LabelInstance + `="10.0.0.1:9464"`,
			contract.LabelEnvironment + `="` + env + `"`, `service="` + svc + `"`, contract.LabelNamespace + `="` + namespace + `"`,
		}
		for i := 0; i+1 < len(kv); i += 2 {
			labels = append(labels, kv[i]+`="`+kv[i+1]+`"`)
		}
		return metric + "{" + strings.Join(labels, ", ") + "}"
	}
	var alerts []rules.AlertTest
	for _, a := range []string{rules.AlertServiceDown, rules.AlertTargetDown, "AvailabilitySLOBurn1h5m", "AvailabilitySLOBurn6h30m"} {
		alerts = append(alerts, rules.AlertTest{EvalTime: "70m", Alertname: a})
	}
	return rules.TestFile{
		RuleFiles:          []string{filepath.Join("..", rules.RulesDir, svc+".rules.yml")},
		EvaluationInterval: "1m",
		GroupEvalOrder:     rules.GroupNames(s),
		Tests: []rules.TestGroup{{
			Interval: "1m",
			InputSeries: []rules.Series{
				{Series: series(contract.ScrapeUp, ns), Values: "1x80"},
				{Series: series(contract.ScrapeUp, other), Values: "0x80"},
				{Series: series(contract.RequestDurationCount, ns, contract.LabelStatus, "200"), Values: "0+6000x80"},
				{Series: series(contract.RequestDurationCount, other, contract.LabelStatus, "500"), Values: "0+6000x80"},
			},
			AlertRuleTests: alerts,
		}},
	}
}

// TestOtherNamespaceDoesNotFireAlerts: staging and production in one
// cluster under one Prometheus: staging's outage fires none of
// production's alerts. Rules selecting only the job, with a fixed
// namespace label stamped on, would page production for it.
func TestOtherNamespaceDoesNotFireAlerts(t *testing.T) {
	helm := testtool.Require(t, "helm")
	promtool := testtool.Require(t, "promtool")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			groups := ruleGroups(t, render(t, helm, sc, nil), sc.Spec.Service.Name)
			testsDir := writeRules(t, sc.Spec.Service.Name, groups)
			b, err := yaml.Marshal(otherNamespaceTest(sc.Spec, sc.Spec.Kubernetes.Namespace, sc.Spec.Kubernetes.Namespace+"-staging"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(testsDir, "other-namespace.test.yml"), b, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := run(testsDir, promtool, "test", "rules", "other-namespace.test.yml"); err != nil {
				t.Fatalf("another namespace's outage fires this namespace's alerts:\n%s", out)
			}
		})
	}
}

// TestOtherNamespaceTestCanFail: the same test with the namespaces swapped
// (this namespace down) fails, so the test above sees alerts when there
// are some.
func TestOtherNamespaceTestCanFail(t *testing.T) {
	helm := testtool.Require(t, "helm")
	promtool := testtool.Require(t, "promtool")
	sc := scenarios(t)[0]
	groups := ruleGroups(t, render(t, helm, sc, nil), sc.Spec.Service.Name)
	testsDir := writeRules(t, sc.Spec.Service.Name, groups)
	b, _ := yaml.Marshal(otherNamespaceTest(sc.Spec, sc.Spec.Kubernetes.Namespace+"-staging", sc.Spec.Kubernetes.Namespace))
	if err := os.WriteFile(filepath.Join(testsDir, "own-namespace.test.yml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(testsDir, promtool, "test", "rules", "own-namespace.test.yml"); err == nil {
		t.Fatalf("this namespace's own outage fired no alert:\n%s", out)
	}
}

// TestLokiRulesReachTheRulerNotPrometheus: the LogQL alerts are in the
// loki_rule ConfigMap (checks/logql parses them with Loki's parser), as
// kubernetes.LokiRuleGroups builds them, and in no PrometheusRule.
func TestLokiRulesReachTheRulerNotPrometheus(t *testing.T) {
	helm := testtool.Require(t, "helm")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			objs := render(t, helm, sc, nil)
			found := false
			for _, o := range objs {
				if o.Kind == "PrometheusRule" && o.Name != sc.Spec.Service.Name {
					t.Errorf("PrometheusRule %s rendered: only %s holds PromQL", o.Name, sc.Spec.Service.Name)
				}
				if o.Kind != "ConfigMap" {
					continue
				}
				labels, _ := o.Value["metadata"].(map[string]any)["labels"].(map[string]any)
				if _, ok := labels[kubernetes.LokiRuleLabel]; !ok {
					continue
				}
				found = true
				data := o.Value["data"].(map[string]any)
				var got rules.RuleFile
				if err := yaml.Unmarshal([]byte(data[sc.Spec.Service.Name+".rules.yaml"].(string)), &got); err != nil {
					t.Fatal(err)
				}
				if want := kubernetes.LokiRuleGroups(sc.Spec); !reflect.DeepEqual(got.Groups, want) {
					t.Errorf("the Loki rules ConfigMap holds %+v, want %+v", got.Groups, want)
				}
			}
			if !found {
				t.Fatalf("no ConfigMap labelled %s rendered", kubernetes.LokiRuleLabel)
			}
		})
	}
}
