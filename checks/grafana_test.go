package checks

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/generators/grafana"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/contract"
)

// contractMetrics are the series the generated service exports (checked
// against a running generated service by the Go instrumentation tests) and
// the up series Prometheus itself writes for every target.
var contractMetrics = map[string]bool{
	contract.RequestDurationBucket: true,
	contract.RequestDurationCount:  true,
	contract.RequestDurationSum:    true,
	contract.GoGoroutines:          true,
	contract.GoHeapBytes:           true,
	contract.GoGCDuration:          true,
	contract.GoGCDurationCount:     true,
	contract.ActiveRequests:        true,
	contract.ProcessCPUSeconds:     true,
	contract.ProcessResidentMemory: true,
	contract.ProcessStartTime:      true,
	contract.ProcessOpenFDs:        true,
	contract.ProcessMaxFDs:         true,
	contract.TargetInfo:            true,
	contract.ScrapeUp:              true,
	// The dependency clients' series (read back from a built package's
	// /metrics by generators/gocode's TestDependenciesInstrumented).
	contract.ClientRequestDurationBucket: true,
	contract.ClientRequestDurationCount:  true,
	contract.DBOperationDurationBucket:   true,
	contract.DBOperationDurationCount:    true,
	contract.DBPoolOpen:                  true,
	contract.DBPoolMaxOpen:               true,
	contract.DBPoolWaits:                 true,
	contract.DBPoolWaitDuration:          true,
	contract.RedisCallDurationBucket:     true,
	contract.RedisCallDurationCount:      true,
	contract.RedisPoolUsage:              true,
	contract.RedisPoolMax:                true,
	contract.RedisPoolTimeouts:           true,
}

func TestRulesLoadInPrometheus(t *testing.T) {
	for _, sc := range stackScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			groups := loadRules(t, sc)
			qs, recorded := ruleQueries(groups)
			if len(qs) < 20 || len(recorded) < 10 {
				t.Fatalf("only %d rules (%d recorded): the generator lost rules", len(qs), len(recorded))
			}
			for _, q := range qs {
				if _, err := parseQuery(q); err != nil {
					t.Errorf("%s: %v", q.where, err)
				}
			}
		})
	}
}

func TestDashboardsDecodeStrictlyAndParse(t *testing.T) {
	for _, sc := range stackScenarios(t) {
		// The service's dashboard; the first of several services also
		// checks the project's overview.
		dashboards := []string{grafana.DashboardPath(sc.Spec)}
		if sc.Project.Listed && sc.Project.Services[0].Spec.Service.Name == sc.Spec.Service.Name {
			dashboards = append(dashboards, grafana.OverviewPath(sc.Spec))
		}
		for _, file := range dashboards {
			t.Run(sc.Name+"/"+path.Base(file), func(t *testing.T) {
				checkDashboardFile(t, sc, file)
			})
		}
	}
}

func checkDashboardFile(t *testing.T, sc scenario, file string) {
	d, err := decodeDashboard(sc.read(t, file))
	if err != nil {
		t.Fatalf("dashboard does not decode strictly: %v", err)
	}
	if d.SchemaVersion != grafana.SchemaVersion || d.UID == "" || len(d.UID) > 40 {
		t.Errorf("schemaVersion %d, uid %q: want %d and a 1-40 character uid", d.SchemaVersion, d.UID, grafana.SchemaVersion)
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
	}
	for _, want := range []string{"environment", "instance"} {
		if !vars[want] {
			t.Errorf("template variable %s is missing", want)
		}
	}
	qs := dashboardQueries(t, d)
	if len(qs) < 15 {
		t.Fatalf("only %d PromQL queries found in the dashboard", len(qs))
	}
	for _, q := range qs {
		if _, err := parseQuery(q); err != nil {
			t.Errorf("%s: %v", q.where, err)
		}
	}
}

