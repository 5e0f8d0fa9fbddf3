package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/golden"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

// scenarios returns every golden scenario that generates files.
func scenarios(t *testing.T) []golden.Scenario {
	t.Helper()
	out, err := golden.Generating()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tree writes the scenario's output into a fresh folder.
// members are the scenario's services, each with its folder ("." for a
// single service).
func members(t *testing.T, sc golden.Scenario) []spec.Member {
	t.Helper()
	p, err := sc.Project()
	if err != nil {
		t.Fatal(err)
	}
	return p.Services
}

func tree(t *testing.T, sc golden.Scenario) string {
	t.Helper()
	dir := t.TempDir()
	if err := sc.WriteTree(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// filesUnder returns the scenario's outputs whose path contains part and
// ends in suffix.
func filesUnder(sc golden.Scenario, part, suffix string) []string {
	var out []string
	for _, f := range sc.FilesMatching(suffix) {
		if strings.Contains(f, part) {
			out = append(out, f)
		}
	}
	return out
}

// run runs a tool and returns its combined output and error.
func run(bin string, args ...string) (string, error) {
	return testtool.Run("", bin, nil, args...)
}

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
