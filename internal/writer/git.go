package writer

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
)

// Dirty is a file the plan would change whose current content git does not
// hold: modified since it was staged, or untracked.
type Dirty struct {
	Path   string
	Status string // "modified", "untracked", "deleted"
}

// ErrNoGit means Dir is not inside a git work tree, or git is not
// installed: there is no safety net to check.
var ErrNoGit = errors.New("not a git work tree")

// DirtyFiles returns the files Apply would write or remove that hold work
// git could not give back. Staged changes count as safe: `git checkout --
// <file>` restores them. Only these files are checked, not the whole tree,
// so unrelated work in progress never blocks a regenerate.
func (p *Plan) DirtyFiles() ([]Dirty, error) {
	var paths []string
	for _, c := range p.Changes {
		if c.writes() && c.Old != nil {
			paths = append(paths, c.Path)
		}
	}
	git, err := exec.LookPath("git")
	if err != nil {
		return nil, ErrNoGit
	}
	prefix, err := exec.Command(git, "-C", p.Dir, "rev-parse", "--show-prefix").Output()
	if err != nil {
		return nil, ErrNoGit
	}
	if len(paths) == 0 {
		return nil, nil
	}
	args := []string{"-C", p.Dir, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--"}
	for _, pth := range paths {
		args = append(args, ":(literal)"+pth)
	}
	cmd := exec.Command(git, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git status in %s: %w: %s", p.Dir, err, strings.TrimSpace(stderr.String()))
	}
	base := strings.TrimSpace(string(prefix))
	var dirty []Dirty
	fields := strings.Split(string(out), "\x00")
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if len(f) < 4 {
			continue
		}
		x, y, name := f[0], f[1], strings.TrimPrefix(f[3:], base)
		if x == 'R' || x == 'C' {
			i++ // the entry's original name follows
		}
		switch {
		case x == '?' && y == '?':
			dirty = append(dirty, Dirty{Path: name, Status: "untracked"})
		case y == 'M' || y == 'T':
			dirty = append(dirty, Dirty{Path: name, Status: "modified"})
		case y == 'D':
			dirty = append(dirty, Dirty{Path: name, Status: "deleted"})
		}
	}
	sort.Slice(dirty, func(i, j int) bool { return dirty[i].Path < dirty[j].Path })
	return dirty, nil
}
