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
	// BudgetShare is the share of a 30-day budget the burn spends in Long,
	// as the SRE workbook explains each threshold.
	BudgetShare string
}

// Windows are the SRE workbook's defaults (chapter "Alerting on SLOs").
var Windows = []Window{
	{Long: time.Hour, Short: 5 * time.Minute, Burn: 14.4, Severity: SeverityPage, For: 2 * time.Minute, BudgetShare: "2%"},
	{Long: 6 * time.Hour, Short: 30 * time.Minute, Burn: 6, Severity: SeverityPage, For: 15 * time.Minute, BudgetShare: "5%"},
	{Long: 24 * time.Hour, Short: 2 * time.Hour, Burn: 3, Severity: SeverityTicket, For: time.Hour, BudgetShare: "10%"},
	{Long: 72 * time.Hour, Short: 6 * time.Hour, Burn: 1, Severity: SeverityTicket, For: 3 * time.Hour, BudgetShare: "10%"},
}

// RatioWindows are the windows a ratio is recorded for: every window the
// alerts use, in ascending order.
func RatioWindows() []time.Duration {
	seen := map[time.Duration]bool{}
	var out []time.Duration
	for _, w := range Windows {
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
	// ratio builds the bad-request ratio for a window.
	ratio func(window string) string
}

// Budget is the allowed bad ratio, e.g. 0.001 for 99.9 %.
func (o Objective) Budget() float64 { return round((100 - o.Target) / 100) }

// BudgetText is Budget as a PromQL number literal.
func (o Objective) BudgetText() string { return Number(o.Budget()) }

// Record names the recorded bad-request ratio over window.
func (o Objective) Record(window time.Duration) string {
	return o.record + Dur(window)
}

// RatioExpr is the PromQL of the bad-request ratio over window, aggregated
// to one series per job and environment.
func (o Objective) RatioExpr(window time.Duration) string { return o.ratio(Dur(window)) }

// Model is everything derived from the spec that rules and dashboards share.
type Model struct {
	Service    string
	Objectives []Objective
	SLOWindow  time.Duration
	// LatencySeconds is the latency SLO threshold, the histogram bucket
	// bound LatencyLE selects.
	LatencySeconds float64
	LatencyLE      string
	JobSelector    string
}

// By is the aggregation every SLO ratio keeps: low cardinality, and the
// environment so one Prometheus can watch several.
var By = contract.LabelJob + ", " + contract.LabelEnvironment

// New builds the model for a spec.
func New(s spec.Spec) Model {
	job := contract.LabelJob + "=" + quote(s.Service.Name)
	m := Model{
		Service:        s.Service.Name,
		SLOWindow:      time.Duration(s.SLO.Window),
		LatencySeconds: s.SLO.LatencyThreshold.Seconds(),
		LatencyLE:      LE(s.SLO.LatencyThreshold.Seconds()),
		JobSelector:    job,
	}
	count := contract.RequestDurationCount
	total := func(w string) string {
		return fmt.Sprintf("sum by (%s) (rate(%s{%s}[%s]))", By, count, job, w)
	}
	m.Objectives = []Objective{
		{
			Kind: "availability", Title: "availability", Target: s.SLO.Availability,
			Bad:    "failed with a 5xx status",
			Good:   "did not fail with a 5xx status",
			record: "job:slo_errors:ratio_rate",
			ratio: func(w string) string {
				return fmt.Sprintf("%s\n/\n%s", fmt.Sprintf("sum by (%s) (rate(%s{%s, %s=~\"5..\"}[%s]))", By, count, job, contract.LabelStatus, w), total(w))
			},
		},
		{
			Kind: "latency", Title: "latency", Target: s.SLO.LatencyObjective,
			Bad:    "took longer than " + s.SLO.LatencyThreshold.String(),
			Good:   "completed within " + s.SLO.LatencyThreshold.String(),
			record: "job:slo_slow_requests:ratio_rate",
			ratio: func(w string) string {
				fast := fmt.Sprintf("sum by (%s) (rate(%s{%s, %s}[%s]))", By, contract.RequestDurationBucket, job, m.LatencyLE, w)
				return fmt.Sprintf("1 - (\n  %s\n  /\n  %s\n)", fast, total(w))
			},
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
