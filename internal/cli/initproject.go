package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/obsgen/obsgen/generators/registry"
	"github.com/obsgen/obsgen/internal/detect"
	"github.com/obsgen/obsgen/internal/spec"
)

// initProject starts the answers file of a repository of several
// services: the flags are the shared answers, each service is named after
// its folder and starts from what its go.mod or package.json says, and
// their ports follow each other from --port. It asks nothing: the wizard
// asks about one service.
func (r *cmdRun) initProject(streams IO, shared spec.Spec, found []detect.FoundService, changed func(string) bool) error {
	var names []string
	for _, f := range found {
		names = append(names, f.Name+" ("+f.Dir+")")
	}
	if changed("service-name") {
		return usageErrorf("--service-name: this repository has several services, each named after its folder: %s; leave it out, and rename a service in obsgen.yaml afterwards", strings.Join(names, ", "))
	}
	fmt.Fprintf(streams.ErrOut, "found %d services: %s; the flags are answers they share (see docs/multi-service.md)\n", len(found), strings.Join(names, ", "))
	p := spec.Project{Listed: true, Name: projectName(r.Dir), Shared: shared}
	r.root = r.facts
	r.facts, r.others = nil, nil
	for i, f := range found {
		s := shared
		s.Dependencies = slices.Clone(shared.Dependencies)
		s.Service.Name, s.Listed = f.Name, true
		s.Service.Port = shared.Service.Port + i
		facts, err := registry.Read(filepath.Join(r.Dir, filepath.FromSlash(f.Dir)))
		if err != nil {
			return &exitError{code: ExitUsage, err: fmt.Errorf("%s: %w", f.Dir, err)}
		}
		detect.Apply(&s, facts.Manifest, changed, prefixWriter{streams.ErrOut, f.Name + ": "})
		if err := bundled(facts.Manifest, changed, s.Output.CodeDir); err != nil {
			return fmt.Errorf("%s: %w", f.Dir, err)
		}
		if err := registry.Complete(&s, facts); err != nil {
			return &exitError{code: ExitUsage, err: fmt.Errorf("%s: %w", f.Dir, err)}
		}
		p.Services = append(p.Services, spec.Member{Dir: f.Dir, Spec: s})
		if i == 0 {
			r.facts = facts
		} else {
			r.others = append(r.others, facts)
		}
	}
	p.SetObsgenVersion(Version)
	return r.execute(streams, p, true, modeWrite)
}

// projectName is the repository folder's name as a project name.
func projectName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return spec.DefaultProjectName
	}
	if n := strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '-'
	}, filepath.Base(abs)), "-"); n != "" && n[0] >= 'a' && n[0] <= 'z' && len(n) <= 63 {
		return n
	}
	return spec.DefaultProjectName
}

// prefixWriter starts each write (a line of detect.Apply's) with prefix.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, p.prefix); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}

// bundled refuses a Node service that a bundler builds when --node-main
// does not say which file the bundle is: the start command obsgen would
// print would run a file no build writes.
func bundled(d spec.Detected, changed func(string) bool, codeDir string) error {
	if d.Bundler == "" || changed("node-main") {
		return nil
	}
	return usageErrorf("node.main (--node-main): the service is built by %s (project.json), so the file node runs is the bundle's, which obsgen cannot know: pass --node-main with the file your build writes (e.g. dist/apps/api/main.js), and make the build emit %s/register too (a second entry point of the bundle, or an import at the top of your entry); nothing written", d.Bundler, codeDir)
}
