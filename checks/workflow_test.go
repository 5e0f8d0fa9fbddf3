package checks

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/ci"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/testtool"
)

// workflowScenarios are the golden scenarios that generate a workflow.
func workflowScenarios(t *testing.T) []scenario {
	t.Helper()
	var out []scenario
	for _, sc := range scenarios(t) {
		if sc.Spec.CI.GitHubActions {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		t.Fatal("no golden scenario sets ci.github_actions")
	}
	return out
}

// lintWorkflow runs actionlint, with shellcheck on the run: scripts, and
// returns its findings.
func lintWorkflow(t *testing.T, shellcheck string, content []byte) []string {
	t.Helper()
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{Shellcheck: shellcheck})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(ci.WorkflowPath, content, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range errs {
		out = append(out, fmt.Sprintf("%d:%d: %s [%s]", e.Line, e.Column, e.Message, e.Kind))
	}
	return out
}

// The generated workflow passes actionlint: its syntax, expressions, the
// inputs of the actions it uses, the runner label, and shellcheck on every
// run: script. Broken variants are rejected, so the check can fail.
func TestWorkflowPassesActionlint(t *testing.T) {
	shellcheck := testtool.Require(t, "shellcheck")
	var first []byte
	for _, sc := range workflowScenarios(t) {
		content := sc.read(t, ci.WorkflowPath)
		first = content
		for _, p := range lintWorkflow(t, shellcheck, content) {
			t.Errorf("%s: %s: %s", sc.Name, ci.WorkflowPath, p)
		}
	}
	for _, c := range []struct{ from, to, want string }{
		{"runs-on: ubuntu-latest", "runs_on: ubuntu-latest", `"runs_on"`},
		{"go-version: stable", "go-versoin: stable", `"go-versoin"`},
		{`mkdir -p "$bin"`, `mkdir -p $bin`, "SC2086"},
		{"timeout-minutes: 15", "timeout-minutes: ${{ matrix.minutes }}", `"minutes"`},
	} {
		if !strings.Contains(string(first), c.from) {
			t.Fatalf("the workflow lacks %q; update the test", c.from)
		}
		got := strings.Join(lintWorkflow(t, shellcheck, []byte(strings.Replace(string(first), c.from, c.to, 1))), "\n")
		if !strings.Contains(got, c.want) {
			t.Errorf("replacing %q by %q: want a finding about %s, got:\n%s", c.from, c.to, c.want, got)
		}
	}
}

// imageTools maps each image the workflow pulls to the binary it runs in
// it and the tool on this machine built from the same release.
var imageTools = map[string][2]string{
	stack.ImagePrometheus:   {"/bin/promtool", "promtool"},
	stack.ImageAlertmanager: {"/bin/amtool", "amtool"},
	stack.ImageCollector:    {"/otelcol-contrib", "otelcol"},
}

// dockerShim stands in for the Docker engine, which this machine lacks:
// `docker pull` knows only the pinned images, and `docker run` of one of
// them runs the real tool of the same release, in the -w folder, which must
// be inside the one mounted folder (the workspace, at its own path).
func dockerShim(t *testing.T, dir string) {
	t.Helper()
	var pulls, runs []string
	for image, tool := range imageTools {
		pulls = append(pulls, fmt.Sprintf("%s) exit 0 ;;", image))
		runs = append(runs, fmt.Sprintf("%q) exec %q \"$@\" ;;", image+" "+tool[0], testtool.Require(t, tool[1])))
	}
	sort.Strings(pulls)
	sort.Strings(runs)
	script := `#!/bin/sh
set -eu
cmd=$1
shift
if [ "$cmd" = pull ]; then
	[ "$1" = --quiet ] && shift
	case "$1" in
	` + strings.Join(pulls, "\n\t") + `
	esac
	echo "docker pull: no image $1" >&2
	exit 1
fi
[ "$cmd" = run ] || { echo "docker $cmd: not supported" >&2; exit 1; }
mount= wd= ep=
while [ $# -gt 0 ]; do
	case "$1" in
	--rm) shift ;;
	-v) mount=$2; shift 2 ;;
	-w) wd=$2; shift 2 ;;
	--entrypoint) ep=$2; shift 2 ;;
	*) break ;;
	esac
done
src=${mount%%:*}
[ -n "$src" ] && [ "$mount" = "$src:$src" ] || { echo "docker run: -v $mount is not a folder at its own path" >&2; exit 1; }
case "$wd/" in
"$src"/*) ;;
*) echo "docker run: -w $wd is outside the mounted $src" >&2; exit 1 ;;
esac
cd "$wd"
image=$1
shift
case "$image $ep" in
` + strings.Join(runs, "\n") + `
esac
echo "docker run: no $ep in $image" >&2
exit 1
`
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// runWorkflow runs the workflow's run: steps in order, in the scenario's
// tree, as a GitHub runner does (bash -eo pipefail, GITHUB_PATH and
// GITHUB_WORKSPACE honoured). actions/checkout and actions/setup-go are
// what the test already has: the tree and Go. The step installing obsgen
// is replaced by obsgen built from this repository, not yet a published
// module. It returns the output of the last step.
func runWorkflow(t *testing.T, sc scenario, bins string) (string, error) {
	t.Helper()
	wf, errs := actionlint.Parse(sc.read(t, ci.WorkflowPath))
	if len(errs) > 0 {
		t.Fatalf("parse: %v", errs[0])
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		testtool.Missing(t, "bash")
	}
	runner := t.TempDir()
	ghPath := filepath.Join(runner, "github_path")
	writeEmpty(t, ghPath)
	var out []byte
	steps := 0
	for _, job := range wf.Jobs {
		for _, st := range job.Steps {
			run, ok := st.Exec.(*actionlint.ExecRun)
			if !ok {
				continue
			}
			if strings.Contains(run.Run.Value, "go install "+ci.Module+"@") {
				continue
			}
			steps++
			added, err := os.ReadFile(ghPath)
			if err != nil {
				t.Fatal(err)
			}
			path := strings.Join(append(strings.Fields(string(added)), bins, "/usr/bin", "/bin"), ":")
			cmd := exec.Command(bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", run.Run.Value)
			cmd.Dir = sc.Dir
			cmd.Env = []string{"PATH=" + path, "HOME=" + runner, "RUNNER_TEMP=" + runner,
				"GITHUB_WORKSPACE=" + sc.Dir, "GITHUB_PATH=" + ghPath}
			if st.Env != nil {
				for _, v := range st.Env.Vars {
					cmd.Env = append(cmd.Env, v.Name.Value+"="+v.Value.Value)
				}
			}
			out, err = cmd.CombinedOutput()
			if err != nil {
				return fmt.Sprintf("step %q: %v\n%s", st.Name.Value, err, out), err
			}
		}
	}
	if steps < 2 {
		t.Fatalf("the workflow has %d run steps besides installing obsgen, want the tools and the checks", steps)
	}
	return string(out), nil
}

func writeEmpty(t *testing.T, p string) {
	t.Helper()
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The workflow's steps install every tool check.sh looks for and run it
// with none skipped: obsgen check, promtool (rules, config, unit tests),
// amtool and the collector's validate all pass on the generated tree, and a
// broken alertmanager.yml fails the job.
func TestWorkflowRunsEveryCheck(t *testing.T) {
	bins := t.TempDir()
	dockerShim(t, bins)
	build := exec.Command(testtool.Go(t), "build", "-o", filepath.Join(bins, "obsgen"), "./cmd/obsgen")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build obsgen: %v\n%s", err, out)
	}
	sc := workflowScenarios(t)[0]
	// The repository has its answers file next to the generated tree.
	if err := os.WriteFile(sc.path(generators.AnswersFile), sc.Answers, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runWorkflow(t, sc, bins)
	if err != nil {
		t.Fatalf("the workflow fails on the generated tree:\n%s", out)
	}
	for _, want := range []string{"+ obsgen check", "+ promtool check rules", "promtool test rules", "+ amtool check-config", "+ otelcol-contrib validate", "all checks passed (0 skipped)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the checks step's output lacks %q:\n%s", want, out)
		}
	}

	am := sc.path("deploy/observability/alertmanager/alertmanager.yml")
	data, err := os.ReadFile(am)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(am, append(data, []byte("receivers: oops\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runWorkflow(t, sc, bins); err == nil || !strings.Contains(out, "FAILED: amtool check-config") {
		t.Errorf("a broken alertmanager.yml must fail the workflow: %v\n%s", err, out)
	}
}
