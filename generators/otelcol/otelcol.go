// Package otelcol generates the OpenTelemetry Collector config of the local
// stack: OTLP traces to the trace backend and the service's JSON log lines
// to Loki's OTLP endpoint, with the log semantics of package stack.
package otelcol

import (
	"path"
	"strings"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes otelcol/config.yml.
var Generator = generators.Generator{
	Name:  "otelcol",
	Doc:   "OpenTelemetry Collector: traces to the trace backend, logs to Loki",
	Stack: generate,
}

// Dir is the collector's folder inside the config folder.
const Dir = "otelcol"

// ConfigPath returns where the collector config of s is written.
func ConfigPath(s spec.Spec) string { return path.Join(s.Output.ConfigDir, Dir, "config.yml") }

// view renders config.yml: the shared parts (R and the processors and
// storage) from their typed values, the compose-only wiring around them.
type view struct {
	// P is the stack's log pipeline; each receiver has its service's.
	P         stack.LogPipeline
	Services  string
	Receivers []receiver
	// ReceiverNames are the receivers of the logs pipeline.
	ReceiverNames []string
	// Identity stamps the stack's service name on spans: a stack of one
	// service only (with several, each service's own name is kept).
	Identity                                    bool
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

// receiver is a service's file_log receiver: one per service, so each
// service's lines get its own name whatever they say.
type receiver struct {
	Name string
	P    stack.LogPipeline
	R    FileLog
}

func generate(p spec.Project) ([]generators.File, error) {
	s := p.Stack()
	host, port := stack.TraceBackend(s)
	var names []string
	var recv []receiver
	for _, m := range p.Specs() {
		r := receiver{Name: "file_log", P: stack.NewLogPipeline(m), R: NewFileLog(m)}
		if p.Listed {
			r.Name += "/" + m.Service.Name
		}
		names = append(names, m.Service.Name)
		recv = append(recv, r)
	}
	v := view{
		P:                stack.NewLogPipeline(s),
		Services:         strings.Join(names, ", "),
		Receivers:        recv,
		Identity:         s.Tracing.Enabled && !p.Listed,
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
	for _, r := range recv {
		v.ReceiverNames = append(v.ReceiverNames, r.Name)
	}
	f, err := generators.RenderFile("otelcol/config.yml.tmpl", ConfigPath(s), generators.Owned, v)
	if err != nil {
		return nil, err
	}
	return []generators.File{f}, nil
}
