package checks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/golden"
	"github.com/obsgen/obsgen/internal/spec"
)

// scenario is a golden scenario that generates files, written to disk.
type scenario struct {
	golden.Scenario
	Spec spec.Spec
	Dir  string
}

// scenarios writes every generating golden scenario to its own temporary
// folder. There must be some: a harness that checks nothing passes nothing.
func scenarios(t *testing.T) []scenario {
	t.Helper()
	all, err := golden.Generating()
	if err != nil {
		t.Fatal(err)
	}
	var out []scenario
	for _, sc := range all {
		s, err := sc.Spec()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := sc.WriteTree(dir); err != nil {
			t.Fatal(err)
		}
		out = append(out, scenario{Scenario: sc, Spec: s, Dir: dir})
	}
	if len(out) < 3 {
		t.Fatalf("found %d generating golden scenarios, want at least 3", len(out))
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
		if sc.Spec.Deploy.Target == "compose" {
			out = append(out, sc)
		}
	}
	if len(out) < 3 {
		t.Fatalf("found %d compose golden scenarios, want at least 3", len(out))
	}
	return out
}

// path is a scenario output on disk.
func (sc scenario) path(rel string) string { return filepath.Join(sc.Dir, filepath.FromSlash(rel)) }

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
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustRun fails the test with the tool's output when it exits non-zero.
func mustRun(t *testing.T, dir, tool string, args ...string) string {
	t.Helper()
	out, err := run(dir, tool, args...)
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", filepath.Base(tool), strings.Join(args, " "), dir, err, out)
	}
	return out
}
