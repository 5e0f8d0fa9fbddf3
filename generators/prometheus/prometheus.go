// Package prometheus generates the Prometheus server configuration: the
// scrape config for the service on the chosen deploy target.
package prometheus

import (
	"path"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes prometheus.yml.
var Generator = generators.Generator{
	Name:     "prometheus",
	Doc:      "Prometheus scrape configuration",
	Generate: generate,
}

// Dir is the folder, inside the config folder, of everything Prometheus loads.
const Dir = "prometheus"

type view struct {
	Job, Environment, MetricsPath, Host string
	Port                                int
	// Stack are the stack's own components, scraped so it can alert on
	// itself (rules.StackAlerts).
	Stack []stack.Component
}

// ConfigPath is where prometheus.yml goes.
func ConfigPath(s spec.Spec) string { return path.Join(s.Output.ConfigDir, Dir, "prometheus.yml") }

// CollectorJob is the scrape job of the collector's own metrics.
const CollectorJob = stack.Collector

func generate(s spec.Spec) ([]generators.File, error) {
	v := view{
		Job:         s.Service.Name,
		Environment: s.Service.Environment,
		MetricsPath: s.Metrics.Path,
		// In the compose stack the service is reachable by its service name.
		Host:  s.Service.Name,
		Port:  s.Metrics.Port,
		Stack: stack.Monitored(s),
	}
	f, err := generators.RenderFile("prometheus/prometheus.yml.tmpl", ConfigPath(s), generators.Owned, v)
	if err != nil {
		return nil, err
	}
	return []generators.File{f}, nil
}
