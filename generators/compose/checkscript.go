package compose

import (
	"path"
	"strings"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/alertmanager"
	"github.com/obsgen/obsgen/generators/otelcol"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/spec"
)

// CheckScript writes the script a project's own CI runs: every check of the
// generated config that the installed tools can run, failing when one
// fails. It is not part of the compose generator because it applies to
// every deploy target.
var CheckScript = generators.Generator{
	Name:  "check-script",
	Doc:   "One script running obsgen check, promtool, amtool and the collector's validate",
	Stack: generators.Shared(generateCheckScript),
}

// CheckScriptPath is where the script goes: the config folder.
func CheckScriptPath(s spec.Spec) string { return path.Join(s.Output.ConfigDir, "check.sh") }

type checkView struct {
	Service, Self, Up, Answers                        string
	Rules, PromConfig, Tests, Alertmanager, Collector string
}

// ShellQuote quotes a path for sh: obsgen's paths are validated, but a
// folder name may still hold a space.
func ShellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func generateCheckScript(s spec.Spec) ([]generators.File, error) {
	self := CheckScriptPath(s)
	up := strings.Repeat("../", strings.Count(path.Clean(s.Output.ConfigDir), "/")+1)
	v := checkView{
		Service: s.Service.Name, Self: self, Up: strings.TrimSuffix(up, "/"), Answers: generators.AnswersFile,
		// The glob stays outside the quotes so the shell expands it.
		Rules:        ShellQuote(path.Dir(rules.RulesPath(s))+"/") + "*.rules.yml",
		PromConfig:   ShellQuote(path.Join(s.Output.ConfigDir, prometheus.Dir, "prometheus.yml")),
		Tests:        ShellQuote(path.Dir(rules.TestsPath(s))),
		Alertmanager: ShellQuote(alertmanager.Path(s)),
		Collector:    ShellQuote(otelcol.ConfigPath(s)),
	}
	// Only the compose target writes the local stack's configs; the
	// Kubernetes chart is checked with helm lint (docs/kubernetes.md).
	if !s.Deploy.Target.IsCompose() {
		v.PromConfig, v.Alertmanager, v.Collector = "", "", ""
	}
	f, err := generators.RenderFile("compose/check.sh.tmpl", self, generators.Owned, v)
	if err != nil {
		return nil, err
	}
	f.Mode = 0o755
	return []generators.File{f}, nil
}
