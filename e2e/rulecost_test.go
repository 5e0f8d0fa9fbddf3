package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/generators/rules"
)

// oldRulesFixture is the rules file obsgen generated at commit a96bf7a for
// the nethttp-defaults scenario, for service oldRulesService.
const (
	oldRulesFixture = "testdata/rules-a96bf7a.yml"
	oldRulesService = "checkout"
)

// writeOldRules replaces the generated rules in a copy of the Prometheus
// folder by the fixture, renamed to the e2e service, so a second Prometheus
// evaluates the old rules over the same scrapes.
func writeOldRules(t *testing.T, promDir string) {
	t.Helper()
	b, err := os.ReadFile(oldRulesFixture)
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := filepath.Glob(filepath.Join(promDir, "rules", "*.rules.yml"))
	for _, f := range rules {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(promDir, "rules", e2eService+".rules.yml"), []byte(strings.ReplaceAll(string(b), oldRulesService, e2eService)))
}

// groupEval is what Prometheus' rules API says about one rule group.
type groupEval struct {
	Name           string  `json:"name"`
	Interval       float64 `json:"interval"`
	EvaluationTime float64 `json:"evaluationTime"`
	LastEvaluation string  `json:"lastEvaluation"`
}

func ruleGroups(ctx context.Context, base string) ([]groupEval, error) {
	var resp struct {
		Data struct {
			Groups []groupEval `json:"groups"`
		} `json:"data"`
	}
	err := getJSON(ctx, base+"/api/v1/rules", &resp)
	return resp.Data.Groups, err
}

// ruleCost samples each group's last evaluation time (the rules API's
// evaluationTime, which is prometheus_rule_group_last_duration_seconds)
// once per distinct evaluation over span, and returns the median of each
// group and the evaluation cost per second of wall time: the sum over
// groups of median / interval, but for the stack's group and apart.
func ruleCost(t *testing.T, ctx context.Context, base string, span time.Duration, apart ...string) (map[string]time.Duration, float64) {
	t.Helper()
	samples := map[string][]float64{}
	seen := map[string]bool{}
	intervals := map[string]float64{}
	for end := time.Now().Add(span); time.Now().Before(end); time.Sleep(time.Second) {
		gs, err := ruleGroups(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			intervals[g.Name] = g.Interval
			if key := g.Name + g.LastEvaluation; !seen[key] && g.EvaluationTime > 0 {
				seen[key] = true
				samples[g.Name] = append(samples[g.Name], g.EvaluationTime)
			}
		}
	}
	med := map[string]time.Duration{}
	perSecond := 0.0
	for name, v := range samples {
		sort.Float64s(v)
		m := v[len(v)/2]
		med[name] = time.Duration(m * float64(time.Second))
		// The stack's self-monitoring and the dependency alerts are no
		// part of the SLO rule layouts compared; their cost is logged,
		// not summed.
		if name != rules.StackGroupName && !slices.Contains(apart, name) {
			perSecond += m / intervals[name]
		}
	}
	for name := range intervals {
		if _, ok := med[name]; !ok {
			t.Errorf("%s: rule group %s was not evaluated within %s", base, name, span)
		}
	}
	return med, perSecond
}

// compareRuleCost measures the generated rules against the old ones, both
// evaluated over the same scrapes of the same service, and logs the numbers
// docs/alerts-and-dashboards.md quotes. The groups apart (which the old
// rules have no counterpart of) are logged, not summed.
func compareRuleCost(t *testing.T, ctx context.Context, newURL, oldURL string, apart ...string) {
	t.Helper()
	// Long enough for two evaluations of the one-minute groups.
	const span = 125 * time.Second
	type res struct {
		med map[string]time.Duration
		ps  float64
	}
	ch := make(chan res, 1)
	go func() { m, p := ruleCost(t, ctx, oldURL, span); ch <- res{m, p} }()
	newMed, newPS := ruleCost(t, ctx, newURL, span, apart...)
	old := <-ch
	t.Logf("rule evaluation, generated rules: %s; per second of wall time %s", fmtGroups(newMed), time.Duration(newPS*float64(time.Second)))
	t.Logf("rule evaluation, rules of a96bf7a: %s; per second of wall time %s", fmtGroups(old.med), time.Duration(old.ps*float64(time.Second)))
	if newPS == 0 || old.ps == 0 {
		t.Errorf("no rule evaluation measured (generated %v, old %v)", newPS, old.ps)
	}
}

func fmtGroups(m map[string]time.Duration) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %s", n, m[n].Round(time.Microsecond))
	}
	return strings.Join(parts, ", ")
}
