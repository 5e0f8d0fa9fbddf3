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
	Name:     "alloy",
	Doc:      "Grafana Alloy log pipeline (same semantics as the collector's)",
	Generate: generate,
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
	}
	f, err := generators.RenderFile("alloy/config.alloy.tmpl", path.Join(s.Output.ConfigDir, "alloy", "config.alloy"), generators.Owned, v)
	if err != nil {
		return nil, err
	}
	return []generators.File{f}, nil
}
