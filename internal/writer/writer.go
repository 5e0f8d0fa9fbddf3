// Package writer is the only code in obsgen that touches disk. It plans what
// a set of generated files would do to a service repo, merging obsgen's new
// output with hand edits three ways (base = what obsgen generated last time,
// kept in BaseDir; ours = the file on disk; theirs = the new output), then
// applies the plan file by file with temp-file-and-rename, so no file is
// ever half written, and never outside the repo. The ownership record is
// written last, after an intent record that lets a run killed half way be
// recovered by the next.
package writer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/merge"
)

// Action is what applying a plan does to one file.
type Action string

const (
	Create    Action = "created"
	Update    Action = "updated"
	Merge     Action = "merged"
	Unchanged Action = "unchanged"
	Skip      Action = "skipped"
	Conflict  Action = "conflict"
	Delete    Action = "deleted"
	// Orphan is a file obsgen no longer generates but the user edited: it
	// is left in place and dropped from the record.
	Orphan Action = "orphaned"
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
	// the plan writes (nil when it writes nothing to this path).
	Old, New []byte
	// Want is what obsgen generated, also for files it does not write.
	Want   []byte
	Reason string
	// Edited reports that the file on disk differs from obsgen's last
	// output, or was deleted.
	Edited bool
	// Conflicts counts the conflict regions written into New.
	Conflicts int
	// Markers reports that the file will hold unresolved conflict markers
	// after apply: written now, or left from an earlier run.
	Markers bool
}

// writes reports whether applying the change touches the file.
func (c Change) writes() bool {
	return c.New != nil || c.Action == Delete
}

// Options change how files on disk are treated.
type Options struct {
	// Force overwrites edited files, recreates deleted ones and removes
	// edited files obsgen no longer generates.
	Force bool
	// ObsgenVersion is recorded in the manifest.
	ObsgenVersion string
}

// Plan is everything a run would do to the repo at Dir.
type Plan struct {
	Dir     string
	Changes []Change

	next    Manifest
	current []byte // the record on disk now
	// stage holds the bases to store, by path; drop the stored bases no
	// longer needed.
	stage map[string][]byte
	drop  []string
	// recovered is the record a killed run left implied, and moves the
	// bases it needs from the pending folder; nil when there was no crash.
	recovered *Manifest
	moves     []string
	// temps are temp files a killed run left beside the files; leftovers
	// says it left a pending folder too.
	temps     []string
	leftovers bool
	// hook, when set, runs before every change to disk; an error stops
	// Apply there, as a crash would. Tests use it.
	hook func(op string) error
}

// NewPlan compares files with the repo at dir and its ownership record. It
// reads but never writes.
func NewPlan(dir string, files []generators.File, opts Options) (*Plan, error) {
	root, err := openRoot(dir, false)
	if err != nil {
		return nil, err
	}
	if root != nil {
		defer root.Close()
	}
	st, err := loadState(root)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		Dir:       dir,
		next:      Manifest{Version: 1, ObsgenVersion: opts.ObsgenVersion},
		current:   st.recordBytes,
		stage:     map[string][]byte{},
		recovered: st.recovered,
		leftovers: st.leftovers,
		moves:     st.moves,
	}
	// bases maps every path the next record keeps a base for to its
	// content: always the new output, as every recorded entry of a
	// generated file either is new or has the new output's hash.
	bases := map[string][]byte{}
	record := func(e Entry, base []byte) {
		p.next.Files = append(p.next.Files, e)
		if e.keepsBase() {
			bases[e.Path] = base
		}
	}
	generated := map[string]bool{}
	for _, f := range files {
		if !fs.ValidPath(f.Path) || f.Path == "." || f.Path == ManifestFile || f.Path == StateDir || strings.HasPrefix(f.Path, StateDir+"/") {
			return nil, fmt.Errorf("refusing to write %q: not a path inside %s", f.Path, dir)
		}
		if generated[f.Path] {
			return nil, fmt.Errorf("refusing to write %q twice", f.Path)
		}
		generated[f.Path] = true
		disk, err := readFile(root, f.Path)
		if err != nil {
			return nil, err
		}
		e, known := st.effective[f.Path]
		var base []byte
		// A file once created-once and now merged (the example main) has
		// its unedited content on disk as base.
		if known && (e.keepsBase() || f.Owner != generators.CreateOnce) {
			base = st.base(e, disk)
		}
		c, rec := decide(f, disk, e, known, base, opts)
		p.Changes = append(p.Changes, c)
		switch rec {
		case recordKeep:
			e.Owner = f.Owner
			record(e, f.Content)
		case recordNew:
			record(Entry{Path: f.Path, Owner: f.Owner, SHA256: hashOf(f.Content)}, f.Content)
		}
	}
	for _, e := range st.sorted() {
		if generated[e.Path] {
			continue
		}
		disk, err := readFile(root, e.Path)
		if err != nil {
			return nil, err
		}
		c := Change{Path: e.Path, Owner: e.Owner, Old: disk, Edited: disk != nil && hashOf(disk) != e.SHA256}
		switch {
		case disk == nil, e.Owner == generators.CreateOnce:
			// Gone already, or the user's since it was created (an
			// example main they may build): forget it, leave the file.
			continue
		case !c.Edited || opts.Force:
			c.Action, c.Reason = Delete, "no longer generated"
		default:
			c.Action, c.Reason = Orphan, "no longer generated, but edited by hand: left in place and no longer tracked; delete it if nothing needs it"
			c.Markers = merge.HasMarkers(disk)
		}
		p.Changes = append(p.Changes, c)
	}
	sort.Slice(p.Changes, func(i, j int) bool { return p.Changes[i].Path < p.Changes[j].Path })
	for pth, content := range bases {
		if st.stored[pth] != hashOf(content) {
			p.stage[pth] = content
		}
	}
	for pth := range st.stored {
		if _, ok := bases[pth]; !ok {
			p.drop = append(p.drop, pth)
		}
	}
	sort.Strings(p.drop)
	dirs := map[string]bool{".": true}
	for _, c := range p.Changes {
		dirs[path.Dir(c.Path)] = true
	}
	for _, d := range sortedKeys(dirs) {
		temps, err := findTemps(root, d)
		if err != nil {
			return nil, err
		}
		p.temps = append(p.temps, temps...)
	}
	return p, nil
}

