// Package goldentest loads the golden scenarios for the tests of every
// module that re-checks them with real tools: each generating scenario
// with its answers read as `obsgen generate` reads them, and its expected
// tree written to a folder of its own. One loader, so every checker sees
// the scenarios the same way.
package goldentest

import (
	"path/filepath"
	"testing"

	"github.com/obsgen/obsgen/golden"
	"github.com/obsgen/obsgen/internal/spec"
)

// Scenario is a generating golden scenario ready for a test. A scenario
// of several services is one Scenario per service (named
// "<scenario>/<service>", Spec the service's answers), all with the whole
// tree: the service's files and the shared stack's are checked for each.
type Scenario struct {
	golden.Scenario
	Spec spec.Spec
	// Project is every service of the scenario.
	Project spec.Project
	// Dir holds the scenario's expected files; empty unless written.
	Dir string
}

// Options select and prepare the scenarios.
type Options struct {
	// Keep, when set, leaves out the scenarios it returns false for.
	Keep func(spec.Spec) bool
	// Write puts each scenario's files into its own t.TempDir().
	Write bool
	// AtLeast fails the test when fewer scenarios are left: a harness
	// that checks nothing passes nothing.
	AtLeast int
	// What names the scenarios in that failure ("kubernetes").
	What string
}

// Load returns the generating scenarios opt selects.
func Load(t testing.TB, opt Options) []Scenario {
	t.Helper()
	all, err := golden.Generating()
	if err != nil {
		t.Fatal(err)
	}
	var out []Scenario
	for _, sc := range all {
		p, err := sc.Project()
		if err != nil {
			t.Fatal(err)
		}
		dir := ""
		for _, s := range p.Specs() {
			if opt.Keep != nil && !opt.Keep(s) {
				continue
			}
			c := Scenario{Scenario: sc, Spec: s, Project: p}
			if p.Listed {
				c.Name += "/" + s.Service.Name
			}
			if opt.Write {
				if dir == "" {
					dir = t.TempDir()
					if err := sc.WriteTree(dir); err != nil {
						t.Fatal(err)
					}
				}
				c.Dir = dir
			}
			out = append(out, c)
		}
	}
	if len(out) < opt.AtLeast {
		what := opt.What
		if what == "" {
			what = "generating"
		}
		t.Fatalf("found %d %s golden scenarios, want at least %d", len(out), what, opt.AtLeast)
	}
	return out
}

// Path is a scenario output on disk.
func (sc Scenario) Path(rel string) string { return filepath.Join(sc.Dir, filepath.FromSlash(rel)) }
