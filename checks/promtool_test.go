package checks

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

// Every check here runs Prometheus 3's promtool, the tool users run.

func TestPromtoolCheckRules(t *testing.T) {
	promtool := testtool.Require(t, "promtool")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			out := mustRun(t, sc.Dir, promtool, "check", "rules", "--lint=all", "--lint-fatal", rules.RulesPath(sc.Spec))
			if !strings.Contains(out, "SUCCESS") {
				t.Fatalf("promtool check rules did not report success:\n%s", out)
			}
		})
	}
}

func TestPromtoolCheckConfig(t *testing.T) {
	promtool := testtool.Require(t, "promtool")
	for _, sc := range stackScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			cfg := filepath.Join(filepath.Dir(sc.path(rules.RulesPath(sc.Spec))), "..", "prometheus.yml")
			out := mustRun(t, sc.Dir, promtool, "check", "config", cfg)
			// prometheus.yml loads rules/*.rules.yml: the check must have
			// found and parsed the generated rule file.
			n := 0
			for f := range sc.Files {
				if path.Dir(f) == path.Dir(rules.RulesPath(sc.Spec)) && strings.HasSuffix(f, ".rules.yml") {
					n++
				}
			}
			if n == 0 || !strings.Contains(out, fmt.Sprintf("%d rule files found", n)) {
				t.Fatalf("promtool check config did not load the generated rules:\n%s", out)
			}
		})
	}
}

// testRules runs the generated unit tests the way docs/alerts-and-dashboards.md tells users
// to: from the tests folder; the files of sets, or all of them.
func testRules(dir, promtool string, sets ...rules.TestSet) (string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.test.yml"))
	if len(sets) > 0 {
		files = nil
		for _, set := range sets {
			files = append(files, set.Path)
		}
	}
	args := []string{"test", "rules"}
	for _, f := range files {
		args = append(args, filepath.Base(f))
	}
	return run(dir, promtool, args...)
}

func TestPromtoolTestRules(t *testing.T) {
	promtool := testtool.Require(t, "promtool")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Dir(sc.path(rules.TestsPath(sc.Spec)))
			out, err := testRules(dir, promtool, sc.testSets()...)
			if err != nil {
				t.Fatalf("promtool test rules failed: %v\n%s", err, out)
			}
			if n, want := strings.Count(out, "SUCCESS"), len(sc.testSets()); n != want {
				t.Fatalf("want all %d test files to succeed, got %d SUCCESS:\n%s", want, n, out)
			}
		})
	}
}

// Every alert has tests, and each alert is expected to fire somewhere and
// expected not to fire somewhere else.
func TestEveryAlertHasFiringAndQuietTests(t *testing.T) {
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			fires, quiet := map[string]bool{}, map[string]bool{}
			for _, set := range sc.testSets() {
				for _, g := range set.File.Tests {
					for _, at := range g.AlertRuleTests {
						if len(at.ExpAlerts) > 0 {
							fires[at.Alertname] = true
						} else {
							quiet[at.Alertname] = true
						}
					}
				}
			}
			alerts := rules.Alerts(sc.Spec)
			if len(alerts) < 11 {
				t.Fatalf("only %d alerts generated", len(alerts))
			}
			// A cluster's stack monitors itself: no stack alerts there; with
			// several services the first one's tests hold the stack's.
			if first := sc.Project.Services[0].Spec.Service.Name == sc.Spec.Service.Name; sc.Spec.Deploy.Target.IsCompose() && first {
				alerts = append(alerts, rules.StackAlerts(sc.Spec)...)
			}
			for _, a := range alerts {
				if a.AlwaysFires() {
					// A heartbeat has no quiet state to test.
					quiet[a.Name] = true
				}
				if !fires[a.Name] || !quiet[a.Name] {
					t.Errorf("%s: firing test %v, quiet test %v; want both", a.Name, fires[a.Name], quiet[a.Name])
				}
			}
		})
	}
}

