// Package otelcol generates the OpenTelemetry Collector config of the local
// stack: OTLP traces to the trace backend and the service's JSON log lines
// to Loki's OTLP endpoint, with the log semantics of package stack.
package otelcol

import (
	"path"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes otelcol/config.yml.
var Generator = generators.Generator{
	Name:     "otelcol",
	Doc:      "OpenTelemetry Collector: traces to the trace backend, logs to Loki",
	Generate: generate,
}

// Dir is the collector's folder inside the config folder.
const Dir = "otelcol"

// ConfigPath returns where the collector config of s is written.
func ConfigPath(s spec.Spec) string { return path.Join(s.Output.ConfigDir, Dir, "config.yml") }

// view renders config.yml: the shared parts (R and the processors and
// storage) from their typed values, the compose-only wiring around them.
type view struct {
	P                                           stack.LogPipeline
	R                                           FileLog
	MemoryLimiter                               MemoryLimiter
	Batch                                       Batch
	FileStorage                                 FileStorage
	Tracing                                     bool
	TraceBackendName, TraceBackendAddr          string
	LokiAddr                                    string
	GRPCPort, HTTPPort, HealthPort, MetricsPort int
	LogQueueItems                               int
}

// logQueueItems bounds the Loki exporter's disk queue: a million log
// records, about an hour of a busy service, a few hundred MB of disk.
const logQueueItems = 1_000_000

func generate(s spec.Spec) ([]generators.File, error) {
	host, port := stack.TraceBackend(s)
	v := view{
		P:                stack.NewLogPipeline(s),
		R:                NewFileLog(s),
		MemoryLimiter:    NewMemoryLimiter(),
		Batch:            NewBatch(),
		FileStorage:      NewFileStorage(),
		Tracing:          s.Tracing.Enabled,
		TraceBackendName: host,
		TraceBackendAddr: stack.Addr(host, port),
		LokiAddr:         stack.Addr(stack.Loki, stack.LokiPort),
		GRPCPort:         stack.CollectorGRPCPort,
		HTTPPort:         stack.CollectorHTTPPort,
		HealthPort:       stack.CollectorHealthPort,
		MetricsPort:      stack.CollectorMetricsPort,
		LogQueueItems:    logQueueItems,
	}
	f, err := generators.RenderFile("otelcol/config.yml.tmpl", ConfigPath(s), generators.Owned, v)
	if err != nil {
		return nil, err
	}
	return []generators.File{f}, nil
}
