package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Names of the alerts on the service's dependencies (obsgen.yaml's
// dependencies).
const (
	AlertDependencyFailing = "DependencyFailing"
	AlertDependencySlow    = "DependencySlow"
	AlertPoolSaturated     = "DependencyPoolSaturated"
	// AlertPoolExhausted is go-redis' pool giving callers no connection
	// at all: they waited PoolTimeout and failed.
	AlertPoolExhausted = "DependencyPoolExhausted"

	// depFailingRatio: more than 5 % of the calls to one dependency got
	// no answer or a 5xx (HTTP) or an error (database) over 5m.
	depFailingRatio = 0.05
	depFailingFor   = 5 * time.Minute
	// depSlowRatio: more than 5 % of the calls to one dependency took
	// longer than the service's whole latency SLO threshold, for 10m.
	depSlowRatio = 0.05
	depSlowFor   = 10 * time.Minute
	// depMinCalls is how many calls a dependency must get in 5m before
	// its ratios count: 2 failures out of 3 calls are no outage.
	depMinCalls = 30
	// poolWaiters: callers waiting for a free connection on average, for
	// poolSaturatedFor.
	poolWaiters      = 0.5
	poolSaturatedFor = 5 * time.Minute
	// poolTimeouts: calls that found no free Redis connection within the
	// pool's timeout, over 5m, for poolSaturatedFor: more than one a
	// minute is a pool too small for its load, not a blip.
	poolTimeouts = 5

	groupDependencies = "-dependencies"
)

// DependencyGroupName is the rule group of s's dependency alerts.
func DependencyGroupName(s spec.Spec) string { return s.Service.Name + groupDependencies }

// DependencyCalls is one family of instrumented dependency calls: its
// histogram and the matcher of a failed call. The alerts and the
// dashboard's dependency row read the same values.
type DependencyCalls struct {
	// Title names the family in panels ("HTTP", "database", "Redis").
	Title         string
	Count, Bucket string
	// Failed selects the failed calls: for HTTP a 5xx or no response at
	// all (a refused or timed-out call has no status code, only an
	// error_type); 4xx are the dependency refusing our requests, shown
	// on the dashboard by status. For databases any error; for Redis
	// status error (a missing key, status nil, is an answer).
	Failed string
	// LE selects the bucket at the latency SLO threshold; ToSeconds
	// turns the histogram's unit into seconds (" / 1000" for Redis'
	// milliseconds).
	LE, ToSeconds string
	// le is the threshold bucket's bound; ok and bad the labels of a
	// successful and a failed call, for the tests.
	le      string
	ok, bad []string
}

// DependencyCallFamilies are the call families of s's dependencies.
func DependencyCallFamilies(s spec.Spec) []DependencyCalls {
	threshold := s.SLO.LatencyThreshold.Seconds()
	le := contract.BucketLE(time.Duration(s.SLO.LatencyThreshold))
	var out []DependencyCalls
	if s.Dependencies.Has("http") {
		out = append(out, DependencyCalls{Title: "HTTP", Count: contract.ClientRequestDurationCount, Bucket: contract.ClientRequestDurationBucket,
			Failed: fmt.Sprintf("%s=~\"5..|\"", contract.LabelStatus), LE: slo.LE(threshold), le: le,
			ok: []string{contract.LabelStatus, "200"}, bad: []string{contract.LabelStatus, "503"}})
	}
	if s.Dependencies.HasSQL() {
		out = append(out, DependencyCalls{Title: "database", Count: contract.DBOperationDurationCount, Bucket: contract.DBOperationDurationBucket,
			Failed: fmt.Sprintf("%s!=\"\"", contract.LabelErrorType), LE: slo.LE(threshold), le: le,
			ok:  []string{contract.LabelDBOperation, "sql.conn.query"},
			bad: []string{contract.LabelDBOperation, "sql.conn.query", contract.LabelErrorType, "net.OpError"}})
	}
	if s.Dependencies.Has("redis") {
		ms := threshold * 1000
		out = append(out, DependencyCalls{Title: "Redis", Count: contract.RedisCallDurationCount, Bucket: contract.RedisCallDurationBucket,
			Failed: fmt.Sprintf("%s=%q", contract.LabelRedisStatus, contract.RedisStatusError), LE: slo.LE(ms), ToSeconds: " / 1000",
			le: strconv.FormatFloat(ms, 'f', -1, 64),
			ok: []string{contract.LabelRedisStatus, "ok"}, bad: []string{contract.LabelRedisStatus, contract.RedisStatusError}})
	}
	return out
}

