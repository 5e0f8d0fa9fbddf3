// Package gocode generates the Go package a service imports to be
// observable (configuration, structured logger, OpenTelemetry traces and
// metrics, Sentry, middleware for the service's router, health endpoints)
// and, once, an example main that wires it.
package gocode

import (
	"go/token"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes the observability package into the code folder.
var Generator = generators.Generator{
	Name:     "go",
	Doc:      "Go observability package: config, logger, traces, metrics, Sentry, middleware, health, example main",
	Generate: generate,
	Steps:    steps,
}

// source is one template and the file it becomes in the code folder.
type source struct {
	tmpl, file string
	when       func(spec.Spec) bool
}

var sources = []source{
	{"go/config.go.tmpl", "config.go", nil},
	{"go/logger.go.tmpl", "logger.go", nil},
	{"go/setup.go.tmpl", "setup.go", nil},
	{"go/tracing.go.tmpl", "tracing.go", nil},
	{"go/metrics.go.tmpl", "metrics.go", nil},
	{"go/sentry.go.tmpl", "sentry.go", func(s spec.Spec) bool { return s.Sentry.Enabled }},
	{"go/middleware.go.tmpl", "middleware.go", nil},
	{"go/health.go.tmpl", "health.go", nil},
	{"go/server.go.tmpl", "server.go", nil},
	{"go/stdlog.go.tmpl", "stdlog.go", nil},
	{"go/dependencies.go.tmpl", "dependencies.go", func(s spec.Spec) bool { return len(s.Dependencies) > 0 }},
	{"go/logbridge_logrus.go.tmpl", "logbridge_logrus.go", func(s spec.Spec) bool { return s.Found.Logrus }},
	{"go/logbridge_zap.go.tmpl", "logbridge_zap.go", func(s spec.Spec) bool { return s.Found.Zap }},
	{"go/logbridge_zerolog.go.tmpl", "logbridge_zerolog.go", func(s spec.Spec) bool { return s.Found.Zerolog }},
	{"go/logbridge_gorm.go.tmpl", "logbridge_gorm.go", func(s spec.Spec) bool { return s.Found.Gorm }},
	{"go/logbridge_echo.go.tmpl", "logbridge_echo.go", func(s spec.Spec) bool { return s.Found.Echo }},
}

// view is what the templates see: the answers plus values derived from them
// and the contract's names.
type view struct {
	spec.Spec
	// C holds the telemetry names every generator shares.
	C Names
	// ImportPath is the generated package's import path; Package its name.
	ImportPath string
	Package    string
	// Buckets is the Go literal list of latency bucket boundaries.
	Buckets       string
	SLOThreshold  string
	SamplingRatio string
	// TraceProtocolEnv is the protocol as OTEL_EXPORTER_OTLP_PROTOCOL
	// spells it; TraceEndpointURL is the full URL the default exporter
	// sends to.
	TraceProtocolEnv string
	TraceEndpointURL string
	// WrapsWriter: the framework hands the middleware a bare
	// http.ResponseWriter, which it wraps to see the status.
	WrapsWriter bool
	// SentrySampleRate is the Go literal of sentry.sample_rate.
	SentrySampleRate string
	// DrainDelayGo is the drain delay as a Go duration expression;
	// ShutdownTotal the longest stop: drain, request drain and flush.
	DrainDelayGo  string
	ShutdownTotal string
	// RedactWords is the Go literal list of logs.redact_keys.
	RedactWords string
	// Deps are the dependencies, with Go literals.
	Deps []depView
}

// depView is one dependency as dependencies.go.tmpl writes it.
type depView struct {
	Name, Kind string
	// System is the database's db.system.name; TrustedHosts the Go
	// literals of the http hosts that get trace context.
	System       string
	TrustedHosts string
}

// dbSystems are the semantic conventions' db.system.name of each kind.
var dbSystems = map[string]string{"postgres": "postgresql", "mysql": "mysql", "sqlite": "sqlite", "redis": "redis"}

// Shutdown bounds the generated Serve and Setup use besides the drain
// delay (config.go.tmpl spells them out).
const (
	requestDrainTimeout = 10 * time.Second
	flushTimeout        = 5 * time.Second
)

// Names are the contract constants the Go templates use.
type Names struct {
	RequestDurationInstrument string
	// RequestDuration and LabelStatus: the exposed histogram and its
	// status label (the 5xx series initialised at 0).
	RequestDuration, LabelStatus string
	LogService, LogVersion       string
	LogEnvironment, LogError     string
	LogTraceID, LogSpanID        string
	LogRequestID                 string
	LogTraceSampled              string
	LogClientRequestID           string
	LogStack                     string
	AccessLogMessage             string
	LogHTTPMethod                string
	LogHTTPRoute, LogHTTPPath    string
	LogHTTPStatus                string
	LogDurationMS, LogBytes      string
	LogPanicMessage, LogPanic    string
	LogSQL, LogSQLRows           string
	HeaderRequestID              string
	HealthLivenessPath           string
	HealthReadinessPath          string
	// The dependency metrics (dependencies.go).
	AttrDependency                  string
	ClientRequestDurationInstrument string
	ClientRequestDuration           string
	DBOperationDurationInstrument   string
	DBOperationDuration             string
	DBPoolOpen, DBPoolWaits         string
	LabelPoolStatus                 string
	PoolInUse, PoolIdle             string
	RedisCallDurationInstrument     string
	RedisCallDuration               string
	RedisPoolUsage                  string
}

var names = Names{
	RequestDurationInstrument: contract.RequestDurationInstrument,
	RequestDuration:           contract.RequestDuration,
	LabelStatus:               contract.LabelStatus,
	LogService:                contract.LogService,
	LogVersion:                contract.LogVersion,
	LogEnvironment:            contract.LogEnvironment,
	LogError:                  contract.LogError,
	LogTraceID:                contract.LogTraceID,
	LogSpanID:                 contract.LogSpanID,
	LogRequestID:              contract.LogRequestID,
	LogTraceSampled:           contract.LogTraceSampled,
	LogClientRequestID:        contract.LogClientRequestID,
	LogStack:                  contract.LogStack,
	AccessLogMessage:          contract.AccessLogMessage,
	LogHTTPMethod:             contract.LogHTTPMethod,
	LogHTTPRoute:              contract.LogHTTPRoute,
	LogHTTPPath:               contract.LogHTTPPath,
	LogHTTPStatus:             contract.LogHTTPStatus,
	LogDurationMS:             contract.LogDurationMS,
	LogBytes:                  contract.LogBytes,
	LogPanicMessage:           contract.LogPanicMessage,
	LogPanic:                  contract.LogPanic,
	LogSQL:                    contract.LogSQL,
	LogSQLRows:                contract.LogSQLRows,
	HeaderRequestID:           contract.HeaderRequestID,
	HealthLivenessPath:        contract.HealthLivenessPath,
	HealthReadinessPath:       contract.HealthReadinessPath,

	AttrDependency:                  contract.AttrDependency,
	ClientRequestDurationInstrument: contract.ClientRequestDurationInstrument,
	ClientRequestDuration:           contract.ClientRequestDuration,
	DBOperationDurationInstrument:   contract.DBOperationDurationInstrument,
	DBOperationDuration:             contract.DBOperationDuration,
	DBPoolOpen:                      contract.DBPoolOpen,
	DBPoolWaits:                     contract.DBPoolWaits,
	LabelPoolStatus:                 contract.LabelPoolStatus,
	PoolInUse:                       contract.PoolInUse,
	PoolIdle:                        contract.PoolIdle,
	RedisCallDurationInstrument:     contract.RedisCallDurationInstrument,
	RedisCallDuration:               contract.RedisCallDuration,
	RedisPoolUsage:                  contract.RedisPoolUsage,
}

func newView(s spec.Spec) view {
	threshold := time.Duration(s.SLO.LatencyThreshold)
	var b []string
	for _, f := range contract.LatencyBuckets(threshold) {
		b = append(b, strconv.FormatFloat(f, 'f', -1, 64))
	}
	v := view{
		Spec:             s,
		C:                names,
		ImportPath:       s.GoImportPath(),
		Package:          PackageName(s),
		Buckets:          strings.Join(b, ", "),
		SLOThreshold:     contract.BucketLE(threshold),
		SamplingRatio:    strconv.FormatFloat(s.Tracing.SamplingRatio, 'f', -1, 64),
		WrapsWriter:      s.Service.Framework == "nethttp" || s.Service.Framework == "chi",
		SentrySampleRate: strconv.FormatFloat(s.Sentry.SampleRate, 'f', -1, 64),
		DrainDelayGo:     goDuration(time.Duration(s.Service.DrainDelay)),
		ShutdownTotal:    (time.Duration(s.Service.DrainDelay) + requestDrainTimeout + flushTimeout).String(),
	}
	var words []string
	for _, w := range spec.RedactKeys(s) {
		words = append(words, strconv.Quote(w))
	}
	v.RedactWords = strings.Join(words, ", ")
	for _, d := range s.Dependencies {
		hosts := make([]string, len(d.TrustedHosts))
		for i, h := range d.TrustedHosts {
			hosts[i] = strconv.Quote(h)
		}
		v.Deps = append(v.Deps, depView{Name: d.Name, Kind: d.Kind, System: dbSystems[d.Kind], TrustedHosts: strings.Join(hosts, ", ")})
	}
	v.TraceProtocolEnv, v.TraceEndpointURL = "grpc", s.Tracing.Endpoint
	if s.Tracing.Protocol == "http" {
		// The answers hold the base URL, as OTEL_EXPORTER_OTLP_ENDPOINT
		// does; the exporter option wants the traces URL.
		v.TraceProtocolEnv = "http/protobuf"
		v.TraceEndpointURL = strings.TrimSuffix(s.Tracing.Endpoint, "/") + "/v1/traces"
	}
	return v
}

// goDuration writes d as a Go expression in whole seconds or milliseconds.
func goDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + " * time.Second"
	}
	return strconv.FormatInt(int64(d/time.Millisecond), 10) + " * time.Millisecond"
}

