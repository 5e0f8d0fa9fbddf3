// Package contract names the telemetry a generated service emits: metric
// names and labels, log fields and trace attributes. The generators of the
// Go code, the alert rules, the dashboards and the log pipelines all take
// names from here, and tests check the names against what a generated
// service really exports, so "the metric a dashboard queries is the metric
// the code exports" holds by construction and by test.
//
// Every name below was read from the /metrics output and the log lines of a
// generated service (OTel Go SDK v1.47.0, Prometheus exporter v0.69.0,
// otelhttp v0.72.0, client_golang v1.25.0); servicetest asserts them on
// every run.
package contract

import (
	"slices"
	"strconv"
	"time"
)

// HTTP server metrics. The service records the OpenTelemetry
// semantic-convention instrument http.server.request.duration (unit s); the
// Prometheus exporter writes it as a histogram with the unit suffix.
const (
	// RequestDurationInstrument is the OTel instrument name, for views.
	RequestDurationInstrument = "http.server.request.duration"
	RequestDuration           = "http_server_request_duration_seconds"
	// Histogram series suffixes.
	RequestDurationBucket = RequestDuration + "_bucket"
	RequestDurationCount  = RequestDuration + "_count"
	RequestDurationSum    = RequestDuration + "_sum"

	// Labels of the request duration series. Only these (and the scope
	// labels) are kept: server_address and server_port come from the
	// client's Host header and are dropped by a view, so clients cannot
	// create series. LabelRoute is the route template ("/items/{id}"),
	// never the raw path; it is absent on requests that matched no route
	// (404 from the router), so "route" queries must not assume it.
	LabelMethod = "http_request_method"
	LabelStatus = "http_response_status_code"
	LabelRoute  = "http_route"
	// LabelBucket is the histogram bucket's upper bound.
	LabelBucket = "le"
	// LabelJob is the scrape job, named after the service.
	LabelJob = "job"
	// LabelNamespace is the Kubernetes namespace of a scraped target (the
	// Prometheus Operator's ServiceMonitor adds it).
	LabelNamespace = "namespace"

	// Every OTel metric carries the instrumentation scope it came from.
	LabelScopeName    = "otel_scope_name"
	LabelScopeVersion = "otel_scope_version"
)

// Series and labels Prometheus itself adds to every scrape of the service:
// the target's health and its target labels (see the generated prometheus.yml).
const (
	ScrapeUp         = "up"
	LabelInstance    = "instance"
	LabelEnvironment = "environment"
)

// TargetInfo carries the OTel resource of the service, one series per
// process, with the labels below.
const (
	TargetInfo                 = "target_info"
	LabelServiceName           = "service_name"
	LabelServiceVersion        = "service_version"
	LabelDeploymentEnvironment = "deployment_environment_name"
)

// Go runtime and process metrics (the Prometheus Go and process collectors),
// exported next to the HTTP metrics on the same endpoint.
const (
	GoGoroutines = "go_goroutines"
	GoHeapBytes  = "go_memstats_heap_alloc_bytes"
	// GoGCDuration is a summary (quantile label plus _sum and _count).
	GoGCDuration = "go_gc_duration_seconds"
	// GoGCDurationCount counts GC cycles (the summary's _count series).
	GoGCDurationCount     = GoGCDuration + "_count"
	ProcessCPUSeconds     = "process_cpu_seconds_total"
	ProcessResidentMemory = "process_resident_memory_bytes"
	ProcessStartTime      = "process_start_time_seconds"
	// ProcessOpenFDs and ProcessMaxFDs come from Go's process collector
	// (Linux); the Node exporter has no equivalent, so a Node service's
	// file descriptor panel stays empty, like its Go runtime panels.
	ProcessOpenFDs = "process_open_fds"
	ProcessMaxFDs  = "process_max_fds"
)

// DefaultLatencyBuckets are otelhttp's boundaries (seconds) for
// http.server.request.duration; LatencyBuckets adds the SLO threshold.
var DefaultLatencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// LatencyBuckets returns the bucket boundaries a service uses for the
// request duration histogram: the defaults plus the latency SLO threshold,
// sorted, so that "requests faster than the threshold" is one bucket.
func LatencyBuckets(threshold time.Duration) []float64 {
	b := append(slices.Clone(DefaultLatencyBuckets), threshold.Seconds())
	slices.Sort(b)
	return slices.Compact(b)
}

