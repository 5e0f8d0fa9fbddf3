// Package spec holds the typed answers obsgen generates from: one struct that
// the wizard, the command-line flags and the answers file all fill, with
// defaults applied in one place and validation that names the field and the fix.
package spec

import (
	"slices"
	"time"
)

// SchemaVersion is the version of the answers file format this obsgen reads.
const SchemaVersion = 1

// Spec is every answer obsgen needs. The YAML keys are the answers file.
type Spec struct {
	Version int `yaml:"version"`
	// ObsgenVersion records which obsgen last wrote the answers file.
	ObsgenVersion string  `yaml:"obsgen_version,omitempty"`
	Service       Service `yaml:"service"`
	Metrics       Metrics `yaml:"metrics"`
	Sentry        Sentry  `yaml:"sentry"`
	Tracing       Tracing `yaml:"tracing"`
	Logs          Logs    `yaml:"logs"`
	Edge          Edge    `yaml:"edge"`
	SLO           SLO     `yaml:"slo"`
	Alerts        Alerts  `yaml:"alerts"`
	Deploy        Deploy  `yaml:"deploy"`
	Output        Output  `yaml:"output"`
	// CI holds the answers about the project's own CI.
	CI CI `yaml:"ci,omitempty"`
	// Kubernetes is used only with deploy.target: kubernetes.
	Kubernetes Kubernetes `yaml:"kubernetes"`

	// Node holds the answers only a Node.js service has.
	Node Node `yaml:"node,omitempty"`

	// Dependencies are what the service calls (databases, caches, HTTP
	// APIs): instrumented, on the dashboard and alerted on.
	Dependencies Dependencies `yaml:"dependencies,omitempty"`

	// Found is what obsgen read in the service's code, not an answer: it
	// is never saved in the answers file.
	Found Found `yaml:"-"`

	// Listed: the service is one of an answers file's services. Its files
	// that would share a name with another's (runbooks) go in a folder of
	// its own, and the stack's own rules are generated once, for all.
	Listed bool `yaml:"-"`
}

// Found is what the analysis of an existing service's code found that the
// generators need (internal/analyze has the whole picture).
type Found struct {
	// MainDir is the service's own main package the Dockerfile builds
	// (not obsgen's example main), slash-separated and relative to the
	// repo; empty when the service has none. (Spec stays comparable: no
	// slices here.)
	MainDir string
	// Cgo says the build needs cgo (a libc image, CGO_ENABLED=1).
	Cgo bool
	// Logrus, Zap and Zerolog: the service logs with them, so the package
	// gets a bridge that makes them write its JSON lines. Gorm: the
	// service uses gorm, whose logger writes SQL to stdout; Echo: echo,
	// whose own logger writes gommon's JSON keys.
	Logrus, Zap, Zerolog, Gorm, Echo bool
}

// Service describes the instrumented service itself.
type Service struct {
	Name          string   `yaml:"name"`
	VersionSource string   `yaml:"version_source"`
	Language      Language `yaml:"language"`
	Framework     string   `yaml:"framework"`
	Module        string   `yaml:"module"`
	Port          int      `yaml:"port"`
	Environment   string   `yaml:"environment"`
	LogLevel      string   `yaml:"log_level"`
	// DrainDelay is how long the service keeps serving, already reported
	// not ready, after SIGTERM: load balancers need that long to stop
	// sending it new requests.
	DrainDelay Duration `yaml:"drain_delay"`
}

// Metrics says where the service exposes Prometheus metrics.
type Metrics struct {
	Path string `yaml:"path"`
	Port int    `yaml:"port"`
}

// Sentry configures error reporting. The DSN itself is a secret and is only
// ever read from the named environment variable at run time.
type Sentry struct {
	Enabled bool   `yaml:"enabled"`
	DSNEnv  string `yaml:"dsn_env"`
	// SampleRate is the share of error events sent (0 to 1).
	SampleRate float64 `yaml:"sample_rate"`
}

// Tracing configures OpenTelemetry trace export.
type Tracing struct {
	Enabled       bool    `yaml:"enabled"`
	Protocol      string  `yaml:"protocol"`
	Endpoint      string  `yaml:"endpoint"`
	SamplingRatio float64 `yaml:"sampling_ratio"`
	Backend       string  `yaml:"backend"`
}

// Logs says where the log shippers find the service's JSON log lines.
type Logs struct {
	// Path is the log file (a glob is allowed) the shippers tail on a plain
	// host. Empty means the compose stack's container log files.
	Path string `yaml:"path,omitempty"`
	// RedactKeys are attribute key words, comma-separated, whose values
	// the logger redacts on top of its built-in list (e.g. "tax_id,iban2").
	RedactKeys string `yaml:"redact_keys,omitempty"`
	// AccessLogPath adds the raw request path to the access log. The
	// route is always there; the path can hold user input (IDs, emails).
	AccessLogPath bool `yaml:"access_log_path"`
}

