// Package kubernetes generates what one service needs to plug into a
// cluster's existing observability backends when deploy.target is
// kubernetes: a Helm chart for the service (Deployment, Service, optional
// PodDisruptionBudget and HorizontalPodAutoscaler), the Prometheus Operator
// objects (ServiceMonitor, PrometheusRule, AlertmanagerConfig), the Grafana
// sidecar ConfigMaps, the Loki rules object, and values files for the
// cluster's own charts (OpenTelemetry Collector agent and gateway,
// kube-prometheus-stack, Loki). It never generates the clusters' backends.
//
// Every rule, route, dashboard and datasource comes from the generators the
// compose target uses (rules.Groups, alertmanager.Build, grafana.Build,
// loki.RuleSet, the collector's log pipeline), so both targets alert, route
// and display alike by construction.
package kubernetes

import (
	"path"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/ops"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes the chart and the cluster values files.
var Generator = generators.Generator{
	Name:     "kubernetes",
	Doc:      "Helm chart, Prometheus Operator objects, Grafana sidecar ConfigMaps and collector values for a Kubernetes cluster",
	Generate: generate,
}

// Enabled reports whether s deploys to Kubernetes.
func Enabled(s spec.Spec) bool { return s.Deploy.Target.IsKubernetes() }

// ChartDir is the service's chart folder.
func ChartDir(s spec.Spec) string { return path.Join(s.Kubernetes.ChartDir, s.Service.Name) }

// ClusterDir holds the values files for the cluster's own charts.
func ClusterDir(s spec.Spec) string { return ops.ClusterDir(s) }

// Paths of the values files for the cluster's charts.
func AgentValuesPath(s spec.Spec) string { return path.Join(ClusterDir(s), "otel-agent.values.yaml") }
func GatewayValuesPath(s spec.Spec) string {
	return path.Join(ClusterDir(s), "otel-gateway.values.yaml")
}
func KubePrometheusStackValuesPath(s spec.Spec) string {
	return path.Join(ClusterDir(s), "kube-prometheus-stack.values.yaml")
}
func LokiValuesPath(s spec.Spec) string     { return path.Join(ClusterDir(s), "loki.values.yaml") }
func BlackboxValuesPath(s spec.Spec) string { return ops.BlackboxValuesPath(s) }

// Files inside the chart that the templates embed with .Files.Get: they are
// built from typed values and never pass through Helm's template engine, so
// the {{ $labels.x }} of alert annotations and Alertmanager templates reach
// Prometheus and Alertmanager untouched.
const (
	PrometheusRulesFile    = "files/prometheus-rules.yaml"
	LokiRulesFile          = "files/loki-rules.yaml"
	AlertmanagerConfigFile = "files/alertmanagerconfig.yaml"
	DashboardFile          = "files/dashboard.json"
	DatasourcesFile        = "files/datasources.yaml"
)

// chartTemplates are the chart's files rendered from templates/kubernetes
// (obsgen's [[ ]] delimiters, so Helm's {{ }} pass through).
var chartTemplates = []struct {
	tmpl, path string
	owner      generators.Owner
}{
	{"Chart.yaml.tmpl", "Chart.yaml", generators.Owned},
	// values.yaml is where teams tune replicas, resources and toggles:
	// their edits are merged with obsgen's new output.
	{"values.yaml.tmpl", "values.yaml", generators.Merged},
	{"_helpers.tpl.tmpl", "templates/_helpers.tpl", generators.Owned},
	{"deployment.yaml.tmpl", "templates/deployment.yaml", generators.Owned},
	{"service.yaml.tmpl", "templates/service.yaml", generators.Owned},
	{"pdb.yaml.tmpl", "templates/poddisruptionbudget.yaml", generators.Owned},
	{"hpa.yaml.tmpl", "templates/horizontalpodautoscaler.yaml", generators.Owned},
	{"servicemonitor.yaml.tmpl", "templates/servicemonitor.yaml", generators.Owned},
	{"probe.yaml.tmpl", "templates/probes.yaml", generators.Owned},
	{"prometheusrule.yaml.tmpl", "templates/prometheusrule.yaml", generators.Owned},
	{"alertmanagerconfig.yaml.tmpl", "templates/alertmanagerconfig.yaml", generators.Owned},
	{"grafana.yaml.tmpl", "templates/grafana-configmaps.yaml", generators.Owned},
	{"lokirules.yaml.tmpl", "templates/loki-rules.yaml", generators.Owned},
	{"NOTES.txt.tmpl", "templates/NOTES.txt", generators.Owned},
	{"helmignore.tmpl", ".helmignore", generators.Owned},
}

func generate(s spec.Spec) ([]generators.File, error) {
	if !Enabled(s) {
		return nil, nil
	}
	v := newView(s)
	dir := ChartDir(s)
	var files []generators.File
	for _, t := range chartTemplates {
		f, err := generators.RenderFile("kubernetes/"+t.tmpl, path.Join(dir, t.path), t.owner, v)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	embedded, err := chartFiles(s)
	if err != nil {
		return nil, err
	}
	files = append(files, embedded...)
	cluster, err := clusterValues(s)
	if err != nil {
		return nil, err
	}
	return append(files, cluster...), nil
}
