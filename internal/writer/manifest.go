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
// of exactly what it wrote, so the next run can tell a hand edit from its own
// output.
const ManifestFile = "obsgen.lock"

// Manifest is the ownership record.
type Manifest struct {
	Version       int     `json:"version"`
	ObsgenVersion string  `json:"obsgen_version"`
	Files         []Entry `json:"files"`
}

// Entry records one generated file.
type Entry struct {
	Path   string           `json:"path"`
	Owner  generators.Owner `json:"owner"`
	SHA256 string           `json:"sha256"`
}

func hashOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func parseManifest(data []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("%s: %w: restore it from git, or delete it to treat every existing file as edited", ManifestFile, err)
	}
	if m.Version != 1 {
		return Manifest{}, fmt.Errorf("%s: version %d is not supported by this obsgen: upgrade obsgen", ManifestFile, m.Version)
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
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	b := fmt.Appendf(nil, "{\n  \"version\": %d,\n  \"obsgen_version\": %q,\n  \"files\": [", m.Version, m.ObsgenVersion)
	for i, e := range m.Files {
		line, _ := json.Marshal(e)
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		b = append(b, line...)
	}
	if len(m.Files) > 0 {
		b = append(b, "\n  "...)
	}
	return append(b, "]\n}\n"...)
}
