package writer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/obsgen/obsgen/generators"
)

// ManifestFile is the ownership record, kept next to the answers file and
// committed with it: which files obsgen wrote, their owner class, and a hash
// of exactly what obsgen generated for each, so the next run can tell a hand
// edit from its own output.
const ManifestFile = "obsgen.lock"

// StateDir holds, beside the ownership record, the exact content obsgen
// generated last for every owned and merged file (BaseDir), the base of the
// next three-way merge. It starts with a dot so the go tool, and the tools
// reading the config folders, never see it. It is committed like the record.
const StateDir = ".obsgen"

// BaseDir mirrors the repo: BaseDir/<path> is obsgen's last output for <path>.
// Plain files diff well in review, and git stores a base and the unedited
// file it equals as one blob, so an unedited tree costs no space.
const BaseDir = StateDir + "/base"

// pendingDir exists only while a run is applying: the new record and the
// bases it refers to, written before any file, so a run killed half way
// can be told apart from hand edits by the next one. Not to be committed.
const (
	pendingDir      = StateDir + "/pending"
	pendingBaseDir  = pendingDir + "/base"
	pendingManifest = pendingDir + "/" + ManifestFile
)

// Manifest is the ownership record.
type Manifest struct {
	Version       int     `json:"version"`
	ObsgenVersion string  `json:"obsgen_version"`
	Files         []Entry `json:"files"`
}

// Entry records one generated file.
type Entry struct {
	Path  string           `json:"path"`
	Owner generators.Owner `json:"owner"`
	// SHA256 is the hash of what obsgen generated for the file last time
	// (not of the file on disk, which may hold merged edits): the merge base.
	SHA256 string `json:"sha256"`
}

// keepsBase reports whether the file's last output is kept in BaseDir:
// only files that are ever merged need one.
func (e Entry) keepsBase() bool { return e.Owner != generators.CreateOnce }

func hashOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func parseManifest(name string, data []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("%s: %w: restore it from git, or delete it to treat every existing file as edited", name, err)
	}
	if m.Version != 1 {
		return Manifest{}, fmt.Errorf("%s: version %d is not supported by this obsgen: upgrade obsgen", name, m.Version)
	}
	return m, nil
}

func (m Manifest) lookup() map[string]Entry {
	out := make(map[string]Entry, len(m.Files))
	for _, e := range m.Files {
		out[e.Path] = e
	}
	return out
}

// marshal writes one entry per line so the record diffs well in review.
func (m Manifest) marshal() []byte {
	files := append([]Entry(nil), m.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	b := fmt.Appendf(nil, "{\n  \"version\": %d,\n  \"obsgen_version\": %q,\n  \"files\": [", m.Version, m.ObsgenVersion)
	for i, e := range files {
		line, _ := json.Marshal(e)
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		b = append(b, line...)
	}
	if len(files) > 0 {
		b = append(b, "\n  "...)
	}
	return append(b, "]\n}\n"...)
}

// pending is the intent a run writes before touching any file: the record
// it will commit, and the hash every path will have on disk once it is done
// ("" for a path it removes or leaves missing).
type pending struct {
	Manifest Manifest          `json:"manifest"`
	After    map[string]string `json:"after"`
}
