package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/generators/otelcol"
	"github.com/obsgen/obsgen/generators/registry"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

// crashProgram logs one JSON line the way the generated logger does, then
// dies the way Go programs die: a panic in a goroutine of its own, or (with
// the argument "deadlock") the runtime's fatal error. Its stdout and stderr
// go to one file, as a container's do.
const crashProgram = `package main

import (
	"fmt"
	"os"
	"time"
)

func charge(card string) { panic("checkout failed: card " + card + " declined") }

func main() {
	fmt.Printf("{\"time\":%q,\"level\":\"info\",\"msg\":\"order placed\",\"service\":\"x\"}\n", time.Now().UTC().Format(time.RFC3339Nano))
	if len(os.Args) > 1 && os.Args[1] == "deadlock" {
		c := make(chan int)
		<-c
	}
	done := make(chan struct{})
	go func() { charge("4242"); close(done) }()
	<-done
}
`

// crashOutput builds and runs crashProgram with arg and returns its
// combined output: the real runtime's crash text, not a copy of it.
func crashOutput(t *testing.T, goTool, arg string) []string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "main.go"), []byte(crashProgram))
	writeFile(t, filepath.Join(dir, "go.mod"), []byte("module crash\n\ngo 1.22\n"))
	bin := filepath.Join(dir, "crash")
	build := exec.Command(goTool, "build", "-trimpath", "-o", bin, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, arg).CombinedOutput()
	if err == nil {
		t.Fatalf("the crash program exited 0:\n%s", out)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// TestCrashOutputReachesLoki runs the generated collector config (host
// mode: a plain log file; compose mode: Docker's json-file logs) with a
// real Loki and feeds it a JSON line followed by a real Go panic and a
// real fatal error. The crash text must be in Loki, marked raw, each dump
// one entry with its goroutine stack; the JSON line stays a structured
// line. (With the json_parser's old on_error: drop_quiet, nothing of the
// crash reached Loki.)
//
// Run it alone: cd e2e && go test -run TestCrashOutputReachesLoki -v
func TestCrashOutputReachesLoki(t *testing.T) {
	if testing.Short() {
		testtool.Missing(t, "starts Loki and two collectors: not run with -short")
	}
	lokiBin, colBin, goTool := testtool.Require(t, "loki"), testtool.Require(t, "otelcol"), testtool.Go(t)
	panicked := crashOutput(t, goTool, "")
	deadlocked := crashOutput(t, goTool, "deadlock")
	if !strings.HasPrefix(panicked[1], "panic: checkout failed") || !strings.HasPrefix(deadlocked[1], "fatal error: all goroutines are asleep") {
		t.Fatalf("unexpected crash output:\n%s\n\n%s", strings.Join(panicked, "\n"), strings.Join(deadlocked, "\n"))
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	p := newPorts(t)
	work := t.TempDir()
	logFile := filepath.Join(work, "logs", e2eService+".log")
	s := spec.New()
	s.Service.Name, s.Service.Module, s.Service.Environment = e2eService, "example.com/"+e2eService, e2eEnv
	s.Logs.Path = logFile
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := registry.Generate(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := res.Files
	repo := filepath.Join(work, "repo")
	for _, f := range files {
		writeFile(t, filepath.Join(repo, f.Path), f.Content)
	}
	writeFile(t, logFile, nil)
	lokiURL := "http://" + loop(p.lokiHTTP)
	lokiProc := startLoki(t, lokiBin, filepath.Join(repo, s.Output.ConfigDir), work, p)
	host := startCollector(t, colBin, repo, s, work, p)

	// Compose mode: the same output in the service container's json-file
	// log, under another service name so the two runs are told apart.
	d := s
	d.Service.Name = dockerService
	d.Logs.Path = ""
	containers := filepath.Join(work, "containers")
	writeContainerLog(t, containers, "1111", map[string]string{stack.LogSourceLabel: dockerService}, append(append([]string{}, panicked...), deadlocked...))
	docker := startDockerCollector(t, colBin, d, filepath.Join(work, "docker"), containers, lokiURL)
	servers := []*proc{lokiProc, host, docker}
	eventually(t, 60*time.Second, "loki ready", servers, func() error { return getJSON(ctx, lokiURL+"/ready", nil) })
	appendLines(t, logFile, panicked...)
	appendLines(t, logFile, deadlocked...)

	for _, name := range []string{e2eService, dockerService} {
		sel := `{` + contract.LokiLabelService + `="` + name + `"}`
		var all []lokiLine
		eventually(t, 60*time.Second, name+": crash output in Loki", servers, func() error {
			var err error
			all, err = queryLoki(ctx, lokiURL, sel, began)
			if err == nil && len(all) < 4 {
				err = fmt.Errorf("%d entries", len(all))
			}
			return err
		})
		// What a responder types: the panic text, in raw lines.
		found, err := queryLoki(ctx, lokiURL, sel+` | `+stack.NewLogPipeline(s).MetaRaw+`="true" |= "panic: checkout failed: card 4242 declined"`, began)
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 1 {
			t.Fatalf("%s: LogQL found %d raw entries with the panic text, want 1; Loki holds:\n%s", name, len(found), dump(all))
		}
		for _, want := range []string{"goroutine ", "main.charge(", "crash/main.go:", "created by main.main in goroutine 1"} {
			if !strings.Contains(found[0].line, want) {
				t.Errorf("%s: the panic's entry lacks its stack (%q):\n%s", name, want, found[0].line)
			}
		}
		fatal, err := queryLoki(ctx, lokiURL, sel+` |= "fatal error: all goroutines are asleep"`, began)
		if err != nil {
			t.Fatal(err)
		}
		if len(fatal) != 1 || !strings.Contains(fatal[0].line, "main.main()") || fatal[0].meta["raw"] != "true" {
			t.Errorf("%s: want the fatal error with its stack in one raw entry, got %d:\n%s", name, len(fatal), dump(fatal))
		}
		// The JSON lines stay structured lines, not marked raw, with the
		// level as a stream label.
		structured := 0
		for _, l := range all {
			if l.json != nil {
				structured++
				if l.meta["raw"] != "" || l.stream[contract.LokiLabelLevel] != "info" {
					t.Errorf("%s: JSON line shipped as %v %v: %s", name, l.stream, l.meta, l.line)
				}
			}
		}
		if structured != 2 || len(all) != 4 {
			t.Errorf("%s: Loki holds %d entries (%d JSON), want 4 (2 JSON lines, 2 crash dumps):\n%s", name, len(all), structured, dump(all))
		}
	}
}

// dump prints Loki entries for a failure message.
func dump(lines []lokiLine) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%v %v %q\n", l.stream, l.meta, l.line)
	}
	return b.String()
}

// startDockerCollector runs the compose-mode collector config of s (Docker's
// container logs) over the container log folder dir, shipping to lokiURL;
// addresses are rewritten to loopback, nothing else.
func startDockerCollector(t *testing.T, bin string, s spec.Spec, work, containers, lokiURL string, extra ...string) *proc {
	t.Helper()
	res, err := registry.Generate(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := res.Files
	var cfg []byte
	for _, f := range files {
		if f.Path == otelcol.ConfigPath(s) {
			cfg = f.Content
		}
	}
	generated := filepath.Join(work, "generated.yml")
	writeFile(t, generated, cfg)
	if out, err := run(bin, "validate", "--config="+generated); err != nil {
		t.Fatalf("otelcol validate (compose mode): %v\n%s", err, out)
	}
	d := loadYAML(t, generated)
	d.set([]any{filepath.Join(containers, "*", "*-json.log*")}, "receivers", "file_log", "include")
	d.set(loop(freePort(t)), "extensions", "health_check", "endpoint")
	d.set(filepath.Join(work, "storage"), "extensions", "file_storage", "directory")
	if err := os.MkdirAll(filepath.Join(work, "storage"), 0o755); err != nil {
		t.Fatal(err)
	}
	if s.Tracing.Enabled {
		d.set(loop(freePort(t)), "receivers", "otlp", "protocols", "grpc", "endpoint")
		d.set(loop(freePort(t)), "receivers", "otlp", "protocols", "http", "endpoint")
		d.set(loop(freePort(t)), "exporters", "otlp_grpc/jaeger", "endpoint")
	}
	d.set(lokiURL+"/otlp", "exporters", "otlp_http/loki", "endpoint")
	d.set("127.0.0.1", "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "host")
	d.set(freePort(t), "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "port")
	rewritten := filepath.Join(work, "otelcol.yml")
	d.write(rewritten)
	return startProc(t, "otelcol-"+s.Service.Name, nil, bin, append([]string{"--config=" + rewritten}, extra...)...)
}
