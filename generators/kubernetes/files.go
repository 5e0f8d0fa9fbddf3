package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/grafana"
	"github.com/obsgen/obsgen/generators/loki"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/spec"
)

// LabelNamespace is the label the Prometheus Operator matches an
// AlertmanagerConfig's routes on: it adds namespace="<its namespace>" to
// the config's top route, so an alert without that label never reaches the
// receivers. The rules aggregate it away (sum by (job, environment)), so
// every rule carries it as a static label.
const LabelNamespace = "namespace"

// withNamespace returns groups whose alerting rules carry the namespace
// label; recording rules keep their series labels.
func withNamespace(groups []rules.RuleGroup, ns string) []rules.RuleGroup {
	out := make([]rules.RuleGroup, len(groups))
	for i, g := range groups {
		g.Rules = append([]rules.Rule(nil), g.Rules...)
		for j, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			labels := maps.Clone(r.Labels)
			if labels == nil {
				labels = map[string]string{}
			}
			labels[LabelNamespace] = ns
			g.Rules[j].Labels = labels
		}
		out[i] = g
	}
	return out
}

// PrometheusRuleGroups are the rule groups of the PrometheusRule: the
// compose target's groups (rules.Groups), with the namespace label.
func PrometheusRuleGroups(s spec.Spec) []rules.RuleGroup {
	return withNamespace(rules.Groups(s), s.Kubernetes.Namespace)
}

// LokiRuleGroups are the LogQL rule groups (loki.RuleSet), likewise.
func LokiRuleGroups(s spec.Spec) []rules.RuleGroup {
	return withNamespace(loki.RuleSet(s).Groups, s.Kubernetes.Namespace)
}

const rulesIntro = `# The spec of the %s PrometheusRule (templates/%s embeds it verbatim,
# so Helm never expands the {{ }} of the annotations). The same groups as
# the compose target's rule file, plus a namespace label on every alert for
# the AlertmanagerConfig's namespace matcher.
`

// chartFiles are the files the chart's templates embed with .Files.Get.
func chartFiles(s spec.Spec) ([]generators.File, error) {
	dir := ChartDir(s)
	file := func(name string, content []byte) generators.File {
		return generators.File{Path: path.Join(dir, name), Content: content, Owner: generators.Owned}
	}
	promRules, err := generators.YAML(fmt.Sprintf(rulesIntro, "SLO and health", "prometheusrule.yaml"), rules.RuleFile{Groups: PrometheusRuleGroups(s)})
	if err != nil {
		return nil, err
	}
	lokiRules, err := generators.YAML(fmt.Sprintf(rulesIntro, "LogQL", "loki-rules.yaml"), rules.RuleFile{Groups: LokiRuleGroups(s)})
	if err != nil {
		return nil, err
	}
	amc, err := generators.YAML(alertmanagerConfigIntro(s), AlertmanagerConfigSpec(s))
	if err != nil {
		return nil, err
	}
	var dash bytes.Buffer
	enc := json.NewEncoder(&dash)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(grafana.Build(s)); err != nil {
		return nil, err
	}
	ds, err := Datasources(s)
	if err != nil {
		return nil, err
	}
	dsYAML, err := generators.YAML("# Datasources for the "+s.Service.Name+" dashboard, by the UIDs it references, for\n# the Grafana sidecar. Grafana expands $VAR here; $$ is a literal $.\n", ds)
	if err != nil {
		return nil, err
	}
	return []generators.File{
		file(PrometheusRulesFile, promRules),
		file(LokiRulesFile, lokiRules),
		file(AlertmanagerConfigFile, amc),
		file(DashboardFile, dash.Bytes()),
		file(DatasourcesFile, dsYAML),
	}, nil
}

// Datasources is the compose target's datasource provisioning
// (grafana.Datasources: same UIDs and links) pointed at the cluster's
// services. None is the default datasource: kube-prometheus-stack's
// Grafana already has one, and Grafana refuses two.
func Datasources(s spec.Spec) (map[string]any, error) {
	ds := grafana.Datasources(s)
	urls := map[string]string{
		grafana.DatasourcePrometheus:   PrometheusURL(s),
		grafana.DatasourceAlertmanager: AlertmanagerURL(s),
		grafana.DatasourceLoki:         LokiURL(s),
		grafana.DatasourceJaeger:       TraceQueryURL(s),
		grafana.DatasourceTempo:        TraceQueryURL(s),
	}
	for i := range ds.Datasources {
		d := &ds.Datasources[i]
		u, ok := urls[d.UID]
		if !ok {
			return nil, fmt.Errorf("datasource %s has no cluster URL", d.UID)
		}
		d.URL, d.IsDefault = u, false
	}
	// Round-trip through YAML to add what the compose provisioning does
	// not need: the Loki tenant header.
	b, err := yaml.Marshal(ds)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := yaml.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	if t := s.Kubernetes.LokiTenant; t != "" {
		for _, d := range out["datasources"].([]any) {
			d := d.(map[string]any)
			if d["uid"] != grafana.DatasourceLoki {
				continue
			}
			d["jsonData"].(map[string]any)["httpHeaderName1"] = "X-Scope-OrgID"
			d["secureJsonData"] = map[string]any{"httpHeaderValue1": t}
		}
	}
	return out, nil
}
