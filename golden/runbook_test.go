package golden

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/spec"
)

// ruleAlert is an alerting rule as the generated rule files hold it.
type ruleAlert struct {
	Alert       string            `yaml:"alert"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// alertsOf reads every alerting rule of the scenario's Prometheus and Loki
// rule files.
func alertsOf(t *testing.T, sc Scenario) []ruleAlert {
	t.Helper()
	var out []ruleAlert
	for _, f := range sc.FilesMatching(".rules.yml") {
		var doc struct {
			Groups []struct {
				Rules []ruleAlert `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(sc.Files[f], &doc); err != nil {
			t.Fatalf("%s: %s: %v", sc.Name, f, err)
		}
		for _, g := range doc.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// subject is what an alert is about: its SLO when it has one, else the
// alert itself.
func (a ruleAlert) subject() string {
	if k := a.Labels["slo"]; k != "" {
		return "slo " + k
	}
	return a.Alert
}

var (
	placeholderRE = regexp.MustCompile(`\{\{[^}]*\}\}`)
	wordRE        = regexp.MustCompile(`[a-z]{5,}`)
)

// topicWords are the words of an alert's summary that say what it is
// about: five letters or more, without template placeholders and the
// service name.
func topicWords(a ruleAlert, service string) []string {
	var out []string
	for _, w := range wordRE.FindAllString(strings.ToLower(placeholderRE.ReplaceAllString(a.Annotations["summary"], "")), -1) {
		if w != service {
			out = append(out, w)
		}
	}
	return out
}

// mitigateSection is the text under a runbook's "## Mitigate" heading.
func mitigateSection(runbook string) string {
	_, rest, ok := strings.Cut(runbook, "\n## Mitigate\n")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return strings.TrimSpace(rest)
}

func bullets(section string) []string {
	var out []string
	for _, l := range strings.Split(section, "\n") {
		if b, ok := strings.CutPrefix(strings.TrimSpace(l), "- "); ok {
			out = append(out, b)
		}
	}
	return out
}

// mitigationProblems checks each alert's runbook (by alert name) against
// what its rule says it is about: a Mitigate section with a step that no
// alert about something else shares, mentioning a word of the alert's
// summary, and for an SLO alert its own SLO and no other.
func mitigationProblems(alerts []ruleAlert, runbooks map[string]string, service string) []string {
	var out []string
	kinds := map[string]bool{}
	for _, a := range alerts {
		if k := a.Labels["slo"]; k != "" {
			kinds[k] = true
		}
	}
	steps := map[string]map[string]bool{} // step -> subjects using it
	for _, a := range alerts {
		for _, b := range bullets(mitigateSection(runbooks[a.Alert])) {
			if steps[b] == nil {
				steps[b] = map[string]bool{}
			}
			steps[b][a.subject()] = true
		}
	}
	for _, a := range alerts {
		sec := mitigateSection(runbooks[a.Alert])
		if sec == "" {
			out = append(out, a.Alert+": the runbook has no Mitigate section")
			continue
		}
		own := 0
		for _, b := range bullets(sec) {
			if len(steps[b]) == 1 {
				own++
			}
		}
		if own == 0 {
			out = append(out, a.Alert+": every mitigation step is shared with alerts about something else")
		}
		lower := strings.ToLower(sec)
		words := topicWords(a, service)
		mentioned := false
		for _, w := range words {
			mentioned = mentioned || strings.Contains(lower, w)
		}
		if !mentioned {
			out = append(out, fmt.Sprintf("%s: the mitigation mentions none of %v, what the alert is about", a.Alert, words))
		}
		if k := a.Labels["slo"]; k != "" {
			if !strings.Contains(lower, k) {
				out = append(out, fmt.Sprintf("%s: the mitigation of a %s SLO alert does not mention %s", a.Alert, k, k))
			}
			for other := range kinds {
				if other != k && strings.Contains(lower, other) {
					out = append(out, fmt.Sprintf("%s: the mitigation of a %s SLO alert speaks of %s", a.Alert, k, other))
				}
			}
		}
	}
	return out
}

// Each alert's runbook says how to mitigate what that alert is about, not
// a list every runbook shares. The alerts and what they are about come from
// the generated rule groups.
func TestRunbooksMitigateTheirOwnAlert(t *testing.T) {
	scenarios, err := Generating()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var sample struct {
		alerts   []ruleAlert
		runbooks map[string]string
		service  string
	}
	for _, sc := range scenarios {
		p, err := sc.Project()
		if err != nil {
			t.Fatal(err)
		}
		// Each service's alerts (the stack's own under the stack's name
		// when several services share it) with their runbooks.
		specs := map[string]spec.Spec{p.Stack().Service.Name: p.Stack()}
		for _, s := range p.Specs() {
			specs[s.Service.Name] = s
		}
		byService := map[string][]ruleAlert{}
		for _, a := range alertsOf(t, sc) {
			owner := a.Labels["service"]
			if owner == rules.StackGroupName && p.Listed {
				owner = p.Stack().Service.Name
			}
			byService[owner] = append(byService[owner], a)
		}
		for owner, alerts := range byService {
			s, ok := specs[owner]
			if !ok {
				t.Errorf("%s: alerts of service %q, which the answers do not have", sc.Name, owner)
				continue
			}
			dashboard := rules.DashboardURL(s)
			if p.Listed && owner == p.Stack().Service.Name {
				dashboard = s.Alerts.GrafanaURL + "/dashboards"
			}
			runbooks := map[string]string{}
			for _, a := range alerts {
				n++
				url := a.Annotations["runbook_url"]
				file := url
				if base := s.Alerts.RunbookBaseURL; base != "" {
					file = path.Join(s.Output.ConfigDir, "runbooks", strings.TrimPrefix(url, base+"/"))
				}
				rb, ok := sc.Files[file]
				if !ok || !strings.HasSuffix(url, "/"+a.Alert+".md") {
					t.Errorf("%s: %s: runbook_url %q is not a generated runbook of the alert", sc.Name, a.Alert, url)
					continue
				}
				runbooks[a.Alert] = string(rb)
				// The responder's first step opens the dashboard.
				if d := a.Annotations["dashboard"]; !strings.HasPrefix(d, dashboard) {
					t.Errorf("%s: %s: dashboard %q is not the service's dashboard %s", sc.Name, a.Alert, d, dashboard)
				}
			}
			for _, p := range mitigationProblems(alerts, runbooks, s.Service.Name) {
				t.Errorf("%s: %s", sc.Name, p)
			}
			if !p.Listed {
				sample.alerts, sample.runbooks, sample.service = alerts, runbooks, s.Service.Name
			}
		}
	}
	if n == 0 {
		t.Fatal("no alerting rule in any golden scenario")
	}

	// The check rejects a runbook that borrows another alert's steps, and
	// a latency runbook that talks about availability.
	broken := func(name, from string, edit func(string) string) {
		t.Helper()
		rb := map[string]string{}
		for k, v := range sample.runbooks {
			rb[k] = v
		}
		rb[name] = edit(rb[from])
		if len(mitigationProblems(sample.alerts, rb, sample.service)) == 0 {
			t.Errorf("%s with a broken Mitigate section passes the check", name)
		}
	}
	broken("ServiceTargetDown", "ServiceDown", func(s string) string { return s })
	broken("LatencySLOBurn1h5m", "LatencySLOBurn1h5m", func(s string) string {
		return strings.Replace(s, "\n## Mitigate\n", "\n## Mitigate\n\n- Check availability too.\n", 1)
	})
	broken("PanicLogged", "PanicLogged", func(s string) string { return strings.Replace(s, "## Mitigate", "## Later", 1) })
}
