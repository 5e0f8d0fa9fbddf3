// Package slo is the SLO model the rules, the dashboards and the alert
// routing share: the two objectives, the burn-rate windows, the names of
// the recorded ratios and the PromQL that computes them. Keeping it in one
// place is what makes the dashboard's burn-rate panel show the very series
// the alerts fire on.
package slo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Severity labels. Alertmanager routes on them.
const (
	SeverityPage   = "page"
	SeverityTicket = "ticket"
)

// Label names the generated alerts carry besides the series' own labels.
const (
	LabelSeverity = "severity"
	LabelSLO      = "slo"
	LabelService  = "service"
)

// Window is one multi-window burn-rate alert: it fires when the bad-event
// ratio over both the long and the short window exceeds Burn times the error
// budget. The short window makes the alert stop soon after the burn stops.
type Window struct {
	Long, Short time.Duration
	Burn        float64
	Severity    string
	// For debounces a condition that is already smoothed by the windows.
	For time.Duration
}

// BaseWindow is the SLO window the SRE workbook's thresholds are written
// for; other SLO windows scale every duration by their ratio to it.
const BaseWindow = 30 * 24 * time.Hour

// RateWindow is the window of the recorded request and bad-request rates
// every longer window is summed from. It is also the shortest window an
// alert uses: a shorter rate over a 15s scrape holds too few samples.
const RateWindow = 5 * time.Minute

// baseWindows are the SRE workbook's defaults for a 30-day window (chapter
// "Alerting on SLOs"): 2 % of the budget in 1h and 5 % in 6h page, 10 % in
// 1d and 10 % in 3d open tickets.
var baseWindows = []Window{
	{Long: time.Hour, Short: 5 * time.Minute, Burn: spec.FastestPageBurn, Severity: SeverityPage, For: 2 * time.Minute},
	{Long: 6 * time.Hour, Short: 30 * time.Minute, Burn: 6, Severity: SeverityPage, For: 15 * time.Minute},
	{Long: 24 * time.Hour, Short: 2 * time.Hour, Burn: 3, Severity: SeverityTicket, For: time.Hour},
	{Long: 72 * time.Hour, Short: 6 * time.Hour, Burn: 1, Severity: SeverityTicket, For: 3 * time.Hour},
}

// Windows are the burn-rate windows for the model's SLO window: the
// workbook's 30-day windows scaled by window/30d, as Pyrra scales its
// 28-day ones, so each alert still spends the same share of the budget. A
// burn rate means the same for any window (1x spends the budget exactly in
// the window), so the factors stay.
func (m Model) Windows() []Window {
	scale := float64(m.SLOWindow) / float64(BaseWindow)
	out := make([]Window, len(baseWindows))
	for i, w := range baseWindows {
		out[i] = Window{
			Long:     scaled(w.Long, scale, RateWindow),
			Short:    scaled(w.Short, scale, RateWindow),
			For:      scaled(w.For, scale, time.Minute),
			Burn:     w.Burn,
			Severity: w.Severity,
		}
	}
	return out
}

// scaled multiplies d by scale and rounds it to a readable unit (minutes
// below a day, hours above), never below floor.
func scaled(d time.Duration, scale float64, floor time.Duration) time.Duration {
	v := time.Duration(float64(d) * scale)
	unit := time.Minute
	if v >= 24*time.Hour {
		unit = time.Hour
	}
	v = v.Round(unit)
	if v < floor {
		v = floor
	}
	return v
}

// BudgetShare is the share of the SLO window's budget the burn spends in
// the long window.
func (m Model) BudgetShare(w Window) string {
	return Percent(w.Burn * float64(w.Long) / float64(m.SLOWindow))
}

