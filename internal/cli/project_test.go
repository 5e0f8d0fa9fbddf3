package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/spec"
)

const shopAnswers = `version: 1
project: shop
services:
  api:
    dir: services/api
    service:
      framework: chi
  billing:
    dir: services/billing
    service:
      port: 8081
  web:
    dir: services/web
    service:
      language: node
      framework: express
      port: 8082
    output:
      code_dir: src/observability
    node:
      main: src/server.js
`

// shopRepo is a repository of two Go services and a Node one, each in its
// own folder with its own manifest, and one answers file at the root.
func shopRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "obsgen.yaml", shopAnswers)
	writeFile(t, dir, ".gitignore", "/bin/\n")
	writeFile(t, dir, "services/api/go.mod", "module github.com/acme/shop/api\n\ngo 1.24\n")
	writeFile(t, dir, "services/billing/go.mod", "module github.com/acme/shop/billing\n\ngo 1.24\n")
	writeFile(t, dir, "services/web/package.json", `{"name": "web", "version": "1.0.0", "scripts": {"start": "node src/server.js"}, "dependencies": {"express": "^4.21.2"}}`+"\n")
	writeFile(t, dir, "services/web/src/server.js", "require('express')().listen(8082);\n")
	return dir
}

func TestGenerateProjectOfSeveralServices(t *testing.T) {
	dir := shopRepo(t)
	mustRun(t, 0, dir, "generate", "--skip-install")
	for _, f := range []string{
		"services/api/internal/observability/setup.go", "services/api/Dockerfile",
		"services/billing/internal/observability/setup.go",
		"services/web/src/observability/register.cjs", "services/web/Dockerfile",
		"docker-compose.observability.yml", "observability/prometheus/prometheus.yml",
		"observability/prometheus/rules/api.rules.yml", "observability/prometheus/rules/observability-stack.rules.yml",
		"observability/grafana/dashboards/web/web.json", "observability/runbooks/billing/ServiceDown.md",
		"observability/runbooks/Watchdog.md",
	} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	// Each Go package is in its own module: the import path is the module's.
	if main := readFile(t, dir, "services/api/cmd/api/main.go"); !strings.Contains(main, `"github.com/acme/shop/api/internal/observability"`) {
		t.Errorf("api's example main does not import its own module's package:\n%s", main)
	}
	mustRun(t, 0, dir, "check")
	// The repository's own .gitignore gains the env file's line, once.
	if gi := readFile(t, dir, ".gitignore"); !strings.HasPrefix(gi, "/bin/\n") || strings.Count(gi, "/observability.env") != 1 {
		t.Errorf(".gitignore is not the repository's with the env file added:\n%s", gi)
	}

	// A hand edit of one service's code survives a change of another
	// service's answer, which reaches only that service.
	cfg := "services/api/internal/observability/config.go"
	writeFile(t, dir, cfg, readFile(t, dir, cfg)+"\n// Tuned by hand for the api.\n")
	apiRules := readFile(t, dir, "observability/prometheus/rules/api.rules.yml")
	mustRun(t, 0, dir, "generate", "--skip-install", "--set", "services.billing.slo.availability=99.99")
	if !strings.Contains(readFile(t, dir, cfg), "Tuned by hand for the api.") {
		t.Error("regeneration lost the hand edit of api's config.go")
	}
	if readFile(t, dir, "observability/prometheus/rules/api.rules.yml") != apiRules {
		t.Error("billing's answer changed api's rules")
	}
	if !strings.Contains(readFile(t, dir, "observability/prometheus/rules/billing.rules.yml"), "0.9999") {
		t.Error("billing's rules do not carry its new 99.99 objective")
	}
	answers := readFile(t, dir, "obsgen.yaml")
	if i, j := strings.Index(answers, "99.99"), strings.Index(answers, "  billing:"); i < j || j < 0 || strings.Count(answers, "99.99") != 1 {
		t.Errorf("99.99 not saved under billing alone:\n%s", answers)
	}
	mustRun(t, 0, dir, "check")
}

func TestProjectSetErrors(t *testing.T) {
	dir := shopRepo(t)
	for _, c := range []struct{ set, want string }{
		{"services.nope.port=1", `no service "nope"`},
		{"services.api.tracing.backend=tempo", "services.api.tracing.backend: the services share one stack"},
		{"services.web.port=8081", "services.web.service.port: 8081 is also billing's port"},
	} {
		before := readFile(t, dir, "obsgen.yaml")
		out := mustRun(t, 2, dir, "generate", "--skip-install", "--set", c.set)
		if !strings.Contains(out, c.want) {
			t.Errorf("--set %s: output does not say %q:\n%s", c.set, c.want, out)
		}
		if readFile(t, dir, "obsgen.yaml") != before {
			t.Errorf("--set %s: the refused answer was written", c.set)
		}
		if _, err := os.Stat(filepath.Join(dir, "docker-compose.observability.yml")); err == nil {
			t.Errorf("--set %s: files were written", c.set)
		}
	}
}

