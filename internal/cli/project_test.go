package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
