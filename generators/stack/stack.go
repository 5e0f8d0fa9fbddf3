// Package stack names the containers, ports and image versions of the local
// observability stack, and states the log pipeline's semantics once, so the
// compose file, the collector, Alloy, Loki and the trace backend configs
// agree by construction.
package stack

import (
	"fmt"
	"path"
	"time"

	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Container (compose service) names and the ports they listen on inside the
// compose network. The collector's name matches the default OTLP endpoint
// of the spec (http://otel-collector:4317).
const (
	Collector         = "otel-collector"
	CollectorGRPCPort = 4317
	CollectorHTTPPort = 4318
	// CollectorHealthPort is the health_check extension.
	CollectorHealthPort = 13133
	// CollectorMetricsPort serves the collector's own metrics.
	CollectorMetricsPort = 8888

	Loki     = "loki"
	LokiPort = 3100

	Jaeger         = "jaeger"
	JaegerUIPort   = 16686
	JaegerOTLPPort = 4317
	// JaegerHealthPort is Jaeger's healthcheckv2 extension.
	JaegerHealthPort = 13133
	// JaegerMetricsPort serves Jaeger's own metrics (service.telemetry).
	JaegerMetricsPort = 8888

	Tempo         = "tempo"
	TempoPort     = 3200
	TempoOTLPPort = 4317

	Prometheus     = "prometheus"
	PrometheusPort = 9090

	Alertmanager     = "alertmanager"
	AlertmanagerPort = 9093

	Grafana     = "grafana"
	GrafanaPort = 3000

	// Blackbox probes the service's health endpoint and its public URLs
	// from outside the service's process, as a user would.
	Blackbox     = "blackbox-exporter"
	BlackboxPort = 9115
)

// Images of the local stack, pinned. Prometheus, Alertmanager, Loki, Jaeger
// and the collector are the versions the end-to-end test runs as real
// servers (built from the same source releases); Grafana and Tempo cannot
// be obtained on the test machines and are pinned to current releases.
const (
	ImagePrometheus   = "prom/prometheus:v3.15.0"
	ImageAlertmanager = "prom/alertmanager:v0.34.2"
	ImageLoki         = "grafana/loki:3.7.8"
	ImageJaeger       = "jaegertracing/jaeger:2.13.0"
	ImageTempo        = "grafana/tempo:2.9.0"
	ImageCollector    = "otel/opentelemetry-collector-contrib:0.156.0"
	ImageGrafana      = "grafana/grafana:12.3.0"
	// ImageBlackbox is pinned to a current release; the tests run
	// Debian's 0.23 with the same generated config.
	ImageBlackbox = "prom/blackbox-exporter:v0.25.0"
	// ImageBusybox lends a static wget to images that ship without a shell
	// or HTTP client (the collector, Tempo), so their healthchecks can probe
	// their own health endpoints.
	ImageBusybox = "busybox:1.37.0"
)

// ServiceStopGrace is how long compose waits after SIGTERM before it kills
// the service: the generated service's readiness drain (5s), its HTTP
// shutdown (10s) and its telemetry flush (5s), with 10s to spare. Killed
// earlier, in-flight requests fail and the last spans and logs are lost.
const ServiceStopGrace = 30 * time.Second

// Memory limits of the stack's containers. The Go servers get a GOMEMLIMIT
// of MemoryLimitShare of theirs, so the garbage collector works harder
// before the kernel kills them; the collector's memory_limiter takes its
// percentages from the same limit.
const (
	MemoryCollector  = 512 << 20
	MemoryLoki       = 1 << 30
	MemoryPrometheus = 2 << 30
	MemoryTraces     = 1 << 30
	// MemoryLimitShare is GOMEMLIMIT's share of the container limit.
	MemoryLimitShare = 0.8
)

// PrometheusRetention is how long Prometheus keeps samples for an SLO
// window: the window plus a quarter (at least a week), so the oldest
// sample a window's record reads is never the first one deleted, and a
// dashboard comparing this window with the last still has most of it.
func PrometheusRetention(window time.Duration) time.Duration {
	margin := window / 4
	if margin < 7*24*time.Hour {
		margin = 7 * 24 * time.Hour
	}
	day := 24 * time.Hour
	return (window + margin + day - 1) / day * day
}

// PrometheusRetentionSize caps Prometheus' disk use, so a burst of series
// cannot fill the disk. It allows RetentionBytesPerDay for every retained
// day; when it is reached anyway Prometheus deletes the oldest blocks and
// the SLO window's records would cover less than the window
// (prometheus_tsdb_size_retentions_total counts such deletions). A budget,
// not a measurement.
func PrometheusRetentionSize(window time.Duration) int64 {
	return int64(PrometheusRetention(window)/(24*time.Hour)) * RetentionBytesPerDay
}

// RetentionBytesPerDay is the disk budget for one day of samples.
const RetentionBytesPerDay = 256 << 20

// The compose file of the local stack and its env file, at the repo root,
// and the command line that reaches them from there: runbooks give their
// commands with it, so they run as written (a bare `docker compose` finds
// no docker-compose.yml, and without the env file a restarted container
// loses its secrets).
const (
	ComposeFile    = "docker-compose.observability.yml"
	ComposeEnvFile = "observability.env"
	Compose        = "docker compose --env-file " + ComposeEnvFile + " -f " + ComposeFile
)

// VersionEnv is the variable the compose build reads the service version
// from (the image's VERSION build arg, and SERVICE_VERSION in the running
// container), e.g. SERVICE_VERSION=$(git describe --always --dirty).
const VersionEnv = "SERVICE_VERSION"

// LokiTenant is the tenant Loki uses when auth is disabled (the local
// stack); the ruler reads a tenant's rules from a folder of that name.
const LokiTenant = "fake"

// DockerLogGlob matches the json-file logs of every container on a Docker
// host; the pipelines keep only the service's own lines.
const DockerLogGlob = "/var/lib/docker/containers/*/*-json.log"

// LogSourceLabel is the container label that marks the service's own
// container logs: compose sets it to the service name and lists it in the
// json-file driver's labels option, which copies it into every line.
const LogSourceLabel = "com.obsgen.logs"

// LogPipeline is what both shippers (collector and Alloy) do with the
// service's JSON log lines. Templates render it; they add no semantics.
type LogPipeline struct {
	Service     string
	Environment string
	// Docker is true when the lines are read from Docker's json-file
	// container logs (compose), false for a plain log file (LogPath).
	Docker bool
	// Include is the file glob the shipper tails.
	Include string
	// SourceLabel is the container label compose puts on the service and
	// its json-file driver writes into each line; SourceFilterID names the
	// operator that keeps only lines carrying it (Docker only).
	SourceLabel, SourceFilterID string

	// JSON field names of the generated logger.
	TimeField, LevelField, ServiceField, EnvironmentField, VersionField string
	PathField, TraceIDField, SpanIDField, RequestIDField                string
	// TimeLayout is Go's layout of the time field (log/slog writes
	// RFC 3339 with nanoseconds).
	TimeLayout string
	// HealthPaths are dropped: their access lines carry no information.
	HealthPaths []string

	// Loki labels (indexed) and structured metadata names.
	LabelService, LabelEnvironment, LabelLevel string
	MetaTraceID, MetaSpanID, MetaRequestID     string

	// Lines that are not JSON objects are kept as written, marked with
	// the structured metadata MetaRaw="true": chiefly the runtime's own
	// crash output (Go's "panic: ..." and "fatal error: ..." with their
	// goroutine stacks, Node's uncaught error before the logger runs),
	// the one thing a responder needs after a crash. StackContinuation
	// matches the lines that continue such a dump (see CrashContinuation);
	// the collector joins them to the line before, so a stack is one
	// entry.
	MetaRaw           string
	StackContinuation string
}

// CrashContinuation matches a line that continues the runtime's crash
// output rather than starting an entry: indented lines (file:line of a
// frame, a nested "panic:" of a recovered panic), blank lines, goroutine
// headers, "created by", "runtime stack:", signal lines, elided frames,
// and function frames such as main.main() or net/http.(*conn).serve(...).
// A JSON object line never matches, so a structured line always starts a
// new entry. Go's RE2 syntax, read by the collector's expr language.
const CrashContinuation = `^(\s|$|goroutine \d+ |created by |runtime stack:|\[signal |\.\.\.|[^\s{"\[][^ ]*\(.*\)\s*$)`

// NewLogPipeline returns the log pipeline for s.
func NewLogPipeline(s spec.Spec) LogPipeline {
	p := LogPipeline{
		Service:     s.Service.Name,
		Environment: s.Service.Environment,
		Docker:      s.Logs.Path == "",
		Include:     s.Logs.Path,

		TimeField:        contract.LogTime,
		LevelField:       contract.LogLevel,
		ServiceField:     contract.LogService,
		EnvironmentField: contract.LogEnvironment,
		VersionField:     contract.LogVersion,
		PathField:        contract.LogHTTPPath,
		TraceIDField:     contract.LogTraceID,
		SpanIDField:      contract.LogSpanID,
		RequestIDField:   contract.LogRequestID,
		TimeLayout:       "2006-01-02T15:04:05.999999999Z07:00",
		HealthPaths:      []string{contract.HealthLivenessPath, contract.HealthReadinessPath},

		LabelService:     contract.LokiLabelService,
		LabelEnvironment: contract.LokiLabelEnvironment,
		LabelLevel:       contract.LokiLabelLevel,
		MetaTraceID:      contract.LokiMetaTraceID,
		MetaSpanID:       contract.LokiMetaSpanID,
		MetaRequestID:    contract.LokiMetaRequestID,

		MetaRaw:           "raw",
		StackContinuation: CrashContinuation,
	}
	if p.Docker {
		p.Include = DockerLogGlob
		p.SourceLabel = LogSourceLabel
		p.SourceFilterID = "only_this_container"
	}
	return p
}

// LogDir is the folder holding the plain-host log file, which the compose
// stack mounts into the collector; empty for container logs.
func LogDir(s spec.Spec) string {
	if s.Logs.Path == "" {
		return ""
	}
	return path.Dir(s.Logs.Path)
}

// TraceBackend returns the compose name and OTLP gRPC port of the trace
// backend chosen in s.
func TraceBackend(s spec.Spec) (host string, otlpPort int) {
	if s.Tracing.Backend == "tempo" {
		return Tempo, TempoOTLPPort
	}
	return Jaeger, JaegerOTLPPort
}

// Addr joins a compose host and port.
func Addr(host string, port int) string { return fmt.Sprintf("%s:%d", host, port) }

// Monitored are the stack's own components Prometheus scrapes, so the
// stack can alert on itself: the collector, Loki, the trace backend,
// Alertmanager and Grafana, each with the address of its metrics.
// Scrape jobs are named as the containers.
func Monitored(s spec.Spec) []Component {
	out := []Component{{Collector, Addr(Collector, CollectorMetricsPort)}, {Loki, Addr(Loki, LokiPort)}}
	if s.Tracing.Enabled {
		if host, _ := TraceBackend(s); host == Tempo {
			out = append(out, Component{Tempo, Addr(Tempo, TempoPort)})
		} else {
			out = append(out, Component{Jaeger, Addr(Jaeger, JaegerMetricsPort)})
		}
	}
	// The blackbox exporter too: while it is down, no probe result exists
	// and the probe alerts cannot fire.
	return append(out, Component{Alertmanager, Addr(Alertmanager, AlertmanagerPort)}, Component{Grafana, Addr(Grafana, GrafanaPort)}, Component{Blackbox, Addr(Blackbox, BlackboxPort)})
}

// Component is a container of the stack and where its metrics are served.
type Component struct{ Job, Target string }
