package gocode

import (
	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/spec"
)

// Module is a Go module the generated code imports.
type Module struct {
	Path, Version string
}

// pinned is every module the generated code can import, at the version
// obsgen's tests compile and run it with (servicetest). This table is the
// one place versions live; docs/go.md lists it.
var pinned = []struct {
	Module
	when func(spec.Spec) bool
}{
	{Module{"go.opentelemetry.io/otel", "v1.47.0"}, nil},
	{Module{"go.opentelemetry.io/otel/trace", "v1.47.0"}, nil},
	{Module{"go.opentelemetry.io/otel/metric", "v1.47.0"}, nil},
	{Module{"go.opentelemetry.io/otel/sdk", "v1.47.0"}, nil},
	{Module{"go.opentelemetry.io/otel/sdk/metric", "v1.47.0"}, nil},
	{Module{"go.opentelemetry.io/otel/exporters/prometheus", "v0.69.0"}, nil},
	{Module{"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc", "v1.47.0"}, tracing},
	{Module{"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp", "v1.47.0"}, tracing},
	{Module{"github.com/prometheus/client_golang", "v1.25.0"}, nil},
	// The exporter's metric name translation, pinned in metrics.go.
	{Module{"github.com/prometheus/otlptranslator", "v1.0.0"}, nil},
	// Keeps http.Flusher, http.Hijacker and io.ReaderFrom of the
	// response writer the middleware observes (gin and echo have their
	// own writers that keep them).
	{Module{"github.com/felixge/httpsnoop", "v1.1.0"}, framework("nethttp", "chi")},
	{Module{"github.com/getsentry/sentry-go", "v0.50.0"}, sentry},
	{Module{"github.com/getsentry/sentry-go/otel", "v0.50.0"}, sentry},
	{Module{"github.com/go-chi/chi/v5", "v5.5.0"}, framework("chi")},
	{Module{"github.com/gin-gonic/gin", "v1.12.0"}, framework("gin")},
	{Module{"github.com/labstack/echo/v4", "v4.16.0"}, framework("echo")},
	// Instrumented clients of the dependencies (same OpenTelemetry
	// release as above: otelhttp v0.72.0 and otelsql v0.44.0 build with
	// otel v1.47.0 and move nothing else).
	{Module{"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "v0.72.0"}, func(s spec.Spec) bool { return s.Dependencies.Has("http") }},
	{Module{"github.com/XSAM/otelsql", "v0.44.0"}, func(s spec.Spec) bool { return s.Dependencies.HasSQL() }},
	// OpenPool: pgx's own pool and otelpgx's spans. otelpgx v0.13.0
	// needs pgx v5.9.2 and otel v1.43.0 or later; both build with otel
	// v1.47.0.
	{Module{"github.com/jackc/pgx/v5", "v5.9.2"}, func(s spec.Spec) bool { return s.Dependencies.Has("postgres") }},
	{Module{"github.com/exaring/otelpgx", "v0.13.0"}, func(s spec.Spec) bool { return s.Dependencies.Has("postgres") }},
	// redisotel v9.23.0 needs go-redis v9.23.0 or later; both build with
	// otel v1.47.0.
	{Module{"github.com/redis/go-redis/v9", "v9.23.0"}, func(s spec.Spec) bool { return s.Dependencies.Has("redis") }},
	{Module{"github.com/redis/go-redis/extra/redisotel/v9", "v9.23.0"}, func(s spec.Spec) bool { return s.Dependencies.Has("redis") }},
	// The loggers an existing service already uses, at the versions the
	// bridges were tested with (servicetest/testdata/existing).
	{Module{"github.com/sirupsen/logrus", "v1.9.3"}, func(s spec.Spec) bool { return s.Found.Logrus }},
	{Module{"go.uber.org/zap", "v1.27.0"}, func(s spec.Spec) bool { return s.Found.Zap }},
	{Module{"github.com/rs/zerolog", "v1.33.0"}, func(s spec.Spec) bool { return s.Found.Zerolog }},
	// gorm's bridge needs logger.RecorderParamsFilter (v1.26.0): without
	// it DB.Scan logs its SQL with the values. An older gorm is raised to
	// this; a newer one stays.
	{Module{"gorm.io/gorm", "v1.26.1"}, func(s spec.Spec) bool { return s.Found.Gorm }},
}

func tracing(s spec.Spec) bool { return s.Tracing.Enabled }
func sentry(s spec.Spec) bool  { return s.Sentry.Enabled }

func framework(names ...string) func(spec.Spec) bool {
	return func(s spec.Spec) bool {
		for _, n := range names {
			if s.Service.Framework == n {
				return true
			}
		}
		return false
	}
}

// Modules returns the modules the code generated for s imports, in a stable
// order, each at its tested version.
func Modules(s spec.Spec) []Module {
	if !s.Service.Language.IsGo() {
		return nil
	}
	var out []Module
	for _, p := range pinned {
		if p.when == nil || p.when(s) {
			out = append(out, p.Module)
		}
	}
	return out
}

// existing are the modules whose version a service that already uses them
// keeps: its framework and its logger. The generated code compiles with
// chi v5.0, gin v1.9, echo v4.11 and the loggers' versions in the
// existing-service fixtures (servicetest/testdata/existing).
var existing = map[string]bool{
	"github.com/go-chi/chi/v5":    true,
	"github.com/gin-gonic/gin":    true,
	"github.com/labstack/echo/v4": true,
	"github.com/sirupsen/logrus":  true,
	"go.uber.org/zap":             true,
	"github.com/rs/zerolog":       true,
	// A newer go-redis stays; an older one is raised to what redisotel
	// needs by go get itself.
	"github.com/redis/go-redis/v9": true,
	// Likewise pgx, raised when older to what otelpgx needs.
	"github.com/jackc/pgx/v5": true,
}

// steps makes the service's module require what the generated code imports,
// then builds it, so a run that leaves the repo broken says so.
func steps(s spec.Spec) []generators.Step {
	mods := Modules(s)
	if len(mods) == 0 {
		return nil
	}
	deps := make([]generators.Dep, len(mods))
	for i, m := range mods {
		deps[i] = generators.Dep{Name: m.Path, Version: m.Version, AnyVersion: existing[m.Path]}
	}
	return []generators.Step{
		{Kind: generators.GoModules, Dir: ".", Deps: deps, Init: s.Service.Module},
		{Kind: generators.GoBuild, Dir: "."},
	}
}