// Edge is how the service meets its clients: whether anyone on the
// internet can reach it directly, and the limits it enforces there.
type Edge struct {
	// InternetFacing: clients reach the service without a trusted gateway
	// in front, so their trace context, request ID and baggage are not
	// trusted.
	InternetFacing bool `yaml:"internet_facing"`
	// TLSInFront: TLS terminates in front of the service (load balancer,
	// ingress), so responses carry Strict-Transport-Security.
	TLSInFront bool `yaml:"tls_in_front"`
	// MaxBodyBytes bounds request bodies; larger ones get 413.
	MaxBodyBytes int `yaml:"max_body_bytes"`
	// RateLimit is requests per second allowed per client address; 0 is
	// no limit. Past it clients get 429 with Retry-After.
	RateLimit int `yaml:"rate_limit"`
	// TrustedProxyHops is how many proxies in front of the service append
	// to X-Forwarded-For; the client address is the one they saw.
	TrustedProxyHops int `yaml:"trusted_proxy_hops"`
}

// SLO holds the service level objectives the alert rules are built from.
// Objectives are percentages (99.9 means 99.9 %).
type SLO struct {
	Availability     float64  `yaml:"availability"`
	LatencyThreshold Duration `yaml:"latency_threshold"`
	LatencyObjective float64  `yaml:"latency_objective"`
	Window           Duration `yaml:"window"`
	// MinRequests is how many requests a burn-rate alert's long window must
	// hold before the alert may fire: below it, two failed requests are a
	// large ratio but no evidence of a burning budget.
	MinRequests int `yaml:"min_requests"`
}

// Alerts says where alerts are routed and where their links point. The
// receiver's credentials are secrets: Alertmanager reads them from files
// (compose secrets), never from its config.
type Alerts struct {
	Receiver string `yaml:"receiver"`
	// Email routing; only used with the email receiver.
	EmailTo       string `yaml:"email_to,omitempty"`
	EmailFrom     string `yaml:"email_from,omitempty"`
	SMTPSmarthost string `yaml:"smtp_smarthost,omitempty"`
	SMTPUsername  string `yaml:"smtp_username,omitempty"`
	// GrafanaURL is where responders open Grafana; alert annotations link
	// to the service's dashboard under it.
	GrafanaURL string `yaml:"grafana_url"`
	// PrometheusURL and AlertmanagerURL are where responders reach
	// Prometheus and Alertmanager (their --web.external-url in the compose
	// stack): the links in notifications (the alert's source, silences)
	// point there instead of at a container ID.
	PrometheusURL   string `yaml:"prometheus_url,omitempty"`
	AlertmanagerURL string `yaml:"alertmanager_url,omitempty"`
	// RunbookBaseURL is where the generated runbooks can be browsed (e.g.
	// the config folder in the repository's web view). Empty: alerts carry
	// the runbook's path in the repository instead of a URL.
	RunbookBaseURL string `yaml:"runbook_base_url,omitempty"`
	// Heartbeat routes the always-firing Watchdog alert to a dead man's
	// switch whose URL Alertmanager reads from a secret: when the
	// heartbeats stop, the switch's service tells someone that alerting
	// itself is down.
	Heartbeat bool `yaml:"heartbeat"`
	// ProbeURLs are public URLs of the service (comma-separated) the
	// blackbox exporter probes from outside, on top of the service's own
	// health endpoint, which it always probes.
	ProbeURLs string `yaml:"probe_urls,omitempty"`
	// ProbeRequireTLS fails a probe of a public URL that is not served
	// over HTTPS, and refuses http:// probe URLs.
	ProbeRequireTLS bool `yaml:"probe_require_tls"`
}

// Deploy says where the service and its observability stack run.
type Deploy struct {
	Target Target `yaml:"target"`
}