// BucketLE returns the bucket bound for threshold as the service's
// exposition writes it, e.g. "0.3" for 300ms and "1" for 1s. Prometheus 3
// stores whole numbers with a ".0" ("1.0"), so rules select whole-second
// bounds with a matcher that takes both forms (see generators/slo).
func BucketLE(threshold time.Duration) string {
	return strconv.FormatFloat(threshold.Seconds(), 'f', -1, 64)
}

// JSON log line fields written by the generated logger. The trace, span
// and request IDs are on every line logged with a request's context.
const (
	LogTime        = "time"
	LogLevel       = "level"
	LogMessage     = "msg"
	LogService     = "service"
	LogVersion     = "version"
	LogEnvironment = "environment"
	LogTraceID     = "trace_id"
	LogSpanID      = "span_id"
	LogRequestID   = "request_id"
	// LogTraceSampled is true when the request's trace is recorded and
	// exported, so a reader knows whether its trace ID will be found.
	LogTraceSampled = "trace_sampled"
	// LogError holds the error text of a failed operation.
	LogError = "error"
)

// Fields the generated logger adds for correlation and hardening.
const (
	// LogClientRequestID is the X-Request-ID a client sent when clients
	// are not trusted with it (edge.internet_facing).
	LogClientRequestID = "client_request_id"
	// LogStack is the bounded stack of a recovered panic.
	LogStack = "stack"
	// LogRenamedPrefix prefixes a caller's attribute that uses one of the
	// logger's own keys ("level" becomes "attr_level").
	LogRenamedPrefix = "attr_"
)

// More HTTP server metrics of the generated middleware.
const (
	ActiveRequests = "http_server_active_requests"
	RateLimited    = "http_server_rate_limited_requests_total"
)

// The access log: one line per request (health checks excepted) with the
// message AccessLogMessage, at level info, or warn for 5xx responses.
const (
	AccessLogMessage = "request"
	LogHTTPMethod    = "method"
	// LogHTTPRoute is the route template; empty when no route matched.
	LogHTTPRoute  = "route"
	LogHTTPPath   = "path"
	LogHTTPStatus = "status"
	// LogDurationMS is a number of milliseconds, with microsecond precision.
	LogDurationMS = "duration_ms"
	LogBytes      = "bytes"
	// LogPanicMessage is the message of the error line a recovered panic
	// writes (the panic value is in the "panic" field).
	LogPanicMessage = "panic recovered"
	LogPanic        = "panic"
)

// The SQL statements an ORM's logger bridge writes (gorm's): the statement
// with its placeholders (never its argument values), the rows it touched
// and LogDurationMS.
const (
	LogSQL     = "sql"
	LogSQLRows = "rows"
)

// Log levels as written (lowercase), e.g. for a Loki label.
const (
	LevelDebug = "debug"
	LevelInfo  = "info"
	LevelWarn  = "warn"
	LevelError = "error"
)

// HeaderRequestID carries the request ID in and out of the service.
const HeaderRequestID = "X-Request-ID"

// Health endpoints on the service port. They answer 200 (ready/alive) or
// 503 (not ready) and never produce access log lines, spans or request
// metrics; the log pipelines drop such lines too, should a user's own
// middleware write them.
const (
	HealthLivenessPath  = "/healthz"
	HealthReadinessPath = "/readyz"
)

// Loki stream labels and structured metadata of the service's logs, as both
// generated shippers write them (the collector through Loki's OTLP endpoint,
// where resource attribute service.name becomes service_name and
// deployment.environment.name becomes deployment_environment_name; Alloy by
// setting the same labels). Only these low-cardinality labels are indexed;
// per-request IDs are structured metadata, never labels.
const (
	LokiLabelService     = "service_name"
	LokiLabelEnvironment = "deployment_environment_name"
	LokiLabelLevel       = "level"
	// LokiLabelK8sNamespace is resource attribute k8s.namespace.name, an
	// index label on the Kubernetes target (its agent sets it).
	LokiLabelK8sNamespace = "k8s_namespace_name"

	LokiMetaTraceID   = "trace_id"
	LokiMetaSpanID    = "span_id"
	LokiMetaRequestID = "request_id"
)

