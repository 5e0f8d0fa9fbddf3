package k8s

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/obsgen/obsgen/generators/alertmanager"
	kgen "github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/internal/testtool"
)

var (
	crdGVR  = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	ruleGVR = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "prometheusrules"}
	amcGVR  = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1alpha1", Resource: "alertmanagerconfigs"}
)

// clients connects to the test apiserver.
func (s *apiServer) clients(t *testing.T) (*kubernetes.Clientset, *dynamic.DynamicClient) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs, dc
}

// installCRDs creates the operator's CRDs and waits until each is
// established, as installing kube-prometheus-stack does first.
func installCRDs(t *testing.T, dc dynamic.Interface, dir string) {
	t.Helper()
	ctx := context.Background()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in %s: %v", dir, err)
	}
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(b, &obj); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		u := &unstructured.Unstructured{Object: obj}
		if _, err := dc.Resource(crdGVR).Create(ctx, u, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create CRD %s: %v", u.GetName(), err)
		}
		names = append(names, u.GetName())
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, n := range names {
		for !crdEstablished(ctx, dc, n) {
			if time.Now().After(deadline) {
				t.Fatalf("CRD %s not established after 60s", n)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

func crdEstablished(ctx context.Context, dc dynamic.Interface, name string) bool {
	u, err := dc.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return false
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// TestHelmInstallOnAPIServer installs every Kubernetes scenario's chart
// with a real `helm install` on a real kube-apiserver holding the
// operator's CRDs, in a namespace labelled as docs/kubernetes.md says, with
// the Secrets the docs tell users to create. There is no kubelet: the
// Deployment is admitted and stored, its pods never run.
func TestHelmInstallOnAPIServer(t *testing.T) {
	testtool.Slow(t, "real kube-apiserver and helm install")
	helm := testtool.Require(t, "helm")
	crds := crdDir(t)
	s := startAPIServer(t)
	cs, dc := s.clients(t)
	installCRDs(t, dc, crds)
	serveOperatorWebhook(t, cs)
	ctx := context.Background()
	t.Run("webhook-refuses", func(t *testing.T) { webhookRefuses(t, cs, dc) })

	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			sp := sc.Spec
			// The chart installs only into the namespace it was generated
			// for, and without a controller manager a namespace is never
			// deleted: scenarios sharing a namespace reuse it, each
			// uninstalling its release and deleting its Secrets.
			ns := sp.Kubernetes.Namespace
			ensureNamespace(t, cs, ns, map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
			secrets := []*corev1.Secret{{
				ObjectMeta: metav1.ObjectMeta{Name: sp.Service.Name + "-sentry"},
				StringData: map[string]string{"dsn": "https://key@sentry.example.com/1"},
			}}
			if keys := alertmanager.Secrets(sp); len(keys) > 0 {
				sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: sp.Service.Name + kgen.AlertingSecretSuffix}, StringData: map[string]string{}}
				for _, k := range keys {
					sec.StringData[k.Name] = "https://hooks.example.com/" + k.Name
				}
				secrets = append(secrets, sec)
			}
			for _, sec := range secrets {
				if _, err := cs.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = cs.CoreV1().Secrets(ns).Delete(ctx, sec.Name, metav1.DeleteOptions{}) })
			}

			release := sp.Service.Name
			out := mustRun(t, sc.Dir, helm, "install", release, sc.chart(), "--namespace", ns,
				"--kubeconfig", s.kubeconfig,
				"--set", "image.repository=registry.example.com/"+sp.Service.Name, "--set", "image.tag=1.4.2")
			t.Cleanup(func() {
				if out, err := run(sc.Dir, helm, "uninstall", release, "--namespace", ns, "--kubeconfig", s.kubeconfig); err != nil {
					t.Errorf("helm uninstall: %v\n%s", err, out)
				}
			})
			// The apiserver returns Pod Security warnings for workload pod
			// templates that its enforce level would refuse; Helm prints them.
			if strings.Contains(out, "PodSecurity") {
				t.Errorf("helm install printed a Pod Security warning for enforce=restricted:\n%s", out)
			}

			var st struct {
				Info struct{ Status string } `json:"info"`
			}
			status := mustRun(t, sc.Dir, helm, "status", release, "--namespace", ns, "--kubeconfig", s.kubeconfig, "-o", "json")
			if err := json.Unmarshal([]byte(status), &st); err != nil {
				t.Fatalf("helm status: %v\n%s", err, status)
			}
			if st.Info.Status != "deployed" {
				t.Errorf("release status %q, want deployed", st.Info.Status)
			}
			for _, gvr := range []schema.GroupVersionResource{ruleGVR, amcGVR} {
				l, err := dc.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if len(l.Items) == 0 {
					t.Errorf("no %s in namespace %s after helm install", gvr.Resource, ns)
				}
			}
		})
	}
}

// ensureNamespace creates a namespace with labels, or sets them on the
// namespace an earlier scenario created.
func ensureNamespace(t *testing.T, cs kubernetes.Interface, name string, labels map[string]string) {
	t.Helper()
	ctx := context.Background()
	ns, err := cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	ns.Labels = labels
	if _, err := cs.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// webhookRefuses proves the webhook is wired: objects the operator would
// reject are refused at admission, with its reason.
func webhookRefuses(t *testing.T, cs kubernetes.Interface, dc dynamic.Interface) {
	ctx := context.Background()
	ensureNamespace(t, cs, "webhook-check", nil)
	for _, c := range []struct {
		name string
		gvr  schema.GroupVersionResource
		obj  string
		want string
	}{
		{"logql-in-prometheusrule", ruleGVR, `
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: logql}
spec:
  groups:
  - name: g
    rules:
    - alert: A
      expr: 'sum(rate({job="x"} |= "e" [5m]))'
`, "prometheusrulevalidate.monitoring.coreos.com"},
		{"alertmanagerconfig-unknown-receiver", amcGVR, `
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: bad}
spec:
  route: {receiver: missing}
  receivers:
  - name: other
`, "alertmanagerconfigsvalidate.monitoring.coreos.com"},
	} {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(c.obj), &obj); err != nil {
			t.Fatal(err)
		}
		_, err := dc.Resource(c.gvr).Namespace("webhook-check").Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
		if err == nil {
			t.Errorf("%s: admitted, want refused by %s", c.name, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: refused, but not by %s: %v", c.name, c.want, err)
		}
		t.Logf("%s: %v", c.name, err)
	}
}