// recording is what the next record says about a generated file.
type recording int

const (
	recordNew  recording = iota // obsgen's new output is the file's base
	recordKeep                  // the entry stays as it was
	recordNone                  // not obsgen's file (or the answers file)
)

// decide picks the action for one generated file and how to record it.
func decide(f generators.File, disk []byte, e Entry, known bool, base []byte, opts Options) (c Change, rec recording) {
	c = Change{Path: f.Path, Owner: f.Owner, Mode: f.Mode, Old: disk, Want: f.Content}
	if f.Owner == Answers {
		switch {
		case disk == nil:
			c.Action, c.New = Create, f.Content
		case bytes.Equal(disk, f.Content):
			c.Action = Unchanged
		default:
			c.Action, c.New = Update, f.Content
		}
		return c, recordNone
	}
	if f.Owner == generators.Edit {
		switch {
		case bytes.Equal(disk, f.Content):
			c.Action = Unchanged
		case (disk == nil) != (f.From == nil) || !bytes.Equal(disk, f.From):
			c.Action, c.Reason = Conflict, "changed while obsgen planned its edit: run obsgen again"
		case disk == nil:
			c.Action, c.New, c.Reason = Create, f.Content, f.Why
		default:
			c.Action, c.New, c.Reason = Update, f.Content, f.Why
		}
		return c, recordNone
	}
	c.Edited = known && (disk == nil || hashOf(disk) != e.SHA256)
	defer func() {
		switch {
		case c.New != nil:
			c.Markers = merge.HasMarkers(c.New)
		case disk != nil:
			c.Markers = merge.HasMarkers(disk) && !merge.HasMarkers(f.Content)
		}
	}()
	switch {
	case disk == nil && known && !opts.Force:
		// The user deleted it: their decision stands. Say so only when
		// obsgen has something new for it, so the common case stays quiet.
		if e.SHA256 == hashOf(f.Content) || f.Owner == generators.CreateOnce {
			c.Action = Unchanged
			return c, recordKeep
		}
		c.Action, c.Reason = Skip, "deleted by hand and obsgen's output for it changed: pass --force to recreate it"
	case disk == nil:
		c.Action, c.New = Create, f.Content
	case bytes.Equal(disk, f.Content):
		// Also the file a killed run wrote just before it died.
		c.Action, c.Edited = Unchanged, false
	case f.Owner == generators.CreateOnce && !opts.Force:
		// Once created it is the user's, and so is a file already there.
		c.Action = Unchanged
		if !known {
			c.Reason = "kept: not written by obsgen"
			if f.Kept != "" {
				c.Reason += "; " + f.Kept
			}
			return c, recordNone
		}
		return c, recordKeep
	case opts.Force:
		c.Action, c.New, c.Reason = Update, f.Content, "--force"
		if c.Edited {
			c.Reason = "edited by hand; overwritten because of --force"
		}
	case !known:
		c.Action, c.Reason = Conflict, "exists but was not written by obsgen: move it away, or pass --force to overwrite it"
		return c, recordNone
	case base == nil:
		r := merge.TwoWay(disk, f.Content)
		c.Action, c.New, c.Conflicts = Conflict, r.Content, r.Conflicts
		c.Reason = fmt.Sprintf("edited by hand, and obsgen's last output for it is missing from %s: every difference is marked", BaseDir)
	case bytes.Equal(disk, base):
		c.Action, c.New = Update, f.Content
	case bytes.Equal(base, f.Content):
		// Edited by the user, unchanged by obsgen: the user's file stands.
		c.Action = Unchanged
		return c, recordKeep
	default:
		r := merge.Merge(base, disk, f.Content)
		switch {
		case r.Conflicts > 0:
			c.Action, c.New, c.Conflicts = Conflict, r.Content, r.Conflicts
			c.Reason = fmt.Sprintf("%d conflict(s) between your edits and obsgen's new output: resolve the <<<<<<< markers", r.Conflicts)
		case bytes.Equal(r.Content, disk):
			c.Action = Unchanged
		default:
			c.Action, c.New, c.Reason = Merge, r.Content, "your edits kept"
		}
	}
	return c, recordNew
}

