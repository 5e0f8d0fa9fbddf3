package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/obsgen/obsgen/generators/gocode"
	"github.com/obsgen/obsgen/internal/spec"
)

// goModule makes the service's module build with the generated Go code:
// go mod init when there is no go.mod, go get for each module the code
// imports that go.mod lacks or has at an older version than obsgen was
// tested with (never a downgrade), then go mod tidy. It says what it ran.
// A failure here does not undo the written files: it names the commands to
// run by hand.
func (g *globalOptions) goModule(w io.Writer, s spec.Spec) error {
	mods := gocode.Modules(s)
	if len(mods) == 0 {
		return nil
	}
	gomod := filepath.Join(g.Dir, "go.mod")
	data, err := os.ReadFile(gomod)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var want []string
	for _, m := range mods {
		if have := required(data, m.Path); have == "" || semver.Compare(have, m.Version) < 0 {
			want = append(want, m.Path+"@"+m.Version)
		}
	}
	steps := [][]string{}
	if !exists {
		steps = append(steps, []string{"mod", "init", s.Service.Module})
	}
	if len(want) > 0 {
		steps = append(steps, append([]string{"get"}, want...))
	}
	steps = append(steps, []string{"mod", "tidy"})

	if g.SkipGoGet {
		fmt.Fprintf(w, "skipped (--skip-go-get); for the generated code to build, run in %s:\n", g.Dir)
		for _, st := range steps {
			fmt.Fprintf(w, "  go %s\n", strings.Join(st, " "))
		}
		return nil
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("go not found in PATH (%v): files are written; install Go, then run in %s: %s", err, g.Dir, joinSteps(steps))
	}
	for _, st := range steps {
		fmt.Fprintf(w, "running: go %s\n", strings.Join(st, " "))
		cmd := exec.Command(goTool, st...)
		cmd.Dir = g.Dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s failed: %v\n%s\nfiles are written; fix the above, then run in %s: %s (or pass --skip-go-get)",
				strings.Join(st, " "), err, strings.TrimSpace(out.String()), g.Dir, joinSteps(steps))
		}
	}
	return nil
}

// required returns the version go.mod requires of path, or "".
func required(gomod []byte, path string) string {
	if gomod == nil {
		return ""
	}
	f, err := modfile.ParseLax("go.mod", gomod, nil)
	if err != nil {
		return ""
	}
	for _, r := range f.Require {
		if r.Mod.Path == path {
			return r.Mod.Version
		}
	}
	return ""
}

func joinSteps(steps [][]string) string {
	var parts []string
	for _, st := range steps {
		parts = append(parts, "go "+strings.Join(st, " "))
	}
	return strings.Join(parts, " && ")
}

// snippet is printed after a write: the lines to add to a main the service
// already has (the example main is created only when missing).
func snippet(w io.Writer, s spec.Spec) {
	if s.Service.Language != "go" {
		return
	}
	imp := s.Service.Module + "/" + s.Output.CodeDir
	pkg := gocode.PackageName(s)
	var wrap string
	switch s.Service.Framework {
	case "chi":
		wrap = "r.Use(" + pkg + ".Middleware)            // first, on the chi router"
	case "gin":
		wrap = "r.Use(" + pkg + ".Middleware()...)       // first, on a gin.New() engine"
	case "echo":
		wrap = "e.Use(" + pkg + ".Middleware())          // first, on the echo server"
	default:
		wrap = "handler := " + pkg + ".Middleware(mux)   // serve handler, not mux"
	}
	fmt.Fprintf(w, `
Wire it into your main (%s shows a complete one):
  import %q
  shutdown, err := %s.Setup(ctx)  // then: defer shutdown(context.Background())
  %s
`, gocode.ExampleMainPath(s), imp, pkg, wrap)
}

// afterWrite runs once generated files are on disk: the Go module steps and
// the wiring snippet, on the error stream so -o json output stays clean.
func (g *globalOptions) afterWrite(streams IO, s spec.Spec) error {
	if err := g.goModule(streams.ErrOut, s); err != nil {
		return err
	}
	snippet(streams.ErrOut, s)
	return nil
}
