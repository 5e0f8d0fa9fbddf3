package rules

import (
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// TestFile is the format `promtool test rules` reads.
type TestFile struct {
	RuleFiles          []string    `yaml:"rule_files"`
	EvaluationInterval string      `yaml:"evaluation_interval"`
	GroupEvalOrder     []string    `yaml:"group_eval_order"`
	Tests              []TestGroup `yaml:"tests"`
}

// TestGroup is one scenario: input series and what must (not) fire.
type TestGroup struct {
	Name            string      `yaml:"name"`
	Interval        string      `yaml:"interval"`
	InputSeries     []Series    `yaml:"input_series"`
	AlertRuleTests  []AlertTest `yaml:"alert_rule_test,omitempty"`
	PromQLExprTests []ExprTest  `yaml:"promql_expr_test,omitempty"`
}

// Series is an input series in promtool's expanding notation.
type Series struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

// AlertTest lists every alert of a name expected to fire at EvalTime; an
// empty list asserts that none fires.
type AlertTest struct {
	EvalTime  string     `yaml:"eval_time"`
	Alertname string     `yaml:"alertname"`
	ExpAlerts []ExpAlert `yaml:"exp_alerts"`
}

// ExpAlert is one expected firing alert.
type ExpAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

// ExprTest checks the value of an expression.
type ExprTest struct {
	Expr       string   `yaml:"expr"`
	EvalTime   string   `yaml:"eval_time"`
	ExpSamples []Sample `yaml:"exp_samples"`
}

// Sample is an expected sample of an ExprTest.
type Sample struct {
	Labels string  `yaml:"labels"`
	Value  float64 `yaml:"value"`
}

const testsIntro = `# promtool unit tests for %s.rules.yml, rules evaluated every %s: for
# every alert, series that must fire it (with its exact labels and
# annotations), a condition that has not lasted its 'for' yet, and a burn or
# outage below its threshold. Run from this folder:
#   promtool test rules *.test.yml

`

// requestsPerMinute is the test traffic: large enough that the lowest
// allowed budget (99.999 %%) still has whole bad requests at half a 1x burn.
const requestsPerMinute = 1_000_000

// fixture is the labels of the test service's series.
type fixture struct {
	svc, env, instance string
	// namespace is the Kubernetes target's: its rules select it.
	namespace string
}

func (f fixture) target() map[string]string {
	t := map[string]string{
		contract.LabelJob:         f.svc,
		contract.LabelInstance:    f.instance,
		contract.LabelEnvironment: f.env,
		slo.LabelService:          f.svc,
	}
	if f.namespace != "" {
		t[contract.LabelNamespace] = f.namespace
	}
	return t
}

// aggregated are the labels an SLO ratio keeps of the fixture's series
// (slo.Model's By).
func (f fixture) aggregated() map[string]string {
	l := map[string]string{contract.LabelJob: f.svc, contract.LabelEnvironment: f.env}
	if f.namespace != "" {
		l[contract.LabelNamespace] = f.namespace
	}
	return l
}

func seriesName(metric string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(labels[k])
	}
	return metric + "{" + strings.Join(parts, ", ") + "}"
}

