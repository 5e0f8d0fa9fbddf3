package golden

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/writer"
)

// Regeneration scenarios live in testdata/regen/*.txtar, apart from the
// generation scenarios Load reads. Each is a story in sections:
//
//	obsgen.yaml       the answers the service starts with (input)
//	set               the answers changed, one key=value a line (input)
//	edit/<path>       the user's edits to a generated file (input), a script
//	                  of blocks, each a line "@@ <op> <text>" and the lines
//	                  it adds: after (insert after the first line holding
//	                  text), before, replace, append (no text), or delete
//	                  (no text, no lines: the user removed the file)
//	before/<path>     the tree obsgen generated, before the edits (output)
//	report            the exit code and everything generate --set printed
//	check             the same for obsgen check right after
//	after/<path>      every file that differs from the edited tree after
//	                  the regenerate, or "(deleted)" (output)
//
// Outputs are rewritten with -update, like every golden file. The record
// and stored bases are left out: they hold hashes, and are tested in the
// writer.

func TestRegenerateScenarios(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(Dir(), "regen", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 2 {
		t.Fatalf("found %d regeneration scenarios, want at least 2", len(paths))
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(p)
			if err != nil {
				t.Fatal(err)
			}
			got := runRegen(t, a)
			if *update {
				if err := os.WriteFile(p, txtar.Format(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			compare(t, sections(a), sections(got))
			if t.Failed() {
				t.Log("if the change is intended: go test ./golden/ -run TestRegenerateScenarios -update, then review")
			}
		})
	}
}

func sections(a *txtar.Archive) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range a.Files {
		out[f.Name] = f.Data
	}
	return out
}

// runRegen plays a scenario and returns it with its outputs filled in.
func runRegen(t *testing.T, a *txtar.Archive) *txtar.Archive {
	t.Helper()
	in := &txtar.Archive{Comment: a.Comment}
	var sets []string
	edits := map[string]string{}
	for _, f := range a.Files {
		switch {
		case f.Name == AnswersSection:
			in.Files = append(in.Files, f)
		case f.Name == "set":
			in.Files = append(in.Files, f)
			for _, l := range strings.Split(strings.TrimSpace(string(f.Data)), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					sets = append(sets, "--set", l)
				}
			}
		case strings.HasPrefix(f.Name, "edit/"):
			in.Files = append(in.Files, f)
			edits[strings.TrimPrefix(f.Name, "edit/")] = string(f.Data)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, AnswersSection), sectionData(a, AnswersSection), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := obsgenRun(dir, "generate"); code != cli.ExitOK {
		t.Fatalf("generating the before tree: exit %d\n%s", code, out)
	}
	before := userTree(t, dir)
	for _, name := range sortedNames(before) {
		in.Files = append(in.Files, txtar.File{Name: "before/" + name, Data: []byte(before[name])})
	}
	for _, name := range sortedNames(edits) {
		applyEdit(t, dir, name, edits[name])
	}
	edited := userTree(t, dir)
	code, out := obsgenRun(dir, append([]string{"generate"}, sets...)...)
	in.Files = append(in.Files, txtar.File{Name: "report", Data: fmt.Appendf(nil, "exit %d\n%s", code, out)})
	code, out = obsgenRun(dir, "check")
	in.Files = append(in.Files, txtar.File{Name: "check", Data: fmt.Appendf(nil, "exit %d\n%s", code, out)})
	after := userTree(t, dir)
	changed := map[string]string{}
	for name, c := range after {
		if edited[name] != c {
			changed[name] = c
		}
	}
	for name := range edited {
		if _, ok := after[name]; !ok {
			changed[name] = "(deleted)\n"
		}
	}
	for _, name := range sortedNames(changed) {
		in.Files = append(in.Files, txtar.File{Name: "after/" + name, Data: []byte(changed[name])})
	}
	return in
}

func sectionData(a *txtar.Archive, name string) []byte {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

// obsgenRun runs the command line in dir and returns the report on stdout
// and obsgen's own final message on stderr (the Go module hints before it
// belong to another feature, and would churn with every version bump). A
// temp dir is no git work tree, so the dirty-tree check has nothing to say.
func obsgenRun(dir string, args ...string) (int, string) {
	var out, errOut bytes.Buffer
	code := cli.Main(append(args, "--dir", dir, "--skip-go-get"), cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }})
	msg := errOut.String()
	if i := strings.Index(msg, "obsgen: "); i >= 0 && (i == 0 || msg[i-1] == '\n') {
		out.WriteString(msg[i:])
	}
	return code, strings.ReplaceAll(out.String(), dir, "$DIR")
}

// userTree is every file under dir but obsgen's own record and bases.
func userTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == writer.StateDir {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == writer.ManifestFile {
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// applyEdit runs an edit script (see the package comment of this file) on
// one file, failing when an anchor matches no line: the generated file
// changed under the scenario, which then needs a new anchor.
func applyEdit(t *testing.T, dir, name, script string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(name))
	data, err := os.ReadFile(full)
	if err != nil {
		t.Fatalf("edit/%s: %v", name, err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	type block struct {
		op, anchor string
		add        []string
	}
	var blocks []block
	for _, l := range strings.SplitAfter(script, "\n") {
		if rest, ok := strings.CutPrefix(l, "@@ "); ok {
			op, anchor, _ := strings.Cut(strings.TrimSpace(rest), " ")
			blocks = append(blocks, block{op: op, anchor: anchor})
			continue
		}
		if l == "" {
			continue
		}
		if len(blocks) == 0 {
			t.Fatalf("edit/%s: text before the first @@ line", name)
		}
		blocks[len(blocks)-1].add = append(blocks[len(blocks)-1].add, l)
	}
	find := func(anchor string) int {
		for i, l := range lines {
			if strings.Contains(l, anchor) {
				return i
			}
		}
		t.Fatalf("edit/%s: no line contains %q", name, anchor)
		return -1
	}
	for _, b := range blocks {
		switch b.op {
		case "after":
			i := find(b.anchor) + 1
			lines = append(lines[:i], append(b.add, lines[i:]...)...)
		case "before":
			i := find(b.anchor)
			lines = append(lines[:i], append(b.add, lines[i:]...)...)
		case "replace":
			i := find(b.anchor)
			lines = append(lines[:i], append(b.add, lines[i+1:]...)...)
		case "append":
			lines = append(lines, b.add...)
		case "delete":
			if err := os.Remove(full); err != nil {
				t.Fatal(err)
			}
			return
		default:
			t.Fatalf("edit/%s: unknown operation %q: use after, before, replace, append or delete", name, b.op)
		}
	}
	if err := os.WriteFile(full, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
