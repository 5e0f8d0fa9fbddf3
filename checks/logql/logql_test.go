package logql

import (
	"bytes"
	"encoding/json"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/grafana/loki/v3/pkg/logql/syntax"
	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/grafana"
	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/generators/loki"
	"github.com/obsgen/obsgen/golden/goldentest"
)

type scenario struct{ goldentest.Scenario }

// Where a scenario's dashboard, datasources and Loki rules are: the local
// stack's files, or the Kubernetes chart's embedded copies of the same.
func (sc scenario) dashboardPath() string {
	if kubernetes.Enabled(sc.Spec) {
		return path.Join(kubernetes.ChartDir(sc.Spec), kubernetes.DashboardFile)
	}
	return grafana.DashboardPath(sc.Spec)
}

func (sc scenario) datasourcesPath() string {
	if kubernetes.Enabled(sc.Spec) {
		return path.Join(kubernetes.ChartDir(sc.Spec), kubernetes.DatasourcesFile)
	}
	return grafana.DatasourcesPath(sc.Spec)
}

func (sc scenario) lokiRulesPath() string {
	if kubernetes.Enabled(sc.Spec) {
		return path.Join(kubernetes.ChartDir(sc.Spec), kubernetes.LokiRulesFile)
	}
	return loki.RulesPath(sc.Spec)
}

func scenarios(t *testing.T) []scenario {
	t.Helper()
	var out []scenario
	for _, sc := range goldentest.Load(t, goldentest.Options{AtLeast: 3}) {
		out = append(out, scenario{sc})
	}
	return out
}

// grafanaVars stand in for what Grafana sends Loki: its intervals, the
// dashboard's variables at "All", and a trace ID in a traces-to-logs link.
var grafanaVars = strings.NewReplacer(
	"$__interval", "1m",
	"$environment", ".*",
	"$level", ".+",
	"${__trace.traceId}", "4bf92f3577b34da6a3ce929d0e0e4736",
)

var leftover = regexp.MustCompile(`\$`)

func parse(t *testing.T, where, q string) {
	t.Helper()
	expr := grafanaVars.Replace(q)
	if leftover.MatchString(expr) {
		t.Errorf("%s: unknown variable left in %q", where, expr)
		return
	}
	if _, err := syntax.ParseExpr(expr); err != nil {
		t.Errorf("%s: Loki rejects %q: %v", where, expr, err)
	}
}

func TestGeneratedLogQLParses(t *testing.T) {
	parsed := 0
	for _, sc := range scenarios(t) {
		var d grafana.Dashboard
		dec := json.NewDecoder(bytes.NewReader(sc.Files[sc.dashboardPath()]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("%s: dashboard: %v", sc.Name, err)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				if tg.Datasource != nil && tg.Datasource.Type == "loki" {
					parse(t, sc.Name+": panel "+p.Title, tg.Expr)
					parsed++
				}
			}
		}
		var ds grafana.DatasourcesFile
		if err := yaml.Unmarshal(sc.Files[sc.datasourcesPath()], &ds); err != nil {
			t.Fatalf("%s: datasources: %v", sc.Name, err)
		}
		for _, d := range ds.Datasources {
			if l := d.JSONData.TracesToLogsV2; l != nil {
				// Grafana reads $$ in provisioning files as a literal $.
				parse(t, sc.Name+": "+d.Name+" traces-to-logs", strings.ReplaceAll(l.Query, "$$", "$"))
				parsed++
			}
		}
	}
	if parsed < 10 {
		t.Fatalf("parsed only %d LogQL expressions", parsed)
	}
}

// The parser is a real check.
func TestLokiRejectsBrokenLogQL(t *testing.T) {
	for _, q := range []string{
		`{service_name=~".*"}`, // no matcher that excludes the empty value
		`{service_name="checkout"`,
		`sum by (level) (count_over_time({service_name="checkout"}))`,
	} {
		if _, err := syntax.ParseExpr(q); err == nil {
			t.Errorf("Loki's parser accepted %q", q)
		}
	}
}

// runbookQueries returns the LogQL blocks of a runbook, in order.
func runbookQueries(md string) []string {
	var out []string
	for _, block := range strings.Split(md, "```logql\n")[1:] {
		q, _, _ := strings.Cut(block, "```")
		out = append(out, strings.TrimSpace(q))
	}
	return out
}

// logSelections returns the log queries (selector and pipeline) an
// expression counts or rates over.
func logSelections(t *testing.T, q string) []string {
	t.Helper()
	e, err := syntax.ParseExpr(q)
	if err != nil {
		t.Fatalf("Loki rejects %q: %v", q, err)
	}
	var out []string
	e.Walk(func(e syntax.Expr) bool {
		if r, ok := e.(*syntax.LogRangeExpr); ok {
			out = append(out, r.Left.String())
			return false
		}
		return true
	})
	return out
}

// A log alert's runbook tells the responder to run exactly the lines the
// alert counts: for PanicLogged, the panics, not every error line.
func TestLogRunbooksQueryWhatTheAlertCounts(t *testing.T) {
	checked := 0
	for _, sc := range scenarios(t) {
		var rf struct {
			Groups []struct {
				Rules []struct {
					Alert string `yaml:"alert"`
					Expr  string `yaml:"expr"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(sc.Files[sc.lokiRulesPath()], &rf); err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert != loki.AlertPanicLogged {
					continue
				}
				checked++
				want := logSelections(t, r.Expr)
				qs := runbookQueries(string(sc.Files[loki.RunbookPath(sc.Spec, r.Alert)]))
				if len(want) != 1 || len(qs) < 2 {
					t.Fatalf("%s: %s: want one selection in the rule and a query in the runbook, got %q and %q", sc.Name, r.Alert, want, qs)
				}
				got, err := syntax.ParseExpr(qs[1])
				if err != nil {
					t.Fatalf("%s: runbook query %q: %v", sc.Name, qs[1], err)
				}
				if got.String() != want[0] {
					t.Errorf("%s: %s runbook runs %s, the alert counts %s", sc.Name, r.Alert, got.String(), want[0])
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no PanicLogged rule in any scenario")
	}
}