// Dependency metrics: what the generated package's instrumented clients
// record for each answer of obsgen.yaml's dependencies (otelhttp v0.72.0
// for outbound HTTP, otelsql v0.44.0 for database/sql), as the Prometheus
// exporter writes them. Every series carries the dependency's name in
// LabelDependency; a view keeps only the labels below, so no URL, host or
// query text becomes a label.
const (
	// AttrDependency is the OpenTelemetry attribute of the dependency's
	// name (semantic conventions v1.43: service.peer.name), on spans and
	// measurements; LabelDependency is its Prometheus label.
	AttrDependency  = "service.peer.name"
	LabelDependency = "service_peer_name"
	// LabelErrorType is error.type: the status code of a failed HTTP call
	// (4xx, 5xx) or the Go type of a transport or driver error; absent on
	// success.
	LabelErrorType = "error_type"

	// ClientRequestDuration is http.client.request.duration (unit s):
	// one histogram per dependency, method and status.
	ClientRequestDurationInstrument = "http.client.request.duration"
	ClientRequestDuration           = "http_client_request_duration_seconds"
	ClientRequestDurationBucket     = ClientRequestDuration + "_bucket"
	ClientRequestDurationCount      = ClientRequestDuration + "_count"

	// DBOperationDuration is db.client.operation.duration (unit s), one
	// histogram per dependency and database/sql method (LabelDBOperation:
	// sql.conn.query, sql.conn.exec, sql.stmt.query, ...).
	DBOperationDurationInstrument = "db.client.operation.duration"
	DBOperationDuration           = "db_client_operation_duration_seconds"
	DBOperationDurationBucket     = DBOperationDuration + "_bucket"
	DBOperationDurationCount      = DBOperationDuration + "_count"
	LabelDBOperation              = "db_operation_name"
	LabelDBSystem                 = "db_system_name"

	// The database/sql pool (sql.DBStats, read at each scrape).
	// DBPoolOpen is split by LabelPoolStatus into PoolInUse and PoolIdle
	// connections; DBPoolMaxOpen is SetMaxOpenConns (0: no limit).
	DBPoolOpen      = "db_sql_connection_open"
	LabelPoolStatus = "status"
	PoolInUse       = "inuse"
	PoolIdle        = "idle"
	DBPoolMaxOpen   = "db_sql_connection_max_open"
	// DBPoolWaits counts calls that waited for a free connection;
	// DBPoolWaitDuration adds up the milliseconds they waited (added when
	// a wait ends), so its rate in seconds per second is the mean number
	// of callers waiting.
	DBPoolWaits        = "db_sql_connection_wait_total"
	DBPoolWaitDuration = "db_sql_connection_wait_duration_milliseconds_total"
)

// Redis (go-redis v9 with redisotel v9.23.0): each command's or
// pipeline's time on its connection is db.client.connections.use_time
// (unit ms), with LabelRedisStatus ok, nil (key not found) or error; the
// pool's connections are RedisPoolUsage by LabelRedisPoolState (idle,
// used) against RedisPoolMax (PoolSize).
const (
	RedisCallDurationInstrument = "db.client.connections.use_time"
	RedisCallDuration           = "db_client_connections_use_time_milliseconds"
	RedisCallDurationBucket     = RedisCallDuration + "_bucket"
	RedisCallDurationCount      = RedisCallDuration + "_count"
	LabelRedisStatus            = "status"
	RedisStatusError            = "error"
	RedisPoolUsage              = "db_client_connections_usage"
	LabelRedisPoolState         = "state"
	RedisPoolMax                = "db_client_connections_max"
	RedisPoolTimeouts           = "db_client_connections_timeouts_total"
)

// NodeLacks are the dependency series a Node service does not export:
// ioredis holds one connection per client, not a pool, so there are no
// pool connections, size or pool timeouts to count. The dashboard leaves
// their panel out for Node (docs/dependencies.md).
var NodeLacks = []string{RedisPoolUsage, RedisPoolMax, RedisPoolTimeouts}

// NodeExports reports whether a Node service exports series.
func NodeExports(series string) bool { return !slices.Contains(NodeLacks, series) }
