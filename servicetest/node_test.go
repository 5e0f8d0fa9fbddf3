package servicetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/nodefixture"
	"github.com/obsgen/obsgen/internal/testtool"
)

// nodeServices are real Node services of each kind obsgen generates for:
// both frameworks, TypeScript and JavaScript, ESM and CommonJS, both OTLP
// protocols. They run one after another (two cores).
var nodeServices = []struct {
	name, framework, moduleType, protocol string
	ts                                    bool
}{
	{"express-js-cjs", "express", "commonjs", "grpc", false},
	{"fastify-ts-esm", "fastify", "module", "http", true},
	{"express-ts-cjs", "express", "commonjs", "http", true},
	{"fastify-js-esm", "fastify", "module", "grpc", false},
}

// Node's routers name routes with :params.
const nodeRoute = "/hello/:name"

func TestGeneratedNodeServices(t *testing.T) {
	testtool.Slow(t, "installs and runs a Node service per variant")
	node := requireTool(t, "node")
	npm := requireTool(t, "npm")
	for _, svc := range nodeServices {
		if !strings.Contains(os.Getenv("OBSGEN_NODE_SERVICES"), svc.name) && os.Getenv("OBSGEN_NODE_SERVICES") != "" {
			continue
		}
		t.Run(svc.name, func(t *testing.T) {
			start := time.Now()
			dir := writeNodeService(t, svc.name, svc.framework, svc.moduleType, svc.ts)
			npmRun(t, npm, dir, "install", "--no-audit", "--no-fund", "--prefer-offline")
			initNodeService(t, dir, "svc-"+svc.name, svc.protocol)
			ns := &nodeStarter{node: node, npm: npm, dir: dir, protocol: svc.protocol, ts: svc.ts}
			ns.build(t)
			t.Logf("fixture, npm install, obsgen init, build: %s", time.Since(start).Round(time.Millisecond))
			start = time.Now()
			checkTracerProvider(t, ns.start(t))
			runConformance(t, ns)
			t.Logf("run checks: %s", time.Since(start).Round(time.Millisecond))
		})
	}
}

// nodeStarter runs a generated Node service (internal/nodefixture's app
// with obsgen's module) for the conformance suite, started exactly as its
// start script says, as a direct child so that signals reach node.
type nodeStarter struct {
	node, npm, dir, protocol string
	ts                       bool
	args                     []string
}

func (n *nodeStarter) facts() facts {
	return facts{lang: "node", route: nodeRoute, panicValue: "example panic"}
}

func (n *nodeStarter) build(t *testing.T) {
	if n.ts {
		npmRun(t, n.npm, n.dir, "exec", "--", "tsc", "-p", ".")
	}
	n.args = startArgs(t, n.dir)
}

func (n *nodeStarter) start(t *testing.T, env ...string) *running {
	cmd := exec.Command(n.node, n.args...)
	cmd.Dir = n.dir
	return startCmd(t, cmd, n.protocol, env...)
}

func (n *nodeStarter) regenerate(t *testing.T, sets ...string) {
	regenerate(t, n.dir, sets...)
	n.build(t)
}

// requireTool finds a program in PATH: the test is skipped without it
// locally and fails under CI.
func requireTool(t testing.TB, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		testtool.Missing(t, name+" is not in PATH: install Node.js 20 or later")
	}
	return p
}

func npmRun(t testing.TB, npm, dir string, args ...string) {
	t.Helper()
	if out, err := nodefixture.NPM(npm, dir, args...); err != nil {
		t.Fatalf("npm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// initNodeService runs `obsgen init` in the service's folder as a user
// would: it detects Node, the framework, TypeScript and the module type
// from package.json, installs the pinned packages and edits the start
// script.
func initNodeService(t testing.TB, dir, name, protocol string) {
	t.Setenv("npm_config_prefer_offline", "true")
	var out, errOut bytes.Buffer
	code := cli.Main([]string{"init", "--no-prompt", "--dir", dir, "--service-name", name,
		"--otlp-protocol", protocol, "--slo-latency-threshold", sloThreshold},
		cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	if code != 0 {
		t.Fatalf("obsgen init: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"detected language node", "running: npm install --save-exact", "running: npm pkg set"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("obsgen init did not say %q:\n%s", want, errOut.String())
		}
	}
}

// startArgs returns node's arguments from the start script obsgen wrote,
// after checking the pinned packages are exact versions.
func startArgs(t *testing.T, dir string) []string {
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"@opentelemetry/sdk-node", "pino", "@sentry/node"} {
		if v := pkg.Dependencies[want]; v == "" || strings.ContainsAny(v, "^~") {
			t.Errorf("package.json dependency %s = %q, want an exact version", want, v)
		}
	}
	args, err := nodefixture.StartArgs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return args
}

// checkTracerProvider: exactly one tracer provider, the SDK's, not
// Sentry's, and no duplicate registration of the global.
func checkTracerProvider(t *testing.T, r *running) {
	var tp struct{ Provider string }
	if resp, err := http.Get(r.base + "/debug/tracer-provider"); err != nil {
		t.Error(err)
	} else {
		_ = json.NewDecoder(resp.Body).Decode(&tp)
		resp.Body.Close()
	}
	if tp.Provider != "TracerProvider" {
		t.Errorf("the global tracer provider is %q, want the OpenTelemetry SDK's TracerProvider", tp.Provider)
	}
	if strings.Contains(r.logs.String(), "duplicate registration") {
		t.Error("a second tracer provider tried to register")
	}
}

// writeNodeService writes the fixture service into a fresh folder.
func writeNodeService(t testing.TB, name, framework, moduleType string, ts bool) string {
	dir := t.TempDir()
	if err := nodefixture.Write(dir, name, framework, moduleType, ts); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestNodeCloseWithGrace: a Fastify service that shuts down with
// close-with-grace (which calls process.exit(0) as soon as the app is
// closed) still sends the last span before it exits. The batch exporter
// waits a minute here, so only the shutdown's flush sends it.
func TestNodeCloseWithGrace(t *testing.T) {
	testtool.Slow(t, "installs and runs a Node service")
	node := requireTool(t, "node")
	npm := requireTool(t, "npm")
	dir := writeNodeService(t, "graceful", "fastify", "module", false)
	if err := nodefixture.AddCloseWithGrace(dir); err != nil {
		t.Fatal(err)
	}
	npmRun(t, npm, dir, "install", "--no-audit", "--no-fund", "--prefer-offline")
	initNodeService(t, dir, "svc-graceful", "http")
	ns := &nodeStarter{node: node, npm: npm, dir: dir, protocol: "http"}
	ns.build(t)
	r := ns.start(t, "OTEL_BSP_SCHEDULE_DELAY=60000")
	traceID := randomHex(16)
	if code := get(t, r.base+"/hello/last", traceID).StatusCode; code != http.StatusOK {
		t.Fatalf("GET /hello/last: %d", code)
	}
	took, err := r.stopAndWait(t, 30*time.Second)
	if err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0", err)
	}
	t.Logf("SIGTERM to exit: %s", took.Round(time.Millisecond))
	if _, ok := r.traces.find(func(s span) bool { return s.traceID == traceID }); !ok {
		t.Error("the last request's span was not sent before the exit")
	}
}
