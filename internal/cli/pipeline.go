package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/registry"
	"github.com/obsgen/obsgen/internal/analyze"
	"github.com/obsgen/obsgen/internal/detect"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/steps"
	"github.com/obsgen/obsgen/internal/wire"
	"github.com/obsgen/obsgen/internal/writer"
)

// mode is what a command does with the plan.
type mode int

const (
	modeWrite mode = iota // init, generate
	modeDiff
	modeCheck
)

// answersPath returns the answers file's path on disk and relative to --dir.
func (g *globalOptions) answersPath() (abs, rel string, err error) {
	if g.Config == "" {
		return filepath.Join(g.Dir, generators.AnswersFile), generators.AnswersFile, nil
	}
	r, err := filepath.Rel(g.Dir, g.Config)
	if err != nil || !filepath.IsLocal(r) {
		return "", "", usageErrorf("--config %s: the answers file must be inside --dir %s", g.Config, g.Dir)
	}
	return g.Config, filepath.ToSlash(r), nil
}

func (g *globalOptions) check() error {
	if g.Output != "text" && g.Output != "json" {
		return usageErrorf("--output %q: use text or json", g.Output)
	}
	return nil
}

// loadAnswers reads the answers file; missing reports (nil error, ok=false).
func (g *globalOptions) loadAnswers() (p spec.Project, ok bool, err error) {
	abs, _, err := g.answersPath()
	if err != nil {
		return spec.Project{}, false, err
	}
	data, err := spec.ReadFile(g.Dir, abs)
	if errors.Is(err, fs.ErrNotExist) {
		return spec.Project{}, false, nil
	}
	if err != nil {
		return spec.Project{}, false, &exitError{code: ExitUsage, err: err}
	}
	p, err = spec.ParseProject(abs, data)
	if err != nil {
		return spec.Project{}, false, &exitError{code: ExitUsage, err: err}
	}
	return p, true, nil
}

// cmdRun is one command's run: its flags, what it read in the repository
// (once) and whether the user wants the service's mains wired.
type cmdRun struct {
	*globalOptions
	facts *detect.Facts
	// others are what was read in the folders of a project's other
	// services (facts is the first's), in Services order; root at the
	// repository's root (facts itself for a single service).
	others []*detect.Facts
	root   *detect.Facts
	wire   bool
}

// newRun reads the repository for a run.
func (g *globalOptions) newRun() (*cmdRun, error) {
	f, err := registry.Read(g.Dir)
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	return &cmdRun{globalOptions: g, facts: f, root: f, wire: g.Wire}, nil
}

// newProjectRun reads each service's folder of p for a run.
func (g *globalOptions) newProjectRun(p spec.Project) (*cmdRun, error) {
	if !p.Listed {
		return g.newRun()
	}
	root, err := registry.Read(g.Dir)
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	r := &cmdRun{globalOptions: g, root: root, wire: g.Wire}
	for i, m := range p.Services {
		f, err := registry.Read(filepath.Join(g.Dir, filepath.FromSlash(m.Dir)))
		if err != nil {
			return nil, &exitError{code: ExitUsage, err: fmt.Errorf("services.%s: %w", m.Spec.Service.Name, err)}
		}
		if i == 0 {
			r.facts = f
		} else {
			r.others = append(r.others, f)
		}
	}
	return r, nil
}

// allFacts are the facts of every service, in Services order.
func (r *cmdRun) allFacts() []*detect.Facts { return append([]*detect.Facts{r.facts}, r.others...) }

// complete fills every derived answer (registry.Complete). A main that
// does not parse is a usage error naming it: nothing is written.
func (r *cmdRun) complete(s *spec.Spec) error {
	err := registry.Complete(s, r.facts)
	var pe *analyze.ParseError
	if errors.As(err, &pe) {
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s: nothing written", pe)}
	}
	return err
}

// fromAnswers starts the run of a command that needs the answers file:
// the answers, sets applied, every derived answer of every service filled.
func (g *globalOptions) fromAnswers(sets []string) (spec.Project, *cmdRun, error) {
	p, ok, err := g.loadAnswers()
	if err == nil && !ok {
		abs, _, _ := g.answersPath()
		err = usageErrorf("no answers file at %s: run `obsgen init` first, or pass --dir/--config", abs)
	}
	if err != nil {
		return spec.Project{}, nil, err
	}
	r, err := g.newProjectRun(p)
	if err != nil {
		return spec.Project{}, nil, err
	}
	if err := applyProjectSets(&p, sets); err != nil {
		return spec.Project{}, nil, err
	}
	facts := r.allFacts()
	for i := range p.Services {
		f := facts[i]
		err := registry.Complete(&p.Services[i].Spec, f)
		var pe *analyze.ParseError
		if errors.As(err, &pe) {
			return spec.Project{}, nil, &exitError{code: ExitUsage, err: fmt.Errorf("%s: nothing written", pe)}
		}
		if err != nil {
			return spec.Project{}, nil, err
		}
	}
	return p, r, nil
}

