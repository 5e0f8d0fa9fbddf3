// Package golden holds obsgen's reviewed output: each scenario is an answers
// file in and the whole expected tree out, in one txtar file under testdata.
// Other packages' tests load the scenarios to check every golden output with
// the real tool that consumes it.
package golden

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"golang.org/x/tools/txtar"

	"github.com/obsgen/obsgen/internal/spec"
)

// Section names inside a scenario file.
const (
	AnswersSection = "obsgen.yaml"
	ErrorSection   = "error"
	OutPrefix      = "out/"
)

// Scenario is one golden case.
type Scenario struct {
	Name    string
	Path    string
	Comment []byte
	Answers []byte
	// WantError is the expected error text for a scenario that must be
	// rejected; empty when the scenario generates files.
	WantError string
	// Files maps each expected output path to its content.
	Files map[string][]byte
}

// Dir is the folder holding the scenarios.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata")
}

// Load reads every scenario, sorted by name.
func Load() ([]Scenario, error) {
	paths, err := filepath.Glob(filepath.Join(Dir(), "*.txtar"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []Scenario
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			return nil, err
		}
		sc := Scenario{Name: strings.TrimSuffix(filepath.Base(p), ".txtar"), Path: p, Comment: a.Comment, Files: map[string][]byte{}}
		for _, f := range a.Files {
			switch {
			case f.Name == AnswersSection:
				sc.Answers = f.Data
			case f.Name == ErrorSection:
				sc.WantError = strings.TrimSpace(string(f.Data))
			case strings.HasPrefix(f.Name, OutPrefix):
				sc.Files[strings.TrimPrefix(f.Name, OutPrefix)] = f.Data
			}
		}
		out = append(out, sc)
	}
	return out, nil
}

// Generating returns the scenarios that generate files (not the ones that
// must be rejected), for tests that run real tools over every output. It is
// an error when there are none: a harness that checks nothing passes.
func Generating() ([]Scenario, error) {
	all, err := Load()
	if err != nil {
		return nil, err
	}
	var out []Scenario
	for _, sc := range all {
		if sc.WantError == "" {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no golden scenario generates files")
	}
	return out, nil
}

// Spec reads the scenario's answers the way `obsgen generate` does: strict
// parsing, then the answers derived from others. For a scenario of several
// services it is the answers the stack is generated from (Project has each
// service's).
func (sc Scenario) Spec() (spec.Spec, error) {
	p, err := sc.Project()
	if err != nil {
		return spec.Spec{}, err
	}
	return p.Stack(), nil
}

// Project reads the scenario's answers as Spec does, every service.
func (sc Scenario) Project() (spec.Project, error) {
	p, err := parseAnswers(sc.Answers)
	if err != nil {
		return spec.Project{}, fmt.Errorf("%s: %w", sc.Name, err)
	}
	return p, nil
}

// parseAnswers is the one way golden reads answers: strictly, then the
// answers derived from others, as for a new repository.
func parseAnswers(answers []byte) (spec.Project, error) {
	p, err := spec.ParseProject(AnswersSection, answers)
	if err != nil {
		return spec.Project{}, err
	}
	for i := range p.Services {
		p.Services[i].Spec.Complete(spec.Detected{})
	}
	return p, nil
}

// Format writes a scenario back as txtar, outputs sorted by path.
func (sc Scenario) Format() []byte {
	a := &txtar.Archive{Comment: sc.Comment}
	a.Files = append(a.Files, txtar.File{Name: AnswersSection, Data: sc.Answers})
	if sc.WantError != "" {
		a.Files = append(a.Files, txtar.File{Name: ErrorSection, Data: []byte(sc.WantError + "\n")})
	}
	names := make([]string, 0, len(sc.Files))
	for n := range sc.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a.Files = append(a.Files, txtar.File{Name: OutPrefix + n, Data: sc.Files[n]})
	}
	return txtar.Format(a)
}

// WriteTree writes the scenario's expected files under dir, for tests that
// hand them to real tools.
func (sc Scenario) WriteTree(dir string) error {
	for name, data := range sc.Files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// FilesMatching returns the scenario's output paths with the given suffix.
func (sc Scenario) FilesMatching(suffix string) []string {
	var out []string
	for n := range sc.Files {
		if strings.HasSuffix(n, suffix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Equal reports whether two outputs are the same bytes.
func Equal(a, b []byte) bool { return bytes.Equal(a, b) }