// Kubernetes says how the service plugs into a cluster's existing
// observability backends (kube-prometheus-stack, Loki, Tempo or Jaeger,
// optionally Mimir or Thanos). Empty endpoints are derived from
// MonitoringNamespace and the charts' default service names; credentials
// are never answers, only the names of the Secrets that hold them.
type Kubernetes struct {
	// ChartDir is the folder the service's Helm chart goes in, as
	// <chart_dir>/<service>.
	ChartDir string `yaml:"chart_dir"`
	// Namespace is where the chart is installed; the alerts carry it as
	// their namespace label, which AlertmanagerConfig routes match on.
	Namespace string `yaml:"namespace"`
	// MonitoringNamespace is where kube-prometheus-stack, Loki and the
	// trace backend run.
	MonitoringNamespace string `yaml:"monitoring_namespace"`
	// PrometheusRelease is the Helm release name of kube-prometheus-stack:
	// its Prometheus selects ServiceMonitors and PrometheusRules by the
	// label release: <name>.
	PrometheusRelease string `yaml:"prometheus_release"`
	// LokiURL is Loki's HTTP base URL (the gateway of the grafana/loki
	// chart); OTLP logs go to <url>/otlp.
	LokiURL    string `yaml:"loki_url,omitempty"`
	LokiTenant string `yaml:"loki_tenant,omitempty"`
	// TraceOTLPEndpoint is the trace backend's OTLP gRPC endpoint and
	// TraceQueryURL its query API (the Grafana datasource).
	TraceOTLPEndpoint string `yaml:"trace_otlp_endpoint,omitempty"`
	TraceQueryURL     string `yaml:"trace_query_url,omitempty"`
	// RemoteWriteURL, when set, sends Prometheus' samples to Mimir or
	// Thanos Receive, with RemoteWriteTenant as X-Scope-OrgID / THANOS-TENANT.
	RemoteWriteURL    string `yaml:"remote_write_url,omitempty"`
	RemoteWriteTenant string `yaml:"remote_write_tenant,omitempty"`
}

// Output names the folders generated files go to, relative to the service repo.
type Output struct {
	CodeDir   string `yaml:"code_dir"`
	ConfigDir string `yaml:"config_dir"`
}

// CI says which CI systems get a workflow that runs the generated checks.
type CI struct {
	// GitHubActions writes .github/workflows/observability.yml, which runs
	// the config folder's check.sh with its tools installed.
	GitHubActions bool `yaml:"github_actions,omitempty"`
}

// Node describes a Node.js service: how it installs packages, whether it is
// TypeScript, and how its code is loaded. Detected from package.json.
type Node struct {
	// PackageManager installs the generated code's packages (from the
	// lock file: npm, pnpm or yarn).
	PackageManager string `yaml:"package_manager"`
	// TypeScript generates .ts files that the service's own tsc build
	// compiles with the rest of its code.
	TypeScript bool `yaml:"typescript"`
	// ModuleType is package.json's "type": commonjs (a require hook loads
	// the code first) or module (ESM, loaded with node --import).
	ModuleType string `yaml:"module_type"`
	// Main is the file node runs to start the service (for TypeScript the
	// compiled file), relative to the repo.
	Main string `yaml:"main"`
	// RootDir and OutDir are tsconfig's rootDir and outDir: the generated
	// TypeScript is compiled from RootDir into OutDir.
	RootDir string `yaml:"root_dir"`
	OutDir  string `yaml:"out_dir"`
}

// Choices for the enumerated fields. The first entry of each is not
// necessarily the default: see New.
var (
	Languages = []string{"go", "node"}
	// Frameworks is every framework; GoFrameworks and NodeFrameworks are
	// the ones of each language.
	Frameworks      = append(slices.Clone(GoFrameworks), NodeFrameworks...)
	GoFrameworks    = []string{"nethttp", "chi", "gin", "echo"}
	NodeFrameworks  = []string{"express", "fastify"}
	PackageManagers = []string{"npm", "pnpm", "yarn"}
	ModuleTypes     = []string{"commonjs", "module"}
	VersionSources  = []string{"buildinfo", "env"}
	LogLevels       = []string{"debug", "info", "warn", "error"}
	Protocols       = []string{"grpc", "http"}
	TraceBackends   = []string{"jaeger", "tempo"}
	Receivers       = []string{"none", "slack", "pagerduty", "email", "webhook"}
	DeployTargets   = []string{"compose", "kubernetes"}
)

