package k8s

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus-operator/prometheus-operator/pkg/assets"
	"github.com/prometheus-operator/prometheus-operator/pkg/operator"
	promoperator "github.com/prometheus-operator/prometheus-operator/pkg/prometheus"
	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery/kubernetes"
	"github.com/prometheus/prometheus/discovery/targetgroup"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/scrape"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/yaml"

	obsk8s "github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/testtool"
)

// kubePrometheusStack is the Prometheus object kube-prometheus-stack's
// defaults create for a release: ServiceMonitors and PrometheusRules are
// selected by release: <release> in every namespace
// (*SelectorNilUsesHelmValues: true, empty namespace selectors).
func kubePrometheusStack(release, ns string) *monitoringv1.Prometheus {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"release": release}}
	return &monitoringv1.Prometheus{
		ObjectMeta: metav1.ObjectMeta{Name: release + "-prometheus", Namespace: ns},
		Spec: monitoringv1.PrometheusSpec{
			CommonPrometheusFields: monitoringv1.CommonPrometheusFields{
				ServiceMonitorSelector:          sel,
				ServiceMonitorNamespaceSelector: &metav1.LabelSelector{},
				PodMonitorSelector:              sel,
				PodMonitorNamespaceSelector:     &metav1.LabelSelector{},
				ScrapeInterval:                  "30s",
				Version:                         operator.DefaultPrometheusVersion,
			},
			RuleSelector:          sel,
			RuleNamespaceSelector: &metav1.LabelSelector{},
			EvaluationInterval:    "30s",
		},
	}
}

// namespaces is a namespace informer's store holding the given namespaces,
// for the operator's namespace selector.
func namespaces(names ...string) cache.SharedIndexInformer {
	inf := cache.NewSharedIndexInformer(&cache.ListWatch{}, &corev1.Namespace{}, 0, cache.Indexers{})
	for _, n := range names {
		_ = inf.GetStore().Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}})
	}
	return inf
}

