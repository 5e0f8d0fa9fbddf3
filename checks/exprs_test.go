package checks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/grafana"
	"github.com/obsgen/obsgen/generators/rules"
)

// promql is Prometheus' own parser with default options, as Prometheus 3
// runs it.
var promql = parser.NewParser(parser.Options{})

// query is one PromQL expression found in a generated file.
type query struct {
	where string
	expr  string
	// selector marks a label_values() argument: a series selector only.
	selector bool
}

// loadRules parses a rule file with Prometheus' rule loader, which also
// parses and validates every expression and template.
func loadRules(t testing.TB, sc scenario) *rulefmt.RuleGroups {
	t.Helper()
	groups, errs := rulefmt.Parse(sc.read(t, rules.RulesPath(sc.Spec)), false, model.UTF8Validation, promql, slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		t.Fatalf("%s: Prometheus rejects the rules: %v", sc.Name, errs)
	}
	return groups
}

// decodeDashboard decodes a dashboard strictly: a field the typed model
// does not know is an error.
func decodeDashboard(b []byte) (grafana.Dashboard, error) {
	var d grafana.Dashboard
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, err
	}
	if dec.More() {
		return d, fmt.Errorf("trailing data after the dashboard object")
	}
	return d, nil
}

func decodeYAMLStrict(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// grafanaVars are values for the dashboard's variables and Grafana's
// built-in intervals, so queries can be parsed as Grafana sends them.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "1m",
	"$__interval", "1m",
	"$environment", "production",
	"$instance", ".*",
	"$level", ".+",
)

func interpolate(expr string) (string, error) {
	out := grafanaVars.Replace(expr)
	if strings.Contains(out, "$") {
		return "", fmt.Errorf("unknown variable left in %q", out)
	}
	return out, nil
}

var labelValuesRE = regexp.MustCompile(`^label_values\((.*), *([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

// dashboardQueries returns every PromQL expression of a dashboard: panel
// targets on Prometheus, query variables and annotations.
func dashboardQueries(t *testing.T, d grafana.Dashboard) []query {
	t.Helper()
	var out []query
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			if tg.Datasource != nil && tg.Datasource.Type == "prometheus" {
				out = append(out, query{where: fmt.Sprintf("panel %q target %s", p.Title, tg.RefID), expr: tg.Expr})
			}
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValuesRE.FindStringSubmatch(v.Query)
		if m == nil {
			t.Fatalf("variable %s: query %q is not label_values(selector, label)", v.Name, v.Query)
		}
		out = append(out, query{where: "variable " + v.Name, expr: m[1], selector: true})
	}
	for _, a := range d.Annotations.List {
		out = append(out, query{where: "annotation " + a.Name, expr: a.Expr})
	}
	return out
}

// ruleQueries returns the expression of every rule.
func ruleQueries(groups *rulefmt.RuleGroups) (qs []query, recorded map[string]bool) {
	recorded = map[string]bool{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			name := r.Record + r.Alert
			qs = append(qs, query{where: "rule " + name, expr: r.Expr})
			if r.Record != "" {
				recorded[r.Record] = true
			}
		}
	}
	return qs, recorded
}

// parseQuery parses an expression (after Grafana's interpolation) and
// returns the metric names it selects.
func parseQuery(q query) ([]string, error) {
	expr, err := interpolate(q.expr)
	if err != nil {
		return nil, err
	}
	if q.selector {
		ms, err := promql.ParseMetricSelector(expr)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Name == model.MetricNameLabel {
				return []string{m.Value}, nil
			}
		}
		return nil, fmt.Errorf("selector %q names no metric", expr)
	}
	node, err := promql.ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	var names []string
	var missing error
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == model.MetricNameLabel && m.Type.String() == "=" {
				name = m.Value
			}
		}
		if name == "" {
			missing = fmt.Errorf("a selector in %q names no metric", expr)
		}
		names = append(names, name)
		return nil
	})
	return names, missing
}
