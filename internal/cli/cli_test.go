package cli

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kballard/go-shellquote"

	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
	"github.com/obsgen/obsgen/internal/writer"
	"github.com/obsgen/obsgen/wizard"
	"github.com/obsgen/obsgen/wizard/wizardtest"
)

type result struct {
	code        int
	out, errOut string
}

// run executes obsgen with args, non-interactively unless p is given.
func run(t *testing.T, p wizard.Prompter, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return p != nil }}
	if p != nil {
		streams.Prompter = func() wizard.Prompter { return p }
	}
	// Tests never touch the network or the Go module cache.
	code := Main(append(args, "--skip-go-get"), streams)
	return result{code, out.String(), errOut.String()}
}

func TestInitGenerateCheckCycle(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "checkout")
	if r.code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	files := testtool.ReadTree(t, dir)
	for _, want := range []string{"obsgen.yaml", "obsgen.lock", "internal/observability/logger.go", "observability/prometheus/prometheus.yml"} {
		if _, ok := files[want]; !ok {
			t.Errorf("init did not write %s; wrote %v", want, keys(files))
		}
	}

	r = run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "checkout")
	if r.code != ExitOK || !strings.Contains(r.out, "nothing to do") || strings.Contains(r.out, "created") {
		t.Fatalf("second init must change nothing: exit %d\n%s", r.code, r.out)
	}
	if got := testtool.ReadTree(t, dir); !maps.Equal(got, files) {
		t.Fatal("second init changed files on disk")
	}

	if r = run(t, nil, "check", "--dir", dir); r.code != ExitOK {
		t.Fatalf("check on a fresh tree: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// Merged code is the user's to edit: check passes, generate keeps it.
	logger := filepath.Join(dir, "internal/observability/logger.go")
	if err := os.WriteFile(logger, []byte(files["internal/observability/logger.go"]+"// a hand edit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r = run(t, nil, "check", "--dir", dir); r.code != ExitOK {
		t.Fatalf("check after a hand edit to merged code: exit %d, want %d\n%s%s", r.code, ExitOK, r.out, r.errOut)
	}
	// Owned config comes from the answers: a hand edit is drift for check,
	// though generate keeps it.
	prom := filepath.Join(dir, "observability/prometheus/prometheus.yml")
	if err := os.WriteFile(prom, []byte(files["observability/prometheus/prometheus.yml"]+"# a hand edit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r = run(t, nil, "check", "--dir", dir); r.code != ExitDrift || !strings.Contains(r.errOut, "observability/prometheus/prometheus.yml: edited by hand") {
		t.Fatalf("check after a hand edit to owned config: exit %d, want %d\n%s%s", r.code, ExitDrift, r.out, r.errOut)
	}
	if r = run(t, nil, "diff", "--dir", dir); r.code != ExitOK || strings.Contains(r.out, "hand edit") {
		t.Fatalf("diff must show nothing: generate keeps hand edits when obsgen's output is unchanged: exit %d\n%s", r.code, r.out)
	}
	os.Remove(prom)
	if r = run(t, nil, "check", "--dir", dir); r.code != ExitDrift || !strings.Contains(r.errOut, "prometheus.yml: deleted by hand") {
		t.Fatalf("check with a missing file: exit %d, want %d\n%s", r.code, ExitDrift, r.errOut)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "init", "--no-prompt", "--dry-run", "--dir", dir, "--service-name", "checkout")
	if r.code != ExitOK || !strings.Contains(r.out, "dry run, nothing written") {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	if files := testtool.ReadTree(t, dir); len(files) != 0 {
		t.Fatalf("dry run wrote %v", keys(files))
	}
}

func TestJSONReport(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "init", "--no-prompt", "-o", "json", "--dir", dir, "--service-name", "checkout")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var rep struct {
		DryRun bool `json:"dry_run"`
		Files  []struct{ Path, Action, Owner string }
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.out)
	}
	if len(rep.Files) < 3 {
		t.Fatalf("too few files: %+v", rep)
	}
	for _, f := range rep.Files {
		if f.Action != "created" || f.Owner == "" {
			t.Errorf("%s: action %q owner %q, want created with an owner", f.Path, f.Action, f.Owner)
		}
	}
}

// TestBadInputWritesNothing: every kind of bad input exits non-zero with
// one message naming the field and the fix, and leaves the folder as it was.
func TestBadInputWritesNothing(t *testing.T) {
	cases := []struct {
		name    string
		answers string // written as obsgen.yaml first, when set
		args    []string
		code    int
		want    []string
	}{
		{"name with spaces", "", []string{"init", "--no-prompt", "--service-name", "my svc"}, ExitUsage,
			[]string{"service.name (--service-name)", "lowercase letters"}},
		{"name with quotes and braces", "", []string{"init", "--no-prompt", "--service-name", `a"{{x}}`}, ExitUsage,
			[]string{"--service-name", "not a valid service name"}},
		{"unknown framework flag", "", []string{"init", "--no-prompt", "--service-name", "a", "--framework", "rails"}, ExitUsage,
			[]string{"--framework", "use one of nethttp, chi, gin, echo"}},
		{"missing required", "", []string{"init", "--no-prompt"}, ExitUsage,
			[]string{"missing answers: pass --service-name"}},
		{"unknown key in answers", "version: 1\nservice:\n  name: a\n  colour: red\n", []string{"generate"}, ExitUsage,
			[]string{"line 4", `unknown key "service.colour"`}},
		{"invalid name in answers", "version: 1\nservice:\n  name: My Service\n", []string{"generate"}, ExitUsage,
			[]string{"service.name", "not a valid service name"}},
		{"unknown framework in answers", "version: 1\nservice:\n  name: a\n  framework: django\n", []string{"generate"}, ExitUsage,
			[]string{"service.framework (--framework)", "django"}},
		{"malformed answers", "version: 1\nservice: [oops\n", []string{"generate"}, ExitUsage,
			[]string{"obsgen.yaml"}},
		{"no answers file", "", []string{"generate"}, ExitUsage,
			[]string{"no answers file", "obsgen init"}},
		{"bad --set", "version: 1\nservice:\n  name: a\n", []string{"generate", "--set", "framework=rails"}, ExitUsage,
			[]string{"--framework", "rails"}},
		{"unknown --set key", "version: 1\nservice:\n  name: a\n", []string{"generate", "--set", "colour=red"}, ExitUsage,
			[]string{`unknown key "colour"`}},
		{"config outside dir", "", []string{"init", "--no-prompt", "--service-name", "a", "--config", "/tmp/elsewhere.yaml"}, ExitUsage,
			[]string{"--config", "must be inside --dir"}},
		{"bad output format", "", []string{"init", "--no-prompt", "--service-name", "a", "-o", "xml"}, ExitUsage,
			[]string{"--output", "text or json"}},
		{"unknown flag", "", []string{"init", "--no-prompt", "--service-nam", "a"}, ExitUsage,
			[]string{"unknown flag"}},
		{"release label with spaces", "", []string{"init", "--no-prompt", "--service-name", "a", "--deploy-target", "kubernetes", "--k8s-prometheus-release", "kube prometheus"}, ExitUsage,
			[]string{"kubernetes.prometheus_release (--k8s-prometheus-release)", "not a Kubernetes label value"}},
		{"namespace not a DNS label", "", []string{"init", "--no-prompt", "--service-name", "a", "--deploy-target", "kubernetes", "--k8s-namespace", "Shop_EU"}, ExitUsage,
			[]string{"kubernetes.namespace (--k8s-namespace)", "not a namespace name"}},
		{"remote-write URL with credentials", "", []string{"init", "--no-prompt", "--service-name", "a", "--deploy-target", "kubernetes", "--k8s-remote-write-url", "https://user:secret@mimir.example.com/api/v1/push"}, ExitUsage,
			[]string{"kubernetes.remote_write_url (--k8s-remote-write-url)", "has credentials in it"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.answers != "" {
				if err := os.WriteFile(filepath.Join(dir, "obsgen.yaml"), []byte(c.answers), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := testtool.ReadTree(t, dir)
			r := run(t, nil, append(c.args, "--dir", dir)...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, c.code, r.out, r.errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.errOut)
				}
			}
			if !maps.Equal(before, testtool.ReadTree(t, dir)) {
				t.Errorf("bad input changed the folder: %v", keys(testtool.ReadTree(t, dir)))
			}
		})
	}
}

func TestRefusesToFollowSymlinkOutOfTree(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "observability")); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "a")
	if r.code == ExitOK {
		t.Fatalf("init followed a link out of --dir:\n%s", r.out)
	}
	if files := testtool.ReadTree(t, outside); len(files) != 0 {
		t.Fatalf("wrote outside --dir: %v", keys(files))
	}
	if !strings.Contains(r.errOut, "observability") {
		t.Errorf("the error must name the path: %s", r.errOut)
	}
}

