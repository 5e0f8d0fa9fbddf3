package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/prometheus/common/model"

	"github.com/obsgen/obsgen/generators/compose"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// envExampleKeys returns the variables observability.env.example lists, failing on any
// that carries a value: the example must hold no secret.
func envExampleKeys(t *testing.T, data []byte) []string {
	t.Helper()
	var keys []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || v != "" {
			t.Errorf("observability.env.example line %q: want KEY= with no value", line)
		}
		keys = append(keys, k)
	}
	return keys
}

// loadStack loads the compose file in dir with the official loader, with
// every observability.env.example variable set, exactly as `docker compose` would.
func loadStack(t *testing.T, dir string, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(dir, compose.FileName)},
		cli.WithWorkingDirectory(dir),
		cli.WithEnv(env),
		cli.WithResolvedPaths(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

var varRef = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)`)

// TestComposeLoads loads every golden compose file with compose-go (the
// loader inside `docker compose`) and checks what the loader does not: a
// healthcheck on every container, pinned images, ports on loopback only,
// bind mounts that exist in the generated tree, and every variable and
// secret listed in observability.env.example with no value.
func TestComposeLoads(t *testing.T) {
	n := 0
	for _, sc := range scenarios(t) {
		data, ok := sc.Files[compose.FileName]
		if !ok {
			continue
		}
		n++
		t.Run(sc.Name, func(t *testing.T) {
			dir := tree(t, sc)
			keys := envExampleKeys(t, sc.Files[compose.EnvExample])
			var env []string
			for _, k := range keys {
				env = append(env, k+"=value-of-"+k)
			}
			for _, m := range varRef.FindAllStringSubmatch(string(data), -1) {
				if !contains(keys, m[1]) {
					t.Errorf("compose file reads ${%s}, which observability.env.example does not list", m[1])
				}
			}
			p, err := loadStack(t, dir, env)
			if err != nil {
				t.Fatalf("compose-go: %v", err)
			}
			checkProject(t, sc.Name, dir, p, keys)
			ms := members(t, sc)
			var peers []string
			for _, m := range ms {
				peers = append(peers, m.Spec.Service.Name)
			}
			for _, m := range ms {
				for _, problem := range productionProblems(m.Spec, p, peers...) {
					t.Errorf("%s: %s", sc.Name, problem)
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("no compose file in any golden scenario")
	}

	// A service that depends on one that does not exist is rejected.
	sc := scenarios(t)[0]
	dir := tree(t, sc)
	bad := strings.Replace(string(sc.Files[compose.FileName]), "    depends_on:\n", "    depends_on:\n      nonexistent:\n        condition: service_healthy\n", 1)
	writeFile(t, filepath.Join(dir, compose.FileName), []byte(bad))
	if _, err := loadStack(t, dir, []string{"GRAFANA_ADMIN_PASSWORD=x"}); err == nil {
		t.Error("compose-go accepted a dependency on an undefined service")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var pinned = regexp.MustCompile(`^[a-z0-9./-]+:[A-Za-z0-9._-]+$`)

func checkProject(t *testing.T, name, dir string, p *types.Project, envKeys []string) {
	t.Helper()
	names := p.ServiceNames()
	sort.Strings(names)
	for _, sn := range names {
		s := p.Services[sn]
		hc := s.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] == "NONE" {
			t.Errorf("%s: service %s has no healthcheck", name, sn)
		}
		switch {
		case s.Image != "" && s.Build == nil:
			if !pinned.MatchString(s.Image) || strings.HasSuffix(s.Image, ":latest") {
				t.Errorf("%s: service %s image %q is not pinned to a version", name, sn, s.Image)
			}
		case s.Build != nil && s.Build.DockerfileInline != "":
			for _, l := range strings.Split(s.Build.DockerfileInline, "\n") {
				if f := strings.Fields(l); len(f) >= 2 && f[0] == "FROM" && !pinned.MatchString(f[1]) {
					t.Errorf("%s: service %s builds FROM unpinned %q", name, sn, f[1])
				}
			}
		case s.Build != nil:
			// The service itself, from the repo's Dockerfile.
			if _, err := os.Stat(filepath.Join(s.Build.Context, s.Build.Dockerfile)); err != nil {
				t.Errorf("%s: service %s: %v", name, sn, err)
			}
		default:
			t.Errorf("%s: service %s has neither image nor build", name, sn)
		}
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s: service %s publishes port %d on %q: bind it to 127.0.0.1", name, sn, port.Target, port.HostIP)
			}
		}
		for _, v := range s.Volumes {
			switch v.Type {
			case types.VolumeTypeVolume:
				if _, ok := p.Volumes[v.Source]; !ok {
					t.Errorf("%s: service %s mounts undeclared volume %s", name, sn, v.Source)
				}
			case types.VolumeTypeBind:
				rel, err := filepath.Rel(dir, v.Source)
				if err != nil || strings.HasPrefix(rel, "..") {
					continue // a host path (container logs, a log folder)
				}
				if !v.ReadOnly {
					t.Errorf("%s: service %s mounts %s writable: generated config is read-only", name, sn, rel)
				}
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s: service %s mounts %s, which obsgen does not generate", name, sn, rel)
				}
			}
		}
		for _, ref := range s.Secrets {
			sec, ok := p.Secrets[ref.Source]
			if !ok {
				t.Errorf("%s: service %s uses undeclared secret %s", name, sn, ref.Source)
				continue
			}
			if sec.Environment == "" || !contains(envKeys, sec.Environment) {
				t.Errorf("%s: secret %s must come from a variable listed in observability.env.example, not %+v", name, ref.Source, sec)
			}
		}
	}
	if _, ok := p.Services["grafana"]; ok {
		g := p.Services["grafana"].Environment
		if v := g["GF_AUTH_ANONYMOUS_ENABLED"]; v == nil || *v != "false" {
			t.Errorf("%s: grafana must have anonymous access off", name)
		}
		if _, ok := g["GF_SECURITY_ADMIN_PASSWORD"]; ok {
			t.Errorf("%s: grafana's admin password must come from a secret file, not the environment", name)
		}
	}
}

// telemetry are the stack's containers besides the service and Grafana.
var telemetry = []string{stack.Collector, stack.Loki, stack.Jaeger, stack.Tempo, stack.Prometheus, stack.Alertmanager}

// goServers are the containers whose memory limit Go must know.
var goServers = []string{stack.Collector, stack.Loki, stack.Jaeger, stack.Tempo, stack.Prometheus}

// productionProblems lists what in a loaded compose project would lose data
// or availability in production: Prometheus keeping less than the SLO
// window, the service waiting on telemetry, startup chains through
// Alertmanager, Go servers without a memory limit or GOMEMLIMIT, unrotated
// logs, capabilities, writable roots, and a stop grace period shorter than
// the service's drain and flush.
func productionProblems(s spec.Spec, p *types.Project, peers ...string) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	window := time.Duration(s.SLO.Window)
	if prom, ok := p.Services[stack.Prometheus]; ok {
		var keep time.Duration
		var size string
		for _, arg := range prom.Command {
			if v, ok := strings.CutPrefix(arg, "--storage.tsdb.retention.time="); ok {
				d, err := model.ParseDuration(v)
				if err != nil {
					add("prometheus retention %q: %v", v, err)
				}
				keep = time.Duration(d)
			}
			if v, ok := strings.CutPrefix(arg, "--storage.tsdb.retention.size="); ok {
				size = v
			}
		}
		if keep < window+7*24*time.Hour {
			add("prometheus keeps %s of samples, less than the %s SLO window plus a week", keep, model.Duration(window))
		}
		if size == "" {
			add("prometheus has no retention size: a burst of series can fill the disk")
		}
	}
	app, ok := p.Services[s.Service.Name]
	if !ok {
		add("no service %s", s.Service.Name)
	} else {
		for dep := range app.DependsOn {
			add("service %s depends on %s: it must start without any telemetry container", s.Service.Name, dep)
		}
		if app.StopGracePeriod == nil || time.Duration(*app.StopGracePeriod) < stack.ServiceStopGrace {
			add("service %s: stop_grace_period %v is shorter than its drain and flush (%s)", s.Service.Name, app.StopGracePeriod, stack.ServiceStopGrace)
		}
	}
	for _, name := range telemetry {
		sv, ok := p.Services[name]
		if !ok {
			continue
		}
		if dep, ok := sv.DependsOn[stack.Alertmanager]; ok {
			add("%s waits for alertmanager (%s): a notifier outage must not stop ingestion", name, dep.Condition)
		}
	}
	for _, name := range goServers {
		sv, ok := p.Services[name]
		if !ok {
			continue
		}
		limit := int64(sv.MemLimit)
		if limit <= 0 && sv.Deploy != nil && sv.Deploy.Resources.Limits != nil {
			limit = int64(sv.Deploy.Resources.Limits.MemoryBytes)
		}
		if limit <= 0 {
			add("%s has no memory limit", name)
			continue
		}
		v := sv.Environment["GOMEMLIMIT"]
		if v == nil {
			add("%s has no GOMEMLIMIT: Go does not know its %d MiB limit", name, limit>>20)
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(*v, "MiB"), 10, 64)
		if err != nil || !strings.HasSuffix(*v, "MiB") || n<<20 >= limit || n<<20 < limit/2 {
			add("%s: GOMEMLIMIT=%s must be between half and all of the %d MiB limit", name, *v, limit>>20)
		}
	}
	for _, name := range p.ServiceNames() {
		sv := p.Services[name]
		if sv.Logging == nil || sv.Logging.Driver != "json-file" || sv.Logging.Options["max-size"] == "" || sv.Logging.Options["max-file"] == "" {
			add("%s: logs are not rotated (json-file with max-size and max-file)", name)
		}
		if !slices.Contains(sv.CapDrop, "ALL") {
			add("%s keeps its default capabilities: cap_drop ALL", name)
		}
		if !slices.Contains(sv.SecurityOpt, "no-new-privileges:true") {
			add("%s: security_opt no-new-privileges:true is missing", name)
		}
		if !sv.ReadOnly && name != stack.Grafana {
			add("%s: the root filesystem is writable (read_only)", name)
		}
	}
	// The service reaches the collector and is reached by Prometheus and
	// the blackbox exporter; nothing else of the stack is on its networks.
	if app, ok := p.Services[s.Service.Name]; ok {
		for name, sv := range p.Services {
			if name == s.Service.Name {
				continue
			}
			shared := false
			for n := range sv.Networks {
				if _, ok := app.Networks[n]; ok {
					shared = true
				}
			}
			// The blackbox exporter probes the service: it reaches no
			// more from there than the service itself does. The other
			// services of its repository call each other.
			reach := name == stack.Collector || name == stack.Prometheus || name == stack.Blackbox || slices.Contains(peers, name)
			switch {
			case shared && !reach:
				add("service %s shares a network with %s: it can reach its API", s.Service.Name, name)
			case !shared && reach:
				add("service %s shares no network with %s, which it must reach or be scraped by", s.Service.Name, name)
			}
		}
	}
	return out
}

// The production check rejects each kind of mistake it looks for.
func TestProductionProblemsRejects(t *testing.T) {
	sc := scenarios(t)[0]
	s, err := sc.Spec()
	if err != nil {
		t.Fatal(err)
	}
	orig := string(sc.Files[compose.FileName])
	cases := []struct{ name, from, to, want string }{
		{"15 days of retention", "--storage.tsdb.retention.time=", "--storage.tsdb.retention.time=15d\n      - --x=", "less than the"},
		{"service waits for the collector", "    stop_grace_period: 30s\n", "    stop_grace_period: 30s\n    depends_on:\n      otel-collector:\n        condition: service_healthy\n", "must start without"},
		{"short stop grace", "stop_grace_period: 30s", "stop_grace_period: 10s", "shorter than its drain"},
		{"no GOMEMLIMIT", "GOMEMLIMIT:", "X_GOMEMLIMIT:", "no GOMEMLIMIT"},
		{"writable root", "read_only: true", "read_only: false", "writable"},
		// The service's own networks: other services are on app too, and
		// the service's block is wherever its name sorts.
		{"service on the telemetry network", "  " + s.Service.Name + ":\n", "", "can reach its API"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(orig, c.from) {
				t.Fatalf("compose file lacks %q; update the test", c.from)
			}
			broken := strings.Replace(orig, c.from, c.to, 1)
			if c.to == "" {
				// Edit the first "- app" of the block c.from starts.
				head, block, _ := strings.Cut(orig, c.from)
				block = strings.Replace(block, "      - app\n", "      - app\n      - telemetry\n", 1)
				broken = head + c.from + block
			}
			dir := tree(t, sc)
			writeFile(t, filepath.Join(dir, compose.FileName), []byte(broken))
			p, err := loadStack(t, dir, []string{"GRAFANA_ADMIN_PASSWORD=x", "SENTRY_DSN="})
			if err != nil {
				t.Fatalf("compose-go: %v", err)
			}
			problems := strings.Join(productionProblems(s, p), "\n")
			if !strings.Contains(problems, c.want) {
				t.Errorf("broken compose file not rejected with %q; problems:\n%s", c.want, problems)
			}
		})
	}
}

// dockerIgnoreProblems reads a .dockerignore with the parser and matcher
// docker and BuildKit use, and lists secrets or config it lets into the
// build context and sources it keeps out.
func dockerIgnoreProblems(s spec.Spec, data []byte) []string {
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return []string{err.Error()}
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	secret := []string{".env", ".env.production", "prod.env", ".git/config", ".obsgen/state.json",
		s.Output.ConfigDir + "/alertmanager/alertmanager.yml", s.Output.ConfigDir + "/grafana/dashboards/" + s.Service.Name + ".json"}
	source := []string{"go.mod", "go.sum", "cmd/" + s.Service.Name + "/main.go", s.Output.CodeDir + "/logger.go", compose.Dockerfile}
	for _, p := range secret {
		if ok, _ := pm.MatchesOrParentMatches(p); !ok {
			out = append(out, p+" reaches the build context")
		}
	}
	for _, p := range source {
		if ok, _ := pm.MatchesOrParentMatches(p); ok {
			out = append(out, p+" is kept out of the build context, which needs it")
		}
	}
	return out
}

func TestDockerIgnore(t *testing.T) {
	n := 0
	for _, sc := range scenarios(t) {
		for _, m := range members(t, sc) {
			data, ok := sc.Files[path.Join(m.Dir, compose.DockerIgnore)]
			if !ok {
				continue
			}
			n++
			for _, p := range dockerIgnoreProblems(m.Spec, data) {
				t.Errorf("%s: %s: %s", sc.Name, m.Spec.Service.Name, p)
			}
		}
	}
	if n == 0 {
		t.Fatal("no .dockerignore in any golden scenario")
	}
	s := spec.New()
	s.Service.Name = "checkout"
	for _, broken := range []string{".git\nobservability/\n.obsgen/\n", ".env\n*.env\n.git\n.obsgen/\n", "*\n"} {
		if len(dockerIgnoreProblems(s, []byte(broken))) == 0 {
			t.Errorf("a .dockerignore of %q passed", broken)
		}
	}
}
