// Package steps plans and runs what must happen after the generated files
// are written: dependencies added to the service's manifest, a build that
// proves the repo still compiles. Generators describe steps as data; this
// package is the one place that turns them into commands, so the plan can
// show exactly what will run (and what it will upgrade) before anything does.
package steps

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/obsgen/obsgen/generators"
)

// Command is one program run in a folder of the repo.
type Command struct {
	Dir  string   `json:"dir"`
	Args []string `json:"args"`
}

// String is the command as a shell would take it: arguments with spaces
// or shell characters are single-quoted, so a printed command can be
// pasted as it is.
func (c Command) String() string {
	out := make([]string, len(c.Args))
	for i, a := range c.Args {
		out[i] = Quote(a)
	}
	return strings.Join(out, " ")
}

// Quote is the one quoting rule for every command obsgen prints: a word
// of letters, digits and characters no shell treats specially stays as
// it is; anything else is single-quoted.
func Quote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+,=", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Upgrade is a change a step makes to a requirement the service already
// had, or to its toolchain line (Path "go" or "toolchain").
type Upgrade struct {
	Path string `json:"path"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Planned is a step resolved against the repo as it is now.
type Planned struct {
	generators.Step
	// Commands run in order; empty when there is nothing to do.
	Commands []Command `json:"commands"`
	// Upgrades lists what the commands change of the service's own
	// requirements. Known only when the plan was resolved.
	Upgrades []Upgrade `json:"upgrades,omitempty"`
	// Note says what is known and what not (for example why upgrades
	// could not be resolved).
	Note string `json:"note,omitempty"`
}

// Options tune planning and running.
type Options struct {
	// Resolve works out upgrades in advance (for Go: a go get against a
	// temporary copy of go.mod, the repo untouched). It needs the toolchain
	// and the module proxy, so reports that only list commands skip it.
	Resolve bool
	// Skip reports whether steps of a kind are printed instead of run.
	Skip func(generators.StepKind) bool
}

// Plan resolves every step against the repo at dir.
func Plan(dir string, steps []generators.Step, opt Options) ([]Planned, error) {
	var out []Planned
	for _, st := range steps {
		var p Planned
		var err error
		switch st.Kind {
		case generators.GoModules:
			p, err = planGoModules(dir, st, opt)
		case generators.NPMInstall:
			p, err = planNPM(dir, st)
		case generators.GoBuild:
			p = Planned{Step: st, Commands: []Command{{Dir: st.Dir, Args: []string{"go", "build", "./..."}}}}
		default:
			return nil, fmt.Errorf("no runner for step kind %q", st.Kind)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Report prints what the steps will do, one line a command, with the
// upgrades under the command that causes them.
func Report(w io.Writer, planned []Planned, prefix string) {
	for _, p := range planned {
		for i, c := range p.Commands {
			fmt.Fprintf(w, "%srun %s (in %s)\n", prefix, c, c.Dir)
			if i == 0 {
				for _, u := range p.Upgrades {
					fmt.Fprintf(w, "    upgrades %s %s -> %s\n", u.Path, u.From, u.To)
				}
				if p.Note != "" {
					fmt.Fprintf(w, "    %s\n", p.Note)
				}
			}
		}
	}
}

// Run carries out the planned steps in order, saying what it runs. The
// files are already written when it runs: an error names the commands that
// are left for the user.
func Run(w io.Writer, root string, planned []Planned, opt Options) error {
	for i, p := range planned {
		if opt.Skip != nil && opt.Skip(p.Kind) {
			if len(p.Commands) > 0 {
				fmt.Fprintf(w, "skipped %s; for the generated code to build, run:\n", p.Kind)
				for _, c := range p.Commands {
					fmt.Fprintf(w, "  (cd %s && %s)\n", c.Dir, c)
				}
			}
			continue
		}
		for j, c := range p.Commands {
			fmt.Fprintf(w, "running: %s\n", c)
			out, err := run(root, c)
			if err != nil {
				return fmt.Errorf("%s failed: %v\n%s\nthe files are written; fix the above, then run: %s", c, err, out, left(planned[i:], j))
			}
		}
	}
	return nil
}

func run(root string, c Command) (string, error) {
	tool, err := exec.LookPath(c.Args[0])
	if err != nil {
		return "", fmt.Errorf("%s not found in PATH: %w", c.Args[0], err)
	}
	cmd := exec.Command(tool, c.Args[1:]...)
	cmd.Dir = filepath.Join(root, filepath.FromSlash(c.Dir))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// left lists the commands not yet done, from command j of the first step.
func left(planned []Planned, j int) string {
	var parts []string
	for i, p := range planned {
		for k, c := range p.Commands {
			if i == 0 && k < j {
				continue
			}
			parts = append(parts, fmt.Sprintf("(cd %s && %s)", c.Dir, c))
		}
	}
	return strings.Join(parts, " && ")
}