// execute is the one path every command ends in: generate everything in
// memory, plan it against the repo, then diff, check or write. It asks
// nothing: every question was asked before.
func (r *cmdRun) execute(streams IO, p spec.Project, writeAnswers bool, m mode) error {
	res, err := registry.GenerateProject(p, r.root, r.allFacts())
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	if m == modeWrite && !r.DryRun {
		// Held from planning to the last step, so the plan is made
		// against the files the write replaces.
		unlock, err := writer.Lock(r.Dir)
		if err != nil {
			return err
		}
		defer unlock()
	}
	files := res.Files
	if m != modeCheck {
		files = append(files, res.Edits...)
	}
	wired := m == modeWrite && r.wire && len(res.Wiring.Edits()) > 0
	if wired {
		files = append(files, res.Wiring.Edits()...)
	}
	for _, s := range p.Specs() {
		for _, warn := range spec.Warnings(s) {
			if p.Listed {
				warn = "services." + s.Service.Name + ": " + warn
			}
			fmt.Fprintln(streams.ErrOut, "obsgen: warning: "+warn)
		}
	}
	if writeAnswers {
		answers, err := r.answersFile(p)
		if err != nil {
			return err
		}
		files = append(files, answers)
	}
	plan, err := writer.NewPlan(r.Dir, files, writer.Options{Force: r.Force, ObsgenVersion: Version})
	if err != nil {
		return err
	}
	switch m {
	case modeDiff:
		return plan.WriteDiff(streams.Out)
	case modeCheck:
		if err := r.report(streams.Out, plan, nil, nil, "drift: "); err != nil {
			return err
		}
		return checkResult(streams.ErrOut, plan)
	}
	if !r.DryRun && !r.AllowDirty {
		if err := refuseDirty(plan); err != nil {
			return err
		}
	}
	// A run that changed nothing stays quiet: the steps already ran when
	// the files were written.
	var after []steps.Planned
	if plan.Drift() {
		after, err = steps.Plan(r.Dir, res.Steps, r.stepOptions())
		if err != nil {
			return err
		}
	}
	if err := r.report(streams.Out, plan, after, &res.Wiring, dryRunPrefix(r.DryRun)); err != nil {
		return err
	}
	if r.Output != "json" {
		res.Wiring.Advise(streams.ErrOut, wired)
	}
	if r.DryRun {
		return nil
	}
	if err := plan.Apply(); err != nil {
		return err
	}
	if plan.Drift() {
		if err := steps.Run(streams.ErrOut, r.Dir, after, r.stepOptions()); err != nil {
			return err
		}
		for _, n := range res.Notes {
			fmt.Fprint(streams.ErrOut, n)
		}
	}
	return attention(plan)
}

// answersFile is the answers file to write, owned as answers.
func (g *globalOptions) answersFile(p spec.Project) (generators.File, error) {
	_, rel, err := g.answersPath()
	if err != nil {
		return generators.File{}, err
	}
	data, err := p.Marshal()
	if err != nil {
		return generators.File{}, err
	}
	return generators.File{Path: rel, Content: data, Mode: 0o644, Owner: writer.Answers}, nil
}

// checkResult fails check when the repo is not what the answers file
// produces: generate would change something, an owned config was edited or
// deleted by hand, or conflict markers are still unresolved. Hand edits to
// merged code are the point of merged code, and pass.
func checkResult(w io.Writer, plan *writer.Plan) error {
	failed := false
	if plan.Drift() {
		fmt.Fprintln(w, "obsgen: generated files differ from what the answers file produces: run `obsgen diff` to see how, `obsgen generate` to update")
		failed = true
	}
	for _, c := range plan.Deviations() {
		what := "edited"
		if c.Old == nil {
			what = "deleted"
		}
		fmt.Fprintf(w, "obsgen: %s: %s by hand, but obsgen owns it: change obsgen.yaml instead and restore the file (git checkout -- <file>)\n", c.Path, what)
		failed = true
	}
	if u := plan.Unresolved(); len(u) > 0 {
		fmt.Fprintf(w, "obsgen: unresolved conflict markers in %s: resolve them, then commit\n", strings.Join(u, ", "))
		failed = true
	}
	if failed {
		return &exitError{code: ExitDrift, err: errSilent}
	}
	return nil
}

// refuseDirty stops a write that would change files git cannot give back:
// git is the user's undo for a regenerate.
func refuseDirty(plan *writer.Plan) error {
	dirty, err := plan.DirtyFiles()
	if errors.Is(err, writer.ErrNoGit) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(dirty) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("refusing to write: obsgen would change these files, and git does not hold their current content:")
	for _, d := range dirty {
		fmt.Fprintf(&b, "\n  %s (%s)", d.Path, d.Status)
	}
	b.WriteString("\ncommit them (or `git add` them) first, so `git diff` shows exactly what obsgen changed and git can undo it; or pass --allow-dirty")
	return &exitError{code: ExitDirty, err: errors.New(b.String())}
}

