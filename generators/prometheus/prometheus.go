// Package prometheus generates the Prometheus server configuration: the
// scrape config for the service on the chosen deploy target.
package prometheus

import (
	"fmt"
	"path"
	"strings"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes prometheus.yml, one for the project's services.
var Generator = generators.Generator{
	Name:  "prometheus",
	Doc:   "Prometheus scrape configuration",
	Stack: generate,
}

// Dir is the folder, inside the config folder, of everything Prometheus loads.
const Dir = "prometheus"

type view struct {
	Environment string
	// Services are the scrape jobs of the project's services.
	Services []job
	// Probes are the blackbox exporter's targets by service and module.
	Probes             []Probe
	ProbeJob, Blackbox string
	// Stack are the stack's own components, scraped so it can alert on
	// itself (rules.StackAlerts).
	Stack []stack.Component
}

// ConfigPath is where prometheus.yml goes.
func ConfigPath(s spec.Spec) string { return path.Join(s.Output.ConfigDir, Dir, "prometheus.yml") }

// CollectorJob is the scrape job of the collector's own metrics.
const CollectorJob = stack.Collector

// job is a service's scrape job.
type job struct {
	Job, MetricsPath, Host string
	Port                   int
}

func generate(p spec.Project) ([]generators.File, error) {
	s := p.Stack()
	v := view{
		Environment: s.Service.Environment,
		Stack:       stack.Monitored(s),
		ProbeJob:    ProbeJob,
		Blackbox:    stack.Addr(stack.Blackbox, stack.BlackboxPort),
	}
	for _, m := range p.Specs() {
		// In the compose stack the service is reachable by its name.
		v.Services = append(v.Services, job{Job: m.Service.Name, MetricsPath: m.Metrics.Path, Host: m.Service.Name, Port: m.Metrics.Port})
		v.Probes = append(v.Probes, Probes(m)...)
	}
	f, err := generators.RenderFile("prometheus/prometheus.yml.tmpl", ConfigPath(s), generators.Owned, v)
	if err != nil {
		return nil, err
	}
	bb, err := generators.YAML("# Blackbox exporter modules for "+names(p)+": how the stack probes it from outside.\n"+
		"# Prometheus' job "+ProbeJob+" names the module and the target of each probe.\n\n", BlackboxConfig(s))
	if err != nil {
		return nil, err
	}
	return []generators.File{f, {Path: BlackboxPath(s), Content: bb, Owner: generators.Owned}}, nil
}

// ProbeJob is the scrape job of the blackbox probes; its series carry the
// probed URL as instance and the module as module.
const ProbeJob = "blackbox"

// Blackbox modules: the service's own health endpoint inside the compose
// network or the cluster, and its public URLs as users reach them.
const (
	ModuleHealth = "health"
	ModulePublic = "public"
)

// names lists the project's services for a header.
func names(p spec.Project) string {
	var out []string
	for _, m := range p.Specs() {
		out = append(out, m.Service.Name)
	}
	return strings.Join(out, ", ")
}

// Probe is a blackbox module and the URLs of a service probed with it.
type Probe struct {
	Module, Service string
	Targets         []string
}

// Probes lists the blackbox targets of s: the readiness endpoint always,
// the public URLs when there are some.
func Probes(s spec.Spec) []Probe {
	out := []Probe{{Module: ModuleHealth, Service: s.Service.Name, Targets: []string{HealthProbeURL(s)}}}
	if urls := spec.ProbeURLs(s); len(urls) > 0 {
		out = append(out, Probe{Module: ModulePublic, Service: s.Service.Name, Targets: urls})
	}
	return out
}

// HealthProbeURL is the readiness endpoint as the blackbox exporter reaches
// it: by the compose service's name, or on Kubernetes by the Service's
// cluster DNS name (the exporter runs in another namespace).
func HealthProbeURL(s spec.Spec) string {
	host := s.Service.Name
	if s.Deploy.Target.IsKubernetes() {
		host += "." + s.Kubernetes.Namespace + ".svc"
	}
	return fmt.Sprintf("http://%s:%d%s", host, s.Service.Port, contract.HealthReadinessPath)
}

// BlackboxPath is where the blackbox exporter's config goes.
func BlackboxPath(s spec.Spec) string {
	return path.Join(s.Output.ConfigDir, BlackboxDir, "blackbox.yml")
}

// BlackboxDir is the folder of the blackbox exporter's config.
const BlackboxDir = "blackbox"

// BlackboxFile is the blackbox exporter's configuration.
type BlackboxFile struct {
	Modules map[string]BlackboxModule `yaml:"modules"`
}

// BlackboxModule is one way of probing.
type BlackboxModule struct {
	Prober  string    `yaml:"prober"`
	Timeout string    `yaml:"timeout"`
	HTTP    HTTPProbe `yaml:"http"`
}

// HTTPProbe is an HTTP module's settings.
type HTTPProbe struct {
	// ValidStatusCodes empty means any 2xx.
	ValidStatusCodes    []int  `yaml:"valid_status_codes,omitempty"`
	FailIfNotSSL        bool   `yaml:"fail_if_not_ssl,omitempty"`
	PreferredIPProtocol string `yaml:"preferred_ip_protocol"`
	IPProtocolFallback  bool   `yaml:"ip_protocol_fallback"`
	NoFollowRedirects   bool   `yaml:"no_follow_redirects,omitempty"`
}

// BlackboxConfig is the exporter's modules for s. Compose networks are
// IPv4; public hosts may be either, so IPv4 is tried first.
func BlackboxConfig(s spec.Spec) BlackboxFile {
	return BlackboxFile{Modules: map[string]BlackboxModule{
		// A redirect from the health endpoint is a misconfiguration, not
		// health.
		ModuleHealth: {Prober: "http", Timeout: "5s", HTTP: HTTPProbe{PreferredIPProtocol: "ip4", IPProtocolFallback: true, NoFollowRedirects: true}},
		ModulePublic: {Prober: "http", Timeout: "10s", HTTP: HTTPProbe{PreferredIPProtocol: "ip4", IPProtocolFallback: true, FailIfNotSSL: s.Alerts.ProbeRequireTLS}},
	}}
}
