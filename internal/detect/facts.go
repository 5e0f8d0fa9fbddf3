package detect

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/obsgen/obsgen/internal/analyze"
	"github.com/obsgen/obsgen/internal/spec"
)

// Facts is everything a run reads in the service repository, read once and
// handed to the generators as data, so no generator and no later step reads
// the repository again.
type Facts struct {
	Dir string
	// Exists is false for a folder init is about to create.
	Exists bool
	// Manifest is what go.mod or package.json says (see Repo).
	Manifest spec.Detected
	// Gitignore is the top-level .gitignore, nil when there is none;
	// Ignored the names asked about that git already ignores.
	Gitignore []byte
	Ignored   map[string]bool
	// Code is the analysis of the service's Go code, nil until ReadCode
	// ran (or when there is no code to read).
	Code     *analyze.Service
	codeRead bool
}

// Read reads the manifest and the .gitignore state of dir, asking git
// whether each of ignorable is already ignored.
func Read(dir string, ignorable ...string) (*Facts, error) {
	f := &Facts{Dir: dir, Ignored: map[string]bool{}}
	if _, err := os.Stat(dir); err == nil {
		f.Exists = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var err error
	if f.Manifest, err = Repo(dir); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	f.Gitignore = data
	for _, name := range ignorable {
		ignored, err := gitIgnores(dir, name, data)
		if err != nil {
			return nil, err
		}
		f.Ignored[name] = ignored
	}
	return f, nil
}

// ReadCode analyses the service's Go code once: later calls return at
// once. codeDir (obsgen's own package) is not read; a main importing
// importPath is already wired. A main that does not parse is an
// *analyze.ParseError.
func (f *Facts) ReadCode(codeDir, importPath string) error {
	if f.codeRead || !f.Exists {
		return nil
	}
	code, err := analyze.Repo(f.Dir, analyze.Options{Skip: []string{codeDir}, ObsgenImport: importPath})
	if err != nil {
		return err
	}
	f.Code, f.codeRead = code, true
	return nil
}

// gitIgnores asks git itself whether name is ignored in dir, so every
// pattern form and nested ignore file counts. Outside a work tree (or
// without git) it reads the top-level .gitignore for the name itself.
func gitIgnores(dir, name string, gitignore []byte) (bool, error) {
	if git, err := exec.LookPath("git"); err == nil {
		cmd := exec.Command(git, "-C", dir, "check-ignore", "-q", "--no-index", name)
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return true, nil
		case errors.As(err, &exit) && exit.ExitCode() == 1:
			return false, nil
		}
		// 128: not a work tree; fall through to reading the file.
	}
	for _, line := range strings.Split(string(gitignore), "\n") {
		switch strings.TrimSpace(line) {
		case name, "/" + name, "*.env":
			return true, nil
		}
	}
	return false, nil
}
