// Package compose generates the local observability stack: a docker compose
// file that runs the service with Prometheus, Alertmanager, Grafana, Loki,
// the trace backend and the collector, the observability.env.example listing every
// secret it reads, and (once) a Dockerfile for the service.
package compose

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/alertmanager"
	"github.com/obsgen/obsgen/generators/grafana"
	"github.com/obsgen/obsgen/generators/loki"
	"github.com/obsgen/obsgen/generators/otelcol"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/generators/tracing"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes docker-compose.observability.yml, observability.env.example, the
// Dockerfile and .dockerignore.
var Generator = generators.Generator{
	Name:     "compose",
	Doc:      "Local stack: docker compose file, observability.env.example, service Dockerfile",
	Generate: generate,
	Stack:    stackFiles,
}

// File names at the repo root.
const (
	FileName = stack.ComposeFile
	// EnvExample is named after EnvFile: .env.example, like .env, is
	// often the service's own.
	EnvExample = stack.ComposeEnvFile + ".example"
	// EnvFile is the stack's own env file, passed with --env-file, so a
	// service's .env is never overwritten.
	EnvFile    = stack.ComposeEnvFile
	Dockerfile = "Dockerfile"
	// DockerIgnore keeps secrets and the stack's config out of the image
	// build context.
	DockerIgnore = ".dockerignore"
)

// dockerIgnore lists what must never reach the image build: env files
// (they hold the stack's secrets), the repository's history, the
// observability config (the image does not read it) and obsgen's state.
func dockerIgnore(s spec.Spec) []byte {
	return []byte("# Generated once by obsgen; yours to extend. Keeps secrets and the observability\n" +
		"# config out of the Docker build context of " + s.Service.Name + ".\n" +
		".env\n.env.*\n*.env\n.git\n" + strings.TrimSuffix(s.Output.ConfigDir, "/") + "/\n.obsgen/\n")
}

// Secret is a value the stack needs that must never be written to a file:
// the user puts it in observability.env (from observability.env.example),
// compose passes it on.
type Secret struct {
	// Env is the environment variable (and .env key) holding the value.
	Env string
	// Name is the compose secret mounted at /run/secrets/<Name>; empty for
	// a plain environment variable of the service.
	Name string
	// Help says what the value is and where to get it.
	Help string
	// Required secrets make `docker compose up` fail fast when unset.
	Required bool
}

// alertmanagerSecrets lists the Alertmanager receiver's secrets, which
// Alertmanager reads from /run/secrets/<Name> (its *_file settings).
func alertmanagerSecrets(p spec.Project) []Secret {
	s := p.Stack()
	var out []Secret
	for _, sec := range alertmanager.ProjectSecrets(p) {
		out = append(out, Secret{Env: sec.Env, Name: sec.Name, Help: sec.Description, Required: true})
	}
	if sec, ok := alertmanager.HeartbeatSecret(s); ok {
		out = append(out, Secret{Env: sec.Env, Name: sec.Name, Help: sec.Description, Required: true})
	}
	return out
}

// GrafanaPasswordSecret is the Grafana admin password.
var GrafanaPasswordSecret = Secret{
	Env: "GRAFANA_ADMIN_PASSWORD", Name: "grafana_admin_password", Required: true,
	Help: "Password of Grafana's admin user (http://localhost:3000). Pick a strong one; anonymous access is off.",
}

// Secrets returns every secret of the stack of p, in EnvExample order.
func Secrets(p spec.Project) []Secret {
	out := []Secret{GrafanaPasswordSecret}
	for _, s := range p.Specs() {
		if s.Sentry.Enabled {
			out = append(out, Secret{
				Env:  sentryVar(s),
				Help: "Sentry DSN of " + s.Service.Name + " (Sentry → Project settings → Client keys). Empty: Sentry stays off.",
			})
		}
	}
	return append(out, alertmanagerSecrets(p)...)
}

// sentryVar is the variable compose reads the service's DSN from: its
// own name with several services (each its own Sentry project), passed
// to the service as the variable it reads.
func sentryVar(s spec.Spec) string {
	if s.Listed {
		return strings.ToUpper(strings.ReplaceAll(s.Service.Name, "-", "_")) + "_" + s.Sentry.DSNEnv
	}
	return s.Sentry.DSNEnv
}

