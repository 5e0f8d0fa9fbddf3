// Package contract names the telemetry a generated service emits: metric
// names and labels, log fields and trace attributes. The generators of the
// Go code, the alert rules, the dashboards and the log pipelines all take
// names from here, and tests check the names against what a generated
// service really exports, so "the metric a dashboard queries is the metric
// the code exports" holds by construction and by test.
package contract

// HTTP server metrics, as the OpenTelemetry Prometheus exporter writes the
// semantic-convention instrument http.server.request.duration (unit s).
const (
	RequestDuration = "http_server_request_duration_seconds"
	// Histogram series suffixes.
	RequestDurationBucket = RequestDuration + "_bucket"
	RequestDurationCount  = RequestDuration + "_count"
	RequestDurationSum    = RequestDuration + "_sum"

	LabelMethod = "http_request_method"
	LabelStatus = "http_response_status_code"
	LabelRoute  = "http_route"
	// LabelJob is the scrape job, named after the service.
	LabelJob = "job"
)

// Go runtime metrics exported next to the HTTP metrics.
const (
	GoGoroutines = "go_goroutines"
	GoHeapBytes  = "go_memstats_heap_alloc_bytes"
	GoGCDuration = "go_gc_duration_seconds"
)

// JSON log line fields written by the generated logger.
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
)

// HeaderRequestID carries the request ID in and out of the service.
const HeaderRequestID = "X-Request-ID"

// Health endpoints of the generated service. Their access lines never reach
// Loki: the log pipelines drop them.
const (
	HealthLivenessPath  = "/healthz"
	HealthReadinessPath = "/readyz"
)

// Access and panic log lines. LogHTTPRoute is the route template field of
// the one access-log line per request; a recovered panic is logged at error
// level with LogPanicMessage as its message.
const (
	LogHTTPRoute    = "route"
	LogPanicMessage = "panic recovered"
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

	LokiMetaTraceID   = "trace_id"
	LokiMetaSpanID    = "span_id"
	LokiMetaRequestID = "request_id"
)