// The generated tests can fail: a wrong expectation and a wrong threshold
// in the rules are both caught by promtool.
func TestPromtoolTestRulesCatchesMistakes(t *testing.T) {
	promtool := testtool.Require(t, "promtool")
	sc := scenarios(t)[0]
	testsFile := sc.path(rules.TestsPath(sc.Spec))
	rulesFile := sc.path(rules.RulesPath(sc.Spec))
	dir := filepath.Dir(testsFile)
	// The slow file is not needed to show the point; keep the run short.
	if err := os.Remove(sc.path(rules.SlowTestsPath(sc.Spec))); err != nil {
		t.Fatal(err)
	}
	if out, err := testRules(dir, promtool); err != nil {
		t.Fatalf("the unmodified tests must pass first: %v\n%s", err, out)
	}

	cases := []struct {
		name, file, from, to, want string
	}{
		{
			name: "expected severity", file: testsFile,
			from: "severity: page", to: "severity: ticket", want: rules.AlertServiceDown,
		},
		{
			name: "expected description", file: testsFile,
			from: "failed with a 5xx status over the last 1h", to: "failed with a 4xx status over the last 1h", want: "AvailabilitySLOBurn1h5m",
		},
		{
			// A page threshold ten times lower makes the half-threshold
			// burn fire: the quiet test must catch it.
			name: "page threshold in the rules", file: rulesFile,
			from: "> (14.4 * ", to: "> (1.44 * ", want: "AvailabilitySLOBurn1h5m",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			orig, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			defer os.WriteFile(c.file, orig, 0o644)
			if !strings.Contains(string(orig), c.from) {
				t.Fatalf("%s does not contain %q; update the test", c.file, c.from)
			}
			broken := strings.ReplaceAll(string(orig), c.from, c.to)
			if err := os.WriteFile(c.file, []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := testRules(dir, promtool)
			if err == nil {
				t.Fatalf("promtool test rules passed with a broken %s:\n%s", c.name, out)
			}
			if !strings.Contains(out, c.want) {
				t.Fatalf("promtool failed, but its report does not name %s:\n%s", c.want, out)
			}
		})
	}
}

// writeRules writes the rules generator's files for s under dir.
func writeRules(t *testing.T, s spec.Spec, dir string) {
	t.Helper()
	files, err := rules.Generator.Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// sloPoint is one SLO answer of the grid below.
type sloPoint struct {
	days      int
	objective float64
	min       int
}

// sloGrid is every objective (lowest, default, high, highest allowed) x
// request minimum (1, one that lets a quiet hour through, the largest) at
// the default 30d window, and the extremes of both at the shortest window
// (7d: the short windows hit the 5m floor) and the longest (90d). The
// whole cube costs twice as much promtool time and covers nothing more: a
// window only scales the durations the thresholds are tested at.
func sloGrid() []sloPoint {
	var out []sloPoint
	for _, o := range []float64{95, 99.9, 99.99, 99.999} {
		for _, min := range []int{1, 50, 1_000_000} {
			out = append(out, sloPoint{30, o, min})
		}
	}
	for _, days := range []int{7, 90} {
		for _, o := range []float64{95, 99.999} {
			for _, min := range []int{1, 1_000_000} {
				out = append(out, sloPoint{days, o, min})
			}
		}
	}
	return out
}

// Every answer the validator accepts gives generated tests that pass, or
// is refused by validation: each grid point is validated first, then its
// rules are checked and its SLO tests run with promtool (the stack's own
// tests do not depend on the SLO answers and run once per scenario).
func TestPromtoolTestRulesEveryAcceptedSLO(t *testing.T) {
	promtool := testtool.Require(t, "promtool")
	base := scenarios(t)[0].Spec
	grid := sloGrid()
	if testing.Short() {
		// The answer that failed in production.
		grid = []sloPoint{{30, 99.99, 50}}
	}
	for _, p := range grid {
		s := base
		s.SLO.Window = spec.Duration(time.Duration(p.days) * 24 * time.Hour)
		s.SLO.Availability, s.SLO.LatencyObjective, s.SLO.MinRequests = p.objective, p.objective, p.min
		name := fmt.Sprintf("%dd_%v_%d", p.days, p.objective, p.min)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := s.Validate(); err != nil {
				t.Skipf("refused by validation: %v", err)
			}
			dir := t.TempDir()
			writeRules(t, s, dir)
			mustRun(t, dir, promtool, "check", "rules", "--lint=all", "--lint-fatal", rules.RulesPath(s))
			tests := filepath.Dir(filepath.Join(dir, rules.TestsPath(s)))
			out, err := run(tests, promtool, "test", "rules", filepath.Base(rules.TestsPath(s)), filepath.Base(rules.SlowTestsPath(s)))
			if err != nil {
				t.Fatalf("promtool test rules failed for an accepted answer (%s): %v\n%s", name, err, out)
			}
		})
	}
}

// Runbook commands must work in the generated images: they ship busybox
// wget, not curl.
func TestRunbookCommandsUseToolsTheImagesHave(t *testing.T) {
	n := 0
	for _, sc := range scenarios(t) {
		for _, a := range rules.Alerts(sc.Spec) {
			n++
			rb := string(sc.read(t, rules.RunbookPath(sc.Spec, a.Name)))
			for _, tool := range []string{"curl ", "jq "} {
				if strings.Contains(rb, "`"+tool) {
					t.Errorf("%s: runbook of %s runs %s, which the generated images lack", sc.Name, a.Name, strings.TrimSpace(tool))
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no runbook checked")
	}
}