// Drift reports whether applying the plan would change any file, or needs
// a person for one.
func (p *Plan) Drift() bool {
	for _, c := range p.Changes {
		if c.Action != Unchanged && c.Action != Skip {
			return true
		}
	}
	return false
}

// Deviations returns the owned files (config obsgen fully owns, generated
// from the answers) that a person edited or deleted, and that applying the
// plan leaves as they are: generate never loses those edits, but check
// reports them, since the answers file no longer describes the config.
func (p *Plan) Deviations() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Owner == generators.Owned && c.Edited && !c.writes() && c.Action != Orphan {
			out = append(out, c)
		}
	}
	return out
}

// Conflicts returns the changes that need a person: conflicts (written
// with markers or not written at all) and orphaned edited files.
func (p *Plan) Conflicts() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Action == Conflict || c.Action == Orphan {
			out = append(out, c)
		}
	}
	return out
}

// Unresolved lists the files that will hold conflict markers after apply.
func (p *Plan) Unresolved() []string {
	var out []string
	for _, c := range p.Changes {
		if c.Markers && c.Action != Delete {
			out = append(out, c.Path)
		}
	}
	return out
}

// needsApply reports whether Apply has anything to write.
func (p *Plan) needsApply() bool {
	for _, c := range p.Changes {
		if c.writes() {
			return true
		}
	}
	return p.recovered != nil || p.leftovers || len(p.temps) > 0 || len(p.stage) > 0 || len(p.drop) > 0 || !bytes.Equal(p.current, p.next.marshal())
}

// Apply carries out the plan, in an order that survives being killed at
// any point:
//
//  1. the new bases and the intent record go to the pending folder;
//  2. the answers file, then every file in path order, each atomically;
//  3. the bases move into BaseDir, then the ownership record is replaced;
//  4. the pending folder is removed.
//
// Until step 3 the old record and bases are intact, and the intent record
// says what each file holds once written, so the next run knows which files
// this run wrote and which it did not. A failure stops at once.
func (p *Plan) Apply() error {
	if !p.needsApply() {
		return nil
	}
	root, err := openRoot(p.Dir, true)
	if err != nil {
		return err
	}
	defer root.Close()
	a := &applier{root: root, hook: p.hook}
	if p.recovered != nil {
		// Commit what the killed run finished, so the intent record this
		// run writes replaces a consistent state.
		for _, pth := range p.moves {
			if err := a.rename(path.Join(pendingBaseDir, pth), path.Join(BaseDir, pth)); err != nil {
				return err
			}
		}
		if err := a.writeAtomic(ManifestFile, p.recovered.marshal(), 0o644); err != nil {
			return err
		}
	}
	if err := a.removeAll(pendingDir); err != nil {
		return err
	}
	for _, tmp := range p.temps {
		if err := a.remove(tmp); err != nil {
			return err
		}
	}
	staged := sortedKeys(p.stage)
	for _, pth := range staged {
		if err := a.writeAtomic(path.Join(pendingBaseDir, pth), p.stage[pth], 0o644); err != nil {
			return err
		}
	}
	intent := pending{Manifest: p.next, After: map[string]string{}}
	for _, c := range p.Changes {
		switch {
		case c.New != nil:
			intent.After[c.Path] = hashOf(c.New)
		case c.Old != nil && c.Action != Delete:
			intent.After[c.Path] = hashOf(c.Old)
		default:
			intent.After[c.Path] = ""
		}
	}
	data, err := json.Marshal(intent)
	if err != nil {
		return err
	}
	if err := a.writeAtomic(pendingManifest, data, 0o644); err != nil {
		return err
	}
	// The answers file first: a run killed after it is finished by a plain
	// `obsgen generate`.
	ordered := append([]Change(nil), p.Changes...)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].Owner == Answers && ordered[j].Owner != Answers })
	for _, c := range ordered {
		switch {
		case c.New != nil:
			if err := a.writeAtomic(c.Path, c.New, c.Mode); err != nil {
				return err
			}
		case c.Action == Delete:
			if err := a.remove(c.Path); err != nil {
				return err
			}
		}
	}
	for _, pth := range staged {
		if err := a.rename(path.Join(pendingBaseDir, pth), path.Join(BaseDir, pth)); err != nil {
			return err
		}
	}
	for _, pth := range p.drop {
		if err := a.remove(path.Join(BaseDir, pth)); err != nil {
			return err
		}
	}
	if err := a.writeAtomic(ManifestFile, p.next.marshal(), 0o644); err != nil {
		return err
	}
	return a.removeAll(pendingDir)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
