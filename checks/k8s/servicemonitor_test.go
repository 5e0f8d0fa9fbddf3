package k8s

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus-operator/prometheus-operator/pkg/assets"
	"github.com/prometheus-operator/prometheus-operator/pkg/operator"
	promoperator "github.com/prometheus-operator/prometheus-operator/pkg/prometheus"
	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery/targetgroup"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/scrape"
	"github.com/prometheus/prometheus/util/strutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/yaml"

	obsk8s "github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/testtool"
)

// kubePrometheusStack is the Prometheus object kube-prometheus-stack's
// defaults create for a release: ServiceMonitors, Probes and PrometheusRules
// are selected by release: <release> in every namespace
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
				ProbeSelector:                   sel,
				ProbeNamespaceSelector:          &metav1.LabelSelector{},
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

// selectable are the operator's scrape resources, with their metadata.
type selectable interface {
	promoperator.ConfigurationResource
	metav1.Object
}

// selected runs the operator's own selection of one kind (label and
// namespace selectors, validity checks) over objs and returns the accepted
// ones by namespace/name.
func selected[T selectable](t *testing.T, p *monitoringv1.Prometheus,
	sel func(*promoperator.ResourceSelector, context.Context, promoperator.ListAllByNamespaceFn) (promoperator.TypedResourcesSelection[T], error),
	objs ...T) map[string]T {
	t.Helper()
	nsNames := []string{p.Namespace}
	for _, o := range objs {
		nsNames = append(nsNames, o.GetNamespace())
	}
	rs, err := promoperator.NewResourceSelector(slog.New(slog.DiscardHandler), p, assets.NewTestStoreBuilder(), namespaces(nsNames...),
		operator.NewMetrics(promclient.NewRegistry()), record.NewFakeRecorder(16))
	if err != nil {
		t.Fatal(err)
	}
	got, err := sel(rs, context.Background(), func(ns string, s k8slabels.Selector, appendFn cache.AppendFunc) error {
		for _, o := range objs {
			if o.GetNamespace() == ns && s.Matches(k8slabels.Set(o.GetLabels())) {
				appendFn(o)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got.ValidResources()
}

// selectServiceMonitors is the operator's selection of ServiceMonitors.
func selectServiceMonitors(t *testing.T, p *monitoringv1.Prometheus, sms ...*monitoringv1.ServiceMonitor) map[string]*monitoringv1.ServiceMonitor {
	t.Helper()
	return selected(t, p, (*promoperator.ResourceSelector).SelectServiceMonitors, sms...)
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

// discover returns the target group Prometheus' Kubernetes discovery
// (role endpoints, the operator's default) makes for the rendered Service
// and one Running, ready pod of the rendered pod template: one target per
// Service port, with the meta labels its documentation lists, names
// sanitised as its discovery does (strutil.SanitizeLabelName). The
// endpoints controller resolves each Service port's named targetPort to the
// container port of that name.
func discover(t *testing.T, svc *corev1.Service, dep *appsv1.Deployment) *targetgroup.Group {
	t.Helper()
	const podIP, podName, node = "10.244.1.17", "-7d9f8-x2k4q", "node-a"
	pod := dep.Spec.Template
	group := model.LabelSet{
		"__meta_kubernetes_namespace":      model.LabelValue(svc.Namespace),
		"__meta_kubernetes_endpoints_name": model.LabelValue(svc.Name),
		"__meta_kubernetes_service_name":   model.LabelValue(svc.Name),
	}
	for k, v := range svc.Labels {
		n := strutil.SanitizeLabelName(k)
		group[model.LabelName("__meta_kubernetes_service_label_"+n)] = model.LabelValue(v)
		group[model.LabelName("__meta_kubernetes_service_labelpresent_"+n)] = "true"
		// The endpoints controller copies the Service's labels.
		group[model.LabelName("__meta_kubernetes_endpoints_label_"+n)] = model.LabelValue(v)
		group[model.LabelName("__meta_kubernetes_endpoints_labelpresent_"+n)] = "true"
	}
	type cport struct {
		container, image string
		port             corev1.ContainerPort
	}
	ports := map[string]cport{}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			ports[p.Name] = cport{c.Name, c.Image, p}
		}
	}
	g := &targetgroup.Group{Source: "endpoints/" + svc.Namespace + "/" + svc.Name, Labels: group}
	for _, sp := range svc.Spec.Ports {
		cp, ok := ports[sp.TargetPort.StrVal]
		if !ok {
			t.Fatalf("Service port %s targets %q, which no container port is named", sp.Name, sp.TargetPort.StrVal)
		}
		target := model.LabelSet{
			model.AddressLabel:                               model.LabelValue(fmt.Sprintf("%s:%d", podIP, cp.port.ContainerPort)),
			"__meta_kubernetes_endpoint_port_name":           model.LabelValue(sp.Name),
			"__meta_kubernetes_endpoint_port_protocol":       model.LabelValue(sp.Protocol),
			"__meta_kubernetes_endpoint_ready":               "true",
			"__meta_kubernetes_endpoint_node_name":           node,
			"__meta_kubernetes_endpoint_address_target_kind": "Pod",
			"__meta_kubernetes_endpoint_address_target_name": model.LabelValue(dep.Name + podName),
			"__meta_kubernetes_pod_name":                     model.LabelValue(dep.Name + podName),
			"__meta_kubernetes_pod_ip":                       podIP,
			"__meta_kubernetes_pod_ready":                    "true",
			"__meta_kubernetes_pod_phase":                    "Running",
			"__meta_kubernetes_pod_node_name":                node,
			"__meta_kubernetes_pod_host_ip":                  "10.0.0.4",
			"__meta_kubernetes_pod_uid":                      "3f1c7a52-0d7e-4b8e-9a61-5c2f0e8d9b10",
			"__meta_kubernetes_pod_controller_kind":          "ReplicaSet",
			"__meta_kubernetes_pod_controller_name":          model.LabelValue(dep.Name + "-7d9f8"),
			"__meta_kubernetes_pod_container_name":           model.LabelValue(cp.container),
			"__meta_kubernetes_pod_container_image":          model.LabelValue(cp.image),
			"__meta_kubernetes_pod_container_init":           "false",
			"__meta_kubernetes_pod_container_port_name":      model.LabelValue(cp.port.Name),
			"__meta_kubernetes_pod_container_port_number":    model.LabelValue(fmt.Sprint(cp.port.ContainerPort)),
			"__meta_kubernetes_pod_container_port_protocol":  model.LabelValue(cp.port.Protocol),
		}
		for k, v := range pod.Labels {
			n := strutil.SanitizeLabelName(k)
			target[model.LabelName("__meta_kubernetes_pod_label_"+n)] = model.LabelValue(v)
			target[model.LabelName("__meta_kubernetes_pod_labelpresent_"+n)] = "true"
		}
		g.Targets = append(g.Targets, target)
	}
	return g
}

// withoutKubernetesSD checks that every scrape config discovers role
// endpoints in namespace ns only, and removes that section: Prometheus'
// kubernetes discovery package does not build against the client-go the
// operator pins, so discover stands in for it and the config is loaded
// without it.
func withoutKubernetesSD(t *testing.T, raw []byte, ns string) []byte {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, sc := range cfg["scrape_configs"].([]any) {
		sc := sc.(map[string]any)
		sds, _ := sc["kubernetes_sd_configs"].([]any)
		if len(sds) != 1 {
			t.Fatalf("%s: want one kubernetes_sd_config, got %v", sc["job_name"], sds)
		}
		sd := sds[0].(map[string]any)
		names, _ := sd["namespaces"].(map[string]any)["names"].([]any)
		if sd["role"] != "endpoints" || len(names) != 1 || names[0] != ns {
			t.Fatalf("%s discovers %v, want role endpoints in namespace %s", sc["job_name"], sd, ns)
		}
		delete(sc, "kubernetes_sd_configs")
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// operatorConfig is the Prometheus config the operator's own generation
// makes for p from the ServiceMonitors and Probes, as Prometheus loads it.
// edit, when set, changes the raw config before loading (what the test
// stands in for).
func operatorConfig(t *testing.T, p *monitoringv1.Prometheus, sms map[string]*monitoringv1.ServiceMonitor, probes map[string]*monitoringv1.Probe, edit func([]byte) []byte) (*config.Config, []byte) {
	t.Helper()
	cg, err := promoperator.NewConfigGenerator(slog.New(slog.DiscardHandler), p)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := cg.GenerateServerConfiguration(p, sms, nil, probes, nil, assets.NewTestStoreBuilder(), nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		raw = edit(raw)
	}
	// The operator's config-reloader sidecar expands these before
	// Prometheus reads the file: shard 0 of a single-shard Prometheus.
	raw = []byte(strings.NewReplacer("$(SHARD)", "0", "$(POD_NAME)", "prometheus-"+p.Name+"-0").Replace(string(raw)))
	// As Prometheus' main sets it before loading a config: the config
	// loader of this Prometheus version refuses to run without.
	//lint:ignore SA1019 required by config.Load in Prometheus v0.305
	model.NameValidationScheme = model.UTF8Validation
	cfg, err := config.Load(string(raw), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("the operator's config does not load in Prometheus: %v\n%s", err, raw)
	}
	return cfg, raw
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

			cfg, raw := operatorConfig(t, p, map[string]*monitoringv1.ServiceMonitor{key: sm}, nil, func(raw []byte) []byte {
				return withoutKubernetesSD(t, raw, sm.Namespace)
			})
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
			var urls []string
			for _, g := range []*targetgroup.Group{discover(t, svc, dep)} {
				targets, errs := scrape.TargetsFromGroup(g, scrapeCfg, nil, labels.NewBuilder(labels.EmptyLabels()))
				for _, err := range errs {
					t.Errorf("target: %v", err)
				}
				for _, tg := range targets {
					if l := tg.Labels(labels.NewBuilder(labels.EmptyLabels())); l.Len() > 0 {
						kept = append(kept, l)
						urls = append(urls, tg.URL().String())
					}
				}
			}
			if len(kept) != 1 {
				t.Fatalf("want exactly one target (the metrics port), got %d: %v", len(kept), kept)
			}
			if want := fmt.Sprintf("http://10.244.1.17:%d%s", s.Metrics.Port, s.Metrics.Path); urls[0] != want {
				t.Errorf("scrape URL %s, want %s", urls[0], want)
			}
			got := kept[0]
			want := map[string]string{
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
