package servicetest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/obsgen/obsgen/internal/contract"
)

// caseSamplerArg: OTEL_TRACES_SAMPLER_ARG alone (no OTEL_TRACES_SAMPLER)
// sets the ratio of the configured parent-based ratio sampler, as the
// OpenTelemetry specification has the argument apply to the configured
// sampler and docs/answers.md says. Each ratio gets a process of its own.
func caseSamplerArg(t *testing.T, c *caseRun) {
	for _, cc := range []struct {
		arg  string
		want int // of 20 new traces
	}{{"1", 20}, {"0", 0}} {
		r := c.s.start(t, "OTEL_TRACES_SAMPLER_ARG="+cc.arg)
		if got := sampledOf(t, r, 20); got != cc.want {
			t.Errorf("OTEL_TRACES_SAMPLER_ARG=%s alone: %d of 20 new traces sampled, want %d (the configured ratio is 0.1)", cc.arg, got, cc.want)
		}
		_ = r.cmd.Process.Kill()
	}
}

// caseFirstErrorSeries: once a route has served a request, /metrics holds
// its 5xx request series at 0, so the route's first error is an increase
// rate() sees (a series born at 1 shows none); a real error replaces its
// zero series, once. A fresh process, so that no error was recorded yet.
func caseFirstErrorSeries(t *testing.T, c *caseRun) {
	r := c.s.start(t)
	get(t, r.base+"/hello/first", "")
	series := requestSeries(t, r.metrics)
	route := c.f.route
	for _, status := range []string{"200", "500", "502", "503", "504"} {
		n, ok := series[fmt.Sprintf("GET %s %s", route, status)]
		switch {
		case !ok:
			t.Errorf("no %s series for GET %s %s after the route served a request: its first such error is invisible to rate()", contract.RequestDurationCount, route, status)
		case status == "200" && n != 1, status != "200" && n != 0:
			t.Errorf("GET %s %s counts %v", route, status, n)
		}
	}
	get(t, r.base+"/fail", "")
	series = requestSeries(t, r.metrics)
	if n := series["GET /fail 503"]; n != 1 {
		t.Errorf("GET /fail 503 counts %v after one failed request, want 1", n)
	}
	if _, ok := series["GET /fail 500"]; !ok {
		t.Error("no zero GET /fail 500 series after /fail served a request")
	}
	_ = r.cmd.Process.Kill()
}

// sampledOf sends n requests without trace context and counts those whose
// access line says the new trace was sampled.
func sampledOf(t *testing.T, r *running, n int) int {
	t.Helper()
	sampled := 0
	for range n {
		resp := get(t, r.base+"/hello/s", "")
		id := resp.Header.Get(contract.HeaderRequestID)
		waitFor(t, 5*time.Second, "the access line of request "+id, func() bool {
			l := r.logs.find(func(l map[string]any) bool {
				return l[contract.LogMessage] == contract.AccessLogMessage && l[contract.LogRequestID] == id
			})
			if l != nil && l[contract.LogTraceSampled] == true {
				sampled++
			}
			return l != nil
		})
	}
	return sampled
}

// requestSeries scrapes url as Prometheus' text format and returns the
// request count of each "METHOD route status" series, failing on a label
// set that appears twice.
func requestSeries(t *testing.T, url string) map[string]float64 {
	t.Helper()
	families := scrapeFamilies(t, url)
	mf := families[contract.RequestDuration]
	if mf == nil || mf.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("no %s histogram in %s", contract.RequestDuration, url)
	}
	out := map[string]float64{}
	seen := map[string]bool{}
	for _, m := range mf.GetMetric() {
		l := map[string]string{}
		var all []string
		for _, lp := range m.GetLabel() {
			l[lp.GetName()] = lp.GetValue()
			all = append(all, lp.GetName()+"="+lp.GetValue())
		}
		sort.Strings(all)
		if k := strings.Join(all, ","); seen[k] {
			t.Errorf("series %s appears twice", k)
		} else {
			seen[k] = true
		}
		if s := l[contract.LabelStatus]; strings.HasPrefix(s, "5") && l["error_type"] != s {
			t.Errorf("series %v: a 5xx series carries error_type=%s as the recorded ones do", l, s)
		}
		out[l[contract.LabelMethod]+" "+l[contract.LabelRoute]+" "+l[contract.LabelStatus]] = float64(m.GetHistogram().GetSampleCount())
	}
	return out
}