// Compose file model: only the keys obsgen writes, in the order a reader
// expects them.
type file struct {
	Name     string                   `yaml:"name"`
	Services map[string]service       `yaml:"services"`
	Networks map[string]struct{}      `yaml:"networks"`
	Volumes  map[string]struct{}      `yaml:"volumes,omitempty"`
	Secrets  map[string]composeSecret `yaml:"secrets,omitempty"`
}

// The stack's two networks. The service is on the app network only, with
// the two containers it must meet: the collector (it sends spans there)
// and Prometheus (it scrapes the service). Loki, the trace backend,
// Alertmanager and Grafana are on the telemetry network only, out of the
// service's reach: a compromised service cannot silence alerts or read logs.
const (
	netApp       = "app"
	netTelemetry = "telemetry"
)

// networksOf says which networks a container of the stack joins.
func networksOf(name string, services map[string]bool) []string {
	switch {
	case services[name], name == stack.Blackbox:
		// The blackbox exporter probes the services (and public URLs),
		// never the telemetry containers.
		return []string{netApp}
	case name == stack.Collector, name == stack.Prometheus:
		return []string{netApp, netTelemetry}
	}
	return []string{netTelemetry}
}

type service struct {
	Image       string               `yaml:"image,omitempty"`
	Build       *build               `yaml:"build,omitempty"`
	User        string               `yaml:"user,omitempty"`
	Command     []string             `yaml:"command,omitempty"`
	Labels      map[string]string    `yaml:"labels,omitempty"`
	Environment map[string]string    `yaml:"environment,omitempty"`
	Secrets     []string             `yaml:"secrets,omitempty"`
	Ports       []string             `yaml:"ports,omitempty"`
	Volumes     []string             `yaml:"volumes,omitempty"`
	DependsOn   map[string]dependsOn `yaml:"depends_on,omitempty"`
	Healthcheck healthcheck          `yaml:"healthcheck"`
	Logging     *logging             `yaml:"logging,omitempty"`
	Restart     string               `yaml:"restart"`
	MemLimit    string               `yaml:"mem_limit,omitempty"`
	ReadOnly    bool                 `yaml:"read_only,omitempty"`
	Tmpfs       []string             `yaml:"tmpfs,omitempty"`
	CapDrop     []string             `yaml:"cap_drop,omitempty"`
	CapAdd      []string             `yaml:"cap_add,omitempty"`
	SecurityOpt []string             `yaml:"security_opt,omitempty"`
	Networks    []string             `yaml:"networks,omitempty"`
	StopGrace   string               `yaml:"stop_grace_period,omitempty"`
}

// rotated is the json-file logging every container gets: the collector
// reads the service's, and rotation bounds the disk of all of them.
func rotated() *logging {
	return &logging{Driver: "json-file", Options: map[string]string{"max-size": "10m", "max-file": "3"}}
}

// hardened applies what every container gets: rotated logs, no
// capabilities, no privilege gain through setuid binaries.
func hardened(sv service) service {
	sv.Logging = rotated()
	sv.CapDrop = []string{"ALL"}
	sv.SecurityOpt = []string{"no-new-privileges:true"}
	return sv
}

// readOnly makes the root filesystem read-only for images that write only
// to their volume, with a small /tmp.
func readOnly(sv service) service {
	sv.ReadOnly = true
	sv.Tmpfs = []string{"/tmp:size=64m"}
	return sv
}

// limited sets a Go server's memory limit and its GOMEMLIMIT.
func limited(sv service, bytes int64) service {
	sv.MemLimit = fmt.Sprintf("%dm", bytes>>20)
	if sv.Environment == nil {
		sv.Environment = map[string]string{}
	}
	sv.Environment["GOMEMLIMIT"] = fmt.Sprintf("%dMiB", int64(float64(bytes)*stack.MemoryLimitShare)>>20)
	return sv
}

type build struct {
	Context          string            `yaml:"context,omitempty"`
	Dockerfile       string            `yaml:"dockerfile,omitempty"`
	DockerfileInline string            `yaml:"dockerfile_inline,omitempty"`
	Args             map[string]string `yaml:"args,omitempty"`
}

type dependsOn struct {
	Condition string `yaml:"condition"`
}

type healthcheck struct {
	Test        []string `yaml:"test"`
	Interval    string   `yaml:"interval"`
	Timeout     string   `yaml:"timeout"`
	Retries     int      `yaml:"retries"`
	StartPeriod string   `yaml:"start_period"`
}

