package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/grafana"
	"github.com/obsgen/obsgen/generators/loki"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// LabelNamespace is the label the Prometheus Operator matches an
// AlertmanagerConfig's routes on: it adds namespace="<its namespace>" to
// the config's top route, so an alert without that label never reaches the
// receivers.
const LabelNamespace = contract.LabelNamespace

// PrometheusRuleGroups are the rule groups of the PrometheusRule: the
// compose target's groups (rules.Groups), which on this target select the
// service's namespace and keep it in every aggregation, so each alert
// carries the namespace of the series it fired on.
func PrometheusRuleGroups(s spec.Spec) []rules.RuleGroup { return rules.Groups(s) }

// LokiRuleGroups are the LogQL rule groups (loki.RuleSet). Their stream
// selector keeps to the service's namespace, whose name LogQL's
// aggregations drop; so each alert names it as a static label, true of
// every series the selector reads.
func LokiRuleGroups(s spec.Spec) []rules.RuleGroup {
	groups := loki.RuleSet(s).Groups
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
			labels[LabelNamespace] = s.Kubernetes.Namespace
			g.Rules[j].Labels = labels
		}
		out[i] = g
	}
	return out
}

const promRulesIntro = `# The spec of the SLO and health PrometheusRule (templates/prometheusrule.yaml
# embeds it verbatim, so Helm never expands the {{ }} of the annotations).
# The same groups as the rule file of observability/prometheus/rules, which
# the promtool tests there run against.
`

const lokiRulesIntro = `# The LogQL alerts for Loki's ruler: templates/loki-rules.yaml puts them in a
# ConfigMap the grafana/loki chart's rules sidecar loads (never a
# PrometheusRule: Prometheus cannot parse LogQL). Each alert names the
# namespace its selector reads, for the AlertmanagerConfig's namespace matcher.
`

// chartFiles are the files the chart's templates embed with .Files.Get.
func chartFiles(s spec.Spec) ([]generators.File, error) {
	dir := ChartDir(s)
	file := func(name string, content []byte) generators.File {
		return generators.File{Path: path.Join(dir, name), Content: content, Owner: generators.Owned}
	}
	promRules, err := generators.YAML(promRulesIntro, rules.RuleFile{Groups: PrometheusRuleGroups(s)})
	if err != nil {
		return nil, err
	}
	lokiRules, err := generators.YAML(lokiRulesIntro, rules.RuleFile{Groups: LokiRuleGroups(s)})
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

// DatasourceNamePrefix starts the name of every datasource the chart
// provisions. kube-prometheus-stack provisions its own "Prometheus" and
// "Alertmanager" (UIDs prometheus, alertmanager), and Grafana's
// provisioning matches datasources by name: the compose target's plain
// names would take over the stack's datasources (their UID or default
// flag), so these are "obsgen Prometheus" and so on, by obsgen's UIDs.
const DatasourceNamePrefix = "obsgen "

// Datasources is the compose target's datasource provisioning
// (grafana.Datasources: same UIDs and links) pointed at the cluster's
// services, under names of their own. None is the default datasource:
// kube-prometheus-stack's Grafana already has one, and Grafana refuses two.
func Datasources(s spec.Spec) (grafana.DatasourcesFile, error) {
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
			return grafana.DatasourcesFile{}, fmt.Errorf("datasource %s has no cluster URL", d.UID)
		}
		d.URL, d.IsDefault = u, false
		d.Name = DatasourceNamePrefix + d.Name
		// The cluster's Loki may be multi-tenant: queries name the tenant.
		if t := s.Kubernetes.LokiTenant; t != "" && d.UID == grafana.DatasourceLoki {
			d.JSONData.HTTPHeaderName1 = "X-Scope-OrgID"
			d.SecureJSONData = map[string]string{"httpHeaderValue1": t}
		}
	}
	return ds, nil
}
