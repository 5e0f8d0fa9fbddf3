package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/generators/otelcol"
	"github.com/obsgen/obsgen/generators/registry"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// dockerService names the service of the compose-mode check, so its lines
// are told apart from the plain-host run's in the same Loki.
const dockerService = e2eService + "-docker"

// checkDockerPipeline runs the collector config obsgen generates for the
// compose stack (container logs, Spec.Logs.Path empty) against files in
// Docker's json-file format: the service's real log lines (renamed to
// dockerService) in one container's file, another container's logfmt and
// JSON lines in a second. Only the include glob and addresses are
// rewritten. The service's lines must reach Loki exactly as in host mode;
// the other container's must not.
func checkDockerPipeline(t *testing.T, ctx context.Context, bin string, base spec.Spec, serviceLog, work, lokiURL string, servers []*proc) {
	t.Helper()
	s := base
	s.Service.Name = dockerService
	s.Logs.Path = ""
	res, err := registry.Generate(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfg []byte
	for _, f := range res.Files {
		if f.Path == otelcol.ConfigPath(s) {
			cfg = f.Content
		}
	}
	generated := filepath.Join(work, "docker", "generated.yml")
	writeFile(t, generated, cfg)
	if out, err := run(bin, "validate", "--config="+generated); err != nil {
		t.Fatalf("otelcol validate (compose mode): %v\n%s", err, out)
	}

	containers := filepath.Join(work, "docker", "containers")
	// The service's container, labelled as the compose file labels it; its
	// lines keep the overridden service name the process logged.
	own := fileLines(t, serviceLog)
	writeContainerLog(t, containers, "1111", map[string]string{stack.LogSourceLabel: dockerService}, own)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	writeContainerLog(t, containers, "2222", nil, []string{
		`level=info ts=` + now + ` caller=loki.go:1 msg="a logfmt line of another container"`,
		`{"time":"` + now + `","level":"error","msg":"json of another service","service":"prometheus"}`,
	})
	// Another container that logs the service's JSON under its name: not
	// the service's container, so none of it is the service's.
	writeContainerLog(t, containers, "3333", map[string]string{"com.example.team": "payments"}, []string{
		`{"time":"` + now + `","level":"error","msg":"impersonation","service":"` + dockerService + `","marker":"impersonation"}`,
	})

	p := struct{ health, grpc, http, metrics int }{freePort(t), freePort(t), freePort(t), freePort(t)}
	d := loadYAML(t, generated)
	// The glob reaches rotated files too (-json.log.1, ...).
	if inc := fmt.Sprint(d.get("receivers", "file_log", "include")); inc != fmt.Sprint([]any{stack.DockerLogGlob + "*"}) {
		t.Fatalf("compose-mode include is %s, want %s*", inc, stack.DockerLogGlob)
	}
	d.set([]any{filepath.Join(containers, "*", "*-json.log*")}, "receivers", "file_log", "include")
	d.set(loop(p.health), "extensions", "health_check", "endpoint")
	d.set(filepath.Join(work, "docker", "storage"), "extensions", "file_storage", "directory")
	d.set(loop(p.grpc), "receivers", "otlp", "protocols", "grpc", "endpoint")
	d.set(loop(p.http), "receivers", "otlp", "protocols", "http", "endpoint")
	d.set(loop(freePort(t)), "exporters", "otlp_grpc/jaeger", "endpoint")
	d.set(lokiURL+"/otlp", "exporters", "otlp_http/loki", "endpoint")
	d.set("127.0.0.1", "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "host")
	d.set(p.metrics, "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "port")
	rewritten := filepath.Join(work, "docker", "otelcol.yml")
	d.write(rewritten)
	col := startProc(t, "otelcol-docker", nil, bin, "--config="+rewritten)
	servers = append(servers, col)

	// The JSON lines but the health-check line the test added, and each
	// line that is not JSON (kept raw).
	wantLines := 0
	for _, l := range own {
		if l != "" && !(strings.HasPrefix(l, "{") && strings.Contains(l, `"marker"`)) {
			wantLines++
		}
	}
	var lines []lokiLine
	eventually(t, 60*time.Second, "the container's lines in Loki", servers, func() error {
		var err error
		lines, err = queryLoki(ctx, lokiURL, `{`+contract.LokiLabelService+`="`+dockerService+`"}`, time.Now().Add(-time.Hour))
		if err == nil && len(lines) < wantLines {
			err = fmt.Errorf("%d of %d lines", len(lines), wantLines)
		}
		return err
	})
	if len(lines) != wantLines {
		t.Errorf("%d lines in Loki, want the container's %d lines of %s", len(lines), wantLines, dockerService)
	}
	checkLogLines(t, lines, dockerService, "")
	checkRawLine(t, lines, plainLine)
	other, err := queryLoki(ctx, lokiURL, `{`+contract.LokiLabelService+`="prometheus"}`, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(other) != 0 {
		t.Errorf("another container's line reached Loki: %q", other[0].line)
	}
	t.Logf("compose mode: %d container lines shipped as in host mode", len(lines))
}

// fileLines returns the lines of the file at path.
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// writeContainerLog writes lines as Docker's json-file logging driver does:
// one JSON object per line with the line (newline included) in "log", and
// the labels the container's logging options list in "attrs".
func writeContainerLog(t *testing.T, dir, id string, attrs map[string]string, lines []string) {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		rec, err := json.Marshal(struct {
			Log    string            `json:"log"`
			Stream string            `json:"stream"`
			Attrs  map[string]string `json:"attrs,omitempty"`
			Time   string            `json:"time"`
		}{l + "\n", "stdout", attrs, time.Now().UTC().Format(time.RFC3339Nano)})
		if err != nil {
			t.Fatal(err)
		}
		b.Write(rec)
		b.WriteByte('\n')
	}
	writeFile(t, filepath.Join(dir, id, id+"-json.log"), []byte(b.String()))
}