type logging struct {
	Driver  string            `yaml:"driver"`
	Options map[string]string `yaml:"options"`
}

type composeSecret struct {
	Environment string `yaml:"environment"`
}

func probe(test ...string) healthcheck {
	return healthcheck{Test: append([]string{"CMD"}, test...), Interval: "10s", Timeout: "5s", Retries: 5, StartPeriod: "20s"}
}

// wget probes an HTTP endpoint with the image's own (busybox) wget.
func wget(url string) healthcheck { return probe("wget", "-q", "--spider", url) }

// withBusybox builds image with a static busybox copied in, for images that
// ship no shell or HTTP client, so a healthcheck can run wget.
func withBusybox(image string) *build {
	return &build{DockerfileInline: fmt.Sprintf("FROM %s AS busybox\nFROM %s\nCOPY --from=busybox /bin/busybox /busybox\n", stack.ImageBusybox, image)}
}

func local(port int) string { return fmt.Sprintf("127.0.0.1:%d:%d", port, port) }

// bind mounts a path of the repo (relative to the compose file) read-only.
func bind(repoPath, target string) string { return "./" + repoPath + ":" + target + ":ro" }

func started(names ...string) map[string]dependsOn {
	m := map[string]dependsOn{}
	for _, n := range names {
		m[n] = dependsOn{Condition: "service_started"}
	}
	return m
}

func healthy(names ...string) map[string]dependsOn {
	m := map[string]dependsOn{}
	for _, n := range names {
		m[n] = dependsOn{Condition: "service_healthy"}
	}
	return m
}

