// Package writer is the only code in obsgen that touches disk. It plans what
// a set of generated files would do to a service repo (create, update,
// unchanged, conflict, delete), then applies the plan file by file with
// temp-file-and-rename, so no file is ever half written, and never outside
// the repo.
package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"sync/atomic"

	"github.com/obsgen/obsgen/generators"
)

// Action is what applying a plan does to one file.
type Action string

const (
	Create    Action = "created"
	Update    Action = "updated"
	Unchanged Action = "unchanged"
	Skip      Action = "skipped"
	Conflict  Action = "conflict"
	Delete    Action = "deleted"
)

// Answers marks the answers file in a plan: always written as given, never
// recorded in the manifest (it is the input, not output).
const Answers generators.Owner = "answers"

// Change is the plan for one file.
type Change struct {
	Path   string
	Action Action
	Owner  generators.Owner
	Mode   fs.FileMode
	// Old is the content on disk now (nil when missing); New is the content
	// the plan writes (nil for skip, conflict and delete).
	Old, New []byte
	// Want is what obsgen generated, also for skipped and conflicting files.
	Want   []byte
	Reason string
}

// Options change how files on disk are treated.
type Options struct {
	// Force overwrites edited files and recreates deleted ones.
	Force bool
	// ObsgenVersion is recorded in the manifest.
	ObsgenVersion string
}

// Plan is everything a run would do to the repo at Dir.
type Plan struct {
	Dir      string
	Changes  []Change
	manifest Manifest
}

// NewPlan compares files with the repo at dir and its ownership record. It
// reads but never writes.
func NewPlan(dir string, files []generators.File, opts Options) (*Plan, error) {
	root, err := openRoot(dir, false)
	if err != nil {
		return nil, err
	}
	var old Manifest
	if root != nil {
		defer root.Close()
		if data, err := root.ReadFile(ManifestFile); err == nil {
			if old, err = parseManifest(data); err != nil {
				return nil, err
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading %s: %w", ManifestFile, err)
		}
	}
	recorded := old.lookup()
	p := &Plan{Dir: dir, manifest: Manifest{Version: 1, ObsgenVersion: opts.ObsgenVersion}}
	generated := map[string]bool{}
	for _, f := range files {
		if !fs.ValidPath(f.Path) || f.Path == "." || f.Path == ManifestFile {
			return nil, fmt.Errorf("refusing to write %q: not a path inside %s", f.Path, dir)
		}
		generated[f.Path] = true
		disk, err := readFile(root, f.Path)
		if err != nil {
			return nil, err
		}
		c := decide(f, disk, recorded, opts)
		p.Changes = append(p.Changes, c)
		if f.Owner == Answers {
			continue
		}
		// Record what is on disk after apply when obsgen wrote it; keep the
		// old record for files obsgen left alone, so a later run still knows
		// its own last output.
		switch c.Action {
		case Create, Update, Unchanged:
			p.manifest.Files = append(p.manifest.Files, Entry{Path: f.Path, Owner: f.Owner, SHA256: hashOf(f.Content)})
		default:
			if e, ok := recorded[f.Path]; ok {
				e.Owner = f.Owner
				p.manifest.Files = append(p.manifest.Files, e)
			}
		}
	}
	for _, e := range old.Files {
		if generated[e.Path] {
			continue
		}
		disk, err := readFile(root, e.Path)
		if err != nil {
			return nil, err
		}
		switch {
		case disk == nil:
			// Gone already: forget it.
		case hashOf(disk) == e.SHA256 || opts.Force:
			p.Changes = append(p.Changes, Change{Path: e.Path, Action: Delete, Owner: e.Owner, Old: disk, Reason: "no longer generated"})
		default:
			p.Changes = append(p.Changes, Change{Path: e.Path, Action: Conflict, Owner: e.Owner, Old: disk, Reason: "no longer generated, but edited by hand: delete it yourself if it is not needed"})
			p.manifest.Files = append(p.manifest.Files, e)
		}
	}
	sort.Slice(p.Changes, func(i, j int) bool { return p.Changes[i].Path < p.Changes[j].Path })
	return p, nil
}

// decide picks the action for one generated file.
func decide(f generators.File, disk []byte, recorded map[string]Entry, opts Options) Change {
	c := Change{Path: f.Path, Owner: f.Owner, Mode: f.Mode, Old: disk, Want: f.Content}
	e, known := recorded[f.Path]
	switch {
	case disk == nil && known && f.Owner != Answers && !opts.Force:
		c.Action, c.Reason = Skip, "deleted by hand: pass --force to recreate it"
	case disk == nil:
		c.Action, c.New = Create, f.Content
	case string(disk) == string(f.Content):
		c.Action = Unchanged
	case f.Owner == generators.CreateOnce && !opts.Force:
		c.Action, c.Reason = Skip, "created once and now yours"
	case f.Owner == Answers || opts.Force || (known && hashOf(disk) == e.SHA256):
		c.Action, c.New = Update, f.Content
	case known:
		c.Action, c.Reason = Conflict, "edited by hand since obsgen wrote it: review `obsgen diff`, then keep your edit or pass --force"
	default:
		c.Action, c.Reason = Conflict, "exists but was not written by obsgen: move it away or pass --force"
	}
	return c
}

// Drift reports whether applying the plan would change anything.
func (p *Plan) Drift() bool {
	for _, c := range p.Changes {
		if c.Action != Unchanged {
			return true
		}
	}
	return false
}

// Conflicts returns the changes that need a person.
func (p *Plan) Conflicts() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Action == Conflict {
			out = append(out, c)
		}
	}
	return out
}

// Apply carries out the plan: files in path order, each written to a temp
// file and renamed into place, then deletions, then the ownership record.
// A failure stops at once; every file is then either old or new.
func (p *Plan) Apply() error {
	root, err := openRoot(p.Dir, true)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, c := range p.Changes {
		switch c.Action {
		case Create, Update:
			if err := writeAtomic(root, c.Path, c.New, c.Mode); err != nil {
				return err
			}
		case Delete:
			if err := root.Remove(c.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("removing %s: %w", c.Path, err)
			}
		}
	}
	return writeAtomic(root, ManifestFile, p.manifest.marshal(), 0o644)
}

// openRoot opens dir so that no path, symlinks included, can leave it.
// create makes dir first; otherwise a missing dir yields a nil root.
func openRoot(dir string, create bool) (*os.Root, error) {
	if create {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating --dir %s: %w", dir, err)
		}
	}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening --dir %s: %w", dir, err)
	}
	return root, nil
}

func readFile(root *os.Root, name string) ([]byte, error) {
	if root == nil {
		return nil, nil
	}
	b, err := root.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w (obsgen never follows links out of --dir)", name, err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

var tmpCounter atomic.Uint64

// writeAtomic writes data to name via a temp file in the same folder and a
// rename, so readers and crashes see the old file or the new, never a part.
func writeAtomic(root *os.Root, name string, data []byte, mode fs.FileMode) error {
	dir := path.Dir(name)
	if err := root.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	tmp := path.Join(dir, ".obsgen-tmp-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatUint(tmpCounter.Add(1), 10))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = root.Chmod(tmp, mode)
	}
	if werr == nil {
		werr = root.Rename(tmp, name)
	}
	if werr != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("writing %s: %w", name, werr)
	}
	return nil
}