// selectServiceMonitors runs the operator's own selection (label and
// namespace selectors, validity checks) over sms and returns the accepted
// ones by namespace/name.
func selectServiceMonitors(t *testing.T, p *monitoringv1.Prometheus, sms ...*monitoringv1.ServiceMonitor) map[string]*monitoringv1.ServiceMonitor {
	t.Helper()
	nsNames := []string{p.Namespace}
	for _, sm := range sms {
		nsNames = append(nsNames, sm.Namespace)
	}
	rs, err := promoperator.NewResourceSelector(slog.New(slog.DiscardHandler), p, assets.NewTestStoreBuilder(), namespaces(nsNames...),
		operator.NewMetrics(promclient.NewRegistry()), record.NewFakeRecorder(16))
	if err != nil {
		t.Fatal(err)
	}
	sel, err := rs.SelectServiceMonitors(context.Background(), func(ns string, s k8slabels.Selector, appendFn cache.AppendFunc) error {
		for _, sm := range sms {
			if sm.Namespace == ns && s.Matches(k8slabels.Set(sm.Labels)) {
				appendFn(sm)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sel.ValidResources()
}

// decode decodes the rendered object of a kind strictly into its Go type.
func decode[T any](t *testing.T, objs []object, kind string) *T {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind {
			v := new(T)
			if err := yaml.UnmarshalStrict(o.Doc, v); err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			return v
		}
	}
	t.Fatalf("no %s rendered", kind)
	return nil
}

// discover runs Prometheus' Kubernetes service discovery (role endpoints,
// the operator's default) over the rendered Service, a Running pod of the
// rendered pod template and the Endpoints the endpoints controller would
// make for them, served by client-go's fake clientset.
func discover(t *testing.T, svc *corev1.Service, dep *appsv1.Deployment) []*targetgroup.Group {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: dep.Name + "-7d9f8-x2k4q", Namespace: svc.Namespace, Labels: dep.Spec.Template.Labels, UID: "3f1c7a52-0d7e-4b8e-9a61-5c2f0e8d9b10"},
		Spec:       dep.Spec.Template.Spec,
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: "10.244.1.17", HostIP: "10.0.0.4",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
	pod.Spec.NodeName = "node-a"
	// The endpoints controller resolves each Service port's named
	// targetPort to the container port of that name.
	ports := map[string]int32{}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
	}
	var epPorts []corev1.EndpointPort
	for _, sp := range svc.Spec.Ports {
		n, ok := ports[sp.TargetPort.StrVal]
		if !ok {
			t.Fatalf("Service port %s targets %q, which no container port is named", sp.Name, sp.TargetPort.StrVal)
		}
		epPorts = append(epPorts, corev1.EndpointPort{Name: sp.Name, Port: n, Protocol: sp.Protocol})
	}
	node := pod.Spec.NodeName
	eps := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: svc.Labels},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: pod.Status.PodIP, NodeName: &node, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID}}},
			Ports:     epPorts,
		}},
	}
	client := fake.NewSimpleClientset([]runtime.Object{svc, pod, eps}...)
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(svc.Namespace))
	e := kubernetes.NewEndpoints(slog.New(slog.DiscardHandler),
		factory.Core().V1().Endpoints().Informer(), factory.Core().V1().Services().Informer(), factory.Core().V1().Pods().Informer(), nil,
		promclient.NewCounterVec(promclient.CounterOpts{Name: "events"}, []string{"role", "event"}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	factory.Start(ctx.Done())
	ch := make(chan []*targetgroup.Group, 8)
	go e.Run(ctx, ch)
	for {
		select {
		case groups := <-ch:
			for _, g := range groups {
				if g != nil && len(g.Targets) > 0 {
					return groups
				}
			}
		case <-ctx.Done():
			t.Fatal("Kubernetes discovery produced no targets")
		}
	}
}

// TestServiceMonitorScrapesTheMetricsPort proves what the ServiceMonitor
// does, not only its shape: kube-prometheus-stack's Prometheus object
// selects it (and ignores it under another release label), the operator's
// config generation turns it into a scrape config, and Prometheus' own
// discovery and relabeling keep exactly the metrics port, with the job,
// service, environment and namespace labels the rules select on.
func TestServiceMonitorScrapesTheMetricsPort(t *testing.T) {
	helm := testtool.Require(t, "helm")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			s := sc.Spec
			objs := render(t, helm, sc, nil)
			sm := decode[monitoringv1.ServiceMonitor](t, objs, "ServiceMonitor")
			sm.Namespace = s.Kubernetes.Namespace
			svc := decode[corev1.Service](t, objs, "Service")
			svc.Namespace = s.Kubernetes.Namespace
			dep := decode[appsv1.Deployment](t, objs, "Deployment")

			p := kubePrometheusStack(s.Kubernetes.PrometheusRelease, s.Kubernetes.MonitoringNamespace)
			key := sm.Namespace + "/" + sm.Name
			if got := selectServiceMonitors(t, p, sm); got[key] == nil {
				t.Fatalf("kube-prometheus-stack's Prometheus (release %s) does not select the ServiceMonitor %s (labels %v)", s.Kubernetes.PrometheusRelease, key, sm.Labels)
			}
			if got := selectServiceMonitors(t, kubePrometheusStack("another-release", s.Kubernetes.MonitoringNamespace), sm); len(got) != 0 {
				t.Fatalf("a Prometheus of another release selected the ServiceMonitor: the release label proves nothing")
			}

			cg, err := promoperator.NewConfigGenerator(slog.New(slog.DiscardHandler), p)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := cg.GenerateServerConfiguration(p, map[string]*monitoringv1.ServiceMonitor{key: sm}, nil, nil, nil, assets.NewTestStoreBuilder(), nil, nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(string(raw), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatalf("the operator's config does not load in Prometheus: %v\n%s", err, raw)
			}
			job := fmt.Sprintf("serviceMonitor/%s/%s/0", sm.Namespace, sm.Name)
			var scrapeCfg *config.ScrapeConfig
			for _, c := range cfg.ScrapeConfigs {
				if c.JobName == job {
					scrapeCfg = c
				}
			}
			if scrapeCfg == nil {
				t.Fatalf("no scrape config %s in the operator's config:\n%s", job, raw)
			}

			var kept []labels.Labels
			for _, g := range discover(t, svc, dep) {
				targets, errs := scrape.TargetsFromGroup(g, scrapeCfg, nil, labels.NewBuilder(labels.EmptyLabels()))
				for _, err := range errs {
					t.Errorf("target: %v", err)
				}
				for _, tg := range targets {
					if l := tg.Labels(labels.NewBuilder(labels.EmptyLabels())); l.Len() > 0 {
						kept = append(kept, l)
					}
				}
			}
			if len(kept) != 1 {
				t.Fatalf("want exactly one target (the metrics port), got %d: %v", len(kept), kept)
			}
			got := kept[0]
			want := map[string]string{
				model.AddressLabel:        fmt.Sprintf("10.244.1.17:%d", s.Metrics.Port),
				model.MetricsPathLabel:    s.Metrics.Path,
				contract.LabelJob:         s.Service.Name,
				"service":                 s.Service.Name,
				contract.LabelEnvironment: s.Service.Environment,
				obsk8s.LabelNamespace:     s.Kubernetes.Namespace,
				contract.LabelInstance:    fmt.Sprintf("10.244.1.17:%d", s.Metrics.Port),
				"endpoint":                obsk8s.PortMetrics,
				"container":               s.Service.Name,
			}
			for k, v := range want {
				if got.Get(k) != v {
					t.Errorf("target label %s = %q, want %q (all: %v)", k, got.Get(k), v, got)
				}
			}
			if strings.Contains(got.String(), fmt.Sprintf(":%d", s.Service.Port)) {
				t.Errorf("the API port is scraped: %v", got)
			}
		})
	}
}
