package prometheus

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/golden"
	"github.com/obsgen/obsgen/internal/testtool"
)

func promtoolCheckConfig(t *testing.T, promtool, file string) (string, error) {
	t.Helper()
	out, err := exec.Command(promtool, "check", "config", file).CombinedOutput()
	return string(out), err
}

// TestGoldenConfigsPassPromtool hands every golden prometheus.yml, with the
// rest of its tree, to the real promtool.
func TestGoldenConfigsPassPromtool(t *testing.T) {
	promtool := testtool.Require(t, "promtool")
	scenarios, err := golden.Load()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, sc := range scenarios {
		for _, name := range sc.FilesMatching("/prometheus.yml") {
			dir := t.TempDir()
			if err := sc.WriteTree(dir); err != nil {
				t.Fatal(err)
			}
			if out, err := promtoolCheckConfig(t, promtool, filepath.Join(dir, name)); err != nil {
				t.Errorf("%s: %s rejected by promtool: %v\n%s", sc.Name, name, err, out)
			}
			checked++
		}
	}
	if checked < 4 {
		t.Fatalf("checked %d prometheus.yml files, want one per generating scenario", checked)
	}
}

// TestPromtoolRejectsBrokenConfig proves the check above can fail.
func TestPromtoolRejectsBrokenConfig(t *testing.T) {
	promtool := testtool.Require(t, "promtool")
	scenarios, err := golden.Load()
	if err != nil {
		t.Fatal(err)
	}
	sc := scenarios[0]
	names := sc.FilesMatching("/prometheus.yml")
	if len(names) == 0 {
		t.Fatalf("%s has no prometheus.yml", sc.Name)
	}
	broken := strings.Replace(string(sc.Files[names[0]]), "scrape_interval: 15s", "scrape_interval: fifteen", 1)
	p := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(p, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := promtoolCheckConfig(t, promtool, p); err == nil {
		t.Fatalf("promtool accepted a broken config:\n%s", out)
	}
}