// Stack returns the compose file of p as YAML.
func Stack(p spec.Project) ([]byte, error) {
	s := p.Stack()
	cfg := s.Output.ConfigDir
	name := s.Service.Name + "-observability"
	if p.Listed {
		name = p.Name
	}
	f := file{
		Name:     name,
		Services: map[string]service{},
		Volumes:  map[string]struct{}{},
		Secrets:  map[string]composeSecret{},
	}
	for _, sec := range Secrets(p) {
		if sec.Name != "" {
			f.Secrets[sec.Name] = composeSecret{Environment: sec.Env}
		}
	}
	apps := map[string]bool{}
	for _, m := range p.Services {
		f.Services[m.Spec.Service.Name] = app(m)
		apps[m.Spec.Service.Name] = true
	}

	// The collector: traces in, the service's logs out to Loki.
	colDeps := []string{stack.Loki}
	colVolumes := []string{
		bind(otelcol.ConfigPath(s), "/etc/otelcol-contrib/config.yml"),
		"otelcol-storage:/var/lib/otelcol/file_storage",
	}
	col := service{
		Build:       withBusybox(stack.ImageCollector),
		Command:     []string{"--config=/etc/otelcol-contrib/config.yml"},
		Healthcheck: probe("/busybox", "wget", "-q", "--spider", fmt.Sprintf("http://127.0.0.1:%d/", stack.CollectorHealthPort)),
		Restart:     "unless-stopped",
	}
	// Each service's log file's folder, or Docker's container logs.
	mounted := map[string]bool{}
	for _, m := range p.Specs() {
		dir := stack.LogDir(m)
		if dir == "" {
			// Docker keeps container logs readable by root only.
			col.User = "0:0"
			dir = "/var/lib/docker/containers"
		}
		if !mounted[dir] {
			mounted[dir] = true
			colVolumes = append(colVolumes, dir+":"+dir+":ro")
		}
	}
	if s.Tracing.Enabled {
		// Reachable from the host too, for a service run with `go run`.
		col.Ports = []string{local(stack.CollectorGRPCPort), local(stack.CollectorHTTPPort)}
		host, _ := stack.TraceBackend(s)
		colDeps = append(colDeps, host)
	}
	col.Volumes = colVolumes
	// Started, not healthy: the collector queues on disk and retries until
	// Loki and the trace backend answer.
	col.DependsOn = started(colDeps...)
	col = readOnly(limited(hardened(col), stack.MemoryCollector))
	if col.User == "0:0" {
		// Root without capabilities cannot write the storage volume the
		// image's user owns.
		col.CapAdd = []string{"DAC_OVERRIDE"}
	}
	f.Services[stack.Collector] = col
	f.Volumes["otelcol-storage"] = struct{}{}

	f.Services[stack.Loki] = readOnly(limited(hardened(service{
		Image:   stack.ImageLoki,
		Command: []string{"-config.file=/etc/loki/loki.yml"},
		Ports:   []string{local(stack.LokiPort)},
		Volumes: []string{
			bind(loki.ConfigPath(s), "/etc/loki/loki.yml"),
			bind(loki.RulesDir(s), "/etc/loki/rules"),
			"loki-data:/loki",
		},
		// The image has no shell; loki -health probes /ready.
		Healthcheck: probe("/usr/bin/loki", "-health"),
		Restart:     "unless-stopped",
	}), stack.MemoryLoki))
	f.Volumes["loki-data"] = struct{}{}

	if s.Tracing.Enabled {
		if s.Tracing.Backend == "tempo" {
			f.Services[stack.Tempo] = readOnly(limited(hardened(service{
				Build:       withBusybox(stack.ImageTempo),
				Command:     []string{"-config.file=/etc/tempo/tempo.yml"},
				Ports:       []string{local(stack.TempoPort)},
				Volumes:     []string{bind(tracing.ConfigPath(s), "/etc/tempo/tempo.yml"), "tempo-data:/var/tempo"},
				Healthcheck: probe("/busybox", "wget", "-q", "--spider", fmt.Sprintf("http://127.0.0.1:%d/ready", stack.TempoPort)),
				Restart:     "unless-stopped",
			}), stack.MemoryTraces))
			f.Volumes["tempo-data"] = struct{}{}
		} else {
			f.Services[stack.Jaeger] = readOnly(limited(hardened(service{
				Image:       stack.ImageJaeger,
				Command:     []string{"--config=/etc/jaeger/config.yml"},
				Ports:       []string{local(stack.JaegerUIPort)},
				Volumes:     []string{bind(tracing.ConfigPath(s), "/etc/jaeger/config.yml")},
				Healthcheck: wget(fmt.Sprintf("http://127.0.0.1:%d/status", stack.JaegerHealthPort)),
				Restart:     "unless-stopped",
			}), stack.MemoryTraces))
		}
	}

	window := time.Duration(s.SLO.Window)
	f.Services[stack.Prometheus] = readOnly(limited(hardened(service{
		Image: stack.ImagePrometheus,
		Command: []string{
			"--config.file=/etc/prometheus/prometheus.yml",
			"--storage.tsdb.path=/prometheus",
			// The SLO window's records read this far back.
			"--storage.tsdb.retention.time=" + slo.Dur(stack.PrometheusRetention(window)),
			fmt.Sprintf("--storage.tsdb.retention.size=%dMB", stack.PrometheusRetentionSize(window)>>20),
			// Keeps the exemplars (trace IDs) the service exposes in
			// OpenMetrics, so latency panels link to traces.
			"--enable-feature=exemplar-storage",
			// Where responders reach it: alerts' source links point there,
			// not at the container ID. Routes stay at / (a proxy in front
			// strips a path prefix), so healthchecks and Grafana's
			// datasource keep working.
			"--web.external-url=" + s.Alerts.PrometheusURL,
			"--web.route-prefix=/",
		},
		Ports:       []string{local(stack.PrometheusPort)},
		Volumes:     []string{bind(path.Join(cfg, "prometheus"), "/etc/prometheus"), "prometheus-data:/prometheus"},
		Healthcheck: wget(fmt.Sprintf("http://127.0.0.1:%d/-/ready", stack.PrometheusPort)),
		Restart:     "unless-stopped",
	}), stack.MemoryPrometheus))
	f.Volumes["prometheus-data"] = struct{}{}

	am := service{
		Image: stack.ImageAlertmanager,
		Command: []string{"--config.file=/etc/alertmanager/" + path.Base(alertmanager.Path(s)), "--storage.path=/alertmanager",
			// Silence and alert links in notifications point there.
			"--web.external-url=" + s.Alerts.AlertmanagerURL, "--web.route-prefix=/"},
		Ports:       []string{local(stack.AlertmanagerPort)},
		Volumes:     []string{bind(path.Dir(alertmanager.Path(s)), "/etc/alertmanager"), "alertmanager-data:/alertmanager"},
		Healthcheck: wget(fmt.Sprintf("http://127.0.0.1:%d/-/ready", stack.AlertmanagerPort)),
		Restart:     "unless-stopped",
	}
	for _, sec := range alertmanagerSecrets(p) {
		am.Secrets = append(am.Secrets, sec.Name)
	}
	f.Services[stack.Alertmanager] = readOnly(hardened(am))
	f.Volumes["alertmanager-data"] = struct{}{}

	grafanaDeps := []string{stack.Prometheus, stack.Loki}
	if s.Tracing.Enabled {
		host, _ := stack.TraceBackend(s)
		grafanaDeps = append(grafanaDeps, host)
	}
	// Grafana writes to several places besides its volume: its root stays
	// writable.
	f.Services[stack.Grafana] = hardened(service{
		Image: stack.ImageGrafana,
		Environment: map[string]string{
			"GF_SECURITY_ADMIN_USER":           "admin",
			"GF_SECURITY_ADMIN_PASSWORD__FILE": "/run/secrets/" + GrafanaPasswordSecret.Name,
			"GF_AUTH_ANONYMOUS_ENABLED":        "false",
			"GF_USERS_ALLOW_SIGN_UP":           "false",
			"GF_ANALYTICS_REPORTING_ENABLED":   "false",
		},
		Secrets: []string{GrafanaPasswordSecret.Name},
		Ports:   []string{local(stack.GrafanaPort)},
		Volumes: []string{
			bind(path.Join(cfg, grafana.Dir, "provisioning"), grafana.ProvisioningMount),
			bind(path.Join(cfg, grafana.Dir, "dashboards"), grafana.DashboardsMount),
			"grafana-data:/var/lib/grafana",
		},
		DependsOn:   healthy(grafanaDeps...),
		Healthcheck: wget(fmt.Sprintf("http://127.0.0.1:%d/api/health", stack.GrafanaPort)),
		Restart:     "unless-stopped",
	})
	f.Volumes["grafana-data"] = struct{}{}

	// Probes the service's health endpoint and public URLs from outside
	// its process; Prometheus scrapes the results (job blackbox).
	f.Services[stack.Blackbox] = readOnly(hardened(service{
		Image:       stack.ImageBlackbox,
		Command:     []string{"--config.file=/etc/blackbox/" + path.Base(prometheus.BlackboxPath(s))},
		Volumes:     []string{bind(path.Dir(prometheus.BlackboxPath(s)), "/etc/blackbox")},
		Healthcheck: wget(fmt.Sprintf("http://127.0.0.1:%d/-/healthy", stack.BlackboxPort)),
		Restart:     "unless-stopped",
	}))

	for name, sv := range f.Services {
		sv.Networks = networksOf(name, apps)
		f.Services[name] = sv
	}
	f.Networks = map[string]struct{}{netApp: {}, netTelemetry: {}}
	if len(f.Secrets) == 0 {
		f.Secrets = nil
	}
	intro := "# The local observability stack of " + s.Service.Name + ". Start it:\n" +
		"#   cp " + EnvExample + " " + EnvFile + "   # then fill in the values\n" +
		"#   " + stack.VersionEnv + "=$(git describe --always --dirty) " + stack.Compose + " up -d --build\n" +
		"# Grafana: http://localhost:" + strconv.Itoa(stack.GrafanaPort) + " (user admin). Every port is bound to 127.0.0.1 only.\n"
	return generators.YAML(intro, f)
}

