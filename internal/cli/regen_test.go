package cli

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/merge"
	"github.com/obsgen/obsgen/internal/testtool"
	"github.com/obsgen/obsgen/internal/writer"
)

// obsgen runs the command line in dir and returns its exit code and output.
func obsgen(t testing.TB, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(append(args, "--dir", dir, "--skip-go-get"), IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	return code, out.String(), errOut.String()
}

func mustRun(t testing.TB, want int, dir string, args ...string) string {
	t.Helper()
	code, out, errOut := obsgen(t, dir, args...)
	if code != want {
		t.Fatalf("obsgen %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out + errOut
}

func readFile(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replaceLine replaces the first line containing old with new, failing
// when there is none: the generated code changed under the test.
func replaceLine(t *testing.T, dir, name, old, new string) {
	t.Helper()
	content := readFile(t, dir, name)
	lines := strings.SplitAfter(content, "\n")
	for i, l := range lines {
		if strings.Contains(l, old) {
			lines[i] = new + "\n"
			writeFile(t, dir, name, strings.Join(lines, ""))
			return
		}
	}
	t.Fatalf("%s has no line containing %q", name, old)
}

const configGo = "internal/observability/config.go"

// TestSetMergesHandEdits is the everyday path: an edited observability
// package, one answer changed with --set, the edit merged in silently, the
// answers file updated with the obsgen version.
func TestSetMergesHandEdits(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "checkout")
	replaceLine(t, dir, configGo, "func ConfigFromEnv", "// Team note: keep in sync with the runbook.\nfunc ConfigFromEnv() Config {")

	before := testtool.ReadTree(t, dir)
	out := mustRun(t, 0, dir, "generate", "--dry-run", "--set", "log-level=debug")
	if !strings.Contains(out, "merged     "+configGo) || !maps.Equal(before, testtool.ReadTree(t, dir)) {
		t.Fatalf("--dry-run wrote, or did not report the merge:\n%s", out)
	}
	diff := mustRun(t, 0, dir, "diff", "--set", "log-level=debug")
	for _, want := range []string{"# " + configGo + ": merged (your edits kept)", `+	defaultLogLevel    = "debug"`, "+  log_level: debug"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}

	out = mustRun(t, 0, dir, "generate", "--set", "log-level=debug")
	if !strings.Contains(out, "merged     "+configGo) {
		t.Errorf("report:\n%s", out)
	}
	got := readFile(t, dir, configGo)
	if !strings.Contains(got, "// Team note: keep in sync with the runbook.") || !strings.Contains(got, `defaultLogLevel    = "debug"`) {
		t.Errorf("merge lost a side:\n%s", got)
	}
	answers := readFile(t, dir, "obsgen.yaml")
	if !strings.Contains(answers, "log_level: debug") || !strings.Contains(answers, "obsgen_version: "+Version) {
		t.Errorf("answers file:\n%s", answers)
	}
	if out := mustRun(t, 0, dir, "generate"); !strings.Contains(out, "nothing to do") {
		t.Errorf("second run is not quiet:\n%s", out)
	}
	mustRun(t, 0, dir, "check")
}

// TestConflictIsWrittenReportedAndChecked: both sides changed one line;
// generate writes markers and exits 4 naming the file; check fails until
// the user resolves it.
func TestConflictIsWrittenReportedAndChecked(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "checkout")
	replaceLine(t, dir, configGo, "defaultLogLevel", `	defaultLogLevel    = "warn" // quieter in prod`)

	out := mustRun(t, ExitConflict, dir, "generate", "--set", "log-level=debug")
	if !strings.Contains(out, "conflict   "+configGo) || !strings.Contains(out, configGo+" (conflict)") {
		t.Errorf("conflict not reported:\n%s", out)
	}
	got := readFile(t, dir, configGo)
	for _, want := range []string{merge.MarkerOurs + "\n", `"warn" // quieter in prod`, merge.MarkerSep + "\n", `= "debug"`, merge.MarkerTheirs + "\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("conflict lacks %q:\n%s", want, got)
		}
	}
	if out := mustRun(t, ExitDrift, dir, "check"); !strings.Contains(out, "unresolved conflict markers in "+configGo) {
		t.Errorf("check:\n%s", out)
	}
	// Still unresolved: the next generate says so again.
	mustRun(t, ExitConflict, dir, "generate")

	// The user keeps their side.
	var kept []string
	side := ""
	for _, l := range strings.SplitAfter(got, "\n") {
		switch strings.TrimSuffix(l, "\n") {
		case merge.MarkerOurs:
			side = "ours"
		case merge.MarkerSep:
			side = "theirs"
		case merge.MarkerTheirs:
			side = ""
		default:
			if side != "theirs" {
				kept = append(kept, l)
			}
		}
	}
	writeFile(t, dir, configGo, strings.Join(kept, ""))
	mustRun(t, 0, dir, "check")
	if out := mustRun(t, 0, dir, "generate"); !strings.Contains(out, "nothing to do") {
		t.Errorf("resolved file is not left alone:\n%s", out)
	}
}

// TestOutputFolderMoveOrphansEditedFiles: moving the code folder removes
// the unedited old files and leaves the edited one, reported.
func TestOutputFolderMoveOrphansEditedFiles(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "checkout")
	replaceLine(t, dir, configGo, "func ConfigFromEnv", "// mine\nfunc ConfigFromEnv() Config {")
	out := mustRun(t, ExitConflict, dir, "generate", "--set", "code-dir=pkg/obs")
	for _, want := range []string{"orphaned   " + configGo, "deleted    internal/observability/logger.go", "created    pkg/obs/config.go"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(readFile(t, dir, configGo), "// mine") {
		t.Error("orphaned file changed")
	}
	if _, err := os.Stat(filepath.Join(dir, ".obsgen/base/internal")); !os.IsNotExist(err) {
		t.Errorf("bases of files no longer generated were kept: %v", err)
	}
	if out := mustRun(t, 0, dir, "generate"); !strings.Contains(out, "nothing to do") {
		t.Errorf("orphan reported twice:\n%s", out)
	}
}

// TestDirtyTreeIsRefused: with git as the safety net, files obsgen would
// change must be committed or staged.
func TestDirtyTreeIsRefused(t *testing.T) {
	testtool.Require(t, "git")
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "checkout")

	// Nothing committed yet: every file obsgen would change is untracked.
	out := mustRun(t, ExitDirty, dir, "generate", "--set", "log-level=debug")
	if !strings.Contains(out, configGo+" (untracked)") || !strings.Contains(out, "--allow-dirty") {
		t.Errorf("refusal:\n%s", out)
	}
	git("add", "-A")
	git("commit", "-qm", "generated")

	replaceLine(t, dir, configGo, "func ConfigFromEnv", "// mine\nfunc ConfigFromEnv() Config {")
	before := testtool.ReadTree(t, dir)
	out = mustRun(t, ExitDirty, dir, "generate", "--set", "log-level=debug")
	if !strings.Contains(out, "refusing to write") || !strings.Contains(out, configGo+" (modified)") || strings.Contains(out, "logger.go") {
		t.Errorf("refusal:\n%s", out)
	}
	if !maps.Equal(before, testtool.ReadTree(t, dir)) {
		t.Fatal("a refused run wrote")
	}
	// Unrelated work in progress does not block a regenerate.
	writeFile(t, dir, "notes.txt", "wip\n")
	git("add", configGo)
	mustRun(t, 0, dir, "generate", "--set", "log-level=debug")

	replaceLine(t, dir, configGo, "// mine", "// mine, changed")
	mustRun(t, 0, dir, "generate", "--allow-dirty", "--set", "log-level=warn")
	if got := readFile(t, dir, configGo); !strings.Contains(got, "// mine, changed") || !strings.Contains(got, `"warn"`) {
		t.Errorf("--allow-dirty run:\n%s", got)
	}
}

func TestJSONReportShowsEdits(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "checkout")
	replaceLine(t, dir, configGo, "func ConfigFromEnv", "// mine\nfunc ConfigFromEnv() Config {")
	code, out, errOut := obsgen(t, dir, "generate", "-o", "json", "--set", "environment=staging")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Files {
		if f.Path == configGo && (f.Action != string(writer.Merge) || !f.Edited) {
			t.Errorf("%+v", f)
		}
	}
}
