package k8s

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/golden/goldentest"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

// scenario is a kubernetes golden scenario written to disk.
// scenario is a golden scenario of the kubernetes target in its own
// folder.
type scenario struct{ goldentest.Scenario }

// scenarios writes every generating golden scenario of the kubernetes
// target to its own folder.
func scenarios(t *testing.T) []scenario {
	t.Helper()
	var out []scenario
	for _, sc := range goldentest.Load(t, goldentest.Options{Keep: kubernetes.Enabled, Write: true, AtLeast: 3, What: "kubernetes"}) {
		out = append(out, scenario{sc})
	}
	return out
}

func (sc scenario) path(rel string) string { return sc.Path(rel) }

func (sc scenario) chart() string { return sc.path(kubernetes.ChartDir(sc.Spec)) }

// helmEnv shares Helm's cache between the tests.
var helmEnv = []string{"HELM_CACHE_HOME=" + filepath.Join(os.TempDir(), "obsgen-helm-cache")}

// run executes a tool and returns its combined output.
func run(dir, tool string, args ...string) (string, error) {
	return testtool.Run(dir, tool, helmEnv, args...)
}

func mustRun(t *testing.T, dir, tool string, args ...string) string {
	t.Helper()
	return testtool.MustRun(t, dir, tool, helmEnv, args...)
}

// valueSet is one way to install the chart: --set arguments and the kinds
// the render must hold.
type valueSet struct {
	name  string
	set   []string
	kinds []string
}

func valueSets(s spec.Spec) []valueSet {
	return []valueSet{
		{"defaults", nil, []string{"Deployment", "Service", "PodDisruptionBudget", "ServiceMonitor", "Probe", "PrometheusRule", "AlertmanagerConfig", "ConfigMap", "ConfigMap", "ConfigMap"}},
		{"scaled", []string{
			"autoscaling.enabled=true", "podDisruptionBudget.enabled=false", "lokiRules.namespace=" + s.Kubernetes.MonitoringNamespace,
			"grafana.namespace=" + s.Kubernetes.MonitoringNamespace, "resources.limits.memory=1Gi", "image.tag=1.4.2",
			"terminationGracePeriodSeconds=60", "probes.urls={https://" + s.Service.Name + ".example.com/healthz}",
		}, []string{"Deployment", "Service", "HorizontalPodAutoscaler", "ServiceMonitor", "Probe", "Probe", "PrometheusRule", "AlertmanagerConfig", "ConfigMap", "ConfigMap", "ConfigMap"}},
		{"workload-only", []string{
			"serviceMonitor.enabled=false", "prometheusRule.enabled=false", "alertmanagerConfig.enabled=false",
			"grafana.dashboard.enabled=false", "grafana.datasources.enabled=false", "lokiRules.enabled=false",
			"probes.enabled=false",
		}, []string{"Deployment", "Service", "PodDisruptionBudget"}},
	}
}

// render runs helm template for a value set and returns the objects, one
// YAML document each. Documents holding only comments (a template whose
// toggle is off) are dropped, as Helm and kubectl do.
func render(t *testing.T, helm string, sc scenario, set []string, extra ...string) []object {
	t.Helper()
	args := []string{"template", sc.Spec.Service.Name, sc.chart(), "--namespace", sc.Spec.Kubernetes.Namespace}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	out := mustRun(t, sc.Dir, helm, append(args, extra...)...)
	return splitObjects(t, out)
}

// object is one rendered Kubernetes object.
type object struct {
	Kind, Name string
	Doc        []byte
	Value      map[string]any
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

func splitObjects(t *testing.T, manifest string) []object {
	t.Helper()
	var out []object
	for _, doc := range docSep.Split(manifest, -1) {
		var v map[string]any
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatalf("rendered document does not parse: %v\n%s", err, doc)
		}
		if v == nil {
			continue
		}
		md, _ := v["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		kind, _ := v["kind"].(string)
		out = append(out, object{Kind: kind, Name: name, Doc: []byte(doc), Value: v})
	}
	return out
}

func kinds(objs []object) []string {
	var k []string
	for _, o := range objs {
		k = append(k, o.Kind)
	}
	return k
}

func sameKinds(a, b []string) bool {
	count := map[string]int{}
	for _, k := range a {
		count[k]++
	}
	for _, k := range b {
		count[k]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestHelmLint(t *testing.T) {
	helm := testtool.Require(t, "helm")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			for _, vs := range valueSets(sc.Spec) {
				args := []string{"lint", "--strict", sc.chart(), "--namespace", sc.Spec.Kubernetes.Namespace}
				for _, s := range vs.set {
					args = append(args, "--set", s)
				}
				out := mustRun(t, sc.Dir, helm, args...)
				if !strings.Contains(out, "1 chart(s) linted, 0 chart(s) failed") {
					t.Errorf("%s: helm lint did not pass:\n%s", vs.name, out)
				}
			}
		})
	}
}

func TestHelmTemplateValueSets(t *testing.T) {
	helm := testtool.Require(t, "helm")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			for _, vs := range valueSets(sc.Spec) {
				objs := render(t, helm, sc, vs.set)
				if !sameKinds(kinds(objs), vs.kinds) {
					t.Errorf("%s: rendered %v, want %v", vs.name, kinds(objs), vs.kinds)
				}
			}
		})
	}
}