// New returns a Spec holding every default. Loading an answers file, parsing
// flags and running the wizard all start from it and overwrite what they set,
// so defaults live here and nowhere else.
func New() Spec {
	return Spec{
		Version: SchemaVersion,
		Service: Service{
			VersionSource: "buildinfo",
			Language:      LangGo,
			Framework:     "nethttp",
			Port:          8080,
			Environment:   "production",
			LogLevel:      "info",
			DrainDelay:    Duration(5 * time.Second),
		},
		Metrics: Metrics{Path: "/metrics", Port: 9464},
		Sentry:  Sentry{Enabled: true, DSNEnv: "SENTRY_DSN", SampleRate: 1},
		Edge:    Edge{MaxBodyBytes: 1 << 20},
		Tracing: Tracing{
			Enabled:       true,
			Protocol:      "grpc",
			Endpoint:      DefaultOTLPEndpoint("grpc"),
			SamplingRatio: 0.1,
			Backend:       "jaeger",
		},
		SLO: SLO{
			Availability:     99.9,
			LatencyThreshold: Duration(300 * millisecond),
			LatencyObjective: 99,
			Window:           Duration(30 * day),
			MinRequests:      1000,
		},
		Alerts: Alerts{Receiver: "none", GrafanaURL: "http://localhost:3000", ProbeRequireTLS: true,
			PrometheusURL: "http://localhost:9090", AlertmanagerURL: "http://localhost:9093"},
		Deploy: Deploy{Target: TargetCompose},
		Output: Output{CodeDir: "internal/observability", ConfigDir: "observability"},
		Kubernetes: Kubernetes{
			ChartDir:            "deploy/helm",
			Namespace:           "default",
			MonitoringNamespace: "monitoring",
			PrometheusRelease:   "kube-prometheus-stack",
		},
		Node: Node{PackageManager: "npm", ModuleType: "commonjs", RootDir: "src", OutDir: "dist"},
	}
}

// NodeCodeDir is the code folder of a new Node service: under src, where
// tsconfig's rootDir usually is, so tsc compiles it with the service.
const NodeCodeDir = "src/observability"

// Complete fills answers that derive from others or from the repository
// (detected values) when they are still empty.
func (s *Spec) Complete(d Detected) {
	// The default endpoint follows the protocol: the collector listens
	// for gRPC on 4317 and for HTTP on 4318.
	for _, p := range Protocols {
		if p != s.Tracing.Protocol && s.Tracing.Endpoint == DefaultOTLPEndpoint(p) {
			s.Tracing.Endpoint = DefaultOTLPEndpoint(s.Tracing.Protocol)
		}
	}
	if s.Service.Language.IsNode() {
		if s.Node.Main == "" {
			s.Node.Main = d.NodeMain
		}
		if s.Node.Main == "" {
			s.Node.Main = "index.js"
			if s.Node.TypeScript {
				s.Node.Main = s.Node.OutDir + "/index.js"
			}
		}
		return
	}
	if s.Service.Module == "" {
		if d.Module != "" {
			s.Service.Module = d.Module
		} else if s.Service.Name != "" {
			s.Service.Module = "example.com/" + s.Service.Name
		}
	}
}

// DefaultOTLPEndpoint is the compose stack's collector for an OTLP protocol.
func DefaultOTLPEndpoint(protocol string) string {
	if protocol == "http" {
		return "http://otel-collector:4318"
	}
	return "http://otel-collector:4317"
}

// Detected holds what obsgen could read from the service repository.
type Detected struct {
	Module    string
	Framework string
	// Language is "node" when the repo is a Node.js package (package.json
	// and no go.mod); the Node fields are read from package.json, the lock
	// file and tsconfig.json.
	Language       Language
	PackageManager string
	TypeScript     bool
	ModuleType     string
	NodeMain       string
	RootDir        string
	OutDir         string
	// Dependencies are the clients go.mod requires (database drivers,
	// Redis), each named after its kind.
	Dependencies Dependencies
	// Bundler names the bundler that builds a Node service (an Nx
	// project.json executor such as @nx/esbuild:esbuild): the file node
	// runs is the bundle's, which obsgen cannot know.
	Bundler string
}

// GoImportPath is the import path of the generated Go package: the
// service's module and the code folder.
func (s Spec) GoImportPath() string { return s.Service.Module + "/" + s.Output.CodeDir }

// IsGo reports whether the service is written in Go: only a Go service
// exports the Go runtime's metrics (go_*) the dashboard and runbooks read.
func (s Spec) IsGo() bool { return s.Service.Language.IsGo() }

// Language is the service's language (service.language); the answers
// file spells it as in Languages.
type Language string

// The languages obsgen generates code for.
const (
	LangGo   Language = "go"
	LangNode Language = "node"
)

// IsGo and IsNode say which language l is.
func (l Language) IsGo() bool   { return l == LangGo }
func (l Language) IsNode() bool { return l == LangNode }

// Target is where the service and its observability stack run
// (deploy.target), as in DeployTargets.
type Target string

// The deploy targets.
const (
	TargetCompose    Target = "compose"
	TargetKubernetes Target = "kubernetes"
)

// IsCompose and IsKubernetes say which target t is.
func (t Target) IsCompose() bool    { return t == TargetCompose }
func (t Target) IsKubernetes() bool { return t == TargetKubernetes }