func with(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// expected renders what the alert looks like when it fires on the fixture
// with the given value: the same expansion Prometheus does of the few
// template placeholders the generated annotations use.
func (a Alert) expected(f fixture, value float64) ExpAlert {
	labels := map[string]string{}
	series := f.target()
	for _, k := range a.kept {
		labels[k] = series[k]
	}
	for k, v := range a.Labels {
		labels[k] = v
	}
	r := strings.NewReplacer(valuePercent, slo.Percent(value), labelEnv, f.env, labelInst, f.instance)
	ann := map[string]string{}
	for k, v := range a.annotations() {
		ann[k] = r.Replace(v)
	}
	return ExpAlert{ExpLabels: labels, ExpAnnotations: ann}
}

// TestSet is one promtool test file and where it goes.
type TestSet struct {
	Path string
	File TestFile
}

// slowBurnFrom is the long window from which burn alerts are tested in the
// slow-burn file: multi-day windows evaluated every minute would take
// minutes of promtool time for no extra assurance.
const slowBurnFrom = 24 * time.Hour

// Tests builds the unit tests of every alert of the spec: target health,
// the SLO records and the fast burns evaluated every minute in TestsPath,
// the multi-day burns every 5 minutes in SlowTestsPath. Input series are
// sampled every minute in both, as scrapes would be: the 5m rates the
// ratios are built from need more than one sample per 5 minutes.
func Tests(s spec.Spec) []TestSet {
	f := fixture{svc: s.Service.Name, env: s.Service.Environment, instance: fmt.Sprintf("%s:%d", s.Service.Name, s.Metrics.Port)}
	if s.Deploy.Target.IsKubernetes() {
		f.namespace = s.Kubernetes.Namespace
	}
	ruleFiles := []string{path.Join("..", RulesDir, s.Service.Name+".rules.yml")}
	// Groups are evaluated in file order, as Prometheus' own records-first
	// layout expects; promtool needs it said.
	order := GroupNames(s)
	if ownStack(s) {
		order = append(order, StackGroupName)
	}
	fast := TestFile{RuleFiles: ruleFiles, EvaluationInterval: "1m", GroupEvalOrder: order}
	slow := TestFile{RuleFiles: ruleFiles, EvaluationInterval: "5m", GroupEvalOrder: order}
	m := slo.New(s)
	for _, o := range m.Objectives {
		fast.Tests = append(fast.Tests, healthyTests(o, f, m))
	}
	for _, a := range Alerts(s) {
		switch {
		case len(a.cases) > 0:
			fast.Tests = append(fast.Tests, caseTests(a)...)
		case a.Name == AlertServiceDown:
			fast.Tests = append(fast.Tests, serviceDownTests(a, f)...)
		case a.Name == AlertTargetDown:
			fast.Tests = append(fast.Tests, targetDownTests(a, f)...)
		case a.Name == AlertMetricsAbsent:
			fast.Tests = append(fast.Tests, absentTests(a, f)...)
		case len(a.fire) > 0:
			fast.Tests = append(fast.Tests, inputTests(a)...)
		case a.Name == AlertRestarting:
			fast.Tests = append(fast.Tests, restartTests(a, f)...)
		case a.window.Long == 0:
			fast.Tests = append(fast.Tests, budgetExhaustedTests(a, f, m)...)
		case a.window.Long >= slowBurnFrom:
			slow.Tests = append(slow.Tests, burnTests(a, f, m, 5*time.Minute)...)
		default:
			fast.Tests = append(fast.Tests, burnTests(a, f, m, time.Minute)...)
		}
	}
	// The stack's own alerts in a file of their own: the Kubernetes target
	// has the service's groups only and runs the other two files.
	sets := []TestSet{{Path: TestsPath(s), File: fast}, {Path: SlowTestsPath(s), File: slow}}
	if !ownStack(s) {
		return sets
	}
	own := TestFile{RuleFiles: ruleFiles, EvaluationInterval: "1m", GroupEvalOrder: order, Tests: stackTests(s)}
	return append(sets, TestSet{Path: StackTestsPath(s), File: own})
}

func minutes(d time.Duration) string { return slo.Dur(d) }

func none(at time.Duration, alert string) AlertTest {
	return AlertTest{EvalTime: minutes(at), Alertname: alert}
}

func upSeries(f fixture, instance, values string) Series {
	return Series{Series: seriesName(contract.ScrapeUp, with(f.target(), contract.LabelInstance, instance)), Values: values}
}

// startSeries is the process start time of one lifetime of the service.
func startSeries(f fixture, instance, values string) Series {
	return Series{Series: seriesName(contract.ProcessStartTime, with(f.target(), contract.LabelInstance, instance)), Values: values}
}

// lifetime is the series of one process that is scraped from minute from
// for n minutes and then leaves service discovery (its series go stale):
// in the compose stack a container that exits leaves Docker's DNS, and a
// restarted one often comes back on a new address, as a new target.
func lifetime(f fixture, instance string, from, n int, up string) []Series {
	gap := ""
	if from > 0 {
		gap = fmt.Sprintf("_x%d ", from)
	}
	start := fmt.Sprint(1_700_000_000 + 60*from)
	return []Series{
		upSeries(f, instance, fmt.Sprintf("%s%sx%d stale", gap, up, n-1)),
		startSeries(f, instance, fmt.Sprintf("%s%sx%d stale", gap, start, n-1)),
	}
}

func serviceDownTests(a Alert, f fixture) []TestGroup {
	other := f.svc + "-2:9464"
	// A process that is never scraped successfully: it crashes before it
	// serves, its target shows up == 0 and leaves DNS again.
	var fastLoop []Series
	for i := 0; i < 5; i++ {
		fastLoop = append(fastLoop, upSeries(f, fmt.Sprintf("10.0.1.%d:9464", i+2), fmt.Sprintf("_x%d 0 stale", 2*i)))
	}
	return []TestGroup{
		{
			Name: a.Name + " fires when the one container exits: its target leaves service discovery and up is absent, not 0", Interval: "1m",
			InputSeries: lifetime(f, f.instance, 0, 6, "1"),
			AlertRuleTests: []AlertTest{
				none(5*time.Minute, a.Name),
				none(7*time.Minute, a.Name),
				{EvalTime: "8m", Alertname: a.Name, ExpAlerts: []ExpAlert{a.expected(f, 1)}},
			},
		},
		{
			Name: a.Name + " fires in a crash loop too fast to be scraped: targets appear with up == 0 and vanish", Interval: "1m",
			InputSeries:    fastLoop,
			AlertRuleTests: []AlertTest{{EvalTime: "6m", Alertname: a.Name, ExpAlerts: []ExpAlert{a.expected(f, 0)}}},
		},
		{
			Name: a.Name + " fires when no target answers for " + slo.Dur(a.For), Interval: "1m",
			InputSeries:    []Series{upSeries(f, f.instance, "0x10")},
			AlertRuleTests: []AlertTest{{EvalTime: "5m", Alertname: a.Name, ExpAlerts: []ExpAlert{a.expected(f, 0)}}},
		},
		{
			Name: a.Name + " ignores one failed scrape (shorter than for)", Interval: "1m",
			InputSeries:    []Series{upSeries(f, f.instance, "1 0 1x8")},
			AlertRuleTests: []AlertTest{none(3*time.Minute, a.Name), none(5*time.Minute, a.Name)},
		},
		{
			Name: a.Name + " stays quiet while one of two targets is up", Interval: "1m",
			InputSeries:    []Series{upSeries(f, f.instance, "0x10"), upSeries(f, other, "1x10")},
			AlertRuleTests: []AlertTest{none(5*time.Minute, a.Name)},
		},
	}
}

// restartTests: a crash loop in which each process lives 3 minutes and
// comes back on a new address a minute later pages, while ServiceDown
// cannot (the service answers in between); a deploy of one replica, and a
// rolling deploy of three, do not.
func restartTests(a Alert, f fixture) []TestGroup {
	addr := func(i int) string { return fmt.Sprintf("10.0.2.%d:9464", i+2) }
	var loop []Series
	for i := 0; i < 5; i++ {
		loop = append(loop, lifetime(f, addr(i), 4*i, 3, "1")...)
	}
	deploy := append(lifetime(f, addr(0), 0, 6, "1"), lifetime(f, addr(1), 7, 14, "1")...)
	var rolling []Series
	for i := 0; i < 3; i++ {
		rolling = append(rolling, lifetime(f, addr(i), 0, 6+i, "1")...)
		rolling = append(rolling, lifetime(f, addr(3+i), 6+i, 14, "1")...)
	}
	quiet := func(at ...time.Duration) []AlertTest {
		var out []AlertTest
		for _, t := range at {
			for _, name := range []string{a.Name, AlertServiceDown, AlertTargetDown} {
				out = append(out, none(t, name))
			}
		}
		return out
	}
	return []TestGroup{
		{
			Name: a.Name + " fires in a crash loop: each process lives 3m, its target vanishes and a new one appears a minute later", Interval: "1m",
			InputSeries: loop,
			AlertRuleTests: []AlertTest{
				none(11*time.Minute, a.Name),
				{EvalTime: "13m", Alertname: a.Name, ExpAlerts: []ExpAlert{a.expected(f, 3)}},
				none(13*time.Minute, AlertServiceDown),
			},
		},
		{
			Name: a.Name + " stays quiet on a deploy: the old container exits, a new one starts a minute later", Interval: "1m",
			InputSeries:    deploy,
			AlertRuleTests: quiet(8*time.Minute, 12*time.Minute, 20*time.Minute),
		},
		{
			Name: a.Name + " stays quiet on a rolling deploy of three replicas", Interval: "1m",
			InputSeries:    rolling,
			AlertRuleTests: quiet(9*time.Minute, 12*time.Minute, 20*time.Minute),
		},
	}
}

func targetDownTests(a Alert, f fixture) []TestGroup {
	other := f.svc + "-2:9464"
	return []TestGroup{
		{
			Name: a.Name + " fires for the one target that is down", Interval: "1m",
			InputSeries:    []Series{upSeries(f, f.instance, "0x20"), upSeries(f, other, "1x20")},
			AlertRuleTests: []AlertTest{{EvalTime: "15m", Alertname: a.Name, ExpAlerts: []ExpAlert{a.expected(f, 0)}}},
		},
		{
			Name: a.Name + " ignores a target down for less than " + slo.Dur(a.For), Interval: "1m",
			InputSeries:    []Series{upSeries(f, f.instance, "1 0x5 1x14")},
			AlertRuleTests: []AlertTest{none(10*time.Minute, a.Name), none(15*time.Minute, a.Name)},
		},
		{
			Name: a.Name + " stays quiet while every target is up", Interval: "1m",
			InputSeries:    []Series{upSeries(f, f.instance, "1x20"), upSeries(f, other, "1x20")},
			AlertRuleTests: []AlertTest{none(15*time.Minute, a.Name)},
		},
	}
}

func absentTests(a Alert, f fixture) []TestGroup {
	otherJob := Series{Series: seriesName(contract.ScrapeUp, map[string]string{contract.LabelJob: "prometheus", contract.LabelInstance: "localhost:9090"}), Values: "1x20"}
	return []TestGroup{
		{
			Name: a.Name + " fires when Prometheus has no target of the job", Interval: "1m",
			InputSeries:    []Series{otherJob},
			AlertRuleTests: []AlertTest{{EvalTime: "15m", Alertname: a.Name, ExpAlerts: []ExpAlert{a.expected(f, 1)}}},
		},
		{
			Name: a.Name + " ignores a target that disappears for less than " + slo.Dur(a.For), Interval: "1m",
			InputSeries:    []Series{otherJob, upSeries(f, f.instance, "1x4 stale _x3 1x12")},
			AlertRuleTests: []AlertTest{none(15*time.Minute, a.Name)},
		},
		{
			Name: a.Name + " stays quiet while the target is scraped", Interval: "1m",
			InputSeries:    []Series{otherJob, upSeries(f, f.instance, "0x20")},
			AlertRuleTests: []AlertTest{none(15*time.Minute, a.Name)},
		},
	}
}

// roundSig rounds to three significant digits, so the ratios the tests
// produce print exactly under humanizePercentage's four.
func roundSig(v float64) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// PromLE writes a bucket bound as Prometheus 3 stores it after ingestion.
func PromLE(seconds float64) string {
	v := strconv.FormatFloat(seconds, 'g', -1, 64)
	if !strings.ContainsAny(v, ".e") {
		v += ".0"
	}
	return v
}

// requestSeries is the test traffic for an objective: per input interval,
// total requests of which bad ones count against the objective, with the
// bad ones stopping after stopAfter samples when stopAfter > 0.
func requestSeries(f fixture, o slo.Objective, le string, perStep, badPerStep float64, samples, stopAfter int) []Series {
	base := with(f.target(), contract.LabelRoute, "/orders", contract.LabelMethod, "GET")
	counter := func(inc float64) string {
		if stopAfter <= 0 {
			return fmt.Sprintf("0+%sx%d", num(inc), samples)
		}
		return fmt.Sprintf("0+%sx%d %s+0x%d", num(inc), stopAfter, num(inc*float64(stopAfter)), samples-stopAfter)
	}
	// A good counter that goes on while the bad one stops needs its own
	// expansion: good requests keep flowing at the full rate then.
	good := func() string {
		if stopAfter <= 0 {
			return fmt.Sprintf("0+%sx%d", num(perStep-badPerStep), samples)
		}
		g := perStep - badPerStep
		return fmt.Sprintf("0+%sx%d %s+%sx%d", num(g), stopAfter, num(g*float64(stopAfter)+perStep), num(perStep), samples-stopAfter-1)
	}
	ok := with(base, contract.LabelStatus, "200")
	if o.Kind == "availability" {
		return []Series{
			{Series: seriesName(contract.RequestDurationCount, ok), Values: good()},
			{Series: seriesName(contract.RequestDurationCount, with(base, contract.LabelStatus, "500")), Values: counter(badPerStep)},
		}
	}
	// Latency: every request succeeds; the bad ones land above the bucket.
	return []Series{
		{Series: seriesName(contract.RequestDurationCount, ok), Values: fmt.Sprintf("0+%sx%d", num(perStep), samples)},
		{Series: seriesName(contract.RequestDurationBucket, with(ok, contract.LabelBucket, le)), Values: good()},
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// inputStep is the interval of every input series: a scrape a minute.
const inputStep = time.Minute

// up rounds d up to a whole number of evaluation steps: promtool checks
// alerts only at evaluation times.
func up(d, step time.Duration) time.Duration {
	return (d + step - 1) / step * step
}

func burnTests(a Alert, f fixture, m slo.Model, step time.Duration) []TestGroup {
	w, o := a.window, a.objective
	thr := w.Burn * o.Budget()
	steps := func(d time.Duration) int { return int(d / inputStep) }
	le := PromLE(m.LatencySeconds)
	perStep := float64(requestsPerMinute)
	fire := roundSig(math.Min(1, 2*thr))
	low := roundSig(thr / 2)
	// The ratios exist from the second input sample on, so the condition
	// holds from the first evaluation after it: pending from there,
	// firing once it lasted For.
	firstFiring := step + up(w.For, step)
	// steady: the alert has fired and the burn has lasted long enough that
	// the long window still holds a majority of it when the short window is
	// clean again. The windows need not be full: with constant traffic a
	// ratio over part of a window is the ratio over all of it, and waiting
	// for a 3d window to fill would cost promtool minutes for nothing.
	steady := up(firstFiring+w.Short+slo.RateWindow+10*time.Minute, step)
	// A burn capped at 100 % is less than twice the threshold: the burn
	// then lasts longer, so the long window still holds enough of it.
	share := 1.1 * thr / fire
	if share < 1 {
		if need := time.Duration(share / (1 - share) * float64(w.Short+slo.RateWindow+step)); need > steady {
			steady = up(need, step)
		}
	}
	// recovered: the burn stopped at steady and the short window no longer
	// holds any of it: its ratio sums 5m rates, which see RateWindow back.
	recovered := up(steady+w.Short+slo.RateWindow+inputStep, step)
	firing := func(at time.Duration, value float64) AlertTest {
		return AlertTest{EvalTime: slo.Dur(at), Alertname: a.Name, ExpAlerts: []ExpAlert{a.expected(f, value)}}
	}
	burn := TestGroup{
		Name: fmt.Sprintf("%s: %s of requests %s (%sx the threshold) from t=0 until %s: pending until it lasted %s, firing, resolved %s after the burn stops",
			a.Name, slo.Percent(fire), o.Bad, slo.Number(roundSig(fire/thr)), slo.Dur(steady), slo.Dur(w.For), slo.Dur(recovered-steady)),
		Interval:    slo.Dur(inputStep),
		InputSeries: requestSeries(f, o, le, perStep, fire*perStep, steps(recovered)+2, steps(steady)),
		AlertRuleTests: []AlertTest{
			none(firstFiring-step, a.Name),
			firing(firstFiring, fire),
			firing(steady, fire),
			none(recovered, a.Name),
		},
	}
	// Where the long window still holds the whole burn, and the burn is
	// most of what it holds, it would fire alone: the short window is what
	// resolves the alert.
	if recovered <= w.Long && fire*float64(steady) > 1.05*thr*float64(recovered) {
		above := fmt.Sprintf("%s{%s} > bool (%s * %s)", o.Record(w.Long), m.JobSelector, slo.Number(w.Burn), o.BudgetText())
		burn.PromQLExprTests = []ExprTest{{
			Expr: above, EvalTime: slo.Dur(recovered),
			ExpSamples: []Sample{{Labels: seriesName("", f.aggregated()), Value: 1}},
		}}
	}
	// A quiet service: the same burn, with half the requests the long
	// window must hold. Both quiet cases hold a constant ratio from t=0, so
	// without the gate being tested they would fire at firstFiring: one
	// evaluation later is when they must still be quiet.
	quiet := float64(m.MinRequests) / 2 / w.Long.Minutes()
	calm := firstFiring + step
	groups := []TestGroup{
		burn,
		{
			Name:           fmt.Sprintf("%s stays quiet at %s bad requests (half the threshold)", a.Name, slo.Percent(low)),
			Interval:       slo.Dur(inputStep),
			InputSeries:    requestSeries(f, o, le, perStep, low*perStep, steps(calm)+2, 0),
			AlertRuleTests: []AlertTest{none(calm, a.Name)},
		},
		{
			Name: fmt.Sprintf("%s stays quiet at the same %s bad requests when the %s window holds %s requests, half the %d required",
				a.Name, slo.Percent(fire), slo.Dur(w.Long), num(float64(m.MinRequests)/2), m.MinRequests),
			Interval:       slo.Dur(inputStep),
			InputSeries:    requestSeries(f, o, le, quiet, fire*quiet, steps(calm)+2, 0),
			AlertRuleTests: []AlertTest{none(calm, a.Name)},
		},
	}
	if o.Kind == "availability" && w == m.Windows()[0] {
		groups = append(groups, quietHourTests(a, f, m, step)...)
	}
	return groups
}

// quietHourTests are the case the request minimum exists for, at the
// fastest page: two failed requests among 120 in an hour do not page, the
// same ratio at 1,000 requests a minute does.
func quietHourTests(a Alert, f fixture, m slo.Model, step time.Duration) []TestGroup {
	w := a.window
	base := with(f.target(), contract.LabelRoute, "/orders", contract.LabelMethod, "GET")
	ok, bad := with(base, contract.LabelStatus, "200"), with(base, contract.LabelStatus, "500")
	span := 2 * w.Long
	n := int(span / inputStep)
	half := n / 2
	// Two errors among 2 requests a minute over the long window.
	ratio := 2 / (2*w.Long.Minutes() + 2)
	if ratio <= w.Burn*a.objective.Budget() {
		// Below the threshold anyway: nothing for the minimum to prevent.
		return nil
	}
	if 2*w.Long.Minutes() >= float64(m.MinRequests) {
		// The minimum lets 2 requests a minute through: two failed ones
		// page, and spec.Warnings says so to whoever chose the minimum.
		return nil
	}
	// Loud enough that the long window holds twice the request minimum.
	loud := math.Max(1000, math.Ceil(2*float64(m.MinRequests)/w.Long.Minutes()))
	firstFiring := step + up(w.For, step)
	return []TestGroup{
		{
			Name:     fmt.Sprintf("%s stays quiet on two failed requests at 2 requests a minute", a.Name),
			Interval: slo.Dur(inputStep),
			InputSeries: []Series{
				{Series: seriesName(contract.RequestDurationCount, ok), Values: fmt.Sprintf("0+2x%d", n)},
				{Series: seriesName(contract.RequestDurationCount, bad), Values: fmt.Sprintf("0x%d 1 2x%d", half, n-half-1)},
			},
			AlertRuleTests: []AlertTest{
				none(up(time.Duration(half)*inputStep+w.For+2*inputStep, step), a.Name),
				none(up(time.Duration(half)*inputStep+w.Short, step), a.Name),
			},
		},
		{
			Name:     fmt.Sprintf("%s fires on the same %s of failed requests at %s requests a minute", a.Name, slo.Percent(ratio), num(loud)),
			Interval: slo.Dur(inputStep),
			InputSeries: []Series{
				{Series: seriesName(contract.RequestDurationCount, ok), Values: fmt.Sprintf("0+%sx%d", num(loud), n)},
				{Series: seriesName(contract.RequestDurationCount, bad), Values: fmt.Sprintf("0+%sx%d", num(loud*ratio/(1-ratio)), n)},
			},
			AlertRuleTests: []AlertTest{{EvalTime: slo.Dur(up(firstFiring+w.Long, step)), Alertname: a.Name, ExpAlerts: []ExpAlert{a.expected(f, ratio)}}},
		},
	}
}

// healthyTests: a service that serves only good requests has every ratio
// at 0 and its whole budget left, not "no data".
func healthyTests(o slo.Objective, f fixture, m slo.Model) TestGroup {
	at := 10 * time.Minute
	labels := f.aggregated()
	var exprs []ExprTest
	zero := func(record string) {
		exprs = append(exprs, ExprTest{Expr: record, EvalTime: slo.Dur(at), ExpSamples: []Sample{{Labels: seriesName(record, labels), Value: 0}}})
	}
	zero(o.BadRateRecord())
	for _, w := range append(m.RatioWindows(), m.SLOWindow) {
		zero(o.Record(w))
	}
	remaining := fmt.Sprintf("%s{%s=%q}", slo.RecordBudgetRemaining, slo.LabelSLO, o.Kind)
	exprs = append(exprs, ExprTest{Expr: remaining, EvalTime: slo.Dur(at),
		ExpSamples: []Sample{{Labels: seriesName(slo.RecordBudgetRemaining, with(labels, slo.LabelSLO, o.Kind)), Value: 1}}})
	return TestGroup{
		Name:            fmt.Sprintf("a healthy service (every request %s) has a %s ratio of 0 over every window and its whole budget left", o.Good, o.Title),
		Interval:        slo.Dur(inputStep),
		InputSeries:     requestSeries(f, o, PromLE(m.LatencySeconds), requestsPerMinute, 0, int(at/inputStep)+2, 0)[:healthySeries(o)],
		PromQLExprTests: exprs,
	}
}

// healthySeries drops the 5xx counter of an availability fixture: a
// service without errors has no such series at all.
func healthySeries(o slo.Objective) int {
	if o.Kind == "availability" {
		return 1
	}
	return 2
}

// budgetExhaustedTests: twice the budget's ratio spends it (the window
// holds only the test's hours, which is all Prometheus has too), half of
// it does not.
func budgetExhaustedTests(a Alert, f fixture, m slo.Model) []TestGroup {
	o := a.objective
	le := PromLE(m.LatencySeconds)
	step := time.Minute
	firstFiring := step + up(a.For, step)
	end := firstFiring + 15*time.Minute
	n := int(end/inputStep) + 2
	over, under := 2*o.Budget(), o.Budget()/2
	return []TestGroup{
		{
			Name:        fmt.Sprintf("%s fires when %s of requests %s, twice the budget", a.Name, slo.Percent(over), o.Bad),
			Interval:    slo.Dur(inputStep),
			InputSeries: requestSeries(f, o, le, requestsPerMinute, over*requestsPerMinute, n, 0),
			AlertRuleTests: []AlertTest{
				none(firstFiring-step, a.Name),
				{EvalTime: slo.Dur(end), Alertname: a.Name, ExpAlerts: []ExpAlert{a.expected(f, 1-over/o.Budget())}},
			},
		},
		{
			Name:           fmt.Sprintf("%s stays quiet while half the budget is spent", a.Name),
			Interval:       slo.Dur(inputStep),
			InputSeries:    requestSeries(f, o, le, requestsPerMinute, under*requestsPerMinute, n, 0),
			AlertRuleTests: []AlertTest{none(end, a.Name)},
		},
	}
}
