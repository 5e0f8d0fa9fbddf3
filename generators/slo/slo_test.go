package slo

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/spec"
)

// LE must select the bucket whichever way Prometheus stored its bound:
// the Go client's shortest form, and Prometheus 3's normalised form.
func TestLEMatchesBothPrometheusForms(t *testing.T) {
	cases := []struct {
		seconds float64
		match   []string
		reject  []string
	}{
		{0.3, []string{"0.3"}, []string{"0.30", "3"}},
		{0.1, []string{"0.1"}, []string{"1"}},
		{1, []string{"1", "1.0"}, []string{"10", "1.5", "0.1"}},
		{2, []string{"2", "2.0"}, []string{"2.5", "12"}},
		{0.025, []string{"0.025"}, []string{"0.0250"}},
	}
	for _, c := range cases {
		m := LE(c.seconds)
		var re *regexp.Regexp
		switch {
		case strings.HasPrefix(m, `le="`):
			re = regexp.MustCompile("^" + regexp.QuoteMeta(strings.Trim(m[3:], `"`)) + "$")
		case strings.HasPrefix(m, `le=~"`):
			// Prometheus anchors label regexes.
			re = regexp.MustCompile("^(?:" + strings.Trim(m[4:], `"`) + ")$")
		default:
			t.Fatalf("LE(%v) = %q is not an le matcher", c.seconds, m)
		}
		for _, v := range c.match {
			if !re.MatchString(v) {
				t.Errorf("LE(%v) = %s does not match le=%q", c.seconds, m, v)
			}
		}
		for _, v := range c.reject {
			if re.MatchString(v) {
				t.Errorf("LE(%v) = %s matches le=%q", c.seconds, m, v)
			}
		}
	}
}

func TestBudgetsAndTexts(t *testing.T) {
	s := spec.New()
	s.Service.Name = "checkout"
	s.SLO.Availability = 99.9
	s.SLO.LatencyObjective = 99.95
	m := New(s)
	if got := m.Objectives[0].BudgetText(); got != "0.001" {
		t.Errorf("99.9%% budget = %s, want 0.001 (no float noise in rules)", got)
	}
	if got := m.Objectives[1].BudgetText(); got != "0.0005" {
		t.Errorf("99.95%% budget = %s, want 0.0005", got)
	}
	if got := Percent(14.4 * 0.001); got != "1.44%" {
		t.Errorf("Percent = %s", got)
	}
	if got := m.Exhaustion(14.4); got != "2d2h" {
		t.Errorf("30d at 14.4x lasts %s, want 2d2h", got)
	}
	wins := m.RatioWindows()
	want := []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}
	if len(wins) != len(want) {
		t.Fatalf("ratio windows %v, want %v", wins, want)
	}
	for i := range want {
		if wins[i] != want[i] {
			t.Fatalf("ratio windows %v, want %v", wins, want)
		}
	}
}

func TestDashboardUIDFitsGrafana(t *testing.T) {
	short := DashboardUID("checkout")
	long := DashboardUID(strings.Repeat("a", 50) + "-x")
	other := DashboardUID(strings.Repeat("a", 50) + "-y")
	if short != "checkout" {
		t.Errorf("uid %q, want the service name", short)
	}
	if len(long) > 40 || long == other {
		t.Errorf("long names: %q and %q must be distinct and at most 40 characters", long, other)
	}
}

// Burn windows scale with the SLO window so each alert spends the same
// share of the budget; the shortest window is the recorded 5m rate.
func TestWindowsScaleWithTheSLOWindow(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		window time.Duration
		long   []time.Duration
		short  []time.Duration
	}{
		{30 * day, []time.Duration{time.Hour, 6 * time.Hour, day, 3 * day}, []time.Duration{5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}},
		{7 * day, []time.Duration{14 * time.Minute, 84 * time.Minute, 336 * time.Minute, 1008 * time.Minute}, []time.Duration{5 * time.Minute, 7 * time.Minute, 28 * time.Minute, 84 * time.Minute}},
		{28 * day, []time.Duration{56 * time.Minute, 336 * time.Minute, 1344 * time.Minute, 67 * time.Hour}, []time.Duration{5 * time.Minute, 28 * time.Minute, 112 * time.Minute, 336 * time.Minute}},
		{90 * day, []time.Duration{3 * time.Hour, 18 * time.Hour, 3 * day, 9 * day}, []time.Duration{15 * time.Minute, 90 * time.Minute, 6 * time.Hour, 18 * time.Hour}},
	}
	for _, c := range cases {
		s := spec.New()
		s.Service.Name = "checkout"
		s.SLO.Window = spec.Duration(c.window)
		m := New(s)
		ws := m.Windows()
		for i, w := range ws {
			if w.Long != c.long[i] || w.Short != c.short[i] {
				t.Errorf("%s window %d: %s/%s, want %s/%s", Dur(c.window), i, Dur(w.Long), Dur(w.Short), Dur(c.long[i]), Dur(c.short[i]))
			}
			if w.For < time.Minute || w.For >= w.Long {
				t.Errorf("%s window %d: for %s must be at least 1m and below the long window", Dur(c.window), i, Dur(w.For))
			}
		}
		// The fastest page still spends about 2 % of the budget.
		if got := m.BudgetShare(ws[0]); got != "2%" && c.window%(30*day) == 0 {
			t.Errorf("%s: fastest page spends %s of the budget, want 2%%", Dur(c.window), got)
		}
	}
}
