package steps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/obsgen/obsgen/generators"
)

// installArgs is how each package manager adds exact versions, writing
// package.json and its lock file.
var installArgs = map[string][]string{
	"npm":  {"npm", "install", "--save-exact", "--no-fund", "--no-audit"},
	"pnpm": {"pnpm", "add", "--save-exact"},
	"yarn": {"yarn", "add", "--exact"},
}

// planNPM asks the package manager only for packages package.json lacks or
// has at an older version than obsgen was tested with, so it never
// downgrades; each is pinned exactly. It then loads the generated code
// first in the start script, with `npm pkg set` (the package manager's
// own editor of package.json), when the script runs node directly.
func planNPM(root string, st generators.Step) (Planned, error) {
	p := Planned{Step: st}
	args, ok := installArgs[st.Tool]
	if !ok {
		return p, fmt.Errorf("no installer for package manager %q: use npm, pnpm or yarn", st.Tool)
	}
	name := filepath.Join(root, filepath.FromSlash(st.Dir), "package.json")
	data, err := os.ReadFile(name)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return p, err
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
		Scripts      map[string]string `json:"scripts"`
	}
	if exists {
		if err := json.Unmarshal(data, &pkg); err != nil {
			return p, fmt.Errorf("%s does not parse: %v: fix the JSON, then run obsgen again", filepath.Join(st.Dir, "package.json"), err)
		}
	}
	cmd := func(args ...string) Command { return Command{Dir: st.Dir, Args: args} }
	if !exists {
		p.Commands = append(p.Commands, cmd("npm", "init", "-y"))
	}
	var want []string
	for _, d := range st.Deps {
		have := pkg.Dependencies[d.Name]
		switch c := compareRange(have, d.Version); {
		case have == "":
			want = append(want, d.Name+"@"+d.Version)
		case c < 0:
			want = append(want, d.Name+"@"+d.Version)
			p.Upgrades = append(p.Upgrades, Upgrade{Path: d.Name, From: have, To: d.Version})
		}
	}
	if len(want) > 0 {
		p.Commands = append(p.Commands, cmd(append(append([]string{}, args...), want...)...))
	}
	if st.Preload != "" {
		start, note := startScript(pkg.Scripts["start"], st.Preload, st.Main)
		if start != "" {
			p.Commands = append(p.Commands, cmd("npm", "pkg", "set", "scripts.start="+start))
		}
		p.Note = note
	}
	return p, nil
}

// envPrefixRE matches VAR=value assignments before the command.
var envPrefixRE = regexp.MustCompile(`^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)node(\s|$)`)

// startScript returns the start script that loads the generated code
// first, or "" with a note when the script must stay as it is.
func startScript(cur, preload, main string) (string, string) {
	want := "node " + preload + " " + main
	switch {
	case strings.Contains(cur, preload):
		return "", ""
	case strings.TrimSpace(cur) == "":
		return want, ""
	}
	m := envPrefixRE.FindStringSubmatchIndex(cur)
	if m == nil {
		return "", fmt.Sprintf("the start script does not run node directly (%q): start the service with `%s`", cur, want)
	}
	// Insert the option right after "node".
	at := m[3] + len("node")
	return cur[:at] + " " + preload + cur[at:], ""
}

var rangeVersionRE = regexp.MustCompile(`^[\^~=v>]*\s*(\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?)`)

// compareRange compares the lowest version a package.json range allows
// with want; a range it cannot read (a tag, a URL, "*") counts as equal, so
// obsgen leaves it alone.
func compareRange(have, want string) int {
	m := rangeVersionRE.FindStringSubmatch(strings.TrimSpace(have))
	if m == nil {
		return 0
	}
	return semver.Compare("v"+m[1], "v"+want)
}
