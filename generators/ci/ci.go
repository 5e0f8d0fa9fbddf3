// Package ci writes the project's own CI workflow: one job that runs the
// generated check script with every tool it uses installed.
package ci

import (
	"strings"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/compose"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// WorkflowPath is where GitHub Actions looks for workflows.
const WorkflowPath = ".github/workflows/observability.yml"

// Module is the obsgen module the workflow installs its command from.
const Module = "github.com/obsgen/obsgen/cmd/obsgen"

// Generator writes the GitHub Actions workflow when ci.github_actions is set.
var Generator = generators.Generator{
	Name:  "ci",
	Doc:   "A GitHub Actions workflow running obsgen check and check.sh with the tools installed",
	Stack: generators.Shared(generate),
}

type view struct {
	Service, Answers, Script, ScriptArg, Install string
	Prometheus, Alertmanager, Collector          string
}

func generate(s spec.Spec) ([]generators.File, error) {
	if !s.CI.GitHubActions {
		return nil, nil
	}
	v := view{
		Service: s.Service.Name, Answers: generators.AnswersFile,
		Script: compose.CheckScriptPath(s), ScriptArg: compose.ShellQuote(compose.CheckScriptPath(s)),
		Install: Module + "@" + version(s.ObsgenVersion),
		// The images of the local stack: the workflow checks with the
		// versions that run the config.
		Prometheus: stack.ImagePrometheus, Alertmanager: stack.ImageAlertmanager, Collector: stack.ImageCollector,
	}
	f, err := generators.RenderFile("ci/observability.yml.tmpl", WorkflowPath, generators.Owned, v)
	if err != nil {
		return nil, err
	}
	return []generators.File{f}, nil
}

// version is the module version to install: the obsgen that wrote the
// answers file, so `obsgen check` in CI compares with the same generator;
// latest when it was not a release (a development build).
func version(v string) string {
	if v == "" || strings.ContainsAny(v, "-+") {
		return "latest"
	}
	return "v" + strings.TrimPrefix(v, "v")
}
