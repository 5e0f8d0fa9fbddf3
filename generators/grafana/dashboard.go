package grafana

import (
	"fmt"
	"strings"

	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Template variable names.
const (
	varEnvironment = "environment"
	varInstance    = "instance"
	varLevel       = "level"
)

var (
	promRef = &DatasourceRef{Type: "prometheus", UID: DatasourcePrometheus}
	lokiRef = &DatasourceRef{Type: "loki", UID: DatasourceLoki}
)

func ptr[T any](v T) *T { return &v }

// builder lays panels out row by row on Grafana's 24-column grid.
type builder struct {
	panels []Panel
	y, x   int
	rowH   int
	nextID int
}

func (b *builder) row(title string) {
	if b.x > 0 {
		b.y += b.rowH
	}
	b.nextID++
	b.panels = append(b.panels, Panel{ID: b.nextID, Type: "row", Title: title, Collapsed: ptr(false), GridPos: GridPos{H: 1, W: 24, Y: b.y}})
	b.y++
	b.x, b.rowH = 0, 0
}

func (b *builder) add(w, h int, p Panel) {
	if b.x+w > 24 {
		b.y += b.rowH
		b.x, b.rowH = 0, 0
	}
	b.nextID++
	p.ID = b.nextID
	p.GridPos = GridPos{H: h, W: w, X: b.x, Y: b.y}
	for i := range p.Targets {
		p.Targets[i].RefID = string(rune('A' + i))
		if p.Targets[i].Datasource == nil {
			p.Targets[i].Datasource = p.Datasource
		}
	}
	b.panels = append(b.panels, p)
	b.x += w
	if h > b.rowH {
		b.rowH = h
	}
}

func prom(expr, legend string) Target {
	return Target{Datasource: promRef, Expr: expr, LegendFormat: legend, Range: true}
}

func promInstant(expr string) Target {
	return Target{Datasource: promRef, Expr: expr, Instant: true}
}

func steps(colors ...any) *Thresholds {
	t := &Thresholds{Mode: "absolute"}
	for i := 0; i < len(colors); i += 2 {
		st := ThresholdStep{Color: colors[i].(string)}
		if v, ok := colors[i+1].(float64); ok {
			st.Value = ptr(v)
		}
		t.Steps = append(t.Steps, st)
	}
	return t
}

func stat(title, desc, unit string, decimals int, th *Thresholds, t Target) Panel {
	return Panel{
		Type: "stat", Title: title, Description: desc, Datasource: promRef, Targets: []Target{t},
		FieldConfig: &FieldConfig{
			Defaults:  FieldDefaults{Unit: unit, Decimals: ptr(decimals), Color: &FieldColor{Mode: "thresholds"}, Thresholds: th},
			Overrides: []Override{},
		},
		Options: &PanelOptions{
			ReduceOptions: &ReduceOptions{Calcs: []string{"lastNotNull"}, Fields: "", Values: false},
			ColorMode:     "value", GraphMode: "area", TextMode: "auto", JustifyMode: "auto",
		},
	}
}

func timeseries(title, desc, unit string, th *Thresholds, targets ...Target) Panel {
	custom := &FieldCustom{DrawStyle: "line", LineWidth: 1, FillOpacity: 10, ShowPoints: "never"}
	if th != nil {
		custom.ThresholdsStyle = &ThresholdsStyle{Mode: "dashed"}
	} else {
		th = steps("green", nil)
	}
	return Panel{
		Type: "timeseries", Title: title, Description: desc, Datasource: promRef, Targets: targets,
		FieldConfig: &FieldConfig{
			Defaults:  FieldDefaults{Unit: unit, Min: ptr(0.0), Color: &FieldColor{Mode: "palette-classic"}, Thresholds: th, Custom: custom},
			Overrides: []Override{},
		},
		Options: &PanelOptions{
			Legend:  &Legend{DisplayMode: "list", Placement: "bottom", ShowLegend: true, Calcs: []string{}},
			Tooltip: &Tooltip{Mode: "multi", Sort: "desc"},
		},
	}
}

// selector is the label matchers of the service's own series, narrowed by
// the dashboard variables. An empty variable matches series without the
// label, so the dashboard also works where no environment label is set.
func selector(s spec.Spec, extra ...string) string {
	m := []string{
		fmt.Sprintf("%s=%q", contract.LabelJob, s.Service.Name),
		fmt.Sprintf("%s=~\"$%s\"", contract.LabelEnvironment, varEnvironment),
		fmt.Sprintf("%s=~\"$%s\"", contract.LabelInstance, varInstance),
	}
	return "{" + strings.Join(append(m, extra...), ", ") + "}"
}

// recordSelector narrows a recorded SLO ratio, which keeps job and environment.
func recordSelector(s spec.Spec) string {
	return fmt.Sprintf("{%s=%q, %s=~\"$%s\"}", contract.LabelJob, s.Service.Name, contract.LabelEnvironment, varEnvironment)
}

const rateWindow = "[$__rate_interval]"

// Build returns the service dashboard.
func Build(s spec.Spec) Dashboard {
	m := slo.New(s)
	svc := s.Service.Name
	count := contract.RequestDurationCount
	errSel := fmt.Sprintf("%s=~\"5..\"", contract.LabelStatus)
	upSel := fmt.Sprintf("{%s=%q}", contract.LabelJob, svc)
	b := &builder{}

	b.row("Service level objectives (" + slo.Dur(m.SLOWindow) + ")")
	sloStats(b, s, m)

	b.row("Error budget burn rate")
	var pages, tickets []string
	for _, w := range m.Windows() {
		at := fmt.Sprintf("%s (%s)", slo.Number(w.Burn), slo.Dur(w.Long))
		if w.Severity == slo.SeverityPage {
			pages = append(pages, at)
		} else {
			tickets = append(tickets, at)
		}
	}
	for _, o := range m.Objectives {
		var targets []Target
		for _, w := range m.Windows() {
			targets = append(targets, prom(fmt.Sprintf("%s%s / %s", o.Record(w.Long), recordSelector(s), o.BudgetText()), slo.Dur(w.Long)))
		}
		b.add(12, 8, timeseries(title(o.Title)+" burn rate",
			"How many times faster than allowed the error budget is spent, over each alert's long window. 1 spends exactly the budget in "+slo.Dur(m.SLOWindow)+"; the alerts page at "+strings.Join(pages, " and ")+", and open tickets at "+strings.Join(tickets, " and ")+".",
			"x", steps("green", nil, "orange", 1.0, "red", m.Windows()[0].Burn), targets...))
	}

	b.row("Traffic and errors")
	b.add(12, 8, timeseries("Requests by route", "Requests per second by route template.", "reqps", nil,
		prom(fmt.Sprintf("sum by (%s) (rate(%s%s%s))", contract.LabelRoute, count, selector(s), rateWindow), "{{"+contract.LabelRoute+"}}")))
	b.add(12, 8, timeseries("5xx ratio by route", "Share of each route's requests that failed with a 5xx status.", "percentunit",
		steps("green", nil, "red", m.Objectives[0].Budget()),
		prom(errorRatio(contract.LabelRoute, count+selector(s, errSel)+rateWindow, count+selector(s)+rateWindow), "{{"+contract.LabelRoute+"}}")))
	b.add(24, 7, timeseries("Requests by status code", "Requests per second by HTTP status code.", "reqps", nil,
		prom(fmt.Sprintf("sum by (%s) (rate(%s%s%s))", contract.LabelStatus, count, selector(s), rateWindow), "{{"+contract.LabelStatus+"}}")))

	b.row("Latency by route")
	for _, q := range []string{"0.5", "0.95", "0.99"} {
		name := "p" + strings.TrimPrefix(strings.TrimPrefix(q, "0."), "0")
		if q == "0.5" {
			name = "p50"
		}
		latency := prom(fmt.Sprintf("histogram_quantile(%s, sum by (%s, %s) (rate(%s%s%s)))", q, contract.LabelBucket, contract.LabelRoute, contract.RequestDurationBucket, selector(s), rateWindow), "{{"+contract.LabelRoute+"}}")
		// Dots with the trace ID of sampled requests, linked to the
		// trace datasource (exemplarTraceIdDestinations).
		latency.Exemplar = true
		b.add(8, 8, timeseries(name+" latency", fmt.Sprintf("%s request duration by route, from the histogram; the dots are exemplars, each a sampled request's trace. The dashed line is the latency SLO threshold (%s).", name, s.SLO.LatencyThreshold), "s",
			steps("green", nil, "red", m.LatencySeconds), latency))
	}

	b.row("Saturation and process")
	b.add(6, 7, timeseries("Requests in flight", "Requests being served right now, per instance: climbing while throughput stays flat means requests queue (a slow dependency, too few instances).", "short", nil,
		prom(fmt.Sprintf("sum by (%s) (%s%s)", contract.LabelInstance, contract.ActiveRequests, selector(s)), "{{"+contract.LabelInstance+"}}")))
	b.add(6, 7, timeseries("CPU", "CPU seconds used per second, per instance (1 = one core).", "short", nil,
		prom(fmt.Sprintf("sum by (%s) (rate(%s%s%s))", contract.LabelInstance, contract.ProcessCPUSeconds, selector(s), rateWindow), "{{"+contract.LabelInstance+"}}")))
	b.add(6, 7, timeseries("Resident memory", "Memory the process holds, per instance; compare with the container's limit.", "bytes", nil,
		prom(fmt.Sprintf("sum by (%s) (%s%s)", contract.LabelInstance, contract.ProcessResidentMemory, selector(s)), "{{"+contract.LabelInstance+"}}")))
	b.add(6, 7, timeseries("Open file descriptors", "Share of the file descriptor limit in use, per instance (Go services): sockets count, so a leak of connections shows here first.", "percentunit",
		steps("green", nil, "orange", 0.8, "red", 0.95),
		prom(fmt.Sprintf("max by (%s) (%s%s / %s%s)", contract.LabelInstance, contract.ProcessOpenFDs, selector(s), contract.ProcessMaxFDs, selector(s)), "{{"+contract.LabelInstance+"}}")))

	dependencyRow(b, s, m)

	if s.IsGo() {
		b.row("Go runtime")
		b.add(8, 7, timeseries("Goroutines", "Live goroutines per instance: a steady climb is a leak.", "short", nil,
			prom(fmt.Sprintf("sum by (%s) (%s%s)", contract.LabelInstance, contract.GoGoroutines, selector(s)), "{{"+contract.LabelInstance+"}}")))
		b.add(8, 7, timeseries("Heap in use", "Bytes of allocated heap objects per instance.", "bytes", nil,
			prom(fmt.Sprintf("sum by (%s) (%s%s)", contract.LabelInstance, contract.GoHeapBytes, selector(s)), "{{"+contract.LabelInstance+"}}")))
		b.add(8, 7, timeseries("GC cycles", "Garbage collections per second per instance.", "ops", nil,
			prom(fmt.Sprintf("sum by (%s) (rate(%s%s%s))", contract.LabelInstance, contract.GoGCDurationCount, selector(s), rateWindow), "{{"+contract.LabelInstance+"}}")))
	}

	// Seen from outside: the blackbox exporter's probes of the health
	// endpoint and the public URLs (alerts.probe_urls).
	probe := rules.ProbeSelector(s)
	b.row("Uptime from outside (blackbox probes)")
	b.add(8, 7, timeseries("Probe success", "1 when the probe of the URL succeeded (2xx, and TLS where required), 0 when it failed; "+rules.AlertProbeFailing+" pages after 2m of 0.", "short",
		steps("red", nil, "green", 1.0),
		prom(fmt.Sprintf("max by (%s, module) (probe_success%s)", contract.LabelInstance, probe), "{{"+contract.LabelInstance+"}}")))
	b.add(8, 7, timeseries("Probe duration", "How long the whole probe took (DNS, connect, TLS, response), per URL.", "s", nil,
		prom(fmt.Sprintf("max by (%s) (probe_duration_seconds%s)", contract.LabelInstance, probe), "{{"+contract.LabelInstance+"}}")))
	ticketAt, pageAt := rules.CertExpiryThresholds()
	b.add(8, 7, timeseries("TLS certificate expires in", "Time left until the earliest-expiring certificate of each HTTPS URL expires: a ticket below 14 days, a page below 3.", "s",
		steps("red", nil, "orange", pageAt.Seconds(), "green", ticketAt.Seconds()),
		prom(fmt.Sprintf("min by (%s) (probe_ssl_earliest_cert_expiry%s) - time()", contract.LabelInstance, probe), "{{"+contract.LabelInstance+"}}")))

	b.row("Logs and traces")
	stream := LogStreamSelector(s)
	volume := timeseries("Log lines by level", "Log lines per interval by level, from Loki.", "short", nil,
		Target{Datasource: lokiRef, Expr: fmt.Sprintf("sum by (%s) (count_over_time(%s [$__interval]))", contract.LokiLabelLevel, stream), LegendFormat: "{{" + contract.LokiLabelLevel + "}}", QueryType: "range"})
	volume.Datasource = lokiRef
	volume.FieldConfig.Defaults.Custom.DrawStyle = "bars"
	volume.FieldConfig.Defaults.Custom.FillOpacity = 80
	volume.FieldConfig.Defaults.Custom.Stacking = &Stacking{Mode: "normal", Group: "A"}
	b.add(24, 6, volume)
	logsDesc := "The service's log lines, filtered by the level variable."
	if _, ok := TraceDatasource(s); ok {
		logsDesc += " Open a line: its trace_id links to the trace."
	}
	b.add(24, 12, Panel{
		Type: "logs", Title: "Logs", Description: logsDesc, Datasource: lokiRef,
		Targets: []Target{{Datasource: lokiRef, Expr: stream, QueryType: "range"}},
		Options: &PanelOptions{ShowTime: true, WrapLogMessage: true, EnableLogDetails: true, SortOrder: "Descending", DedupStrategy: "none"},
	})
	if trace, ok := TraceDatasource(s); ok {
		ref := &trace
		t := Target{Datasource: ref, Limit: 20}
		if trace.Type == "tempo" {
			t.QueryType, t.Query, t.TableType = "traceql", TraceQL(s), "traces"
		} else {
			t.QueryType, t.Service = "search", svc
		}
		b.add(24, 10, Panel{
			Type: "table", Title: "Recent traces (" + trace.Type + ")", Description: "The latest traces of the service; a trace ID opens the trace, and each span links to its log lines.",
			Datasource: ref, Targets: []Target{t}, Options: &PanelOptions{ShowHeader: true},
			FieldConfig: &FieldConfig{Defaults: FieldDefaults{}, Overrides: []Override{}},
		})
	}

	d := newDashboard(slo.DashboardUID(svc), svc,
		fmt.Sprintf("Is %s healthy? SLOs and their burn rate, traffic, errors, latency, saturation, logs and traces. Generated by obsgen.", svc),
		[]string{"obsgen", svc, "slo"}, strings.Trim(upSel, "{}"), b.panels)
	d.Templating.List = append(d.Templating.List, Variable{
		// All is every line, those without a level too: the runtime's
		// crash output is kept raw, with none.
		Name: varLevel, Label: "Log level", Type: "custom",
		Query:      strings.Join([]string{contract.LevelDebug, contract.LevelInfo, contract.LevelWarn, contract.LevelError}, ","),
		IncludeAll: true, Multi: true, AllValue: ".*",
	})
	d.Annotations.List = []Annotation{{
		// A version that was not there a few minutes ago is a deploy:
		// every panel shows when it happened.
		Name: "Deploys", Datasource: promRef, Enable: true, IconColor: "purple", Step: "1m",
		Expr: fmt.Sprintf("count by (%s) (%s{%s=%q, %s=~\"$%s\"}) unless count by (%s) (%s{%s=%q, %s=~\"$%s\"} offset 5m)",
			contract.LabelServiceVersion, contract.TargetInfo, contract.LabelJob, svc, contract.LabelEnvironment, varEnvironment,
			contract.LabelServiceVersion, contract.TargetInfo, contract.LabelJob, svc, contract.LabelEnvironment, varEnvironment),
		TitleFormat: "deploy {{" + contract.LabelServiceVersion + "}}", TagKeys: contract.LabelServiceVersion,
	}}
	return d
}

// LogStreamSelector is the Loki stream selector of the service's logs,
// narrowed by the environment and level variables (the environment label
// has the same values in Prometheus and Loki: both come from the spec).
func LogStreamSelector(s spec.Spec) string {
	return fmt.Sprintf("{%s=%q, %s=~\"$%s\", %s=~\"$%s\"}", contract.LokiLabelService, s.Service.Name,
		contract.LokiLabelEnvironment, varEnvironment, contract.LokiLabelLevel, varLevel)
}

// TraceQL is the Tempo search of the service's traces.
func TraceQL(s spec.Spec) string {
	return fmt.Sprintf("{resource.service.name=%q}", s.Service.Name)
}

// errorRatio is the share of requests that failed, by the given labels: 0,
// not "No data", when there are requests and no 5xx series at all.
func errorRatio(by, bad, all string) string {
	agg := "sum"
	if by != "" {
		agg = "sum by (" + by + ")"
	}
	return fmt.Sprintf("(\n  %s (rate(%s))\n  or\n  0 * %s (rate(%s))\n)\n/\n%s (rate(%s))", agg, bad, agg, all, agg, all)
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func badNote(o slo.Objective) string {
	if o.Kind == "latency" {
		return " Counted from the histogram bucket at the threshold."
	}
	return ""
}

// dependencyRow shows what the service calls (obsgen.yaml's dependencies),
// per dependency: calls, failed calls and latency for each call family,
// and the database/sql pools. Its queries read the series and failure
// matchers the dependency alerts read.
func dependencyRow(b *builder, s spec.Spec, m slo.Model) {
	fams := rules.DependencyCallFamilies(s)
	if len(fams) == 0 {
		return
	}
	dep := contract.LabelDependency
	legend := "{{" + dep + "}}"
	failing, waiters := rules.DependencyThresholds()
	b.row("Dependencies")
	var calls, failed, latency []Target
	for _, f := range fams {
		calls = append(calls, prom(fmt.Sprintf("sum by (%s) (rate(%s%s%s))", dep, f.Count, selector(s), rateWindow), legend+" "+f.Title))
		failed = append(failed, prom(errorRatio(dep, f.Count+selector(s, f.Failed)+rateWindow, f.Count+selector(s)+rateWindow), legend+" "+f.Title))
		latency = append(latency, prom(fmt.Sprintf("histogram_quantile(0.95, sum by (%s, %s) (rate(%s%s%s)))%s", contract.LabelBucket, dep, f.Bucket, selector(s), rateWindow, f.ToSeconds), legend+" "+f.Title))
	}
	b.add(8, 8, timeseries("Calls by dependency", "Calls per second to each dependency (HTTP, database, Redis commands and pipelines).", "reqps", nil, calls...))
	b.add(8, 8, timeseries("Failed calls by dependency", fmt.Sprintf("Share of each dependency's calls that failed: HTTP a 5xx or no answer (refused, timed out), database or Redis an error (a missing Redis key is not one). %s opens a ticket above %s.", rules.AlertDependencyFailing, slo.Percent(failing)), "percentunit",
		steps("green", nil, "red", failing), failed...))
	b.add(8, 8, timeseries("p95 call latency by dependency", fmt.Sprintf("95th percentile duration of each dependency's calls. The dashed line is the service's latency SLO threshold (%s): %s opens a ticket when more than 5%% of a dependency's calls take longer.", s.SLO.LatencyThreshold, rules.AlertDependencySlow), "s",
		steps("green", nil, "red", m.LatencySeconds), latency...))
	if s.Dependencies.Has("http") {
		b.add(24, 7, timeseries("HTTP calls by dependency and outcome", "Outbound calls per second by status code, or by error type when no response came (connection refused, timeout). 4xx are the dependency refusing our requests: usually ours to fix (credentials, request shape).", "reqps", nil,
			prom(fmt.Sprintf("sum by (%s, %s, %s) (rate(%s%s%s))", dep, contract.LabelStatus, contract.LabelErrorType, contract.ClientRequestDurationCount, selector(s), rateWindow), legend+" {{"+contract.LabelStatus+"}}{{"+contract.LabelErrorType+"}}")))
	}
	// ioredis has no pool: a Node service exports none of the panel's
	// series (contract.NodeLacks).
	if s.Dependencies.Has("redis") && (!s.Service.Language.IsNode() || contract.NodeExports(contract.RedisPoolUsage)) {
		b.add(24, 7, timeseries("Redis pool connections", "Connections of each Redis client's pool by state (used, idle) against its PoolSize, and commands that timed out waiting for a connection.", "short", nil,
			prom(fmt.Sprintf("sum by (%s, %s) (%s%s)", dep, contract.LabelRedisPoolState, contract.RedisPoolUsage, selector(s)), legend+" {{"+contract.LabelRedisPoolState+"}}"),
			prom(fmt.Sprintf("sum by (%s) (%s%s)", dep, contract.RedisPoolMax, selector(s)), legend+" max"),
			prom(fmt.Sprintf("sum by (%s) (rate(%s%s%s))", dep, contract.RedisPoolTimeouts, selector(s), rateWindow), legend+" timeouts/s")))
	}
	if !s.Dependencies.HasSQL() {
		return
	}
	b.add(8, 7, timeseries("Pool connections", "Connections of each database/sql pool by status (inuse, idle), and the pool's maximum (SetMaxOpenConns; 0 is no limit). In use at the maximum means calls wait.", "short", nil,
		prom(fmt.Sprintf("sum by (%s, %s) (%s%s)", dep, contract.LabelPoolStatus, contract.DBPoolOpen, selector(s)), legend+" {{"+contract.LabelPoolStatus+"}}"),
		prom(fmt.Sprintf("sum by (%s) (%s%s)", dep, contract.DBPoolMaxOpen, selector(s)), legend+" max")))
	b.add(8, 7, timeseries("Callers waiting for a connection", fmt.Sprintf("Mean number of calls waiting for a free connection (seconds waited per second; a wait counts when it ends). %s opens a ticket above %s for 5m.", rules.AlertPoolSaturated, slo.Number(waiters)), "short",
		steps("green", nil, "red", waiters),
		prom(fmt.Sprintf("sum by (%s) (rate(%s%s%s)) / 1000", dep, contract.DBPoolWaitDuration, selector(s), rateWindow), legend)))
	b.add(8, 7, timeseries("Connection waits", "Calls per second that had to wait for a connection of the pool.", "ops", nil,
		prom(fmt.Sprintf("sum by (%s) (rate(%s%s%s))", dep, contract.DBPoolWaits, selector(s), rateWindow), legend)))
}

// sloStats are the SLO, error budget, traffic and 5xx stat panels of a
// service: its dashboard's first row and its row of the overview.
func sloStats(b *builder, s spec.Spec, m slo.Model) {
	svc := s.Service.Name
	count := contract.RequestDurationCount
	errSel := fmt.Sprintf("%s=~\"5..\"", contract.LabelStatus)
	for _, o := range m.Objectives {
		rec := o.Record(m.SLOWindow) + recordSelector(s)
		target := o.Target / 100
		// A responder looking at a red SLO panel is one click from what
		// to do about it: the runbooks of the fastest page and of the
		// spent budget.
		links := []Link{
			{Title: "Runbook: " + rules.BurnAlertName(o, m.Windows()[0]), Type: "link", URL: rules.RunbookURL(s, rules.BurnAlertName(o, m.Windows()[0])), TargetBlank: true},
			{Title: "Runbook: " + rules.BudgetExhaustedAlertName(o), Type: "link", URL: rules.RunbookURL(s, rules.BudgetExhaustedAlertName(o)), TargetBlank: true},
		}
		slop := stat(fmt.Sprintf("%s over %s (SLO %s%%)", title(o.Title), slo.Dur(m.SLOWindow), slo.Number(o.Target)),
			fmt.Sprintf("Share of requests over the last %s that %s. Objective: %s%%. A service younger than %s, or a Prometheus that kept less, shows the share over the data there is.", slo.Dur(m.SLOWindow), o.Good, slo.Number(o.Target), slo.Dur(m.SLOWindow))+badNote(o),
			"percentunit", 3, steps("red", nil, "green", target),
			promInstant("1 - "+rec))
		slop.Links = links
		b.add(4, 5, slop)
		budget := stat(fmt.Sprintf("%s error budget left (%s)", title(o.Title), slo.Dur(m.SLOWindow)),
			fmt.Sprintf("Share of the %s error budget (%s of requests) not yet spent over the last %s. Below zero the SLO is missed.", slo.Dur(m.SLOWindow), slo.Percent(o.Budget()), slo.Dur(m.SLOWindow)),
			"percentunit", 1, steps("red", nil, "orange", 0.0, "green", 0.25),
			promInstant(fmt.Sprintf("%s{%s=%q, %s=~\"$%s\", %s=%q}", slo.RecordBudgetRemaining, contract.LabelJob, svc, contract.LabelEnvironment, varEnvironment, slo.LabelSLO, o.Kind)))
		budget.Links = links
		b.add(4, 5, budget)
	}
	b.add(4, 5, stat("Requests (now)", "Requests per second, all routes, over the last rate interval.", "reqps", 2, steps("blue", nil),
		promInstant(fmt.Sprintf("sum(rate(%s%s%s))", count, selector(s), rateWindow))))
	b.add(4, 5, stat("5xx ratio (now)", "Share of requests that failed with a 5xx status, over the last rate interval.", "percentunit", 2,
		steps("green", nil, "red", m.Objectives[0].Budget()),
		promInstant(errorRatio("", count+selector(s, errSel)+rateWindow, count+selector(s)+rateWindow))))
}
