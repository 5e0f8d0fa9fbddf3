package doctor

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/alertmanager"
	"github.com/obsgen/obsgen/generators/loki"
	"github.com/obsgen/obsgen/generators/ops"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// startFix is the step when nothing answers: start the stack.
func startFix(s spec.Spec) string {
	if s.Deploy.Target.IsKubernetes() {
		return "check the URL flags point at the cluster's backends (kubectl port-forward them), or pass an empty URL to skip"
	}
	return "start the stack: `" + stack.Compose + " up -d`"
}

// promQuery runs an instant PromQL query and returns its vector.
func promQuery(ctx context.Context, c *client, q string) ([]promSample, error) {
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []promSample `json:"result"`
		} `json:"data"`
	}
	if err := c.getJSON(ctx, "/api/v1/query", url.Values{"query": {q}}, &r); err != nil {
		return nil, err
	}
	return r.Data.Result, nil
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  []any             `json:"value"`
}

func (p promSample) value() float64 {
	if len(p.Value) != 2 {
		return 0
	}
	s, _ := p.Value[1].(string)
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func jobSelector(s spec.Spec) string {
	return "{" + contract.LabelJob + "=" + strconv.Quote(s.Service.Name) + "}"
}

// checkTarget: the service's job has a target and its last scrape worked.
func checkTarget(ctx context.Context, c *client, s spec.Spec, _ Options) Result {
	steps := ops.For(s)
	res, err := promQuery(ctx, c, contract.ScrapeUp+jobSelector(s))
	if err != nil {
		return fail(steps.ScrapeChecks[0], "%v", err)
	}
	if len(res) == 0 {
		return fail(steps.ScrapeChecks[0], "Prometheus has no target of job %q: the scrape job is missing", s.Service.Name)
	}
	up := 0
	for _, r := range res {
		if r.value() == 1 {
			up++
		}
	}
	if up == 0 {
		return fail(steps.Running+" "+steps.Scrape, "%d target(s) of job %q, none up (the last scrape failed)", len(res), s.Service.Name)
	}
	return pass("%d of %d target(s) of job %q up", up, len(res), s.Service.Name)
}

// checkMetrics: the contract's request metric is there, with the labels the
// rules and dashboards select on.
func checkMetrics(ctx context.Context, c *client, s spec.Spec, _ Options) Result {
	steps := ops.For(s)
	res, err := promQuery(ctx, c, contract.RequestDurationCount+jobSelector(s))
	if err != nil {
		return fail(steps.Scrape, "%v", err)
	}
	if len(res) == 0 {
		return fail(steps.Scrape+" Send the service a request: the series appears after the first one.",
			"no %s series of job %q: the service exports no request metrics (not instrumented, or no request yet)", contract.RequestDurationCount, s.Service.Name)
	}
	var envs []string
	routed := false
	for _, r := range res {
		if e := r.Metric[contract.LabelEnvironment]; e != "" && !slices.Contains(envs, e) {
			envs = append(envs, e)
		}
		if r.Metric[contract.LabelRoute] != "" {
			routed = true
		}
	}
	if !slices.Contains(envs, s.Service.Environment) {
		return fail(steps.ScrapeChecks[0], "%s has no series with %s=%q (found %q): the scrape job's target labels differ from the answers",
			contract.RequestDurationCount, contract.LabelEnvironment, s.Service.Environment, envs)
	}
	if !routed {
		return fail("Wire the router with obsgen's middleware so requests carry their route template (`obsgen wire`).",
			"no %s series has a %s label: requests matched no route, or the middleware is not on the router", contract.RequestDurationCount, contract.LabelRoute)
	}
	return pass("%d %s series with %s=%q and %s", len(res), contract.RequestDuration, contract.LabelEnvironment, s.Service.Environment, contract.LabelRoute)
}

// checkRules: the generated groups are loaded and every rule evaluates.
func checkRules(ctx context.Context, c *client, s spec.Spec, _ Options) Result {
	fix := "Check the rule files with `promtool check rules` and restart Prometheus (`" + stack.Compose + " restart " + stack.Prometheus + "`); Status > Rules shows each rule's error."
	var r struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := c.getJSON(ctx, "/api/v1/rules", nil, &r); err != nil {
		return fail(fix, "%v", err)
	}
	want := rules.GroupNames(s)
	n := 0
	for _, name := range want {
		found := false
		for _, g := range r.Data.Groups {
			if g.Name != name {
				continue
			}
			found = true
			for _, rule := range g.Rules {
				n++
				if rule.Health != "ok" || rule.LastError != "" {
					why := rule.LastError
					if why == "" {
						why = "not evaluated yet; wait one evaluation interval"
					}
					return fail(fix, "rule %s in group %s: health %s: %s", rule.Name, name, rule.Health, why)
				}
			}
		}
		if !found {
			return fail(fix, "rule group %q is not loaded", name)
		}
	}
	return pass("%d groups, %d rules, all healthy", len(want), n)
}

// checkAlertmanager: the configuration is loaded and routes to the
// receivers obsgen generated, with the integration the answers chose. It
// sends nothing.
func checkAlertmanager(ctx context.Context, c *client, s spec.Spec, _ Options) Result {
	fix := "Check alertmanager.yml with `amtool check-config alertmanager.yml` and restart Alertmanager (`" + stack.Compose + " restart " + stack.Alertmanager + "`)."
	var st struct {
		Config struct {
			Original string `json:"original"`
		} `json:"config"`
	}
	if err := c.getJSON(ctx, "/api/v2/status", nil, &st); err != nil {
		return fail(fix, "%v", err)
	}
	var cfg struct {
		Receivers []map[string]any `yaml:"receivers"`
	}
	if err := yaml.Unmarshal([]byte(st.Config.Original), &cfg); err != nil || st.Config.Original == "" {
		return fail(fix, "Alertmanager has no readable configuration loaded")
	}
	integration := s.Alerts.Receiver + "_configs"
	for _, r := range cfg.Receivers {
		if r["name"] != alertmanager.ReceiverPage {
			continue
		}
		if s.Alerts.Receiver == "none" {
			return pass("configuration loaded, receiver %q present (alerts.receiver: none, no integration)", alertmanager.ReceiverPage)
		}
		if _, ok := r[integration]; !ok {
			return fail("Run `obsgen generate` and restart Alertmanager: the loaded configuration is not the generated one.",
				"receiver %q has no %s (alerts.receiver is %s)", alertmanager.ReceiverPage, integration, s.Alerts.Receiver)
		}
		return pass("configuration loaded, receiver %q with %s", alertmanager.ReceiverPage, integration)
	}
	return fail("Run `obsgen generate` and restart Alertmanager: the loaded configuration is not the generated one.",
		"no receiver %q in the loaded configuration", alertmanager.ReceiverPage)
}

// checkLogs: recent lines of the service in Loki carry a trace ID (as
// structured metadata, never a label).
func checkLogs(ctx context.Context, c *client, s spec.Spec, o Options) Result {
	steps := ops.For(s)
	fix := "Is the log shipper running? " + strings.ToUpper(steps.RestartLogPipeline[:1]) + steps.RestartLogPipeline[1:] + "."
	sel := loki.Selector(s)
	now := o.Now()
	q := func(expr string) (int, error) {
		var r struct {
			Data struct {
				Result []struct {
					Values [][]any `json:"values"`
				} `json:"result"`
			} `json:"data"`
		}
		err := c.getJSON(ctx, "/loki/api/v1/query_range", url.Values{
			"query": {expr}, "limit": {"20"},
			"start": {strconv.FormatInt(now.Add(-o.Lookback).UnixNano(), 10)},
			"end":   {strconv.FormatInt(now.UnixNano(), 10)},
		}, &r)
		n := 0
		for _, st := range r.Data.Result {
			n += len(st.Values)
		}
		return n, err
	}
	n, err := q(sel + " | " + contract.LokiMetaTraceID + ` != ""`)
	if err != nil {
		return fail(fix, "%v", err)
	}
	if n > 0 {
		return pass("%s: lines with %s in the last %s", sel, contract.LokiMetaTraceID, o.Lookback)
	}
	all, err := q(sel)
	if err != nil {
		return fail(fix, "%v", err)
	}
	if all > 0 {
		return fail("Log with the request's context (the generated logger's handler adds trace_id) and keep tracing on.",
			"%s has lines in the last %s, none with %s", sel, o.Lookback, contract.LokiMetaTraceID)
	}
	return fail(fix, "Loki has no line of %s in the last %s", sel, o.Lookback)
}

// checkTraces: the trace backend holds a recent trace of the service.
func checkTraces(ctx context.Context, c *client, s spec.Spec, o Options) Result {
	host, _ := stack.TraceBackend(s)
	fix := "Is the collector forwarding spans? `" + stack.Compose + " logs --tail=100 " + stack.Collector + " " + host + "`; start them with `" + stack.Compose + " up -d " + stack.Collector + " " + host + "`."
	n := 0
	if s.Tracing.Backend == "tempo" {
		var r struct {
			Traces []any `json:"traces"`
		}
		err := c.getJSON(ctx, "/api/search", url.Values{
			"tags":  {"service.name=" + s.Service.Name},
			"start": {strconv.FormatInt(o.Now().Add(-o.Lookback).Unix(), 10)},
			"end":   {strconv.FormatInt(o.Now().Unix(), 10)},
			"limit": {"1"},
		}, &r)
		if err != nil {
			return fail(fix, "%v", err)
		}
		n = len(r.Traces)
	} else {
		var r struct {
			Data []any `json:"data"`
		}
		err := c.getJSON(ctx, "/api/traces", url.Values{
			"service": {s.Service.Name}, "limit": {"1"},
			"lookback": {o.Lookback.String()},
			"start":    {strconv.FormatInt(o.Now().Add(-o.Lookback).UnixMicro(), 10)},
			"end":      {strconv.FormatInt(o.Now().UnixMicro(), 10)},
		}, &r)
		if err != nil {
			return fail(fix, "%v", err)
		}
		n = len(r.Data)
	}
	if n == 0 {
		return fail(fix, "%s has no trace of service %q in the last %s", c.name, s.Service.Name, o.Lookback)
	}
	return pass("%s has a trace of service %q from the last %s", c.name, s.Service.Name, o.Lookback)
}

// checkDashboards: Grafana provisioned the service's dashboard (by UID).
func checkDashboards(ctx context.Context, c *client, s spec.Spec, _ Options) Result {
	uid := slo.DashboardUID(s.Service.Name)
	fix := "Check the provisioning folder is mounted and restart Grafana (`" + stack.Compose + " restart " + stack.Grafana + "`); `" + stack.Compose + " logs " + stack.Grafana + "` shows provisioning errors."
	var r []struct {
		UID   string `json:"uid"`
		Title string `json:"title"`
	}
	if err := c.getJSON(ctx, "/api/search", url.Values{"dashboardUIDs": {uid}, "type": {"dash-db"}}, &r); err != nil {
		return fail(fix, "%v", err)
	}
	for _, d := range r {
		if d.UID == uid {
			return pass("dashboard %q (uid %s) provisioned", d.Title, uid)
		}
	}
	return fail(fix, "no dashboard with uid %q", uid)
}
