package steps

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/obsgen/obsgen/generators"
)

// planGoModules asks go get only for modules go.mod lacks or has at an
// older version than obsgen was tested with, so it never downgrades. With
// Resolve it runs that go get against a temporary copy of go.mod and go.sum
// to list every requirement of the service's that would move (a framework
// pulled up by the instrumentation, the go directive), before anything does.
func planGoModules(root string, st generators.Step, opt Options) (Planned, error) {
	p := Planned{Step: st}
	dir := filepath.Join(root, filepath.FromSlash(st.Dir))
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return p, err
	}
	var cur *modfile.File
	if exists {
		if cur, err = modfile.ParseLax("go.mod", data, nil); err != nil {
			return p, fmt.Errorf("%s: %w", filepath.Join(st.Dir, "go.mod"), err)
		}
	}
	var want []string
	for _, d := range st.Deps {
		have := required(cur, d.Name)
		if have != "" && d.AnyVersion {
			continue
		}
		if have == "" || semver.Compare(have, d.Version) < 0 {
			want = append(want, d.Name+"@"+d.Version)
		}
	}
	cmd := func(args ...string) Command { return Command{Dir: st.Dir, Args: append([]string{"go"}, args...)} }
	if !exists {
		p.Commands = append(p.Commands, cmd("mod", "init", st.Init))
	}
	if len(want) > 0 {
		p.Commands = append(p.Commands, cmd(append([]string{"get"}, want...)...))
	}
	p.Commands = append(p.Commands, cmd("mod", "tidy"))
	if !opt.Resolve || !exists || len(want) == 0 {
		return p, nil
	}
	ups, err := resolveUpgrades(dir, data, cur, want)
	if err != nil {
		p.Note = "could not work out upgrades in advance: " + err.Error()
		return p, nil
	}
	p.Upgrades = ups
	if len(ups) == 0 {
		p.Note = "no requirement of the service changes version"
	}
	return p, nil
}

func resolveUpgrades(dir string, data []byte, cur *modfile.File, want []string) ([]Upgrade, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "obsgen-gomod-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	mod := filepath.Join(tmp, "go.mod")
	if err := os.WriteFile(mod, data, 0o600); err != nil {
		return nil, err
	}
	if sum, err := os.ReadFile(filepath.Join(dir, "go.sum")); err == nil {
		if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o600); err != nil {
			return nil, err
		}
	}
	c := exec.Command(goTool, append([]string{"get", "-modfile=" + mod}, want...)...)
	c.Dir = dir
	if out, err := c.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go get: %v: %s", err, lastLine(out))
	}
	after, err := os.ReadFile(mod)
	if err != nil {
		return nil, err
	}
	next, err := modfile.ParseLax("go.mod", after, nil)
	if err != nil {
		return nil, err
	}
	return diffModules(cur, next), nil
}

// diffModules lists the requirements of before that after changes, and the
// go and toolchain lines.
func diffModules(before, after *modfile.File) []Upgrade {
	var ups []Upgrade
	if b, a := goLine(before), goLine(after); b != a {
		ups = append(ups, Upgrade{Path: "go", From: b, To: a})
	}
	if b, a := toolchain(before), toolchain(after); b != a {
		ups = append(ups, Upgrade{Path: "toolchain", From: b, To: a})
	}
	for _, r := range before.Require {
		if v := required(after, r.Mod.Path); v != "" && v != r.Mod.Version {
			ups = append(ups, Upgrade{Path: r.Mod.Path, From: r.Mod.Version, To: v})
		}
	}
	return ups
}

func goLine(f *modfile.File) string {
	if f.Go == nil {
		return "(none)"
	}
	return f.Go.Version
}

func toolchain(f *modfile.File) string {
	if f.Toolchain == nil {
		return "(none)"
	}
	return f.Toolchain.Name
}

// required returns the version f requires of path, or "".
func required(f *modfile.File, path string) string {
	if f == nil {
		return ""
	}
	for _, r := range f.Require {
		if r.Mod.Path == path {
			return r.Mod.Version
		}
	}
	return ""
}

func lastLine(b []byte) string {
	s := string(b)
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}