// app is a service's container, built from its folder's Dockerfile.
func app(m spec.Member) service {
	s := m.Spec
	port := strconv.Itoa(s.Service.Port)
	env := map[string]string{}
	if s.Tracing.Enabled {
		otlpPort := stack.CollectorGRPCPort
		if s.Tracing.Protocol == "http" {
			otlpPort = stack.CollectorHTTPPort
		}
		env["OTEL_EXPORTER_OTLP_ENDPOINT"] = fmt.Sprintf("http://%s", stack.Addr(stack.Collector, otlpPort))
	}
	if s.Sentry.Enabled {
		// Empty when unset: the service then runs with Sentry off.
		env[s.Sentry.DSNEnv] = "${" + sentryVar(s) + ":-}"
	}
	// The version of what runs, for logs, traces, the Sentry release and
	// the dashboards' Deploys annotation: the Go Dockerfile stamps the
	// VERSION build arg into the binary, a Node service reads
	// SERVICE_VERSION. Unset, the build is "unknown".
	version := "${" + stack.VersionEnv + ":-}"
	env[stack.VersionEnv] = version
	sv := service{
		Build:       &build{Context: m.Dir, Dockerfile: Dockerfile, Args: map[string]string{"VERSION": version}},
		Environment: env,
		Ports:       []string{local(s.Service.Port)},
		// No depends_on: the service starts and serves without any
		// telemetry container; its exporters retry until they are up.
		Healthcheck: wget("http://127.0.0.1:" + port + contract.HealthReadinessPath),
		Restart:     "unless-stopped",
		StopGrace:   slo.Dur(stack.ServiceStopGrace),
	}
	sv = readOnly(hardened(sv))
	if stack.LogDir(s) == "" {
		// The collector keeps the lines that carry this label, whatever
		// service name the process logs (see stack.LogSourceLabel).
		sv.Labels = map[string]string{stack.LogSourceLabel: s.Service.Name}
		sv.Logging.Options["labels"] = stack.LogSourceLabel
	}
	return sv
}

