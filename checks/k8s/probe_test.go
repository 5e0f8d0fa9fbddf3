package k8s

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	promoperator "github.com/prometheus-operator/prometheus-operator/pkg/prometheus"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/scrape"

	obsk8s "github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/testtool"
)

// probeTarget is one URL a Probe makes Prometheus probe, as Prometheus'
// own relabeling leaves it: the exporter URL it scrapes and the labels.
type probeTarget struct {
	scrapeURL string
	labels    labels.Labels
}

// probeTargets turns the Probe objects into scrape configs with the
// operator's config generation, loads them in Prometheus and returns every
// target their static configs make, by module.
func probeTargets(t *testing.T, p *monitoringv1.Prometheus, probes map[string]*monitoringv1.Probe) map[string][]probeTarget {
	t.Helper()
	cfg, raw := operatorConfig(t, p, nil, probes, nil)
	out := map[string][]probeTarget{}
	for key, pr := range probes {
		ns, name, _ := strings.Cut(key, "/")
		job := fmt.Sprintf("probe/%s/%s", ns, name)
		i := slices.IndexFunc(cfg.ScrapeConfigs, func(c *config.ScrapeConfig) bool { return c.JobName == job })
		if i < 0 {
			t.Fatalf("no scrape config %s in the operator's config:\n%s", job, raw)
		}
		sc := cfg.ScrapeConfigs[i]
		for _, sd := range sc.ServiceDiscoveryConfigs {
			static, ok := sd.(discovery.StaticConfig)
			if !ok {
				t.Fatalf("%s discovers with %T, want its static targets", job, sd)
			}
			for _, g := range static {
				targets, errs := scrape.TargetsFromGroup(g, sc, nil, labels.NewBuilder(labels.EmptyLabels()))
				for _, err := range errs {
					t.Errorf("%s: target: %v", job, err)
				}
				for _, tg := range targets {
					if l := tg.Labels(labels.NewBuilder(labels.EmptyLabels())); l.Len() > 0 {
						out[pr.Spec.Module] = append(out[pr.Spec.Module], probeTarget{tg.URL().String(), l})
					}
				}
			}
		}
	}
	return out
}

// TestProbesFeedTheProbeAlerts proves what the Probe objects do, not only
// their shape: kube-prometheus-stack's Prometheus selects them (and one of
// another release does not), the operator's config generation makes
// Prometheus ask the service's blackbox exporter to probe each URL with
// its module, and the series get exactly the labels the probe alerts and
// the dashboard's uptime row select, matched with Prometheus' own parser.
func TestProbesFeedTheProbeAlerts(t *testing.T) {
	helm := testtool.Require(t, "helm")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			s := sc.Spec
			public := "https://" + s.Service.Name + ".example.com/healthz"
			probes := map[string]*monitoringv1.Probe{}
			var all []*monitoringv1.Probe
			for _, o := range render(t, helm, sc, []string{"probes.urls={" + public + "}"}) {
				if o.Kind != "Probe" {
					continue
				}
				p := new(monitoringv1.Probe)
				strict(t, o.Doc, p)
				p.Namespace = s.Kubernetes.Namespace
				probes[p.Namespace+"/"+p.Name] = p
				all = append(all, p)
			}
			prom := kubePrometheusStack(s.Kubernetes.PrometheusRelease, s.Kubernetes.MonitoringNamespace)
			sel := selected(t, prom, (*promoperator.ResourceSelector).SelectProbes, all...)
			if len(sel) != 2 || len(probes) != 2 {
				t.Fatalf("kube-prometheus-stack's Prometheus selects %d of %d Probes, want the health and the public one", len(sel), len(probes))
			}
			if got := selected(t, kubePrometheusStack("another-release", s.Kubernetes.MonitoringNamespace), (*promoperator.ResourceSelector).SelectProbes, all...); len(got) != 0 {
				t.Fatalf("a Prometheus of another release selected the Probes: the release label proves nothing")
			}

			matchers, err := parser.ParseMetricSelector(rules.ProbeSelector(s))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{prometheus.ModuleHealth: prometheus.HealthProbeURL(s), prometheus.ModulePublic: public}
			got := probeTargets(t, prom, sel)
			for module, target := range want {
				if len(got[module]) != 1 {
					t.Fatalf("module %s: %d targets, want 1: %v", module, len(got[module]), got[module])
				}
				pt := got[module][0]
				scrape := "http://" + obsk8s.ProberAddress(s) + "/probe?" + url.Values{"module": {module}, "target": {target}}.Encode()
				if pt.scrapeURL != scrape {
					t.Errorf("module %s: Prometheus scrapes %s, want %s", module, pt.scrapeURL, scrape)
				}
				labels := map[string]string{
					contract.LabelJob: prometheus.ProbeJob, contract.LabelInstance: target, "module": module,
					"service": s.Service.Name, contract.LabelEnvironment: s.Service.Environment, contract.LabelNamespace: s.Kubernetes.Namespace,
				}
				for k, v := range labels {
					if pt.labels.Get(k) != v {
						t.Errorf("module %s: label %s = %q, want %q (all: %v)", module, k, pt.labels.Get(k), v, pt.labels)
					}
				}
				for _, m := range matchers {
					if !m.Matches(pt.labels.Get(m.Name)) {
						t.Errorf("module %s: the probe alerts' selector %s does not match %v", module, rules.ProbeSelector(s), pt.labels)
					}
				}
			}
		})
	}
}
