// Package registry lists every generator in the order it runs and turns a
// Spec and the facts read from the repository into everything a run
// produces: the finished files, planned edits of the user's files, the
// steps after the write and notes (Result).
package registry

import (
	"fmt"
	"io/fs"
	"sort"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/alertmanager"
	"github.com/obsgen/obsgen/generators/alloy"
	"github.com/obsgen/obsgen/generators/ci"
	"github.com/obsgen/obsgen/generators/compose"
	"github.com/obsgen/obsgen/generators/gocode"
	"github.com/obsgen/obsgen/generators/grafana"
	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/generators/loki"
	"github.com/obsgen/obsgen/generators/nodecode"
	"github.com/obsgen/obsgen/generators/otelcol"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/generators/tracing"
	"github.com/obsgen/obsgen/internal/detect"
	"github.com/obsgen/obsgen/internal/spec"
)

// All is every generator. Order matters only for reading: output is sorted
// by path, and each generator decides from the spec whether it applies.
var All = []generators.Generator{
	gocode.Generator,       // the Go package the service imports
	nodecode.Generator,     // or the Node module the service loads first
	prometheus.Generator,   // how Prometheus finds the service
	otelcol.Generator,      // collector: traces to the backend, logs to Loki
	alloy.Generator,        // the same log pipeline for Grafana Alloy
	loki.Generator,         // Loki for the local stack and its LogQL alert rules
	tracing.Generator,      // Jaeger or Tempo for the local stack
	compose.Generator,      // the local stack that runs all of the above
	rules.Generator,        // SLO rules, their promtool tests, runbooks
	alertmanager.Generator, // who gets woken up, and for what
	grafana.Generator,      // dashboard and provisioning
	compose.CheckScript,    // one script for the project's CI to check all of it
	ci.Generator,           // a workflow running that script (ci.github_actions)
	kubernetes.Generator,   // Helm chart and cluster objects (deploy.target: kubernetes)
}

// localStack are the generators of the compose stack's own config files.
// The Kubernetes target deploys into backends the cluster already runs,
// which read none of these files: the chart embeds what it needs, built by
// the same generators' functions.
var localStack = map[string]bool{
	prometheus.Generator.Name:   true,
	otelcol.Generator.Name:      true,
	alloy.Generator.Name:        true,
	tracing.Generator.Name:      true,
	alertmanager.Generator.Name: true,
	grafana.Generator.Name:      true,
}

// applies reports whether g runs for s's deploy target.
func applies(g generators.Generator, s spec.Spec) bool {
	return s.Deploy.Target.IsCompose() || !localStack[g.Name]
}

// Generate validates s and runs every generator over s and the facts read
// from the repository (nil: an empty new one). It returns everything the
// run produces (see Result), or the first error; it never touches disk.
func Generate(s spec.Spec, f *detect.Facts) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	if f == nil {
		f = &detect.Facts{}
	}
	files, err := generate(s)
	if err != nil {
		return Result{}, err
	}
	r := Result{Files: files, Wiring: Wiring(s, f)}
	if e := gitignoreEdit(s, f); e != nil {
		r.Edits = append(r.Edits, *e)
	}
	for _, g := range All {
		if !applies(g, s) {
			continue
		}
		if g.Steps != nil {
			r.Steps = append(r.Steps, g.Steps(s)...)
		}
		if g.Notes != nil {
			r.Notes = append(r.Notes, g.Notes(s)...)
		}
	}
	return r, nil
}

// generate runs every generator: the files sorted by path, each finished
// (header, formatting).
func generate(s spec.Spec) ([]generators.File, error) {
	seen := map[string]string{}
	var out []generators.File
	for _, g := range All {
		if !applies(g, s) {
			continue
		}
		files, err := g.Generate(s)
		if err != nil {
			return nil, fmt.Errorf("generator %s: %w", g.Name, err)
		}
		for _, f := range files {
			if !fs.ValidPath(f.Path) || f.Path == "." {
				return nil, fmt.Errorf("generator %s: %q is not a clean relative path", g.Name, f.Path)
			}
			if prev, dup := seen[f.Path]; dup {
				return nil, fmt.Errorf("generators %s and %s both write %s", prev, g.Name, f.Path)
			}
			seen[f.Path] = g.Name
			done, err := generators.Finish(f)
			if err != nil {
				return nil, fmt.Errorf("generator %s: %w", g.Name, err)
			}
			out = append(out, done)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
