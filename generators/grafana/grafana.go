// Package grafana generates the service's Grafana dashboard and the
// provisioning that loads it: datasources for Prometheus, Loki, the trace
// backend and Alertmanager, linked to each other (logs to traces, traces to
// logs, exemplars to traces), and a file provider for the dashboard folder.
// Everything is built from typed values and encoded with encoding/json or
// YAML; datasource references use the UIDs the provisioning defines.
package grafana

import (
	"bytes"
	"encoding/json"
	"path"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes the dashboard and the provisioning files.
var Generator = generators.Generator{
	Name:     "grafana",
	Doc:      "Grafana dashboard and datasource/dashboard provisioning",
	Generate: generate,
	Stack:    provisioning,
}

// Datasource UIDs the provisioning defines and the dashboard references.
const (
	DatasourcePrometheus   = "obsgen-prometheus"
	DatasourceLoki         = "obsgen-loki"
	DatasourceJaeger       = "obsgen-jaeger"
	DatasourceTempo        = "obsgen-tempo"
	DatasourceAlertmanager = "obsgen-alertmanager"
)

// SchemaVersion pins the dashboard JSON model: Grafana 11.0 writes 39, and
// newer Grafana migrates it on load.
const SchemaVersion = 39

// Where the compose stack mounts the generated folders in the Grafana
// container: <config_dir>/grafana/provisioning and <config_dir>/grafana/dashboards.
const (
	ProvisioningMount = "/etc/grafana/provisioning"
	DashboardsMount   = "/var/lib/grafana/dashboards"
)

// Dir is the folder, inside the config folder, of everything Grafana loads.
const Dir = "grafana"

// Paths of the generated files.
// With several services each dashboard is in a folder of its own, which
// Grafana shows as the service's folder.
func DashboardPath(s spec.Spec) string {
	if s.Listed {
		return path.Join(s.Output.ConfigDir, Dir, "dashboards", s.Service.Name, s.Service.Name+".json")
	}
	return path.Join(s.Output.ConfigDir, Dir, "dashboards", s.Service.Name+".json")
}

// DatasourcesPath is the datasource provisioning file.
func DatasourcesPath(s spec.Spec) string {
	return path.Join(s.Output.ConfigDir, Dir, "provisioning", "datasources", "datasources.yml")
}

// DashboardsProvisioningPath is the dashboard provider file.
func DashboardsProvisioningPath(s spec.Spec) string {
	return path.Join(s.Output.ConfigDir, Dir, "provisioning", "dashboards", "dashboards.yml")
}

func generate(s spec.Spec) ([]generators.File, error) {
	dash, err := dashboardJSON(Build(s))
	if err != nil {
		return nil, err
	}
	return []generators.File{{Path: DashboardPath(s), Content: dash, Owner: generators.Owned}}, nil
}

// provisioning writes what Grafana loads once for every service: the
// datasources and the dashboard providers.
func provisioning(p spec.Project) ([]generators.File, error) {
	s := p.Stack()
	ds, err := generators.YAML(datasourcesIntro(s), Datasources(s))
	if err != nil {
		return nil, err
	}
	prov, err := generators.YAML(dashboardsIntro, Dashboards(p))
	if err != nil {
		return nil, err
	}
	files := []generators.File{
		{Path: DatasourcesPath(s), Content: ds, Owner: generators.Owned},
		{Path: DashboardsProvisioningPath(s), Content: prov, Owner: generators.Owned},
	}
	if p.Listed {
		overview, err := dashboardJSON(Overview(p))
		if err != nil {
			return nil, err
		}
		files = append(files, generators.File{Path: OverviewPath(s), Content: overview, Owner: generators.Owned})
	}
	return files, nil
}

// dashboardJSON is a dashboard's file.
func dashboardJSON(d Dashboard) ([]byte, error) {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetIndent("", "  ")
	// PromQL and LogQL carry < > &: keep them readable in the file.
	enc.SetEscapeHTML(false)
	err := enc.Encode(d)
	return out.Bytes(), err
}
