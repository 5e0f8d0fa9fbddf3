// Package nodecode generates the module a Node.js service loads before its
// application to be observable (OpenTelemetry traces and Prometheus
// metrics, pino JSON logs, Sentry, health endpoints, graceful shutdown, and
// glue for Express or Fastify), in TypeScript or JavaScript (ESM or
// CommonJS), and once a Dockerfile. It obeys the same contract as the Go
// code, so every rule, dashboard and pipeline works unchanged.
package nodecode

import (
	"bytes"
	"encoding/json"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes the Node observability module into the code folder.
var Generator = generators.Generator{
	Name:     "node",
	Doc:      "Node.js observability module: config, pino logger, OpenTelemetry, Sentry, health, shutdown, Express/Fastify glue, Dockerfile",
	Generate: generate,
	Steps:    steps,
	Notes:    notes,
}

// sources are the module's files by base name; the extension follows the
// language and module type.
var sources = []struct {
	name string
	when func(spec.Spec) bool
}{
	{"config", nil},
	{"logger", nil},
	{"telemetry", nil},
	{"sentry", nil},
	{"health", nil},
	{"lifecycle", nil},
	{"edge", nil},
	{"dependencies", func(s spec.Spec) bool { return len(s.Dependencies) > 0 }},
	{"register", nil},
	{"express", func(s spec.Spec) bool { return s.Service.Framework == "express" }},
	{"fastify", func(s spec.Spec) bool { return s.Service.Framework == "fastify" }},
}

// view is what the templates see.
type view struct {
	spec.Spec
	// TS: TypeScript sources; Import: import/export syntax (TypeScript or
	// ESM JavaScript); Ext: the files' extension; RelExt: the extension
	// relative imports name (tsc keeps .js specifiers as they are).
	TS, Import  bool
	Ext, RelExt string
	// Names holds the contract's names as a JavaScript object literal.
	Names string
	// Buckets is the JavaScript array of latency bucket boundaries.
	Buckets       string
	SLOThreshold  string
	SamplingRatio string
	// TraceProtocolEnv is the protocol as OTEL_EXPORTER_OTLP_PROTOCOL
	// spells it; TraceEndpointURL is the full URL the default exporter
	// sends to.
	TraceProtocolEnv string
	TraceEndpointURL string
	// Preload and Start are the node option that loads the module first
	// and the whole start command.
	Preload, Start string
	// SensitiveFragments, SensitiveWords (with logs.redact_keys) and
	// ReservedKeys are JavaScript arrays for the logger; RenamedPrefix
	// prefixes a caller's reserved key.
	SensitiveFragments, SensitiveWords, ReservedKeys string
	RenamedPrefix                                    string
	// DrainDelayMs is service.drain_delay in milliseconds.
	DrainDelayMs int64
	// SentrySampleRate is sentry.sample_rate as a JavaScript number.
	SentrySampleRate string
	// ESMRedis: an ES module service with a Redis dependency, whose
	// ioredis must be loaded through require to be instrumented.
	ESMRedis bool
}

// sensitiveFragments and sensitiveWords are the Go logger's lists
// (templates/go/logger.go.tmpl; a test keeps them equal): a key holding a
// fragment anywhere, or a word sequence as whole words, is redacted.
var (
	sensitiveFragments = []string{
		"password", "passwd", "secret", "token", "authorization", "cookie", "bearer",
		"apikey", "privatekey", "accesskey", "credential", "dsn", "session", "signature",
	}
	sensitiveWords = []string{
		"card", "card_number", "credit_card", "pan", "cvv", "cvc", "cvv2", "iban",
		"email", "phone", "mobile", "ssn", "dob", "birth_date", "date_of_birth", "passport",
		"account_number", "routing_number", "tax_id",
	}
	// reservedKeys are the logger's own top-level keys, as in the Go
	// logger ("source" included, which the Node logger never writes, so
	// one query reads both).
	reservedKeys = []string{
		contract.LogTime, contract.LogLevel, contract.LogMessage, "source",
		contract.LogService, contract.LogVersion, contract.LogEnvironment,
		contract.LogTraceID, contract.LogSpanID, contract.LogTraceSampled,
		contract.LogRequestID, contract.LogClientRequestID,
	}
)

// jsArray renders strings as a one-line JavaScript array literal.
func jsArray(ss []string) string {
	b, _ := json.Marshal(ss)
	return strings.ReplaceAll(string(b), ",", ", ")
}

// contractNames are the contract constants the Node code uses, emitted
// once into config so no template retypes a name.
var contractNames = map[string]string{
	"requestDurationInstrument": contract.RequestDurationInstrument,
	"requestDuration":           contract.RequestDuration,
	// The exporter appends _total to counters itself.
	"processCPUSeconds":     strings.TrimSuffix(contract.ProcessCPUSeconds, "_total"),
	"processResidentMemory": contract.ProcessResidentMemory,
	"processStartTime":      contract.ProcessStartTime,
	"processOpenFDs":        contract.ProcessOpenFDs,
	"processMaxFDs":         contract.ProcessMaxFDs,
	"activeRequests":        contract.ActiveRequests,
	"logTime":               contract.LogTime,
	"logLevel":              contract.LogLevel,
	"logMessage":            contract.LogMessage,
	"logService":            contract.LogService,
	"logVersion":            contract.LogVersion,
	"logEnvironment":        contract.LogEnvironment,
	"logError":              contract.LogError,
	"logTraceID":            contract.LogTraceID,
	"logSpanID":             contract.LogSpanID,
	"logTraceSampled":       contract.LogTraceSampled,
	"logRequestID":          contract.LogRequestID,
	"logClientRequestID":    contract.LogClientRequestID,
	// The exporter appends _total to counters itself.
	"rateLimitedInstrument": strings.TrimSuffix(contract.RateLimited, "_total"),
	"accessLogMessage":      contract.AccessLogMessage,
	"logHTTPMethod":         contract.LogHTTPMethod,
	"logHTTPRoute":          contract.LogHTTPRoute,
	"logHTTPPath":           contract.LogHTTPPath,
	"logHTTPStatus":         contract.LogHTTPStatus,
	"logDurationMS":         contract.LogDurationMS,
	"logBytes":              contract.LogBytes,
	"logPanicMessage":       contract.LogPanicMessage,
	"logPanic":              contract.LogPanic,
	"logStack":              contract.LogStack,
	"headerRequestID":       strings.ToLower(contract.HeaderRequestID),
	"healthLivenessPath":    contract.HealthLivenessPath,
	"healthReadinessPath":   contract.HealthReadinessPath,
	// Dependencies: the instruments are named as the Prometheus series
	// (no view renames them); the exporter appends _total to counters.
	"dbOperationDuration": contract.DBOperationDuration,
	"dbPoolOpen":          contract.DBPoolOpen,
	"poolStatus":          contract.LabelPoolStatus,
	"poolInUse":           contract.PoolInUse,
	"poolIdle":            contract.PoolIdle,
	"dbPoolMaxOpen":       contract.DBPoolMaxOpen,
	"dbPoolWaits":         strings.TrimSuffix(contract.DBPoolWaits, "_total"),
	"dbPoolWaitDuration":  strings.TrimSuffix(contract.DBPoolWaitDuration, "_total"),
	"redisCallDuration":   contract.RedisCallDuration,
	"redisStatus":         contract.LabelRedisStatus,
	"redisStatusError":    contract.RedisStatusError,
}

// names renders contractNames as a JavaScript object literal.
func names() string {
	b, _ := json.MarshalIndent(contractNames, "", "  ")
	return string(b)
}

// C is the contract name under key, for comments; the code reads names.
func (v view) C(key string) string {
	n, ok := contractNames[key]
	if !ok {
		panic("nodecode: no contract name " + key)
	}
	return n
}

// Ext is the extension of the generated files for s.
func Ext(s spec.Spec) string {
	switch {
	case s.Node.TypeScript:
		return "ts"
	case s.Node.ModuleType == "module":
		return "mjs"
	}
	return "cjs"
}

// Preload is the node option that loads the generated module before the
// application. It is --import for CommonJS services too (the file itself
// stays CommonJS): @sentry/node 11 no longer supports being initialised
// from a --require preload, because Node re-runs --require preloads on its
// module loader thread. For TypeScript it names the compiled file.
func Preload(s spec.Spec) string {
	return "--import ./" + runFile(s, "register")
}

// runFile is the file node runs for the module file name: the generated
// one, or for TypeScript the one tsc writes (its path under rootDir, under
// outDir; rootDir "." is the repo itself).
func runFile(s spec.Spec, name string) string {
	if !s.Node.TypeScript {
		return path.Join(s.Output.CodeDir, name+"."+Ext(s))
	}
	rel := s.Output.CodeDir
	if s.Node.RootDir != "." {
		rel = strings.TrimPrefix(strings.TrimPrefix(rel, s.Node.RootDir), "/")
	}
	return path.Join(s.Node.OutDir, rel, name+".js")
}

// StartCommand is the command that runs the service with the module loaded.
func StartCommand(s spec.Spec) string {
	return "node " + Preload(s) + " " + s.Node.Main
}

func newView(s spec.Spec) view {
	threshold := time.Duration(s.SLO.LatencyThreshold)
	var b []string
	for _, f := range contract.LatencyBuckets(threshold) {
		b = append(b, strconv.FormatFloat(f, 'f', -1, 64))
	}
	v := view{
		Spec:          s,
		TS:            s.Node.TypeScript,
		Import:        s.Node.TypeScript || s.Node.ModuleType == "module",
		Ext:           Ext(s),
		Names:         names(),
		Buckets:       "[" + strings.Join(b, ", ") + "]",
		SLOThreshold:  contract.BucketLE(threshold),
		SamplingRatio: strconv.FormatFloat(s.Tracing.SamplingRatio, 'f', -1, 64),
		Preload:       Preload(s),
		Start:         StartCommand(s),

		SensitiveFragments: jsArray(sensitiveFragments),
		SensitiveWords:     jsArray(append(slices.Clone(sensitiveWords), spec.RedactKeys(s)...)),
		ReservedKeys:       jsArray(reservedKeys),
		RenamedPrefix:      contract.LogRenamedPrefix,
		DrainDelayMs:       time.Duration(s.Service.DrainDelay).Milliseconds(),
		SentrySampleRate:   strconv.FormatFloat(s.Sentry.SampleRate, 'f', -1, 64),
		ESMRedis:           s.Node.ModuleType == "module" && s.Dependencies.Has("redis"),
	}
	v.RelExt = "." + v.Ext
	if v.TS {
		v.RelExt = ".js"
	}
	v.TraceProtocolEnv, v.TraceEndpointURL = "grpc", s.Tracing.Endpoint
	if s.Tracing.Protocol == "http" {
		v.TraceProtocolEnv = "http/protobuf"
		v.TraceEndpointURL = strings.TrimSuffix(s.Tracing.Endpoint, "/") + "/v1/traces"
	}
	return v
}

func generate(s spec.Spec) ([]generators.File, error) {
	if !s.Service.Language.IsNode() {
		return nil, nil
	}
	v := newView(s)
	var files []generators.File
	for _, src := range sources {
		if src.when != nil && !src.when(s) {
			continue
		}
		f, err := generators.RenderFile("node/"+src.name+".tmpl", path.Join(s.Output.CodeDir, src.name+"."+v.Ext), generators.Merged, v)
		if err != nil {
			return nil, err
		}
		f.Content = bytes.ReplaceAll(f.Content, []byte(typeOnly+"\n"), nil)
		files = append(files, f)
	}
	// The service image for the local stack or the chart, the user's
	// from the first write on (like the Go one).
	f, err := generators.RenderFile("node/Dockerfile.tmpl", "Dockerfile", generators.CreateOnce, v)
	if err != nil {
		return nil, err
	}
	return append(files, f), nil
}

// The helpers below write one construct in the syntax of the target (ESM
// or TypeScript imports, or CommonJS require), so each template is written
// once for every variant.

// Named imports names from mod.
func (v view) Named(mod, names string) string {
	if v.Import {
		return "import { " + names + " } from '" + mod + "';"
	}
	return "const { " + strings.ReplaceAll(names, " as ", ": ") + " } = require('" + mod + "');"
}

// Star imports the whole module mod as name.
func (v view) Star(mod, name string) string {
	if v.Import {
		return "import * as " + name + " from '" + mod + "';"
	}
	return "const " + name + " = require('" + mod + "');"
}

// Local imports names from a sibling generated file.
func (v view) Local(file, names string) string {
	return v.Named("./"+file+v.RelExt, names)
}

// Types imports TypeScript types; nothing for JavaScript.
func (v view) Types(mod, names string) string {
	if !v.TS {
		return typeOnly
	}
	return "import type { " + names + " } from '" + mod + "';"
}

// typeOnly stands for a type import in JavaScript: generate drops it with
// its line, so the import block has no empty lines.
const typeOnly = "\x00type-only"

// T is a TypeScript-only fragment (a type annotation).
func (v view) T(s string) string {
	if v.TS {
		return s
	}
	return ""
}

// Export prefixes an exported declaration.
func (v view) Export() string {
	if v.Import {
		return "export "
	}
	return ""
}

// Exports ends a CommonJS file with its exports.
func (v view) Exports(names string) string {
	if v.Import {
		return ""
	}
	return "module.exports = { " + names + " };"
}

// LocalTypes imports TypeScript types from a sibling generated file.
func (v view) LocalTypes(file, names string) string {
	return v.Types("./"+file+v.RelExt, names)
}

// StartJSON is the start command as a Dockerfile exec-form array.
func (v view) StartJSON() string {
	b, _ := json.Marshal(strings.Fields(v.Start))
	return string(b)
}
