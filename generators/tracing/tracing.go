// Package tracing generates the config of the trace backend the Spec
// chooses for the local stack: Jaeger v2 or Tempo.
package tracing

import (
	"path"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes jaeger/config.yml or tempo/tempo.yml.
var Generator = generators.Generator{
	Name:  "tracing",
	Doc:   "Trace backend config for the local stack (Jaeger v2 or Tempo)",
	Stack: generators.Shared(generate),
}

// ConfigPath is where the trace backend config of s is written, or "" when
// tracing is off.
func ConfigPath(s spec.Spec) string {
	switch {
	case !s.Tracing.Enabled:
		return ""
	case s.Tracing.Backend == "tempo":
		return path.Join(s.Output.ConfigDir, "tempo", "tempo.yml")
	}
	return path.Join(s.Output.ConfigDir, "jaeger", "config.yml")
}

type view struct {
	Port, UIPort, OTLPPort, HealthPort int
}

func generate(s spec.Spec) ([]generators.File, error) {
	if !s.Tracing.Enabled {
		return nil, nil
	}
	tmpl := "tracing/jaeger.yml.tmpl"
	v := view{UIPort: stack.JaegerUIPort, OTLPPort: stack.JaegerOTLPPort, HealthPort: stack.JaegerHealthPort}
	if s.Tracing.Backend == "tempo" {
		tmpl = "tracing/tempo.yml.tmpl"
		v = view{Port: stack.TempoPort, OTLPPort: stack.TempoOTLPPort}
	}
	f, err := generators.RenderFile(tmpl, ConfigPath(s), generators.Owned, v)
	if err != nil {
		return nil, err
	}
	return []generators.File{f}, nil
}