// The checks above reject what they should.
func TestParsersRejectBrokenInput(t *testing.T) {
	sc := stackScenarios(t)[0]
	dash := sc.read(t, grafana.DashboardPath(sc.Spec))

	withUnknown := strings.Replace(string(dash), `"schemaVersion"`, `"schemaVersio": 1, "schemaVersion"`, 1)
	if _, err := decodeDashboard([]byte(withUnknown)); err == nil {
		t.Error("a dashboard with an unknown field decoded")
	}
	for _, q := range []query{
		{where: "unbalanced", expr: `sum(rate(up[5m])`},
		{where: "unknown function", expr: `rates(up[5m])`},
		{where: "unknown variable", expr: `rate(up{job=~"$typo"}[5m])`},
		{where: "bad selector", expr: `up{job=}`, selector: true},
	} {
		if _, err := parseQuery(q); err == nil {
			t.Errorf("%s: %q parsed", q.where, q.expr)
		}
	}

	broken := strings.Replace(string(sc.read(t, rules.RulesPath(sc.Spec))), "> (14.4 * ", "> (14.4 ** ", 1)
	sc.Files[rules.RulesPath(sc.Spec)] = []byte(broken)
	ft := &fakeT{T: t}
	func() {
		defer func() { _ = recover() }()
		loadRules(ft, sc)
	}()
	if !ft.failed {
		t.Error("Prometheus' rule loader accepted a broken expression")
	}
}

// fakeT records a Fatal instead of failing the real test.
type fakeT struct {
	*testing.T
	failed bool
}

func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic("fatal") }

// unknownMetrics lists the metric names of queries that are neither in the
// contract nor recorded by the rules.
// unknownMetrics are the series qs read that the service does not export
// (exports says which contract series its language has) and no rule
// records.
func unknownMetrics(qs []query, recorded map[string]bool, exports func(string) bool) ([]string, error) {
	var bad []string
	for _, q := range qs {
		names, err := parseQuery(q)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.where, err)
		}
		for _, n := range names {
			// The stack's own alerts read the components' metrics; e2e
			// checks those names against the real servers.
			// Probe metrics: the blackbox test checks them against the
			// real exporter.
			if !(contractMetrics[n] && exports(n)) && !recorded[n] && !slices.Contains(rules.ProbeMetrics, n) && !slices.ContainsFunc(rules.StackMetrics, func(m rules.StackMetric) bool { return m.Name == n }) {
				bad = append(bad, q.where+": "+n)
			}
		}
	}
	return bad, nil
}

func TestMetricNamesAreTheContracts(t *testing.T) {
	for _, sc := range stackScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			qs, recorded := ruleQueries(loadRules(t, sc))
			d, err := decodeDashboard(sc.read(t, grafana.DashboardPath(sc.Spec)))
			if err != nil {
				t.Fatal(err)
			}
			qs = append(qs, dashboardQueries(t, d)...)
			// A Node service lacks some dependency series
			// (servicetest's TestNodeDependencies reads the others).
			exports := func(string) bool { return true }
			if sc.Spec.Service.Language.IsNode() {
				exports = contract.NodeExports
			}
			bad, err := unknownMetrics(qs, recorded, exports)
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) > 0 {
				t.Fatalf("metrics not in internal/contract nor recorded by the rules:\n%s", strings.Join(bad, "\n"))
			}
			// The check can fail: a name the service does not export.
			bad, _ = unknownMetrics([]query{{where: "made up", expr: `rate(http_requests_total[5m])`}}, recorded, exports)
			if len(bad) != 1 {
				t.Fatalf("a made-up metric name was not reported: %v", bad)
			}
		})
	}
}

// refs lists every datasource reference of a dashboard.
func refs(d grafana.Dashboard) map[string]*grafana.DatasourceRef {
	out := map[string]*grafana.DatasourceRef{}
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		out[fmt.Sprintf("panel %q", p.Title)] = p.Datasource
		for _, tg := range p.Targets {
			out[fmt.Sprintf("panel %q target %s", p.Title, tg.RefID)] = tg.Datasource
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			out["variable "+v.Name] = v.Datasource
		}
	}
	for _, a := range d.Annotations.List {
		out["annotation "+a.Name] = a.Datasource
	}
	return out
}

// unresolved lists references that name no provisioned datasource of
// their type.
func unresolved(d grafana.Dashboard, provisioned map[string]string) []string {
	var bad []string
	for where, ref := range refs(d) {
		switch {
		case ref == nil:
			bad = append(bad, where+": no datasource")
		case provisioned[ref.UID] == "":
			bad = append(bad, fmt.Sprintf("%s: uid %q is not provisioned", where, ref.UID))
		case provisioned[ref.UID] != ref.Type:
			bad = append(bad, fmt.Sprintf("%s: uid %q is a %s datasource, referenced as %s", where, ref.UID, provisioned[ref.UID], ref.Type))
		}
	}
	return bad
}