// attention fails a write that left files for a person: conflicts (with
// markers, or not written because a file was in the way), edited files
// obsgen no longer generates, and markers still unresolved.
func attention(plan *writer.Plan) error {
	var items []string
	seen := map[string]bool{}
	markers := false
	for _, c := range plan.Conflicts() {
		// A file obsgen did not write (nothing merged, no markers) says
		// why and what to do; the others hold markers, or are orphans.
		why := string(c.Action)
		if c.Action == writer.Conflict && c.Conflicts == 0 && c.New == nil {
			why = c.Reason
		} else {
			markers = markers || c.Action == writer.Conflict
		}
		items = append(items, fmt.Sprintf("%s (%s)", c.Path, why))
		seen[c.Path] = true
	}
	for _, u := range plan.Unresolved() {
		markers = true
		if !seen[u] {
			items = append(items, u+" (unresolved conflict markers)")
		}
	}
	if len(items) == 0 {
		return nil
	}
	todo := "decide about each file, then run obsgen again"
	if markers {
		todo = "resolve the <<<<<<< ours / >>>>>>> obsgen markers (or decide about the file), then commit; `obsgen check` passes when none are left"
	}
	return &exitError{code: ExitConflict, err: fmt.Errorf("%d file(s) need your attention, everything else was written:\n  %s\n%s", len(items), strings.Join(items, "\n  "), todo)}
}

type jsonReport struct {
	DryRun bool       `json:"dry_run"`
	Files  []jsonFile `json:"files"`
	// Steps run after the files are written, with what they upgrade.
	Steps []steps.Planned `json:"steps"`
	// Found is what obsgen read in the service's code; Wiring the plan for
	// each of its mains.
	Found  *analyze.Service `json:"found,omitempty"`
	Wiring []wire.MainPlan  `json:"wiring,omitempty"`
	// Dependencies are the planned (or by-hand) rewrites of the service's
	// own clients of its dependencies.
	Dependencies []wire.DepPlan `json:"dependencies,omitempty"`
}

type jsonFile struct {
	Path      string `json:"path"`
	Action    string `json:"action"`
	Owner     string `json:"owner"`
	Reason    string `json:"reason,omitempty"`
	Edited    bool   `json:"edited,omitempty"`
	Conflicts int    `json:"conflicts,omitempty"`
	Markers   bool   `json:"unresolved_markers,omitempty"`
}

func dryRunPrefix(dry bool) string {
	if dry {
		return "dry run, nothing written; would have: "
	}
	return ""
}

// report prints the plan: a line per file and a summary with prefix, or JSON.
func (g *globalOptions) report(w io.Writer, p *writer.Plan, after []steps.Planned, found *wire.Plan, prefix string) error {
	if g.Output == "json" {
		r := jsonReport{DryRun: g.DryRun, Files: []jsonFile{}, Steps: after}
		if found != nil {
			r.Found, r.Wiring, r.Dependencies = found.Found, found.Mains, found.Dependencies
		}
		if r.Steps == nil {
			r.Steps = []steps.Planned{}
		}
		for _, c := range p.Changes {
			r.Files = append(r.Files, jsonFile{Path: c.Path, Action: string(c.Action), Owner: string(c.Owner), Reason: c.Reason, Edited: c.Edited, Conflicts: c.Conflicts, Markers: c.Markers})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	if found != nil {
		found.Summary(w)
	}
	counts := map[writer.Action]int{}
	for _, c := range p.Changes {
		counts[c.Action]++
		line := fmt.Sprintf("%-10s %s", c.Action, c.Path)
		if c.Reason != "" {
			line += "  (" + c.Reason + ")"
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	if !p.Drift() {
		_, err := fmt.Fprintln(w, "nothing to do: every file is up to date")
		return err
	}
	var parts []string
	for _, a := range []writer.Action{writer.Create, writer.Update, writer.Merge, writer.Delete, writer.Unchanged, writer.Skip, writer.Conflict, writer.Orphan} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	if _, err := fmt.Fprintln(w, prefix+strings.Join(parts, ", ")); err != nil {
		return err
	}
	steps.Report(w, after, "then: ")
	return nil
}

// stepOptions says how the steps after a write run: printed instead with
// --skip-go-get or --skip-install, upgrades worked out in advance only when they will run or
// a dry run asks what they would do.
func (g *globalOptions) stepOptions() steps.Options {
	skip := func(k generators.StepKind) bool {
		return g.SkipGoGet && (k == generators.GoModules || k == generators.GoBuild) ||
			g.SkipInstall && k == generators.NPMInstall
	}
	return steps.Options{Resolve: !g.SkipGoGet, Skip: skip}
}