func generate(s spec.Spec) ([]generators.File, error) {
	if !s.Service.Language.IsGo() {
		return nil, nil
	}
	v := newView(s)
	all := append(sources, source{"go/middleware_" + s.Service.Framework + ".go.tmpl", "middleware_" + s.Service.Framework + ".go", nil})
	var files []generators.File
	for _, src := range all {
		if src.when != nil && !src.when(s) {
			continue
		}
		f, err := generators.RenderFile(src.tmpl, path.Join(s.Output.CodeDir, src.file), generators.Merged, v)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if s.Found.MainDir != "" {
		// The service has a main of its own: obsgen wires that one.
		return files, nil
	}
	// The example main is merged, like the package: a framework, folder or
	// port change keeps it building, and edits to it are kept.
	main, err := generators.RenderFile("go/main.go.tmpl", ExampleMainPath(s), generators.Merged, v)
	if err != nil {
		return nil, err
	}
	return append(files, main), nil
}

// ExampleMainPath is where the example main goes.
func ExampleMainPath(s spec.Spec) string {
	return path.Join("cmd", s.Service.Name, "main.go")
}

var identRE = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// PackageName is the generated package's name: the code folder's last
// element, as Go convention wants, when that is a plain identifier, else
// "observability".
func PackageName(s spec.Spec) string {
	name := path.Base(s.Output.CodeDir)
	if identRE.MatchString(name) && !token.IsKeyword(name) && name != "main" && name != "internal" {
		return name
	}
	return "observability"
}