// RatioWindows are the windows a ratio is recorded for: every window the
// alerts use, in ascending order.
func (m Model) RatioWindows() []time.Duration {
	seen := map[time.Duration]bool{}
	var out []time.Duration
	for _, w := range m.Windows() {
		for _, d := range []time.Duration{w.Long, w.Short} {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Objective is one SLO: a ratio of bad to all requests that must stay
// below Budget.
type Objective struct {
	// Kind is "availability" or "latency"; it is the slo label.
	Kind string
	// Title names the objective in prose.
	Title string
	// Target is the objective in percent, e.g. 99.9.
	Target float64
	// Bad and Good say in prose what counts against the objective and what
	// meets it.
	Bad, Good string
	// record is the prefix of the recording rule names; append a window.
	record string
	// badRate names the recorded rate of bad requests over RateWindow and
	// badRateExpr computes it.
	badRate, badRateExpr string
	// requests is the recorded rate of all requests.
	requests string
	// job is the service's job matcher.
	job string
}

// Budget is the allowed bad ratio, e.g. 0.001 for 99.9 %.
func (o Objective) Budget() float64 { return round((100 - o.Target) / 100) }

// BudgetText is Budget as a PromQL number literal.
func (o Objective) BudgetText() string { return Number(o.Budget()) }

// Record names the recorded bad-request ratio over window.
func (o Objective) Record(window time.Duration) string {
	return o.record + Dur(window)
}

// BadRateRecord names the recorded per-second rate of bad requests over
// RateWindow; BadRateExpr is its PromQL.
func (o Objective) BadRateRecord() string { return o.badRate }

// BadRateExpr is the PromQL of BadRateRecord.
func (o Objective) BadRateExpr() string { return o.badRateExpr }

// RatioExpr is the PromQL of the bad-request ratio over window, one series
// per job and environment. Windows longer than RateWindow sum the recorded
// rates instead of reading raw samples again: a 30-day ratio then reads one
// series a minute apart instead of every scraped bucket of every instance,
// and weighing by traffic stays exact because bad and all requests are
// summed over the same evaluations.
func (o Objective) RatioExpr(window time.Duration) string {
	job := o.job
	if window == RateWindow {
		return fmt.Sprintf("%s{%s}\n/\n%s{%s}", o.badRate, job, o.requests, job)
	}
	w := Dur(window)
	return fmt.Sprintf("sum_over_time(%s{%s}[%s])\n/\nsum_over_time(%s{%s}[%s])", o.badRate, job, w, o.requests, job, w)
}

// Names of the SLO metadata records, one series per objective (slo label),
// as Sloth records them: dashboards read the objective, the budget and what
// is left of it instead of repeating the numbers.
const (
	RecordObjective       = "job:slo_objective:ratio"
	RecordBudget          = "job:slo_error_budget:ratio"
	RecordBudgetRemaining = "job:slo_error_budget_remaining:ratio"
	// RecordRequests is the recorded rate of all requests over RateWindow.
	RecordRequests = "job:slo_requests:rate" + "5m"
)

// Model is everything derived from the spec that rules and dashboards share.
type Model struct {
	Service    string
	Objectives []Objective
	SLOWindow  time.Duration
	// LatencySeconds is the latency SLO threshold, the histogram bucket
	// bound LatencyLE selects.
	LatencySeconds float64
	LatencyLE      string
	// JobSelector selects the service's series; By is the aggregation
	// every SLO ratio keeps.
	JobSelector, By string
	// MinRequests is how many requests a burn alert's long window must hold.
	MinRequests int
}

// By is the aggregation every SLO ratio keeps on the compose target: low
// cardinality, and the environment so one Prometheus can watch several.
var By = contract.LabelJob + ", " + contract.LabelEnvironment

// RequestsExpr is the PromQL of RecordRequests.
func (m Model) RequestsExpr() string {
	return fmt.Sprintf("sum by (%s) (rate(%s{%s}[%s]))", m.By, contract.RequestDurationCount, m.JobSelector, Dur(RateWindow))
}

// RequestsIn is the PromQL of how many requests the window held, from the
// recorded rate.
func (m Model) RequestsIn(window time.Duration) string {
	return fmt.Sprintf("avg_over_time(%s{%s}[%s]) * %s", RecordRequests, m.JobSelector, Dur(window), Number(window.Seconds()))
}

// New builds the model for a spec.
func New(s spec.Spec) Model {
	job := contract.LabelJob + "=" + quote(s.Service.Name)
	by := By
	if s.Deploy.Target.IsKubernetes() {
		// One cluster may run the service in several namespaces (staging
		// and production under one Prometheus): every selector keeps to
		// this namespace and every aggregation keeps the label, so an
		// outage in one never fires the other's alerts, and the alerts
		// carry the namespace the operator's AlertmanagerConfig matches.
		job += ", " + contract.LabelNamespace + "=" + quote(s.Kubernetes.Namespace)
		by += ", " + contract.LabelNamespace
	}
	m := Model{
		Service:        s.Service.Name,
		SLOWindow:      time.Duration(s.SLO.Window),
		LatencySeconds: s.SLO.LatencyThreshold.Seconds(),
		LatencyLE:      LE(s.SLO.LatencyThreshold.Seconds()),
		JobSelector:    job,
		By:             by,
		MinRequests:    s.SLO.MinRequests,
	}
	count := contract.RequestDurationCount
	rw := Dur(RateWindow)
	m.Objectives = []Objective{
		{
			Kind: "availability", Title: "availability", Target: s.SLO.Availability,
			Bad:      "failed with a 5xx status",
			Good:     "did not fail with a 5xx status",
			record:   "job:slo_errors:ratio_rate",
			badRate:  "job:slo_errors:rate" + rw,
			requests: RecordRequests, job: job,
			// Without a single 5xx there is no 5xx series, and a ratio of
			// nothing is no data, not 0: the "or" adds a zero rate for every
			// job and environment that has requests.
			badRateExpr: fmt.Sprintf("sum by (%s) (rate(%s{%s, %s=~\"5..\"}[%s]))\nor\n0 * %s{%s}", by, count, job, contract.LabelStatus, rw, RecordRequests, job),
		},
		{
			Kind: "latency", Title: "latency", Target: s.SLO.LatencyObjective,
			Bad:      "took longer than " + s.SLO.LatencyThreshold.String(),
			Good:     "completed within " + s.SLO.LatencyThreshold.String(),
			record:   "job:slo_slow_requests:ratio_rate",
			badRate:  "job:slo_slow_requests:rate" + rw,
			requests: RecordRequests, job: job,
			// Every request lands in the +Inf bucket, and in the
			// threshold's bucket when it is fast enough: the difference is
			// the slow ones, 0 when none is slow.
			badRateExpr: fmt.Sprintf("%s{%s}\n-\nsum by (%s) (rate(%s{%s, %s}[%s]))", RecordRequests, job, by, contract.RequestDurationBucket, job, m.LatencyLE, rw),
		},
	}
	return m
}

// LE is the matcher selecting the histogram bucket whose upper bound is
// seconds. The Go client writes bounds like strconv's shortest form ("0.3",
// "1"); Prometheus 3 normalises whole numbers on ingestion ("1" becomes
// "1.0") while Prometheus 2 keeps them, so a whole-second bound matches both.
func LE(seconds float64) string {
	v := strconv.FormatFloat(seconds, 'g', -1, 64)
	if strings.ContainsAny(v, ".e") {
		return contract.LabelBucket + "=" + quote(v)
	}
	return contract.LabelBucket + "=~" + quote(v+"([.]0)?")
}

// Dur writes a duration the way Prometheus and the answers file do: 5m, 1h, 3d.
func Dur(d time.Duration) string { return spec.Duration(d).String() }

// Number writes a float as a short PromQL literal.
func Number(f float64) string { return strconv.FormatFloat(round(f), 'g', -1, 64) }

// Percent writes a ratio as Prometheus' humanizePercentage does.
func Percent(ratio float64) string { return fmt.Sprintf("%.4g%%", ratio*100) }

// round drops float noise such as 0.0010000000000000009.
func round(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 12, 64), 64)
	return v
}

// Exhaustion is how long the whole budget lasts at a burn rate.
func (m Model) Exhaustion(burn float64) string {
	d := time.Duration(float64(m.SLOWindow) / burn).Round(time.Minute)
	return Dur(d)
}

func quote(s string) string { return strconv.Quote(s) }

// DashboardUID is the service dashboard's UID: alert annotations link to it
// and the dashboard generator writes it. Grafana allows at most 40
// characters; longer service names are shortened with a hash suffix so UIDs
// stay unique.
func DashboardUID(service string) string {
	if len(service) <= 40 {
		return service
	}
	h := sha256.Sum256([]byte(service))
	return strings.TrimRight(service[:31], "-") + "-" + hex.EncodeToString(h[:4])
}

// DashboardSlug is the URL slug Grafana derives from the dashboard title.
func DashboardSlug(service string) string { return service }