// dependencyAlerts are the alerts on the dependencies: calls failing, calls
// slow, a pool saturated. They are tickets: when users notice, the SLO
// alerts page; these say which dependency it is, and also fire when the
// service hides the failures from its users (retries, fallbacks).
func dependencyAlerts(s spec.Spec) []Alert {
	fams := DependencyCallFamilies(s)
	if len(fams) == 0 {
		return nil
	}
	m := slo.New(s)
	svc := s.Service.Name
	by := m.By + ", " + contract.LabelDependency
	sel := m.JobSelector
	rw := slo.Dur(slo.RateWindow)
	var failing, slow, volume []string
	for _, f := range fams {
		failing = append(failing, fmt.Sprintf("sum by (%s) (rate(%s{%s, %s}[%s]))\n/\nsum by (%s) (rate(%s{%s}[%s]))", by, f.Count, sel, f.Failed, rw, by, f.Count, sel, rw))
		slow = append(slow, fmt.Sprintf("1 - sum by (%s) (rate(%s{%s, %s}[%s]))\n/\nsum by (%s) (rate(%s{%s}[%s]))", by, f.Bucket, sel, f.LE, rw, by, f.Count, sel, rw))
		volume = append(volume, fmt.Sprintf("sum by (%s) (increase(%s{%s}[%s]))", by, f.Count, sel, rw))
	}
	gate := fmt.Sprintf("and on (%s)\n(\n%s\n) >= %d", by, strings.Join(volume, "\nor\n"), depMinCalls)
	either := func(parts []string) string {
		if len(parts) == 1 {
			return "(\n" + parts[0] + "\n)"
		}
		return "(\n(\n" + strings.Join(parts, "\n)\nor\n(\n") + "\n)\n)"
	}
	dep := "{{ $labels." + contract.LabelDependency + " }}"
	kept := []string{contract.LabelJob, contract.LabelEnvironment, contract.LabelDependency}
	dash := DashboardURL(s) + "?var-" + dashboardEnvVarName + "=" + labelEnv
	threshold := s.SLO.LatencyThreshold.String()
	callsBy := func(f DependencyCalls, extra string) string {
		return fmt.Sprintf("`sum by (%s%s) (rate(%s{%s}[5m]))`", contract.LabelDependency, extra, f.Count, sel)
	}
	var statusQuery []string
	for _, f := range fams {
		extra := ", " + contract.LabelErrorType
		switch f.Title {
		case "HTTP":
			extra = ", " + contract.LabelStatus + extra
		case "Redis":
			extra = ", " + contract.LabelRedisStatus + extra
		}
		statusQuery = append(statusQuery, callsBy(f, extra))
	}
	tgt := func(name string, kv ...string) map[string]string {
		l := map[string]string{contract.LabelJob: svc, contract.LabelInstance: fmt.Sprintf("%s:%d", svc, s.Metrics.Port),
			contract.LabelEnvironment: s.Service.Environment, slo.LabelService: svc, contract.LabelDependency: name}
		if s.Deploy.Target.IsKubernetes() {
			l[contract.LabelNamespace] = s.Kubernetes.Namespace
		}
		for i := 0; i+1 < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		return l
	}
	// Test inputs: one dependency of each family, its calls and failures
	// as counters sampled every minute.
	calls := func(f DependencyCalls, name, okPerMin, badPerMin string) []input {
		return []input{{f.Count, tgt(name, f.ok...), "0+" + okPerMin + "x30"}, {f.Count, tgt(name, f.bad...), "0+" + badPerMin + "x30"}}
	}
	// slowCalls are perMin calls a minute, share of them slower than
	// the threshold (in no bucket up to it).
	slowCalls := func(f DependencyCalls, name string, perMin int, share float64) []input {
		fast := fmt.Sprint(float64(perMin) * (1 - share))
		return []input{
			{f.Count, tgt(name, f.ok...), fmt.Sprintf("0+%dx30", perMin)},
			{f.Bucket, tgt(name, append(slices.Clone(f.ok), contract.LabelBucket, f.le)...), "0+" + fast + "x30"},
		}
	}
	names := map[string]string{}
	for _, d := range s.Dependencies {
		fam := map[string]string{"http": "HTTP", "redis": "Redis"}[d.Kind]
		if d.IsSQL() {
			fam = "database"
		}
		if names[fam] == "" {
			names[fam] = d.Name
		}
	}
	first := fams[0]
	firstName := names[first.Title]

	failingA := Alert{
		Name: AlertDependencyFailing, Severity: slo.SeverityTicket,
		Expr:        either(failing) + fmt.Sprintf(" > %s\n", slo.Number(depFailingRatio)) + gate,
		For:         depFailingFor,
		Summary:     svc + "'s calls to " + dep + " are failing",
		Description: fmt.Sprintf("More than %s of %s's calls to %s failed over the last 5m, for %s (HTTP: a 5xx or no answer at all; database or Redis: an error). Requests that need %s fail or wait with them, unless the service falls back.", slo.Percent(depFailingRatio), svc, dep, slo.Dur(depFailingFor), dep),
		Dashboard:   dash,
		Meaning:     "A dependency of the service (its name is the alert's " + contract.LabelDependency + ") answers with errors, or does not answer. Either it has an outage, or the service calls it wrongly: the checks below tell which.",
		Threshold:   fmt.Sprintf("failed calls > %s of the calls to one dependency over 5m, for %s, with at least %d calls in 5m", slo.Percent(depFailingRatio), slo.Dur(depFailingFor), depMinCalls),
		Checks: []string{
			"How do the calls fail? The dashboard's dependencies row, or " + strings.Join(statusQuery, " and ") + ". `net.OpError` or a timeout with no status code: the dependency is unreachable (down, DNS, network, a firewall). A 5xx: it answered and failed. A database error type: the driver's error, in the service's error logs with the query's trace ID.",
			"Ours or theirs? Their outage: the failures started without a deploy or config change of ours, every instance of " + svc + " sees them, and the dependency's own dashboard or status page shows errors too. Our bug: they started with our deploy or config change (a new URL, query, credential or TLS setting), only some instances fail, or the dependency refuses our requests (4xx, authentication or permission errors, a syntax error in a query).",
			"Open a failing request's trace from the logs panel: the dependency's client span carries the status or error, and for a database the statement.",
		},
		Mitigations: []string{
			"Our bug: roll back the deploy or config change that started it; rotate the expired credential.",
			"Their outage: tell the dependency's owners (with a trace ID and the time it started), and switch to its fallback, a secondary, or a degraded answer (feature flag, cache) so " + svc + "'s own requests stop failing; keep timeouts short so requests fail fast instead of queueing.",
		},
		kept: kept, dependency: true,
	}
	for _, f := range fams {
		failingA.cases = append(failingA.cases, inputCase{
			why: fmt.Sprintf("half the %s calls to %s fail", f.Title, names[f.Title]), fires: true, at: 15 * time.Minute,
			in: calls(f, names[f.Title], "100", "100"),
		})
	}
	failingA.cases = append(failingA.cases,
		inputCase{why: "healthy: 1 call in 1000 fails", at: 15 * time.Minute, in: calls(first, firstName, "999", "1")},
		inputCase{why: fmt.Sprintf("low traffic: half of 10 calls in 5m fail, fewer than %d", depMinCalls), at: 15 * time.Minute, in: calls(first, firstName, "1", "1")},
		inputCase{why: "outage shorter than " + slo.Dur(depFailingFor), at: 4 * time.Minute, in: calls(first, firstName, "100", "100")},
	)

	slowA := Alert{
		Name: AlertDependencySlow, Severity: slo.SeverityTicket,
		Expr:        either(slow) + fmt.Sprintf(" > %s\n", slo.Number(depSlowRatio)) + gate,
		For:         depSlowFor,
		Summary:     svc + "'s calls to " + dep + " are slow",
		Description: fmt.Sprintf("More than %s of %s's calls to %s took longer than %s, the latency threshold of %s's own SLO, over the last 5m, for %s: a request that makes such a call cannot meet its objective.", slo.Percent(depSlowRatio), svc, dep, threshold, svc, slo.Dur(depSlowFor)),
		Dashboard:   dash,
		Meaning:     "Calls to a dependency take longer than the service's whole latency budget for a request. The dependency is slow, or the service asks it for more (bigger queries, more data, waits in its own connection pool).",
		Threshold:   fmt.Sprintf("calls slower than %s > %s of the calls to one dependency over 5m, for %s, with at least %d calls in 5m", threshold, slo.Percent(depSlowRatio), slo.Dur(depSlowFor), depMinCalls),
		Checks: []string{
			"Which calls are slow? The dashboard's dependency latency panel; for a database by operation: `histogram_quantile(0.95, sum by (le, " + contract.LabelDBOperation + ") (rate(" + contract.DBOperationDurationBucket + "{" + sel + "}[5m])))`. Open a slow request's trace: the client span's duration and, for a database, its statement.",
			"Ours or theirs? Ours: it started with a deploy of ours, one query or endpoint only got slow (a new query, a missing index, more rows, calls in a loop), or the time is spent waiting for a connection in our own pool (" + AlertPoolSaturated + ", the pool panels). Theirs: every operation got slower at once without a change of ours, and the dependency's own latency (its dashboard or status page) rose too.",
		},
		Mitigations: []string{
			"Ours: roll back the deploy that made the calls slow; add the missing index or bound the query.",
			"Theirs: tell the dependency's owners with a slow trace ID; lower the call's timeout and serve a cached or degraded answer so " + svc + "'s requests stop waiting on it.",
		},
		kept: kept, dependency: true,
	}
	for _, f := range fams {
		slowA.cases = append(slowA.cases, inputCase{
			why: fmt.Sprintf("a fifth of the %s calls to %s take longer than %s", f.Title, names[f.Title], threshold), fires: true, at: 20 * time.Minute,
			in: slowCalls(f, names[f.Title], 100, 0.2),
		})
	}
	slowA.cases = append(slowA.cases,
		inputCase{why: fmt.Sprintf("healthy: 1 call in 100 takes longer than %s", threshold), at: 20 * time.Minute, in: slowCalls(first, firstName, 100, 0.01)},
		inputCase{why: fmt.Sprintf("low traffic: every call slow, but 5 calls in 5m, fewer than %d", depMinCalls), at: 20 * time.Minute, in: slowCalls(first, firstName, 1, 1)},
		inputCase{why: "slow for less than " + slo.Dur(depSlowFor), at: 9 * time.Minute, in: slowCalls(first, firstName, 100, 0.2)},
	)
	alerts := []Alert{failingA, slowA}

	if db := names["database"]; db != "" {
		waited := func(msPerMin string) []input {
			return []input{{contract.DBPoolWaitDuration, tgt(db), "0+" + msPerMin + "x30"}}
		}
		poolSel := fmt.Sprintf("{%s, %s=%q}", sel, contract.LabelDependency, "<dependency>")
		alerts = append(alerts, Alert{
			Name: AlertPoolSaturated, Severity: slo.SeverityTicket,
			Expr:        fmt.Sprintf("sum by (%s) (rate(%s{%s}[%s])) / 1000 > %s", by, contract.DBPoolWaitDuration, sel, rw, slo.Number(poolWaiters)),
			For:         poolSaturatedFor,
			Summary:     svc + "'s connection pool of " + dep + " is saturated: calls wait for a connection",
			Description: fmt.Sprintf("On average more than %s of %s's calls to %s have been waiting for a free connection of its pool over the last 5m, for %s: every connection is in use, and requests queue behind them.", slo.Number(poolWaiters), svc, dep, slo.Dur(poolSaturatedFor)),
			Dashboard:   dash,
			Meaning:     "Every connection of the service's database/sql pool is busy, and calls wait for one to be free (mean callers waiting, from the pool's wait time). Requests that query the database get slower by the wait, or time out.",
			Threshold:   fmt.Sprintf("waiting time of the pool > %s s per s (mean callers waiting) over 5m, for %s", slo.Number(poolWaiters), slo.Dur(poolSaturatedFor)),
			Checks: []string{
				"The dashboard's pool panels: connections in use against the pool's maximum (`" + contract.DBPoolOpen + poolSel + "` by status, `" + contract.DBPoolMaxOpen + "`), callers waiting, waits per second.",
				"Ours or theirs? Theirs: queries hold connections longer because the database is slow (" + AlertDependencySlow + " fires too, the database's own dashboards show load or locks). Ours: more concurrent queries than connections (traffic grew, a new query per request or in a loop), or connections held and not given back (rows not closed, transactions left open, a slow call made while a transaction is open): connections in use stay at the maximum while traffic is flat.",
			},
			Mitigations: []string{
				"Ours: roll back the deploy that started it; close rows and end transactions on every path; move slow work out of transactions.",
				"Raise the pool's maximum (db.SetMaxOpenConns) only if the database has connections to spare (its max_connections against every instance's pool); add instances of " + svc + " only with the same check.",
				"Theirs: treat it as " + AlertDependencySlow + " (tell the database's owners, shed load, cache).",
			},
			kept: kept, dependency: true,
			cases: []inputCase{
				{why: "about 1.5 callers wait all the time", fires: true, at: 15 * time.Minute, in: waited("90000")},
				{why: "healthy: no caller waits", at: 15 * time.Minute, in: waited("0")},
				{why: "low traffic: one 2s wait a minute", at: 15 * time.Minute, in: waited("2000")},
				{why: "callers wait for less than " + slo.Dur(poolSaturatedFor), at: 4 * time.Minute, in: waited("90000")},
			},
		})
	}
	// go-redis counts the calls its pool could give no connection; a Node
	// service's ioredis has no pool (contract.NodeLacks).
	if rd := names["Redis"]; rd != "" && (!s.Service.Language.IsNode() || contract.NodeExports(contract.RedisPoolTimeouts)) {
		timedOut := func(perMin string) []input {
			return []input{{contract.RedisPoolTimeouts, tgt(rd), "0+" + perMin + "x30"}}
		}
		alerts = append(alerts, Alert{
			Name: AlertPoolExhausted, Severity: slo.SeverityTicket,
			Expr:        fmt.Sprintf("sum by (%s) (increase(%s{%s}[%s])) > %d", by, contract.RedisPoolTimeouts, sel, rw, poolTimeouts),
			For:         poolSaturatedFor,
			Summary:     svc + "'s Redis pool of " + dep + " is exhausted: calls fail for want of a connection",
			Description: fmt.Sprintf("More than %d of %s's calls to %s found no free connection of its pool within the pool's timeout over the last 5m, for %s: they failed without reaching Redis.", poolTimeouts, svc, dep, slo.Dur(poolSaturatedFor)),
			Dashboard:   dash,
			Meaning:     "Every connection of the service's go-redis pool is busy for longer than the pool's timeout (PoolTimeout, by default the read timeout plus 1s): calls give up waiting and fail with \"redis: connection pool timeout\" before they reach Redis. go-redis reports no waiting time, only these timeouts, so this is the pool's saturation alert.",
			Threshold:   fmt.Sprintf("pool timeouts > %d over 5m, for %s", poolTimeouts, slo.Dur(poolSaturatedFor)),
			Checks: []string{
				"The dashboard's Redis pool panel: connections in use against the pool's maximum (`" + contract.RedisPoolUsage + "` by " + contract.LabelRedisPoolState + ", `" + contract.RedisPoolMax + "`), and the timeouts.",
				"Ours or theirs? Theirs: commands hold connections longer because Redis is slow (" + AlertDependencySlow + " fires too; Redis' own latency, slowlog or CPU rose). Ours: more concurrent commands than connections (traffic grew, a command per item in a loop instead of a pipeline), or connections held by blocking commands (BLPOP, SUBSCRIBE on the shared client) or long pipelines.",
			},
			Mitigations: []string{
				"Ours: roll back the deploy that started it; batch commands in pipelines; give blocking commands and subscriptions a client of their own.",
				"Raise the pool's size (redis.Options.PoolSize) only if Redis has connections to spare (maxclients against every instance's pool).",
				"Theirs: treat it as " + AlertDependencySlow + " (tell Redis' owners, shed load).",
			},
			kept: kept, dependency: true,
			cases: []inputCase{
				{why: "10 calls a minute time out", fires: true, at: 15 * time.Minute, in: timedOut("10")},
				{why: "healthy: no timeout", at: 15 * time.Minute, in: timedOut("0")},
				{why: "a timeout now and then: one every 5 minutes", at: 15 * time.Minute, in: timedOut("0.2")},
				{why: "timeouts for less than " + slo.Dur(poolSaturatedFor), at: 4 * time.Minute, in: timedOut("10")},
			},
		})
	}
	return alerts
}

// inputCase is one promtool test of an alert that carries several: input
// series, whether the alert fires on them, and when it is evaluated.
type inputCase struct {
	why   string
	fires bool
	at    time.Duration
	in    []input
}

// caseTests are the tests of an alert's input cases.
func caseTests(a Alert) []TestGroup {
	var out []TestGroup
	for _, c := range a.cases {
		t := AlertTest{EvalTime: minutes(c.at), Alertname: a.Name}
		name := a.Name + " stays quiet: " + c.why
		if c.fires {
			t.ExpAlerts = []ExpAlert{a.expectedFrom(c.in)}
			name = a.Name + " fires: " + c.why
		}
		out = append(out, TestGroup{Name: name, Interval: slo.Dur(inputStep), InputSeries: seriesOf(c.in), AlertRuleTests: []AlertTest{t}})
	}
	return out
}

// DependencyThresholds are the alerts' thresholds the dashboard draws:
// the failed-call ratio and the mean callers waiting for a connection.
func DependencyThresholds() (failingRatio, waiters float64) { return depFailingRatio, poolWaiters }