func TestGenerateSetChangesOneAnswer(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "a"); r.code != 0 {
		t.Fatal(r.errOut)
	}
	r := run(t, nil, "generate", "--dir", dir, "--set", "framework=chi", "--set", "slo.availability=99.5")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	s := readAnswers(t, dir)
	if s.Service.Framework != "chi" || s.SLO.Availability != 99.5 || s.ObsgenVersion != Version {
		t.Fatalf("answers file not updated: %+v", s)
	}
}

func TestDetectsModuleAndFramework(t *testing.T) {
	dir := t.TempDir()
	gomod := "module github.com/acme/shop\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "shop")
	if r.code != ExitOK {
		t.Fatal(r.errOut)
	}
	s := readAnswers(t, dir)
	if s.Service.Module != "github.com/acme/shop" || s.Service.Framework != "chi" {
		t.Fatalf("detection: %+v", s.Service)
	}
	if !strings.Contains(r.errOut, "detected framework chi") {
		t.Errorf("detected values must be reported, not silently assumed: %s", r.errOut)
	}
}

func TestWizardCancelWritesNothing(t *testing.T) {
	dir := t.TempDir()
	p := &wizardtest.Scripted{Answers: map[string]string{"Service name": "a", wizard.AskConfirm: "false"}}
	r := run(t, p, "init", "--dir", dir)
	if r.code != ExitUsage || !strings.Contains(r.errOut, "cancelled") {
		t.Fatalf("exit %d, want %d\n%s", r.code, ExitUsage, r.errOut)
	}
	if files := testtool.ReadTree(t, dir); len(files) != 0 {
		t.Fatalf("cancel wrote %v", keys(files))
	}
}

