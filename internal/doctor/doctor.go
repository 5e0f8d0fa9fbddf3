// Package doctor proves, against a running stack, that each signal of a
// service arrives end to end: the scrape target, the contract's metrics,
// the rules, Alertmanager's configuration, logs in Loki, traces in the
// trace backend and the provisioned dashboard. It only reads the
// backends' HTTP APIs: it sends no alert and writes nothing.
//
// The checks run per service (one Spec each), so a stack holding several
// services gets one block of rows per service.
package doctor

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// Status of one check.
type Status string

// The statuses a row can have.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	// Skip: the check's URL was given empty, or the answers turn the
	// signal off (tracing disabled).
	Skip Status = "skip"
)

// Check names, in the order rows print.
const (
	CheckTarget       = "target"
	CheckMetrics      = "metrics"
	CheckRules        = "rules"
	CheckAlertmanager = "alertmanager"
	CheckLogs         = "logs"
	CheckTraces       = "traces"
	CheckDashboards   = "dashboards"
)

// Endpoints are the stack's base URLs; an empty one skips its checks.
type Endpoints struct {
	Prometheus   string
	Loki         string
	Traces       string // Jaeger's query API or Tempo's, as the answers choose
	Alertmanager string
	Grafana      string
}

// DefaultEndpoints are the ports the generated compose stack publishes on
// localhost (see generators/stack), with the trace backend s chooses.
func DefaultEndpoints(s spec.Spec) Endpoints {
	local := func(port int) string { return fmt.Sprintf("http://127.0.0.1:%d", port) }
	e := Endpoints{
		Prometheus:   local(stack.PrometheusPort),
		Loki:         local(stack.LokiPort),
		Traces:       local(stack.JaegerUIPort),
		Alertmanager: local(stack.AlertmanagerPort),
		Grafana:      local(stack.GrafanaPort),
	}
	if s.Tracing.Backend == "tempo" {
		e.Traces = local(stack.TempoPort)
	}
	return e
}

// Result is one row: a check of one service. The JSON field names are part
// of obsgen's interface (docs/doctor.md).
type Result struct {
	Service string `json:"service"`
	Check   string `json:"check"`
	Status  Status `json:"status"`
	// Reason says what was found (pass) or what is wrong (fail, skip).
	Reason string `json:"reason"`
	// Fix is the command or step that repairs a failure; empty otherwise.
	Fix string `json:"fix,omitempty"`
	// URL is the backend asked; empty when skipped.
	URL string `json:"url,omitempty"`
	// Unreachable: nothing answered at URL (connection refused, no route,
	// timeout before any response).
	Unreachable bool `json:"unreachable,omitempty"`
}

// Report is every row in a fixed order: services in the given order, checks
// in the order of the Check constants.
type Report struct {
	Results []Result `json:"results"`
	// startFix: how to start the whole stack, for NothingRuns.
	startFix string
}

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	for _, x := range r.Results {
		if x.Status == Fail {
			return true
		}
	}
	return false
}

// NothingRuns reports whether every check that ran found nothing at its
// URL: the stack is not running (or the URLs are wrong), and a table of
// red rows says less than one line.
func (r Report) NothingRuns() bool {
	ran := false
	for _, x := range r.Results {
		if x.Status == Skip {
			continue
		}
		ran = true
		if !x.Unreachable {
			return false
		}
	}
	return ran
}

// Options of a run.
type Options struct {
	Endpoints Endpoints
	// Timeout bounds each check (each HTTP request of it); a stuck backend
	// fails its row instead of hanging the run.
	Timeout time.Duration
	// Lookback is how far back logs and traces count as recent.
	Lookback time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Auth holds each backend's credentials by Backend* key (AuthFromEnv).
	Auth map[string]Auth
	// LokiTenant is sent as X-Scope-OrgID: a multi-tenant Loki refuses a
	// query without it.
	LokiTenant string
}

type checkFunc func(ctx context.Context, c *client, s spec.Spec, o Options) Result

type check struct {
	name string
	// kind is the backend's Backend* key.
	kind string
	// backend names the server asked, for the reasons.
	backend func(spec.Spec) string
	url     func(Endpoints) string
	run     checkFunc
	// off says why the answers turn the check off, or "".
	off func(spec.Spec) string
}

var checks = []check{
	{CheckTarget, BackendPrometheus, named("Prometheus"), func(e Endpoints) string { return e.Prometheus }, checkTarget, nil},
	{CheckMetrics, BackendPrometheus, named("Prometheus"), func(e Endpoints) string { return e.Prometheus }, checkMetrics, nil},
	{CheckRules, BackendPrometheus, named("Prometheus"), func(e Endpoints) string { return e.Prometheus }, checkRules, nil},
	{CheckAlertmanager, BackendAlertmanager, named("Alertmanager"), func(e Endpoints) string { return e.Alertmanager }, checkAlertmanager, nil},
	{CheckLogs, BackendLoki, named("Loki"), func(e Endpoints) string { return e.Loki }, checkLogs, nil},
	{CheckTraces, BackendTraces, traceBackendName, func(e Endpoints) string { return e.Traces }, checkTraces, func(s spec.Spec) string {
		if !s.Tracing.Enabled {
			return "tracing is off in the answers (tracing.enabled: false)"
		}
		return ""
	}},
	{CheckDashboards, BackendGrafana, named("Grafana"), func(e Endpoints) string { return e.Grafana }, checkDashboards, nil},
}

func named(n string) func(spec.Spec) string { return func(spec.Spec) string { return n } }

func traceBackendName(s spec.Spec) string {
	if s.Tracing.Backend == "tempo" {
		return "Tempo"
	}
	return "Jaeger"
}

// Run runs every check of every service concurrently and returns the rows
// in a fixed order.
func Run(ctx context.Context, services []spec.Spec, o Options) Report {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Lookback <= 0 {
		o.Lookback = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	out := make([]Result, len(services)*len(checks))
	var wg sync.WaitGroup
	for i, s := range services {
		for j, ch := range checks {
			slot := &out[i*len(checks)+j]
			base := ch.url(o.Endpoints)
			if base == "" {
				*slot = Result{Service: s.Service.Name, Check: ch.name, Status: Skip, Reason: "no URL given"}
				continue
			}
			if ch.off != nil {
				if why := ch.off(s); why != "" {
					*slot = Result{Service: s.Service.Name, Check: ch.name, Status: Skip, Reason: why}
					continue
				}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				cctx, cancel := context.WithTimeout(ctx, o.Timeout)
				defer cancel()
				c := &client{name: ch.backend(s), base: base, backend: ch.kind, auth: o.Auth[ch.kind]}
				if ch.kind == BackendLoki && o.LokiTenant != "" {
					c.header = http.Header{}
					c.header.Set("X-Scope-OrgID", o.LokiTenant)
				}
				r := ch.run(cctx, c, s, o)
				r.Service, r.Check, r.URL = s.Service.Name, ch.name, base
				if c.unreachable != nil && r.Status == Fail {
					r.Unreachable = true
					r.Reason = c.unreachable.Error()
				}
				*slot = r
			}()
		}
	}
	wg.Wait()
	rep := Report{Results: out}
	if len(services) > 0 {
		rep.startFix = startFix(services[0])
	}
	return rep
}

func pass(format string, args ...any) Result {
	return Result{Status: Pass, Reason: fmt.Sprintf(format, args...)}
}

func fail(fix, format string, args ...any) Result {
	return Result{Status: Fail, Reason: fmt.Sprintf(format, args...), Fix: fix}
}
