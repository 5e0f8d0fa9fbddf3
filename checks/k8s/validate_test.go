package k8s

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	"sigs.k8s.io/yaml"

	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/internal/testtool"
)

// operatorModule is the Prometheus Operator release whose CRDs and Go
// types the objects are checked against; go.mod pins it.
const operatorModule = "github.com/prometheus-operator/prometheus-operator"

// crdDir returns the operator module's CRD folder from the module cache,
// at the version this module's go.mod requires.
func crdDir(t *testing.T) string {
	t.Helper()
	goTool := testtool.Go(t)
	out, err := exec.Command(goTool, "list", "-m", "-json", operatorModule).Output()
	if err != nil {
		testtool.Missing(t, "cannot locate "+operatorModule+" in the module cache: "+err.Error())
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		testtool.Missing(t, operatorModule+" is not downloaded: run go mod download in checks/k8s")
	}
	dir := filepath.Join(m.Dir, "example", "prometheus-operator-crd")
	if _, err := os.Stat(filepath.Join(dir, "monitoring.coreos.com_servicemonitors.yaml")); err != nil {
		t.Fatalf("no ServiceMonitor CRD in %s: %v", dir, err)
	}
	return dir
}

// kubeVersion is the Kubernetes API version the built-in objects are
// validated against: kubectl-validate v0.0.4 carries its schemas.
const kubeVersion = "1.30"

// TestKubectlValidate: every rendered object of every value set passes
// kubectl-validate (the API server's own validation, offline), with the
// operator's CRDs as local CRDs: unknown fields, wrong types and pattern
// violations fail.
func TestKubectlValidate(t *testing.T) {
	helm := testtool.Require(t, "helm")
	kv := testtool.Require(t, "kubectl-validate")
	crds := crdDir(t)
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			for _, vs := range valueSets(sc.Spec) {
				dir := filepath.Join(t.TempDir(), vs.name)
				writeObjects(t, dir, render(t, helm, sc, vs.set))
				out, err := run(dir, kv, dir, "--local-crds", crds, "--version", kubeVersion)
				if err != nil {
					t.Fatalf("%s: kubectl-validate: %v\n%s", vs.name, err, out)
				}
				if strings.Count(out, "OK") < len(vs.kinds) {
					t.Errorf("%s: kubectl-validate did not report every object OK:\n%s", vs.name, out)
				}
			}
		})
	}
}

// TestKubectlValidateCatchesErrors: the validator really rejects a field
// the schemas do not know, so the passing run above means something.
func TestKubectlValidateCatchesErrors(t *testing.T) {
	helm := testtool.Require(t, "helm")
	kv := testtool.Require(t, "kubectl-validate")
	crds := crdDir(t)
	sc := scenarios(t)[0]
	for _, kind := range []string{"ServiceMonitor", "Deployment"} {
		var bad []object
		for _, o := range render(t, helm, sc, nil) {
			if o.Kind == kind {
				o.Doc = []byte(strings.Replace(string(o.Doc), "\nspec:\n", "\nspec:\n  notAField: true\n", 1))
				bad = append(bad, o)
			}
		}
		dir := t.TempDir()
		writeObjects(t, dir, bad)
		if out, err := run(dir, kv, dir, "--local-crds", crds, "--version", kubeVersion); err == nil {
			t.Errorf("kubectl-validate accepted a %s with an unknown field:\n%s", kind, out)
		}
	}
}

func strict(t *testing.T, doc []byte, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, into); err != nil {
		t.Fatalf("does not decode strictly into %T: %v\n%s", into, err, doc)
	}
}

// TestOperatorTypesDecodeStrictly decodes the operator objects into the
// operator's own Go types with unknown fields rejected, including the
// AlertmanagerConfig's child routes (free-form JSON in the CRD) and the
// remote_write entry of the kube-prometheus-stack values.
func TestOperatorTypesDecodeStrictly(t *testing.T) {
	helm := testtool.Require(t, "helm")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			seen := map[string]int{}
			for _, o := range render(t, helm, sc, nil) {
				seen[o.Kind]++
				switch o.Kind {
				case "ServiceMonitor":
					strict(t, o.Doc, &monitoringv1.ServiceMonitor{})
				case "Probe":
					strict(t, o.Doc, &monitoringv1.Probe{})
				case "PrometheusRule":
					strict(t, o.Doc, &monitoringv1.PrometheusRule{})
				case "AlertmanagerConfig":
					var amc monitoringv1alpha1.AlertmanagerConfig
					strict(t, o.Doc, &amc)
					for _, r := range amc.Spec.Route.Routes {
						strict(t, r.Raw, &monitoringv1alpha1.Route{})
					}
				}
			}
			for _, k := range []string{"ServiceMonitor", "Probe", "PrometheusRule", "AlertmanagerConfig"} {
				if seen[k] == 0 {
					t.Errorf("no %s rendered", k)
				}
			}
			b, err := os.ReadFile(sc.path(kubernetes.KubePrometheusStackValuesPath(sc.Spec)))
			if err != nil {
				t.Fatal(err)
			}
			var v struct {
				Prometheus struct {
					PrometheusSpec struct {
						RemoteWrite []json.RawMessage `json:"remoteWrite"`
					} `json:"prometheusSpec"`
				} `json:"prometheus"`
			}
			if err := yaml.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			rws := v.Prometheus.PrometheusSpec.RemoteWrite
			if (len(rws) > 0) != (sc.Spec.Kubernetes.RemoteWriteURL != "") {
				t.Fatalf("remoteWrite entries %d, remote_write_url %q", len(rws), sc.Spec.Kubernetes.RemoteWriteURL)
			}
			for _, rw := range rws {
				var spec monitoringv1.RemoteWriteSpec
				strict(t, rw, &spec)
				if spec.URL != sc.Spec.Kubernetes.RemoteWriteURL || spec.BasicAuth == nil {
					t.Errorf("remoteWrite %+v: want url %s and basicAuth from a Secret", spec, sc.Spec.Kubernetes.RemoteWriteURL)
				}
			}
		})
	}
}