func TestDatasourcesResolve(t *testing.T) {
	for _, sc := range stackScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			var ds grafana.DatasourcesFile
			if err := decodeYAMLStrict(sc.read(t, grafana.DatasourcesPath(sc.Spec)), &ds); err != nil {
				t.Fatalf("datasources.yml does not decode strictly: %v", err)
			}
			var prov grafana.DashboardsFile
			if err := decodeYAMLStrict(sc.read(t, grafana.DashboardsProvisioningPath(sc.Spec)), &prov); err != nil {
				t.Fatalf("dashboards.yml does not decode strictly: %v", err)
			}
			// The service's dashboard is in the folder of exactly one
			// provider, as Grafana sees it where compose mounts it.
			dash := strings.TrimPrefix(grafana.DashboardPath(sc.Spec), path.Join(sc.Spec.Output.ConfigDir, grafana.Dir, "dashboards"))
			loaders, folders := 0, map[string]bool{}
			for _, pr := range prov.Providers {
				if strings.HasPrefix(grafana.DashboardsMount+dash, strings.TrimSuffix(pr.Options.Path, "/")+"/") {
					loaders++
				}
				if folders[pr.Folder] {
					t.Errorf("two providers load into folder %q", pr.Folder)
				}
				folders[pr.Folder] = true
			}
			if loaders != 1 {
				t.Errorf("%d dashboard providers load %s, want 1: %+v", loaders, grafana.DashboardsMount+dash, prov.Providers)
			}
			provisioned := map[string]string{}
			for _, d := range ds.Datasources {
				if provisioned[d.UID] != "" {
					t.Errorf("uid %s provisioned twice", d.UID)
				}
				provisioned[d.UID] = d.Type
			}
			// The trace backend is the spec's, or none without tracing.
			wantTrace := ""
			if sc.Spec.Tracing.Enabled {
				wantTrace = sc.Spec.Tracing.Backend
			}
			for _, typ := range []string{"jaeger", "tempo"} {
				has := false
				for _, d := range ds.Datasources {
					has = has || d.Type == typ
				}
				if has != (typ == wantTrace) {
					t.Errorf("%s datasource provisioned: %v, tracing backend %q", typ, has, wantTrace)
				}
			}
			// Links between datasources resolve too.
			for _, d := range ds.Datasources {
				for _, f := range d.JSONData.DerivedFields {
					if provisioned[f.DatasourceUID] != wantTrace {
						t.Errorf("%s derived field %s links to %q", d.Name, f.Name, f.DatasourceUID)
					}
				}
				for _, e := range d.JSONData.ExemplarTraceIDDestinations {
					if provisioned[e.DatasourceUID] != wantTrace {
						t.Errorf("%s exemplar destination links to %q", d.Name, e.DatasourceUID)
					}
				}
				if l := d.JSONData.TracesToLogsV2; l != nil && provisioned[l.DatasourceUID] != "loki" {
					t.Errorf("%s traces-to-logs links to %q", d.Name, l.DatasourceUID)
				}
			}
			d, err := decodeDashboard(sc.read(t, grafana.DashboardPath(sc.Spec)))
			if err != nil {
				t.Fatal(err)
			}
			if bad := unresolved(d, provisioned); len(bad) > 0 {
				t.Fatalf("unresolved datasource references:\n%s", strings.Join(bad, "\n"))
			}
			// The check can fail: a reference to a UID nobody provisions.
			d.Panels[1].Datasource = &grafana.DatasourceRef{Type: "prometheus", UID: "obsgen-typo"}
			if bad := unresolved(d, provisioned); len(bad) == 0 {
				t.Fatal("a dangling datasource uid was not reported")
			}
		})
	}
}

// Grafana expands $VAR and ${VAR} in provisioning files from its
// environment; a literal $ must be written $$.
var loneDollar = regexp.MustCompile(`\$[^$]`)

func TestProvisioningEscapesDollars(t *testing.T) {
	for _, sc := range stackScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			raw := string(sc.read(t, grafana.DatasourcesPath(sc.Spec)))
			body := raw[strings.Index(raw, "apiVersion:"):]
			if m := loneDollar.FindString(strings.ReplaceAll(body, "$$", "")); m != "" {
				t.Fatalf("datasources.yml has an unescaped %q: Grafana would expand it from its environment", m)
			}
			if sc.Spec.Tracing.Enabled && !strings.Contains(body, "$${__trace.traceId}") {
				t.Fatal("traces-to-logs query lost its trace ID placeholder")
			}
		})
	}
}
