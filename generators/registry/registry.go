// Package registry lists every generator in the order it runs and turns a
// Spec and the facts read from the repository into everything a run
// produces: the finished files, planned edits of the user's files, the
// steps after the write and notes (Result).
package registry

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

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

// Generate is GenerateProject for the one service of a single-service
// answers file.
func Generate(s spec.Spec, f *detect.Facts) (Result, error) {
	return GenerateProject(spec.Single(s), []*detect.Facts{f})
}

// GenerateProject validates p and runs every generator: each service's
// files (in its folder, or the shared config folder) and the stack's once.
// facts are what was read in each service's folder, in p.Services order
// (nil: an empty new one). It returns everything the run produces (see
// Result), or the first error; it never touches disk.
func GenerateProject(p spec.Project, facts []*detect.Facts) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	files, err := generate(p)
	if err != nil {
		return Result{}, err
	}
	var r Result
	r.Files = files
	for i, m := range p.Services {
		f := &detect.Facts{}
		if i < len(facts) && facts[i] != nil {
			f = facts[i]
		}
		w := Wiring(m.Spec, f)
		w.In(m.Dir)
		r.Wiring.Add(w)
		if i == 0 {
			// One .gitignore, at the root: the stack's env file is there.
			if e := gitignoreEdit(m.Spec, f); e != nil {
				r.Edits = append(r.Edits, *e)
			}
		}
		for _, g := range All {
			if !applies(g, m.Spec) {
				continue
			}
			if g.Steps != nil {
				for _, st := range g.Steps(m.Spec) {
					// A step runs in its folder; what it names (the Node
					// main, the preload) stays relative to it.
					st.Dir = path.Join(m.Dir, st.Dir)
					r.Steps = append(r.Steps, st)
				}
			}
			if g.Notes != nil {
				r.Notes = append(r.Notes, g.Notes(m.Spec)...)
			}
		}
	}
	return r, nil
}

// generate runs every generator: the files sorted by path, each finished
// (header, formatting).
func generate(p spec.Project) ([]generators.File, error) {
	seen := map[string]string{}
	var out []generators.File
	add := func(who string, files []generators.File) error {
		for _, f := range files {
			if !fs.ValidPath(f.Path) || f.Path == "." {
				return fmt.Errorf("generator %s: %q is not a clean relative path", who, f.Path)
			}
			if prev, dup := seen[f.Path]; dup {
				return fmt.Errorf("generators %s and %s both write %s", prev, who, f.Path)
			}
			seen[f.Path] = who
			done, err := generators.Finish(f)
			if err != nil {
				return fmt.Errorf("generator %s: %w", who, err)
			}
			out = append(out, done)
		}
		return nil
	}
	stack := p.Stack()
	for _, g := range All {
		if !applies(g, stack) {
			continue
		}
		if g.Stack != nil {
			files, err := g.Stack(p)
			if err != nil {
				return nil, fmt.Errorf("generator %s: %w", g.Name, err)
			}
			if err := add(g.Name, files); err != nil {
				return nil, err
			}
		}
		if g.Generate == nil {
			continue
		}
		for _, m := range p.Services {
			files, err := g.Generate(m.Spec)
			if err != nil {
				return nil, fmt.Errorf("generator %s: %w", g.Name, err)
			}
			who := g.Name
			if p.Listed {
				who += " (service " + m.Spec.Service.Name + ")"
			}
			if err := add(who, inFolder(m, files)); err != nil {
				return nil, err
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// inFolder moves a service's files into its folder, but for those under
// the shared config folder.
func inFolder(m spec.Member, files []generators.File) []generators.File {
	if m.Dir == "." {
		return files
	}
	cfg := m.Spec.Output.ConfigDir + "/"
	for i := range files {
		if !strings.HasPrefix(files[i].Path, cfg) {
			files[i].Path = path.Join(m.Dir, files[i].Path)
		}
	}
	return files
}