// envExample lists every variable the stack reads, with no value.
func envExample(p spec.Project) []byte {
	var b strings.Builder
	b.WriteString("# Variables docker compose reads for " + FileName + ".\n")
	b.WriteString("# Copy to " + EnvFile + ", fill in, and never commit it: it holds secrets.\n")
	b.WriteString("# (Not .env: that file, like .env.example, is often the service's own.)\n")
	secrets := Secrets(p)
	sort.SliceStable(secrets, func(i, j int) bool { return secrets[i].Required && !secrets[j].Required })
	for _, sec := range secrets {
		b.WriteString("\n# " + sec.Help + "\n")
		if sec.Required {
			b.WriteString("# Required.\n")
		}
		b.WriteString(sec.Env + "=\n")
	}
	b.WriteString("\n# The service version the build stamps (logs, traces, Sentry release, the Deploys\n" +
		"# annotation). Best given per build, it wins over this file:\n" +
		"#   " + stack.VersionEnv + "=$(git describe --always --dirty) " + stack.Compose + " up -d --build\n" +
		stack.VersionEnv + "=\n")
	return []byte(b.String())
}

func generate(s spec.Spec) ([]generators.File, error) {
	docker, err := generators.RenderFile("compose/Dockerfile.tmpl", Dockerfile, generators.CreateOnce, dockerView{
		Port: s.Service.Port, MetricsPort: s.Metrics.Port, Service: s.Service.Name,
		Readiness: contract.HealthReadinessPath,
		MainDir:   mainDir(s),
		// The generated package's `var version`, set at link time.
		VersionSymbol: s.GoImportPath() + ".version",
		Own:           s.Found.MainDir != "",
		Cgo:           s.Found.Cgo,
	})
	if err != nil {
		return nil, err
	}
	docker.Kept = fmt.Sprintf("the stack builds it and expects the service on port %d, metrics on %d, and wget in the image for the healthcheck GET %s", s.Service.Port, s.Metrics.Port, contract.HealthReadinessPath)
	files := []generators.File{
		// Create-once like the Dockerfile: a project's own .dockerignore
		// is not replaced (docs/stack.md says what it must hold).
		{Path: DockerIgnore, Content: dockerIgnore(s), Mode: 0o644, Owner: generators.CreateOnce},
	}
	// A Node service's Dockerfile comes from the Node generator.
	if s.IsGo() {
		files = append(files, docker)
	}
	return files, nil
}

// stackFiles writes the compose file and its env example, for every
// service: every target builds the images, only compose runs the local
// stack (Kubernetes deploys the image with the chart).
func stackFiles(p spec.Project) ([]generators.File, error) {
	if !p.Stack().Deploy.Target.IsCompose() {
		return nil, nil
	}
	stackYAML, err := Stack(p)
	if err != nil {
		return nil, err
	}
	return []generators.File{
		{Path: FileName, Content: stackYAML, Mode: 0o644, Owner: generators.Owned},
		{Path: EnvExample, Content: envExample(p), Mode: 0o644, Owner: generators.Owned},
	}, nil
}

type dockerView struct {
	Port, MetricsPort  int
	Service, Readiness string
	MainDir            string
	VersionSymbol      string
	// Own: MainDir is the service's own main, not obsgen's example. Cgo:
	// its build needs cgo, so a libc (Debian) image instead of Alpine.
	Own, Cgo bool
}

// mainDir is the main package the image builds: the service's own, else
// where the Go generator puts the example main.
func mainDir(s spec.Spec) string {
	if s.Found.MainDir != "" {
		return s.Found.MainDir
	}
	return path.Join("cmd", s.Service.Name)
}
