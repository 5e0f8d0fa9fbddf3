// Package alloy generates a Grafana Alloy config that ships the service's
// JSON logs to Loki with the same semantics as the collector pipeline
// (package stack states them once; both templates only render them).
package alloy

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes alloy/config.alloy.
var Generator = generators.Generator{
	Name:  "alloy",
	Doc:   "Grafana Alloy log pipeline (same semantics as the collector's)",
	Stack: stackFiles,
}

type view struct {
	P             stack.LogPipeline
	ID            string
	OtherSelector string
	// SourceKey and SourcePath extract the container label (Docker only).
	SourceKey, SourcePath string
	HealthRegex           string
	DropLabels            string
	PushURL               string
	// RawSelector selects the lines that are not JSON objects.
	RawSelector string
	// Fields of the multi-line maps, `=` aligned as `alloy fmt` aligns them.
	Extract, StaticLabels, Metadata []field
}

// field is one field of a multi-line Alloy map: Key padded so the `=` of
// its map align, Value unquoted.
type field struct{ Key, Value string }

// aligned pads the keys of a map's fields so their `=` align, as Alloy's
// formatter aligns a run of fields.
func aligned(pairs ...[2]string) []field {
	width := 0
	for _, p := range pairs {
		width = max(width, len(p[0]))
	}
	out := make([]field, len(pairs))
	for i, p := range pairs {
		out[i] = field{fmt.Sprintf("%-*s", width, p[0]), p[1]}
	}
	return out
}

// stackFiles writes the Alloy config of a single service; with several
// services the collector is the one log shipper (docs/multi-service.md).
func stackFiles(p spec.Project) ([]generators.File, error) {
	if p.Listed {
		return nil, nil
	}
	return generate(p.Stack())
}

func generate(s spec.Spec) ([]generators.File, error) {
	p := stack.NewLogPipeline(s)
	paths := make([]string, len(p.HealthPaths))
	for i, r := range p.HealthPaths {
		paths[i] = regexp.QuoteMeta(r)
	}
	const sourceKey = "obsgen_source"
	drop := []string{`"filename"`}
	if p.Docker {
		drop = append(drop, `"stream"`, `"`+sourceKey+`"`)
	}
	v := view{
		P:             p,
		ID:            strings.ReplaceAll(s.Service.Name, "-", "_"),
		OtherSelector: fmt.Sprintf(`{filename=~".+", %s!=%q}`, sourceKey, p.Service),
		SourceKey:     sourceKey,
		SourcePath:    fmt.Sprintf("attrs.%q", p.SourceLabel),
		HealthRegex:   "^(" + strings.Join(paths, "|") + ")$",
		DropLabels:    "[" + strings.Join(drop, ", ") + "]",
		PushURL:       fmt.Sprintf("http://%s/loki/api/v1/push", stack.Addr(stack.Loki, stack.LokiPort)),
		RawSelector:   `{filename=~".+"} !~ "^\\s*\\{"`,
		Extract: aligned([2]string{p.TimeField, ""}, [2]string{p.LevelField, ""}, [2]string{p.PathField, ""},
			[2]string{p.TraceIDField, ""}, [2]string{p.SpanIDField, ""}, [2]string{p.RequestIDField, ""}),
		StaticLabels: aligned([2]string{p.LabelService, p.Service}, [2]string{p.LabelEnvironment, p.Environment}),
		Metadata: aligned([2]string{p.MetaTraceID, p.TraceIDField}, [2]string{p.MetaSpanID, p.SpanIDField},
			[2]string{p.MetaRequestID, p.RequestIDField}),
	}
	f, err := generators.RenderFile("alloy/config.alloy.tmpl", path.Join(s.Output.ConfigDir, "alloy", "config.alloy"), generators.Owned, v)
	if err != nil {
		return nil, err
	}
	return []generators.File{f}, nil
}
