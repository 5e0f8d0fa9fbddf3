package checks

import (
	"testing"

	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/golden/goldentest"
	"github.com/obsgen/obsgen/internal/testtool"
)

// scenario is a golden scenario that generates files, written to disk.
type scenario struct{ goldentest.Scenario }

// scenarios writes every generating golden scenario to its own temporary
// folder.
func scenarios(t *testing.T) []scenario {
	t.Helper()
	var out []scenario
	for _, sc := range goldentest.Load(t, goldentest.Options{Write: true, AtLeast: 3}) {
		out = append(out, scenario{sc})
	}
	return out
}

// stackScenarios are the scenarios that generate the local stack's configs
// (deploy.target compose): the Kubernetes target writes none of them, and
// checks/k8s checks what it writes instead.
func stackScenarios(t *testing.T) []scenario {
	t.Helper()
	var out []scenario
	for _, sc := range scenarios(t) {
		if sc.Spec.Deploy.Target.IsCompose() {
			out = append(out, sc)
		}
	}
	if len(out) < 3 {
		t.Fatalf("found %d compose golden scenarios, want at least 3", len(out))
	}
	return out
}

// path is a scenario output on disk.
func (sc scenario) path(rel string) string { return sc.Path(rel) }

// read returns a scenario output, failing the test when it is missing.
func (sc scenario) read(t testing.TB, rel string) []byte {
	t.Helper()
	b, ok := sc.Files[rel]
	if !ok {
		t.Fatalf("%s: golden output %s is missing", sc.Name, rel)
	}
	return b
}

// run executes a tool in dir and returns its combined output.
func run(dir, tool string, args ...string) (string, error) {
	return testtool.Run(dir, tool, nil, args...)
}

// mustRun fails the test with the tool's output when it exits non-zero.
func mustRun(t *testing.T, dir, tool string, args ...string) string {
	t.Helper()
	return testtool.MustRun(t, dir, tool, nil, args...)
}

// testSets are the promtool test files this scenario checks: its
// service's, and for the first service of several the stack's own.
func (sc scenario) testSets() []rules.TestSet {
	sets := rules.Tests(sc.Spec)
	if set, ok := rules.StackTestSet(sc.Project); ok && sc.Project.Services[0].Spec.Service.Name == sc.Spec.Service.Name {
		sets = append(sets, set)
	}
	return sets
}
