package gocode

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

const loggerMain = `package main

import (
	"os"

	"example.com/logdemo/internal/observability"
)

func main() {
	log := observability.NewLogger(os.Stdout, observability.ConfigFromEnv())
	log.Info("order placed", "user", "ana", "password", "hunter2", "Authorization", "Bearer x")
	log.Debug("details")
}
`

// buildDemo renders the package into a fresh module with main as its
// command, vets and builds it with the real go tool, and returns the
// binary.
func buildDemo(t *testing.T, main string) string {
	t.Helper()
	return buildDemoWith(t, main, nil)
}

// buildDemoWith is buildDemo with answers changed by edit; the module
// requires what the package needs at its pinned versions, as the go-get
// step does in a service.
func buildDemoWith(t *testing.T, main string, edit func(*spec.Spec), require ...string) string {
	t.Helper()
	testtool.Slow(t, "builds and runs the generated package")
	goTool := testtool.Go(t)
	s := spec.New()
	s.Service.Name, s.Service.Module = "logdemo", "example.com/logdemo"
	if edit != nil {
		edit(&s)
	}
	files, err := generate(s)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		done, err := generators.Finish(f)
		if err != nil {
			t.Fatal(err)
		}
		write(done.Path, string(done.Content))
	}
	gomod := "module example.com/logdemo\n\ngo 1.24\n"
	if edit != nil {
		for _, m := range Modules(s) {
			gomod += "\nrequire " + m.Path + " " + m.Version
		}
	}
	for _, r := range require {
		gomod += "\nrequire " + r
	}
	write("go.mod", gomod+"\n")
	write("cmd/logdemo/main.go", main)
	goRun := func(args ...string) string {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	goRun("mod", "tidy")
	goRun("vet", "./...")
	bin := filepath.Join(dir, "logdemo")
	goRun("build", "-o", bin, "./cmd/logdemo")
	return bin
}

// TestLoggerCompilesAndRuns builds the package, runs it and parses what it
// logs.
func TestLoggerCompilesAndRuns(t *testing.T) {
	bin := buildDemo(t, loggerMain)

	runBin := func(env ...string) []map[string]any {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		var lines []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("log line is not JSON: %q: %v", l, err)
			}
			lines = append(lines, m)
		}
		return lines
	}

	lines := runBin("LOG_LEVEL=", "OTEL_SERVICE_NAME=", "OTEL_RESOURCE_ATTRIBUTES=")
	if len(lines) != 1 {
		t.Fatalf("default level info: got %d lines, want 1: %v", len(lines), lines)
	}
	l := lines[0]
	want := map[string]any{"msg": "order placed", "level": "info", "service": "logdemo", "environment": "production",
		"user": "ana", "password": "[REDACTED]", "Authorization": "[REDACTED]"}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %v, want %v (line %v)", k, l[k], v, l)
		}
	}
	if l["version"] == nil || l["version"] == "" || l["time"] == nil {
		t.Errorf("version and time must be on every line: %v", l)
	}

	lines = runBin("LOG_LEVEL=debug", "OTEL_SERVICE_NAME=renamed", "OTEL_RESOURCE_ATTRIBUTES=team=x,deployment.environment.name=staging")
	if len(lines) != 2 || lines[1]["level"] != "debug" {
		t.Fatalf("LOG_LEVEL=debug must log the debug line: %v", lines)
	}
	if lines[0]["service"] != "renamed" || lines[0]["environment"] != "staging" {
		t.Errorf("standard OTel variables must win over generated defaults: %v", lines[0])
	}
}

const stdLogMain = `package main

import (
	"context"
	"log"

	"example.com/logdemo/internal/observability"
)

func main() {
	shutdown, err := observability.Setup(context.Background())
	if err != nil {
		panic(err)
	}
	defer shutdown(context.Background())
	log.Printf("cache warmed in %dms", 12)
	log.Fatal("database unreachable")
}
`

// The standard log package writes JSON lines through Setup's logger, and
// log.Fatal's last words come out at error, not info.
func TestStdLogFatalIsError(t *testing.T) {
	bin := buildDemo(t, stdLogMain)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "OTEL_EXPORTER_PROMETHEUS_PORT=0", "OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1", "SENTRY_DSN=")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("log.Fatal must exit 1: %v\n%s", err, out)
	}
	levels := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		levels[fmt.Sprint(m["msg"])] = fmt.Sprint(m["level"])
	}
	if levels["cache warmed in 12ms"] != "info" || levels["database unreachable"] != "error" {
		t.Errorf("levels: %v", levels)
	}
}