// init at the root of a repository of several services finds them and
// writes one answers file listing them, each from its own manifest, with
// the flags as the shared answers; generate then changes nothing.
func TestInitFindsTheServices(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "services/api/go.mod", "module github.com/acme/shop/api\n\ngo 1.24\n\nrequire github.com/go-chi/chi/v5 v5.2.1\n")
	writeFile(t, dir, "services/api/main.go", "package main\n\nfunc main() {}\n")
	writeFile(t, dir, "services/billing/go.mod", "module github.com/acme/shop/billing\n\ngo 1.24\n")
	writeFile(t, dir, "services/billing/cmd/billing/main.go", "package main\n\nfunc main() {}\n")
	writeFile(t, dir, "services/web/package.json", `{"name": "web", "version": "1.0.0", "main": "server.js", "dependencies": {"express": "^4.21.2"}}`+"\n")
	writeFile(t, dir, "services/web/server.js", "require('express')().listen(Number(process.env.PORT));\n")
	writeFile(t, dir, "libs/money/go.mod", "module github.com/acme/shop/money\n\ngo 1.24\n")
	writeFile(t, dir, "libs/money/money.go", "package money\n")

	out := mustRun(t, 0, dir, "init", "--no-prompt", "--alert-receiver", "slack", "--skip-install")
	if !strings.Contains(out, "found 3 services: api (services/api), billing (services/billing), web (services/web)") {
		t.Errorf("init does not say which services it found:\n%s", out)
	}
	p := readProject(t, dir)
	if !p.Listed || len(p.Services) != 3 {
		t.Fatalf("answers list %d services (listed %v), want api, billing and web", len(p.Services), p.Listed)
	}
	api, billing, web := p.Services[0].Spec, p.Services[1].Spec, p.Services[2].Spec
	if api.Service.Framework != "chi" || api.Service.Module != "github.com/acme/shop/api" || billing.Service.Module != "github.com/acme/shop/billing" {
		t.Errorf("Go services not read from their go.mod: api %s %s, billing %s", api.Service.Framework, api.Service.Module, billing.Service.Module)
	}
	if !web.Service.Language.IsNode() || web.Service.Framework != "express" || web.Node.Main != "server.js" {
		t.Errorf("web not read from its package.json: %s %s %s", web.Service.Language, web.Service.Framework, web.Node.Main)
	}
	if api.Service.Port == billing.Service.Port || billing.Service.Port == web.Service.Port {
		t.Errorf("services share a port: %d %d %d", api.Service.Port, billing.Service.Port, web.Service.Port)
	}
	for _, s := range p.Specs() {
		if s.Alerts.Receiver != "slack" {
			t.Errorf("%s: receiver %q, want the flag's slack", s.Service.Name, s.Alerts.Receiver)
		}
	}
	if strings.Contains(readFile(t, dir, "obsgen.yaml"), "money") {
		t.Error("a library without a main became a service")
	}
	for _, f := range []string{"services/api/internal/observability/setup.go", "services/web/src/observability/register.cjs", "docker-compose.observability.yml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if out := mustRun(t, 0, dir, "generate", "--skip-install"); !strings.Contains(out, "nothing to do") {
		t.Errorf("generate after init changed files:\n%s", out)
	}
}

func readProject(t *testing.T, dir string) spec.Project {
	t.Helper()
	p, err := spec.ParseProject("obsgen.yaml", []byte(readFile(t, dir, "obsgen.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// init asks about one service: on an answers file listing several it
// says how to change them instead, and writes nothing.
func TestInitRefusesAListedAnswersFile(t *testing.T) {
	dir := shopRepo(t)
	out := mustRun(t, 2, dir, "init", "--no-prompt", "--framework", "gin")
	if !strings.Contains(out, "lists several services") || !strings.Contains(out, "--set services.<name>.<key>=value") {
		t.Errorf("init on a listed answers file does not say what to do:\n%s", out)
	}
	if readFile(t, dir, "obsgen.yaml") != shopAnswers {
		t.Error("the refused init changed the answers file")
	}
}
