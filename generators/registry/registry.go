// Package registry lists every generator in the order it runs and turns a
// Spec and the facts read from the repository into everything a run
// produces: the finished files, planned edits of the user's files, the
// steps after the write and notes (Result).
package registry

import (
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

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
	return GenerateProject(spec.Single(s), f, []*detect.Facts{f})
}

// GenerateProject validates p and runs every generator: each service's
// files (in its folder, or the shared config folder) and the stack's once.
// root is what was read at the repository's root (its .gitignore), facts
// what was read in each service's folder, in p.Services order (nil: an
// empty new one). It returns everything the run produces (see Result), or
// the first error; it never touches disk.
func GenerateProject(p spec.Project, root *detect.Facts, facts []*detect.Facts) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	files, err := generate(p)
	if err != nil {
		return Result{}, err
	}
	var r Result
	r.Files = files
	if root == nil {
		root = &detect.Facts{}
	}
	// One .gitignore, at the root: the stack's env file is there.
	if e := gitignoreEdit(p.Stack(), root); e != nil {
		r.Edits = append(r.Edits, *e)
	}
	for i, m := range p.Services {
		f := &detect.Facts{}
		if i < len(facts) && facts[i] != nil {
			f = facts[i]
		}
		w := Wiring(m.Spec, f)
		w.In(m.Dir)
		r.Wiring.Add(w)
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
// (header, formatting). The generators are pure, so each generator's run
// for the stack or for one service is a job of its own and the jobs run
// in parallel; their files are checked and kept in job order, so the
// result and the first error are the same on every run.
func generate(p spec.Project) ([]generators.File, error) {
	type job struct {
		who string
		run func() ([]generators.File, error)
	}
	var jobs []job
	stack := p.Stack()
	for _, g := range All {
		if !applies(g, stack) {
			continue
		}
		if g.Stack != nil {
			jobs = append(jobs, job{g.Name, func() ([]generators.File, error) { return g.Stack(p) }})
		}
		if g.Generate == nil {
			continue
		}
		for _, m := range p.Services {
			who := g.Name
			if p.Listed {
				who += " (service " + m.Spec.Service.Name + ")"
			}
			jobs = append(jobs, job{who, func() ([]generators.File, error) {
				files, err := g.Generate(m.Spec)
				return inFolder(m, files), err
			}})
		}
	}
	type result struct {
		files []generators.File
		err   error
	}
	results := make([]result, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				files, err := jobs[i].run()
				if err == nil {
					files, err = finish(files)
				}
				results[i] = result{files, err}
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()

	seen := map[string]string{}
	var out []generators.File
	for i, r := range results {
		who := jobs[i].who
		if r.err != nil {
			return nil, fmt.Errorf("generator %s: %w", who, r.err)
		}
		for _, f := range r.files {
			if !fs.ValidPath(f.Path) || f.Path == "." {
				return nil, fmt.Errorf("generator %s: %q is not a clean relative path", who, f.Path)
			}
			if prev, dup := seen[f.Path]; dup {
				return nil, fmt.Errorf("generators %s and %s both write %s", prev, who, f.Path)
			}
			seen[f.Path] = who
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// finish finishes each file (header, formatting).
func finish(files []generators.File) ([]generators.File, error) {
	out := make([]generators.File, 0, len(files))
	for _, f := range files {
		done, err := generators.Finish(f)
		if err != nil {
			return nil, err
		}
		out = append(out, done)
	}
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
