package logql

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/grafana/loki/v3/pkg/loghttp/push"
	"github.com/grafana/loki/v3/pkg/logql/syntax"
	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/testtool"
)

func k8sScenarios(t *testing.T) []scenario {
	t.Helper()
	var out []scenario
	for _, sc := range scenarios(t) {
		if kubernetes.Enabled(sc.Spec) {
			out = append(out, sc)
		}
	}
	if len(out) < 3 {
		t.Fatalf("found %d kubernetes golden scenarios, want at least 3", len(out))
	}
	return out
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

// TestKubernetesLokiRulesConfigMapParses: the chart Helm renders by
// default hands the LogQL alerts to the grafana/loki chart's rules sidecar
// as a ConfigMap labelled loki_rule, whose rule file decodes strictly and
// whose every expression Loki's parser accepts.
func TestKubernetesLokiRulesConfigMapParses(t *testing.T) {
	helm := testtool.Require(t, "helm")
	for _, sc := range k8sScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			dir := t.TempDir()
			if err := sc.WriteTree(dir); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(helm, "template", sc.Spec.Service.Name, filepath.Join(dir, kubernetes.ChartDir(sc.Spec)), "--namespace", sc.Spec.Kubernetes.Namespace)
			cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+filepath.Join(os.TempDir(), "obsgen-helm-cache"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helm template: %v\n%s", err, out)
			}
			found := 0
			for _, doc := range docSep.Split(string(out), -1) {
				var cm struct {
					Kind     string
					Metadata struct {
						Labels map[string]string
					}
					Data map[string]string
				}
				if err := yaml.Unmarshal([]byte(doc), &cm); err != nil {
					t.Fatal(err)
				}
				if _, ok := cm.Metadata.Labels[kubernetes.LokiRuleLabel]; cm.Kind != "ConfigMap" || !ok {
					continue
				}
				for key, content := range cm.Data {
					var f rules.RuleFile
					dec := yaml.NewDecoder(strings.NewReader(content))
					dec.KnownFields(true)
					if err := dec.Decode(&f); err != nil {
						t.Fatalf("%s: %v", key, err)
					}
					for _, g := range f.Groups {
						for _, r := range g.Rules {
							if _, err := syntax.ParseExpr(r.Expr); err != nil {
								t.Errorf("%s: %s: Loki rejects %q: %v", key, r.Alert, r.Expr, err)
							}
							found++
						}
					}
				}
			}
			if found == 0 {
				t.Fatalf("the default render has no %s ConfigMap with rules", kubernetes.LokiRuleLabel)
			}
		})
	}
}

// TestKubernetesLokiIndexesNoPerPodLabel: with Loki's own defaults applied
// (its default_resource_attributes_as_index_labels, matched before the
// tenant's otlp_config), the generated otlp_config keeps per-pod resource
// attributes out of the index and indexes what the rules select.
func TestKubernetesLokiIndexesNoPerPodLabel(t *testing.T) {
	var global push.GlobalOTLPConfig
	global.RegisterFlags(flag.NewFlagSet("loki", flag.ContinueOnError))
	for _, sc := range k8sScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			var values struct {
				Loki struct {
					LimitsConfig struct {
						OTLPConfig yaml.Node `yaml:"otlp_config"`
					} `yaml:"limits_config"`
				} `yaml:"loki"`
			}
			if err := yaml.Unmarshal(sc.Files[kubernetes.LokiValuesPath(sc.Spec)], &values); err != nil {
				t.Fatal(err)
			}
			var cfg push.OTLPConfig
			if err := values.Loki.LimitsConfig.OTLPConfig.Decode(&cfg); err != nil {
				t.Fatal(err)
			}
			cfg.ApplyGlobalOTLPConfig(global)
			for _, a := range []string{"k8s.pod.name", "k8s.pod.uid", "service.instance.id", "k8s.replicaset.name", "k8s.node.name"} {
				if got := cfg.ActionForResourceAttribute(a); got == push.IndexLabel {
					t.Errorf("Loki indexes %s: a stream per pod", a)
				}
			}
			for _, a := range []string{"service.name", "deployment.environment.name", "k8s.namespace.name"} {
				if got := cfg.ActionForResourceAttribute(a); got != push.IndexLabel {
					t.Errorf("%s is %s, want an index label: the rules and dashboards select it", a, got)
				}
			}
		})
	}
}