// TestThreePathsSameSpec: flags, an answers file and the wizard, given the
// same answers, produce the same answers file.
func TestThreePathsSameSpec(t *testing.T) {
	cases := []map[string]string{
		{"service-name": "checkout"},
		{"service-name": "orders", "framework": "gin", "environment": "staging", "sentry": "false", "alert-receiver": "slack", "slo-availability": "99.5"},
		{"service-name": "search", "framework": "echo", "tracing": "false", "metrics-port": "9100", "slo-latency-threshold": "250ms", "slo-window": "28d", "code-dir": "pkg/obs"},
		{"service-name": "pay", "framework": "chi", "otlp-protocol": "http", "otlp-endpoint": "http://collector:4318", "trace-backend": "tempo", "sampling-ratio": "0.5"},
	}
	if testing.Short() {
		cases = cases[:1] // the fast loop: one scenario through all three paths
	}
	for _, answers := range cases {
		t.Run(answers["service-name"], func(t *testing.T) {
			// 1. Flags.
			flagDir := t.TempDir()
			args := []string{"init", "--no-prompt", "--dir", flagDir}
			for k, v := range answers {
				args = append(args, "--"+k+"="+v)
			}
			if r := run(t, nil, args...); r.code != 0 {
				t.Fatalf("flags: %s", r.errOut)
			}
			fromFlags := readAnswers(t, flagDir)

			// 2. An answers file written by hand, then `obsgen generate`.
			fileDir := t.TempDir()
			s := spec.New()
			for k, v := range answers {
				f, _ := spec.Lookup(k)
				if err := f.Set(&s, v); err != nil {
					t.Fatal(err)
				}
			}
			data, _ := s.Marshal()
			if err := os.WriteFile(filepath.Join(fileDir, "obsgen.yaml"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			if r := run(t, nil, "generate", "--dir", fileDir); r.code != 0 {
				t.Fatalf("answers file: %s", r.errOut)
			}
			fromFile := readAnswers(t, fileDir)

			// 3. The wizard, answering by prompt text.
			wizDir := t.TempDir()
			script := map[string]string{wizard.AskConfirm: "true", wizard.AskAdvanced: "false"}
			for k, v := range answers {
				f, _ := spec.Lookup(k)
				script[f.Prompt] = v
				if f.Advanced {
					script[wizard.AskAdvanced] = "true"
				}
			}
			r := run(t, &wizardtest.Scripted{Answers: script}, "init", "--dir", wizDir)
			if r.code != 0 {
				t.Fatalf("wizard: %s", r.errOut)
			}
			fromWizard := readAnswers(t, wizDir)

			if !reflect.DeepEqual(fromFlags, fromWizard) {
				t.Errorf("flags and wizard differ:\nflags  %+v\nwizard %+v", fromFlags, fromWizard)
			}
			// `generate` does not rewrite a hand-written file's version stamp unless it changed.
			fromFile.ObsgenVersion = fromFlags.ObsgenVersion
			fromFile.Service.Module = fromFlags.Service.Module
			if !reflect.DeepEqual(fromFlags, fromFile) {
				t.Errorf("flags and answers file differ:\nflags %+v\nfile  %+v", fromFlags, fromFile)
			}

			// The command printed after the wizard reproduces its answers.
			i := strings.Index(r.errOut, "obsgen init --no-prompt")
			if i < 0 {
				t.Fatalf("the wizard did not print the equivalent command:\n%s", r.errOut)
			}
			words, err := shellquote.Split(strings.SplitN(r.errOut[i:], "\n", 2)[0])
			if err != nil {
				t.Fatal(err)
			}
			replayDir := t.TempDir()
			if r := run(t, nil, append(words[1:], "--dir", replayDir)...); r.code != 0 {
				t.Fatalf("replaying %v: %s", words, r.errOut)
			}
			if got := readAnswers(t, replayDir); !reflect.DeepEqual(got, fromWizard) {
				t.Errorf("the printed command does not reproduce the wizard's answers:\n got %+v\nwant %+v", got, fromWizard)
			}
		})
	}
}

func readAnswers(t *testing.T, dir string) spec.Spec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "obsgen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("obsgen.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestEveryCommandHasHelpWithExample(t *testing.T) {
	root := NewRoot(IO{})
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		if c.Example == "" || c.Short == "" {
			t.Errorf("%s: --help needs a short description and an example", c.Name())
		}
	}
	r := run(t, nil, "init", "--help")
	if r.code != 0 || !strings.Contains(r.out, "--slo-window duration") || !strings.Contains(r.out, "--port int") {
		t.Errorf("init --help must list typed answer flags:\n%s", r.out)
	}
	if r := run(t, nil, "version"); r.code != 0 || r.out != "obsgen "+Version+"\n" {
		t.Errorf("version: %q", r.out)
	}
}

// TestGenerateRefusesWhileAnotherRunWrites: two runs at once used to
// interleave their writes and deletes, both exiting 0.
func TestGenerateRefusesWhileAnotherRunWrites(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "checkout"); r.code != ExitOK {
		t.Fatalf("init: %d %s", r.code, r.errOut)
	}
	before := testtool.ReadTree(t, dir)
	unlock, err := writer.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "generate", "--dir", dir, "--set", "framework=chi")
	unlock()
	if r.code == ExitOK || !strings.Contains(r.errOut, "another obsgen run") {
		t.Fatalf("generate while locked: exit %d\n%s", r.code, r.errOut)
	}
	if got := testtool.ReadTree(t, dir); !maps.Equal(got, before) {
		t.Error("generate wrote files while another run held the lock")
	}
	if r := run(t, nil, "generate", "--dir", dir, "--set", "framework=chi"); r.code != ExitOK {
		t.Fatalf("generate after the lock was released: %d %s", r.code, r.errOut)
	}
}

// Links a responder cannot open are warned about when a receiver sends
// alerts off the machine; generation still succeeds.
func TestWarnsAboutLocalLinksWithAReceiver(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "init", "--no-prompt", "--dir", dir, "--service-name", "checkout", "--alert-receiver", "slack")
	if r.code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	for _, want := range []string{"warning: alerts.runbook_base_url", "warning: alerts.grafana_url (--grafana-url) http://localhost:3000"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
		}
	}
	r = run(t, nil, "generate", "--dir", dir, "--allow-dirty", "--set", "grafana-url=https://grafana.example.com", "--set", "runbook-base-url=https://git.example.com/checkout/runbooks")
	if r.code != ExitOK || strings.Contains(r.errOut, "warning") {
		t.Errorf("reachable links still warned about: exit %d\n%s", r.code, r.errOut)
	}
}
