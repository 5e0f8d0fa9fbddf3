package writer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// state is what a run finds on disk: the ownership record, the stored
// bases, and, after a killed run, what that run had finished.
type state struct {
	root        *os.Root
	recordBytes []byte
	// effective is the record that matches the disk: the committed one,
	// with the entries of files a killed run already wrote taken from its
	// intent record.
	effective map[string]Entry
	// stored maps each file in BaseDir to the hash of its content.
	stored map[string]string
	// pendingStored is the same for the killed run's staged bases.
	pendingStored map[string]string
	recovered     *Manifest
	moves         []string
	// leftovers reports a pending folder, complete or not.
	leftovers bool
}

func loadState(root *os.Root) (*state, error) {
	st := &state{root: root, effective: map[string]Entry{}, stored: map[string]string{}}
	if root == nil {
		return st, nil
	}
	var record Manifest
	data, err := readFile(root, ManifestFile)
	if err != nil {
		return nil, err
	}
	if data != nil {
		st.recordBytes = data
		if record, err = parseManifest(ManifestFile, data); err != nil {
			return nil, err
		}
	}
	st.effective = record.lookup()
	if st.stored, err = hashTree(root, BaseDir); err != nil {
		return nil, err
	}
	if _, err := root.Lstat(pendingDir); err == nil {
		st.leftovers = true
	}
	data, err = readFile(root, pendingManifest)
	if err != nil || data == nil {
		return st, err
	}
	var intent pending
	if err := json.Unmarshal(data, &intent); err != nil {
		return nil, fmt.Errorf("%s: %w: a run of obsgen was killed and left this; delete the folder %s, then check `git diff`", pendingManifest, err, pendingDir)
	}
	if st.pendingStored, err = hashTree(root, pendingBaseDir); err != nil {
		return nil, err
	}
	if err := st.recover(intent); err != nil {
		return nil, err
	}
	return st, nil
}

// recover works out, file by file, whether the killed run got to it: a file
// whose content is what the run meant to leave there takes the run's new
// entry, as long as its base is stored; every other file keeps the
// committed entry. Either way the entry describes the file on disk.
func (st *state) recover(intent pending) error {
	next := intent.Manifest.lookup()
	for _, pth := range sortedKeys(intent.After) {
		disk, err := readFile(st.root, pth)
		if err != nil {
			return err
		}
		got := ""
		if disk != nil {
			got = hashOf(disk)
		}
		if got != intent.After[pth] {
			continue
		}
		e, ok := next[pth]
		if !ok {
			// The run removed it, or let go of an edited file.
			delete(st.effective, pth)
			continue
		}
		if e.keepsBase() && st.stored[pth] != e.SHA256 {
			if st.pendingStored[pth] != e.SHA256 {
				continue
			}
			st.moves = append(st.moves, pth)
			st.stored[pth] = e.SHA256
		}
		st.effective[pth] = e
	}
	st.recovered = &Manifest{Version: 1, ObsgenVersion: intent.Manifest.ObsgenVersion, Files: st.sorted()}
	return nil
}

// sorted returns the effective entries in path order.
func (st *state) sorted() []Entry {
	out := make([]Entry, 0, len(st.effective))
	for _, e := range st.effective {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// base returns obsgen's last output for e: the stored base, or the file on
// disk when it is unedited; nil when it is lost.
func (st *state) base(e Entry, disk []byte) []byte {
	for _, dir := range []string{BaseDir, pendingBaseDir} {
		if b, _ := readFile(st.root, path.Join(dir, e.Path)); b != nil && hashOf(b) == e.SHA256 {
			return b
		}
	}
	if disk != nil && hashOf(disk) == e.SHA256 {
		return disk
	}
	return nil
}

// hashTree hashes every regular file under dir, by path relative to dir.
func hashTree(root *os.Root, dir string) (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(root.FS(), dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		b, err := root.ReadFile(p)
		if err != nil {
			return err
		}
		out[strings.TrimPrefix(p, dir+"/")] = hashOf(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	return out, nil
}
