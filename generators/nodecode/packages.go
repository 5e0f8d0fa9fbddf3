package nodecode

import (
	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/spec"
)

// pinned is every npm package the generated code can import, at the exact
// version obsgen's tests install from the registry and run (nodetest).
// This table is the one place versions live; docs/node.md lists it.
//
// OpenTelemetry JS stays on the 2.x SDK line (sdk-node 0.223): 3.x
// (0.300 and later) requires Node 22.15, and obsgen supports Node 20.
var pinned = []struct {
	generators.Dep
	when func(spec.Spec) bool
}{
	{generators.Dep{Name: "@opentelemetry/api", Version: "1.9.1"}, nil},
	{generators.Dep{Name: "@opentelemetry/core", Version: "2.12.0"}, nil},
	{generators.Dep{Name: "@opentelemetry/resources", Version: "2.12.0"}, nil},
	{generators.Dep{Name: "@opentelemetry/sdk-metrics", Version: "2.12.0"}, nil},
	{generators.Dep{Name: "@opentelemetry/sdk-trace-base", Version: "2.12.0"}, nil},
	{generators.Dep{Name: "@opentelemetry/sdk-node", Version: "0.223.0"}, nil},
	{generators.Dep{Name: "@opentelemetry/exporter-prometheus", Version: "0.223.0"}, nil},
	{generators.Dep{Name: "@opentelemetry/instrumentation-http", Version: "0.223.0"}, nil},
	{generators.Dep{Name: "@opentelemetry/exporter-trace-otlp-grpc", Version: "0.223.0"}, tracing},
	{generators.Dep{Name: "@opentelemetry/exporter-trace-otlp-proto", Version: "0.223.0"}, tracing},
	// The clients' instrumentations of the same release line (they
	// require @opentelemetry/instrumentation ^0.223.0, as sdk-node does).
	{generators.Dep{Name: "@opentelemetry/instrumentation-pg", Version: "0.76.0"}, has("postgres")},
	{generators.Dep{Name: "@opentelemetry/instrumentation-ioredis", Version: "0.71.0"}, has("redis")},
	{generators.Dep{Name: "pino", Version: "10.4.0"}, nil},
	{generators.Dep{Name: "@sentry/node", Version: "11.12.0"}, sentry},
}

// Frameworks are the versions the tests run the glue with. They are not
// installed for the service (it has its own); a service on an older major
// is told so by the plan.
var Frameworks = map[string]generators.Dep{
	"express": {Name: "express", Version: "5.3.0"},
	"fastify": {Name: "fastify", Version: "5.12.8"},
}

// TypeScript is the compiler the tests build the generated .ts files with.
var TypeScript = []generators.Dep{
	{Name: "typescript", Version: "7.0.2"},
	{Name: "@types/node", Version: "20.19.43"},
}

func tracing(s spec.Spec) bool { return s.Tracing.Enabled }
func sentry(s spec.Spec) bool  { return s.Sentry.Enabled }

// has is true for a service with a dependency of kind.
func has(kind string) func(spec.Spec) bool {
	return func(s spec.Spec) bool { return s.Dependencies.Has(kind) }
}

// Packages returns the packages the code generated for s imports, in a
// stable order, each at its tested version.
func Packages(s spec.Spec) []generators.Dep {
	if !s.Service.Language.IsNode() {
		return nil
	}
	var out []generators.Dep
	for _, p := range pinned {
		if p.when == nil || p.when(s) {
			out = append(out, p.Dep)
		}
	}
	return out
}

// steps installs the packages with the service's package manager and
// loads the generated code first in the start script.
func steps(s spec.Spec) []generators.Step {
	deps := Packages(s)
	if len(deps) == 0 {
		return nil
	}
	return []generators.Step{{
		Kind: generators.NPMInstall, Dir: ".", Deps: deps, Tool: s.Node.PackageManager,
		Preload: Preload(s), Main: s.Node.Main,
	}}
}
