package k8s

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/internal/testtool"
)

// kpsChart holds facts of the prometheus-community
// kube-prometheus-stack chart, read from its values.yaml and
// templates/grafana/configmaps-datasources.yaml at chart version 88.5.3
// (app version v0.93.1, the operator release): what its Grafana
// provisions and what its sidecars select. The chart is not vendored;
// update these facts when the supported chart version moves.
var kpsChart = struct {
	Version string
	// The datasources its own ConfigMap provisions, by name and UID.
	// The Prometheus one is the default (isDefaultDatasource: true).
	Datasources map[string]string
	// grafana.sidecar.*: label and value the sidecars select ConfigMaps by.
	DashboardLabel, DashboardLabelValue   string
	DatasourceLabel, DatasourceLabelValue string
	// grafana.sidecar.dashboards.searchNamespace.
	DashboardSearchNamespace string
	// prometheus.prometheusSpec.retention.
	Retention string
}{
	Version:                  "88.5.3",
	Datasources:              map[string]string{"Prometheus": "prometheus", "Alertmanager": "alertmanager"},
	DashboardLabel:           "grafana_dashboard",
	DashboardLabelValue:      "1",
	DatasourceLabel:          "grafana_datasource",
	DatasourceLabelValue:     "1",
	DashboardSearchNamespace: "ALL",
	Retention:                "10d",
}

// TestDatasourcesLeaveTheStacksOwnAlone: Grafana's provisioning matches
// datasources by name and by UID; a datasource of the chart named like one
// of kube-prometheus-stack's (or with its UID) takes that one over, and a
// second default is refused. The rendered datasources ConfigMap carries
// the stack's sidecar label, and the dashboard ConfigMap the dashboard one.
func TestDatasourcesLeaveTheStacksOwnAlone(t *testing.T) {
	helm := testtool.Require(t, "helm")
	kps := kpsChart
	uids := map[string]bool{}
	for _, uid := range kps.Datasources {
		uids[uid] = true
	}
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			var sawDatasources, sawDashboard bool
			for _, o := range render(t, helm, sc, nil) {
				if o.Kind != "ConfigMap" {
					continue
				}
				md := o.Value["metadata"].(map[string]any)
				labels, _ := md["labels"].(map[string]any)
				data, _ := o.Value["data"].(map[string]any)
				switch {
				case o.Name == sc.Spec.Service.Name+"-datasources":
					sawDatasources = true
					if labels[kps.DatasourceLabel] != kps.DatasourceLabelValue {
						t.Errorf("datasources ConfigMap labels %v: the stack's sidecar selects %s=%s", labels, kps.DatasourceLabel, kps.DatasourceLabelValue)
					}
					for key, content := range data {
						var file struct {
							Datasources []struct {
								Name, UID string
								IsDefault bool `yaml:"isDefault"`
							}
						}
						if err := yaml.Unmarshal([]byte(content.(string)), &file); err != nil {
							t.Fatalf("%s: %v", key, err)
						}
						if len(file.Datasources) == 0 {
							t.Fatalf("%s provisions no datasource", key)
						}
						for _, d := range file.Datasources {
							if _, clash := kps.Datasources[d.Name]; clash {
								t.Errorf("datasource %q is named like kube-prometheus-stack %s's own", d.Name, kps.Version)
							}
							if uids[d.UID] {
								t.Errorf("datasource %q has the UID %q of kube-prometheus-stack %s's own", d.Name, d.UID, kps.Version)
							}
							if d.IsDefault {
								t.Errorf("datasource %q is a default: the stack's Prometheus is one already", d.Name)
							}
						}
					}
				case o.Name == sc.Spec.Service.Name+"-dashboard":
					sawDashboard = true
					if labels[kps.DashboardLabel] != kps.DashboardLabelValue {
						t.Errorf("dashboard ConfigMap labels %v: the stack's sidecar selects %s=%s", labels, kps.DashboardLabel, kps.DashboardLabelValue)
					}
				}
			}
			if !sawDatasources || !sawDashboard {
				t.Fatalf("datasources rendered %v, dashboard rendered %v", sawDatasources, sawDashboard)
			}
		})
	}
}

// TestRetentionCoversTheSLOWindow: the stack's Prometheus keeps at least
// the SLO window, where its own default (10d) would leave the 30d budget
// rules reading a third of their window.
func TestRetentionCoversTheSLOWindow(t *testing.T) {
	for _, sc := range scenarios(t) {
		var v struct {
			Prometheus struct {
				PrometheusSpec struct {
					Retention string `yaml:"retention"`
				} `yaml:"prometheusSpec"`
			} `yaml:"prometheus"`
		}
		if err := yaml.Unmarshal(sc.Files[kubernetes.KubePrometheusStackValuesPath(sc.Spec)], &v); err != nil {
			t.Fatal(err)
		}
		// Prometheus' own duration syntax (--storage.tsdb.retention.time).
		got, err := model.ParseDuration(v.Prometheus.PrometheusSpec.Retention)
		if err != nil {
			t.Fatalf("%s: retention %q: %v", sc.Name, v.Prometheus.PrometheusSpec.Retention, err)
		}
		if window := sc.Spec.SLO.Window; time.Duration(got) < time.Duration(window) {
			t.Errorf("%s: retention %s is shorter than the SLO window %s", sc.Name, v.Prometheus.PrometheusSpec.Retention, window)
		}
	}
}
