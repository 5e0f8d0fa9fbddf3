package e2e

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/grafana/loki/v3/pkg/logql/syntax"
	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/golden"
)

// logqlRule is what the Loki ruler reads of a rule.
type logqlRule struct {
	Alert  string `yaml:"alert"`
	Record string `yaml:"record"`
	Expr   string `yaml:"expr"`
}

// lokiRules returns every LogQL rule of a scenario, by file.
func lokiRules(t *testing.T, sc golden.Scenario) map[string][]logqlRule {
	t.Helper()
	out := map[string][]logqlRule{}
	for _, f := range filesUnder(sc, "/loki/rules/", ".yml") {
		var rf struct {
			Groups []struct {
				Name  string      `yaml:"name"`
				Rules []logqlRule `yaml:"rules"`
			} `yaml:"groups"`
		}
		// Only expressions matter here; the ruler checks the rest of the file.
		if err := yaml.Unmarshal(sc.Files[f], &rf); err != nil {
			t.Fatalf("%s: %s: %v", sc.Name, f, err)
		}
		for _, g := range rf.Groups {
			out[f] = append(out[f], g.Rules...)
		}
	}
	return out
}

// grafanaVars are the dashboard variables Grafana replaces before a query
// reaches Loki; the parser sees what Loki would.
var grafanaVars = regexp.MustCompile(`\$\{?(__auto|__interval|__rate_interval|__range)\}?`)

// expandGrafanaVars replaces Grafana's interval variables with a duration.
func expandGrafanaVars(q string) string { return grafanaVars.ReplaceAllString(q, "5m") }

// dashboardLogQL returns every Loki query of a scenario's dashboards: the
// targets of panels (or targets) whose datasource is of type loki.
func dashboardLogQL(t *testing.T, sc golden.Scenario) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, f := range filesUnder(sc, "/grafana/", ".json") {
		var doc any
		if err := json.Unmarshal(sc.Files[f], &doc); err != nil {
			t.Fatalf("%s: %s: %v", sc.Name, f, err)
		}
		walkExprs(doc, "loki", false, func(expr string) { out[f] = append(out[f], expr) })
	}
	return out
}

// walkExprs visits every "expr" below v that belongs to a datasource of
// type dsType (a panel's or a target's own datasource wins over its parent's).
func walkExprs(v any, dsType string, in bool, visit func(string)) {
	switch n := v.(type) {
	case map[string]any:
		if ds, ok := n["datasource"]; ok {
			m, _ := ds.(map[string]any)
			in = m != nil && m["type"] == dsType
		}
		if e, ok := n["expr"].(string); ok && in {
			visit(e)
		}
		for k, c := range n {
			if k != "datasource" {
				walkExprs(c, dsType, in, visit)
			}
		}
	case []any:
		for _, c := range n {
			walkExprs(c, dsType, in, visit)
		}
	}
}

// TestLogQLParses parses every generated LogQL expression with Loki's own
// parser: alert rules must be metric queries, dashboard queries anything
// Loki accepts.
func TestLogQLParses(t *testing.T) {
	rules, panels := 0, 0
	for _, sc := range scenarios(t) {
		for f, rs := range lokiRules(t, sc) {
			for _, r := range rs {
				rules++
				if _, err := syntax.ParseSampleExpr(r.Expr); err != nil {
					t.Errorf("%s: %s: rule %s%s: %v\n%s", sc.Name, f, r.Alert, r.Record, err, r.Expr)
				}
			}
		}
		for f, qs := range dashboardLogQL(t, sc) {
			for _, q := range qs {
				panels++
				if _, err := syntax.ParseExpr(expandGrafanaVars(q)); err != nil {
					t.Errorf("%s: %s: dashboard query: %v\n%s", sc.Name, f, err, q)
				}
			}
		}
	}
	if rules == 0 {
		t.Fatal("no LogQL rule in any golden scenario")
	}
	t.Logf("parsed %d LogQL rules and %d dashboard queries", rules, panels)
	// The parser is a real check: a stream selector without a matcher, an
	// unclosed selector and a log query used as an alert are rejected.
	for _, bad := range []string{`sum(rate({}[5m]))`, `sum(rate({service_name="x"[5m]))`} {
		if _, err := syntax.ParseSampleExpr(bad); err == nil {
			t.Errorf("the LogQL parser accepted %q", bad)
		}
	}
	if _, err := syntax.ParseSampleExpr(`{service_name="x"} |= "panic"`); err == nil {
		t.Error("a log query was accepted as a metric query")
	}
}

// TestReadmeLogQLParses parses the LogQL samples docs/stack.md gives users.
func TestReadmeLogQLParses(t *testing.T) {
	b, err := os.ReadFile("../docs/stack.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```logql\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	if len(blocks) == 0 {
		t.Fatal("docs/stack.md has no logql sample")
	}
	for _, m := range blocks {
		if _, err := syntax.ParseExpr(strings.TrimSpace(m[1])); err != nil {
			t.Errorf("docs/stack.md LogQL sample %q: %v", m[1], err)
		}
	}
}