// container returns the service's container of the rendered Deployment.
func container(t *testing.T, objs []object) map[string]any {
	t.Helper()
	for _, o := range objs {
		if o.Kind == "Deployment" {
			spec := o.Value["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
			return spec["containers"].([]any)[0].(map[string]any)
		}
	}
	t.Fatal("no Deployment rendered")
	return nil
}

func env(c map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, e := range c["env"].([]any) {
		e := e.(map[string]any)
		out[e["name"].(string)] = e
	}
	return out
}

// TestDeploymentContract: what the issue asks of the pod, read from the
// real render: the runtime's memory limit follows the container's, the DSN is a Secret reference
// (never a value), the resource attributes come from the downward API.
func TestDeploymentContract(t *testing.T) {
	helm := testtool.Require(t, "helm")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			// The runtime's own memory limit below the container's: Go's
			// GOMEMLIMIT, V8's heap limit for Node (GOMEMLIMIT means
			// nothing to it).
			limitEnv, other, wants := "GOMEMLIMIT", "NODE_OPTIONS", map[string]string{"256Mi": "230MiB", "1Gi": "921MiB", "512Mi": "460MiB"}
			if sc.Spec.Service.Language.IsNode() {
				limitEnv, other = other, limitEnv
				wants = map[string]string{"256Mi": "--max-old-space-size=192", "1Gi": "--max-old-space-size=768", "512Mi": "--max-old-space-size=384"}
			}
			for set, want := range wants {
				e := env(container(t, render(t, helm, sc, []string{"resources.limits.memory=" + set})))
				if got := e[limitEnv]["value"]; got != want {
					t.Errorf("limit %s: %s %v, want %s", set, limitEnv, got, want)
				}
				if e[other] != nil {
					t.Errorf("%s is set for a %s service: %v", other, sc.Spec.Service.Language, e[other])
				}
			}
			e := env(container(t, render(t, helm, sc, nil)))
			if sc.Spec.Sentry.Enabled {
				dsn := e[sc.Spec.Sentry.DSNEnv]
				if dsn == nil || dsn["value"] != nil || dsn["valueFrom"].(map[string]any)["secretKeyRef"] == nil {
					t.Errorf("the Sentry DSN must come from a secretKeyRef, got %v", dsn)
				}
			} else if e[sc.Spec.Sentry.DSNEnv] != nil {
				t.Errorf("Sentry is off but %s is set", sc.Spec.Sentry.DSNEnv)
			}
			attrs, _ := e["OTEL_RESOURCE_ATTRIBUTES"]["value"].(string)
			for _, a := range []string{"k8s.pod.name=$(K8S_POD_NAME)", "k8s.namespace.name=$(K8S_NAMESPACE_NAME)", "k8s.node.name=$(K8S_NODE_NAME)"} {
				if !strings.Contains(attrs, a) {
					t.Errorf("OTEL_RESOURCE_ATTRIBUTES %q lacks %s", attrs, a)
				}
			}
			for name, path := range map[string]string{"K8S_POD_NAME": "metadata.name", "K8S_NAMESPACE_NAME": "metadata.namespace", "K8S_NODE_NAME": "spec.nodeName"} {
				ref, _ := e[name]["valueFrom"].(map[string]any)
				if ref == nil || ref["fieldRef"].(map[string]any)["fieldPath"] != path {
					t.Errorf("%s is not the downward API's %s: %v", name, path, e[name])
				}
			}
			if _, ok := e["OTEL_EXPORTER_OTLP_ENDPOINT"]; ok != sc.Spec.Tracing.Enabled {
				t.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT set = %v, tracing = %v", ok, sc.Spec.Tracing.Enabled)
			}
		})
	}
}

// TestHelmRefusesBadValues: values that would break the service's
// contract fail the render with a message saying what to do.
func TestHelmRefusesBadValues(t *testing.T) {
	helm := testtool.Require(t, "helm")
	sc := scenarios(t)[0]
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"other namespace", []string{"--namespace", "elsewhere"}, "install with -n " + sc.Spec.Kubernetes.Namespace},
		{"short grace period", []string{"--set", "terminationGracePeriodSeconds=10"}, "terminationGracePeriodSeconds must be at least"},
		{"memory limit not in Mi or Gi", []string{"--set", "resources.limits.memory=256M"}, "write it in Mi or Gi"},
		{"GOMEMLIMIT share out of range", []string{"--set", "goMemLimitPercent=120"}, "goMemLimitPercent must be between"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"template", sc.Spec.Service.Name, sc.chart(), "--namespace", sc.Spec.Kubernetes.Namespace}, c.args...)
			out, err := run(sc.Dir, helm, args...)
			if err == nil {
				t.Fatalf("helm template accepted %v", c.args)
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("error lacks %q:\n%s", c.want, out)
			}
		})
	}
}

// writeObjects writes each object to its own file under dir.
func writeObjects(t *testing.T, dir string, objs []object) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, o := range objs {
		name := filepath.Join(dir, strings.ToLower(o.Kind)+"-"+o.Name+"-"+string(rune('a'+i))+".yaml")
		if err := os.WriteFile(name, bytes.TrimSpace(o.Doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
