package logql

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/grafana/loki/v3/pkg/logql/syntax"
	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/grafana"
	"github.com/obsgen/obsgen/golden"
	"github.com/obsgen/obsgen/internal/spec"
)

type scenario struct {
	golden.Scenario
	Spec spec.Spec
}

func scenarios(t *testing.T) []scenario {
	t.Helper()
	all, err := golden.Generating()
	if err != nil {
		t.Fatal(err)
	}
	var out []scenario
	for _, sc := range all {
		s, err := sc.Spec()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, scenario{Scenario: sc, Spec: s})
	}
	if len(out) < 3 {
		t.Fatalf("found %d generating golden scenarios, want at least 3", len(out))
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
		dec := json.NewDecoder(bytes.NewReader(sc.Files[grafana.DashboardPath(sc.Spec)]))
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
		if err := yaml.Unmarshal(sc.Files[grafana.DatasourcesPath(sc.Spec)], &ds); err != nil {
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
