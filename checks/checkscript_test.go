package checks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/generators/alertmanager"
	"github.com/obsgen/obsgen/generators/compose"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/testtool"
)

// The generated check script runs the real promtool and amtool on the
// generated tree, skips tools that are not installed (unless told to
// require them), and fails when any check fails.
func TestCheckScript(t *testing.T) {
	promtool := testtool.Require(t, "promtool")
	amtool := testtool.Require(t, "amtool")
	sh, err := exec.LookPath("sh")
	if err != nil {
		testtool.Missing(t, "sh")
	}
	// Only these two tools are installed: obsgen and the collector are not.
	bin := t.TempDir()
	for name, p := range map[string]string{"promtool": promtool, "amtool": amtool} {
		if err := os.Symlink(p, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	sc := stackScenarios(t)[0]
	// The multi-day tests are not needed to show the point; keep it short.
	if err := os.Remove(sc.path(rules.SlowTestsPath(sc.Spec))); err != nil {
		t.Fatal(err)
	}
	script := sc.path(compose.CheckScriptPath(sc.Spec))
	runScript := func(env ...string) (string, error) {
		// From another folder: the script finds the repo itself.
		cmd := exec.Command(sh, script)
		cmd.Dir = t.TempDir()
		cmd.Env = append([]string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + t.TempDir()}, env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := runScript()
	if err != nil {
		t.Fatalf("check script failed on the generated tree: %v\n%s", err, out)
	}
	for _, want := range []string{"+ promtool check rules", "+ promtool check config", "promtool test rules", "+ amtool check-config", "skipped: obsgen", "skipped: otelcol-contrib", "all checks passed (2 skipped)"} {
		if !strings.Contains(out, want) {
			t.Errorf("check script output lacks %q:\n%s", want, out)
		}
	}
	if out, err := runScript("OBSGEN_CHECK_REQUIRE_ALL=1"); err == nil || !strings.Contains(out, "2 tool(s) missing") {
		t.Errorf("with OBSGEN_CHECK_REQUIRE_ALL=1 missing tools must fail: %v\n%s", err, out)
	}

	breakFile := func(t *testing.T, p, from, to string) {
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.WriteFile(p, orig, 0o644) })
		if !strings.Contains(string(orig), from) {
			t.Fatalf("%s lacks %q; update the test", p, from)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(orig), from, to)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ name, file, from, to, want string }{
		{"a threshold the unit tests catch", sc.path(rules.RulesPath(sc.Spec)), "> (14.4 * ", "> (1.44 * ", "FAILED: sh -c"},
		{"a route to an undefined receiver", sc.path(alertmanager.Path(sc.Spec)), "receiver: page", "receiver: nowhere", "FAILED: amtool check-config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			breakFile(t, c.file, c.from, c.to)
			out, err := runScript()
			if err == nil || !strings.Contains(out, c.want) || !strings.Contains(out, "1 check(s) failed") {
				t.Errorf("check script with %s: %v, want exit 1 and %q:\n%s", c.name, err, c.want, out)
			}
		})
	}
}
