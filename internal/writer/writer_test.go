package writer

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/merge"
	"github.com/obsgen/obsgen/internal/testtool"
)

// tree is a repo's content by slash path.
type tree map[string]string

func snapshot(t *testing.T, dir string) tree { return testtool.ReadTree(t, dir) }

func writeTree(t *testing.T, dir string, tr tree) {
	t.Helper()
	for p, c := range tr {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func file(p string, owner generators.Owner, content string) generators.File {
	return generators.File{Path: p, Content: []byte(content), Mode: 0o644, Owner: owner}
}

func lines(s ...string) string { return strings.Join(s, "\n") + "\n" }

// generate plans files against dir and applies the plan.
func generate(t *testing.T, dir string, opts Options, files ...generators.File) *Plan {
	t.Helper()
	p, err := NewPlan(dir, files, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	return p
}

func change(t *testing.T, p *Plan, path string) Change {
	t.Helper()
	for _, c := range p.Changes {
		if c.Path == path {
			return c
		}
	}
	t.Fatalf("no change for %s in plan", path)
	return Change{}
}

// checkState asserts the ownership record and the stored bases agree with
// each other: one base per owned or merged entry, holding exactly the
// content whose hash the record names, and nothing else.
func checkState(t *testing.T, dir string) {
	t.Helper()
	tr := snapshot(t, dir)
	m, err := parseManifest(ManifestFile, []byte(tr[ManifestFile]))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, e := range m.Files {
		if !e.keepsBase() {
			continue
		}
		want[e.Path] = true
		b, ok := tr[BaseDir+"/"+e.Path]
		if !ok {
			t.Errorf("%s: no stored base", e.Path)
		} else if hashOf([]byte(b)) != e.SHA256 {
			t.Errorf("%s: stored base does not match the record", e.Path)
		}
	}
	for p := range tr {
		if rest, ok := strings.CutPrefix(p, StateDir+"/"); ok {
			if b, isBase := strings.CutPrefix(rest, "base/"); !isBase || !want[b] {
				t.Errorf("stray state file %s", p)
			}
		}
		if strings.Contains(p, tempPrefix) {
			t.Errorf("temp file left: %s", p)
		}
	}
}

const (
	code  = "internal/obs/logger.go"
	rules = "observability/rules.yml"
	main_ = "cmd/example/main.go"
)

var (
	codeV1 = lines("package obs", "", "func A() {}", "", "func B() {}", "", "func C() {}")
	// V2 changes C only.
	codeV2 = lines("package obs", "", "func A() {}", "", "func B() {}", "", "func C() { c() }")
)

// TestRegenerate is every case of the issue, each from a tree obsgen wrote
// with v1 output: the user acts, obsgen regenerates with v2 output.
func TestRegenerate(t *testing.T) {
	tests := []struct {
		name string
		// user edits the tree between the runs; nil content deletes.
		user  map[string]*string
		v2    []generators.File
		drop  string // a v1 file no longer generated
		opts  Options
		check func(t *testing.T, p *Plan, after tree)
	}{
		{
			name: "unedited file is replaced",
			v2:   []generators.File{file(code, generators.Merged, codeV2)},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, code, Update, false)
				if after[code] != codeV2 {
					t.Errorf("got %q", after[code])
				}
			},
		},
		{
			name: "edited file, obsgen output unchanged: user's file stands",
			user: map[string]*string{code: ptr(strings.Replace(codeV1, "func A() {}", "func A() { mine() }", 1))},
			v2:   []generators.File{file(code, generators.Merged, codeV1)},
			check: func(t *testing.T, p *Plan, after tree) {
				c := expect(t, p, code, Unchanged, false)
				if !c.Edited || !strings.Contains(after[code], "mine()") {
					t.Errorf("edit not kept: %q", after[code])
				}
			},
		},
		{
			name: "both edited apart: merged cleanly",
			user: map[string]*string{code: ptr(strings.Replace(codeV1, "func A() {}", "func A() { mine() }", 1))},
			v2:   []generators.File{file(code, generators.Merged, codeV2)},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, code, Merge, false)
				want := strings.Replace(codeV2, "func A() {}", "func A() { mine() }", 1)
				if after[code] != want {
					t.Errorf("merged:\n%s\nwant:\n%s", after[code], want)
				}
			},
		},
		{
			name: "both edited the same line: conflict markers, reported",
			user: map[string]*string{code: ptr(strings.Replace(codeV1, "func C() {}", "func C() { mine() }", 1))},
			v2:   []generators.File{file(code, generators.Merged, codeV2)},
			check: func(t *testing.T, p *Plan, after tree) {
				c := expect(t, p, code, Conflict, true)
				want := lines("package obs", "", "func A() {}", "", "func B() {}", "", merge.MarkerOurs, "func C() { mine() }", merge.MarkerSep, "func C() { c() }", merge.MarkerTheirs)
				if after[code] != want || c.Conflicts != 1 {
					t.Errorf("got %d conflicts:\n%s\nwant:\n%s", c.Conflicts, after[code], want)
				}
				if len(p.Conflicts()) != 1 || len(p.Unresolved()) != 1 {
					t.Errorf("conflicts %v, unresolved %v", p.Conflicts(), p.Unresolved())
				}
			},
		},
		{
			name: "owned config edited apart: merged too, the edit is never lost",
			user: map[string]*string{rules: ptr(lines("groups:", "  - name: a", "  - name: mine", "  - name: b"))},
			v2:   []generators.File{file(rules, generators.Owned, lines("groups:", "  - name: a", "  - name: b", "  - name: c"))},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, rules, Merge, false)
				if want := lines("groups:", "  - name: a", "  - name: mine", "  - name: b", "  - name: c"); after[rules] != want {
					t.Errorf("got %q", after[rules])
				}
			},
		},
		{
			name: "deleted by user, output unchanged: stays deleted, quietly",
			user: map[string]*string{code: nil},
			v2:   []generators.File{file(code, generators.Merged, codeV1)},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, code, Unchanged, false)
				if _, ok := after[code]; ok {
					t.Error("recreated")
				}
			},
		},
		{
			name: "deleted by user, output changed: stays deleted, reported",
			user: map[string]*string{code: nil},
			v2:   []generators.File{file(code, generators.Merged, codeV2)},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, code, Skip, false)
				if _, ok := after[code]; ok {
					t.Error("recreated")
				}
			},
		},
		{
			name: "deleted by user, --force: recreated",
			user: map[string]*string{code: nil},
			v2:   []generators.File{file(code, generators.Merged, codeV2)},
			opts: Options{Force: true},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, code, Create, false)
				if after[code] != codeV2 {
					t.Error("not recreated")
				}
			},
		},
		{
			name: "no longer generated, unedited: removed with its empty folder",
			v2:   []generators.File{file(rules, generators.Owned, lines("groups: []"))},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, code, Delete, false)
				if _, ok := after[code]; ok {
					t.Error("not removed")
				}
			},
		},
		{
			name: "no longer generated, edited: left in place and reported",
			user: map[string]*string{code: ptr(codeV1 + "// mine\n")},
			v2:   []generators.File{file(rules, generators.Owned, lines("groups: []"))},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, code, Orphan, false)
				if after[code] != codeV1+"// mine\n" {
					t.Error("edited file touched")
				}
				if strings.Contains(after[ManifestFile], code) {
					t.Error("orphan still in the record")
				}
				if len(p.Conflicts()) != 1 {
					t.Error("orphan not reported")
				}
			},
		},
		{
			name: "no longer generated, edited, --force: removed",
			user: map[string]*string{code: ptr(codeV1 + "// mine\n")},
			v2:   []generators.File{file(rules, generators.Owned, lines("groups: []"))},
			opts: Options{Force: true},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, code, Delete, false)
			},
		},
		{
			name: "create-once, edited, output changed: never touched",
			user: map[string]*string{main_: ptr("package main // mine\n")},
			v2:   []generators.File{file(main_, generators.CreateOnce, "package main // v2\n")},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, main_, Unchanged, false)
				if after[main_] != "package main // mine\n" {
					t.Error("create-once file changed")
				}
			},
		},
		{
			name: "create-once, deleted: stays deleted",
			user: map[string]*string{main_: nil},
			v2:   []generators.File{file(main_, generators.CreateOnce, "package main // v2\n")},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, main_, Unchanged, false)
				if _, ok := after[main_]; ok {
					t.Error("recreated")
				}
			},
		},
		{
			name: "create-once, no longer generated: left in place, forgotten",
			v2:   []generators.File{file("cmd/other/main.go", generators.CreateOnce, "package main\n")},
			drop: main_,
			opts: Options{Force: true},
			check: func(t *testing.T, p *Plan, after tree) {
				if after[main_] != "package main\n" || strings.Contains(after[ManifestFile], main_) {
					t.Error("create-once file removed, or still recorded")
				}
				for _, c := range p.Changes {
					if c.Path == main_ {
						t.Errorf("create-once file in the plan: %s", c.Action)
					}
				}
			},
		},
		{
			name: "edited file, --force: overwritten",
			user: map[string]*string{code: ptr(codeV1 + "// mine\n")},
			v2:   []generators.File{file(code, generators.Merged, codeV2)},
			opts: Options{Force: true},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, code, Update, false)
				if after[code] != codeV2 {
					t.Error("not overwritten")
				}
			},
		},
		{
			name: "file in the way that obsgen never wrote: left alone, reported",
			user: map[string]*string{"new.yml": ptr("mine\n")},
			v2:   []generators.File{file("new.yml", generators.Owned, "obsgen\n")},
			check: func(t *testing.T, p *Plan, after tree) {
				c := expect(t, p, "new.yml", Conflict, false)
				if c.New != nil || after["new.yml"] != "mine\n" || strings.Contains(after[ManifestFile], "new.yml") {
					t.Error("file in the way was touched or recorded")
				}
			},
		},
		{
			name: "stored base lost, edited: every difference marked",
			user: map[string]*string{BaseDir + "/" + code: nil, code: ptr(strings.Replace(codeV1, "func A() {}", "func A() { mine() }", 1))},
			v2:   []generators.File{file(code, generators.Merged, codeV2)},
			check: func(t *testing.T, p *Plan, after tree) {
				c := expect(t, p, code, Conflict, true)
				if c.Conflicts != 2 || !strings.Contains(after[code], "mine()") {
					t.Errorf("got %d conflicts:\n%s", c.Conflicts, after[code])
				}
			},
		},
		{
			name: "stored base lost, unedited: the file itself is the base",
			user: map[string]*string{BaseDir + "/" + code: nil},
			v2:   []generators.File{file(code, generators.Merged, codeV2)},
			check: func(t *testing.T, p *Plan, after tree) {
				expect(t, p, code, Update, false)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			v1 := []generators.File{
				file(code, generators.Merged, codeV1),
				file(rules, generators.Owned, lines("groups:", "  - name: a", "  - name: b")),
				file(main_, generators.CreateOnce, "package main\n"),
			}
			generate(t, dir, Options{}, v1...)
			checkState(t, dir)
			for p, c := range tt.user {
				full := filepath.Join(dir, filepath.FromSlash(p))
				if c == nil {
					if err := os.Remove(full); err != nil {
						t.Fatal(err)
					}
					continue
				}
				writeTree(t, dir, tree{p: *c})
			}
			// Keep the other v1 files generated unless the case replaces them.
			v2 := append([]generators.File(nil), tt.v2...)
			for _, f := range v1 {
				if f.Path != code && f.Path != tt.drop && !has(tt.v2, f.Path) {
					v2 = append(v2, f)
				}
			}
			if !has(tt.v2, code) && tt.v2[0].Path != rules {
				v2 = append(v2, v1[0])
			}
			p := generate(t, dir, tt.opts, v2...)
			after := snapshot(t, dir)
			tt.check(t, p, after)
			checkState(t, dir)

			// A second run with the same output changes nothing.
			again, err := NewPlan(dir, v2, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range again.Changes {
				if c.Action != Unchanged && c.Action != Conflict {
					t.Errorf("second run: %s %s (%s)", c.Path, c.Action, c.Reason)
				}
			}
			if err := again.Apply(); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(t, dir); !equalTrees(got, after) {
				t.Error("second run changed the tree")
			}
		})
	}
}

func ptr(s string) *string { return &s }

func has(files []generators.File, p string) bool {
	for _, f := range files {
		if f.Path == p {
			return true
		}
	}
	return false
}

func expect(t *testing.T, p *Plan, path string, a Action, markers bool) Change {
	t.Helper()
	c := change(t, p, path)
	if c.Action != a {
		t.Errorf("%s: %s (%s), want %s", path, c.Action, c.Reason, a)
	}
	if c.Markers != markers {
		t.Errorf("%s: markers = %v, want %v", path, c.Markers, markers)
	}
	return c
}

func equalTrees(a, b tree) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestAnswersFileIsWrittenNotRecorded(t *testing.T) {
	dir := t.TempDir()
	answers := file("obsgen.yaml", Answers, "version: 1\n")
	generate(t, dir, Options{}, answers, file(rules, generators.Owned, "a\n"))
	writeTree(t, dir, tree{"obsgen.yaml": "version: 1\n# mine\n"})
	p := generate(t, dir, Options{}, file("obsgen.yaml", Answers, "version: 1\nx: 2\n"), file(rules, generators.Owned, "a\n"))
	expect(t, p, "obsgen.yaml", Update, false)
	tr := snapshot(t, dir)
	if tr["obsgen.yaml"] != "version: 1\nx: 2\n" || strings.Contains(tr[ManifestFile], "obsgen.yaml") {
		t.Errorf("answers file: %q, record:\n%s", tr["obsgen.yaml"], tr[ManifestFile])
	}
}

func TestPlanWritesNothing(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, Options{}, file(code, generators.Merged, codeV1))
	writeTree(t, dir, tree{code: "// mine\n" + codeV1})
	before := snapshot(t, dir)
	p, err := NewPlan(dir, []generators.File{file(code, generators.Merged, codeV2), file("x.yml", generators.Owned, "x\n")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var diff bytes.Buffer
	if err := p.WriteDiff(&diff); err != nil {
		t.Fatal(err)
	}
	if !equalTrees(snapshot(t, dir), before) {
		t.Fatal("planning or diffing wrote to disk")
	}
	if strings.Contains(diff.String(), "-// mine") {
		t.Errorf("diff drops the user's line:\n%s", diff.String())
	}
	for _, want := range []string{"# internal/obs/logger.go: merged (your edits kept)", "+func C() { c() }", "--- /dev/null\n+++ b/x.yml"} {
		if !strings.Contains(diff.String(), want) {
			t.Errorf("diff lacks %q:\n%s", want, diff.String())
		}
	}
}

func TestRefusesPathsOutsideOrInsideState(t *testing.T) {
	for _, p := range []string{"../x", "/etc/passwd", ManifestFile, StateDir, BaseDir + "/x.go", ".", "a//b"} {
		if _, err := NewPlan(t.TempDir(), []generators.File{file(p, generators.Owned, "x\n")}, Options{}); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
}

// TestCrashAtEveryStep kills a regenerate before each change it makes to
// disk, in turn, then checks that every file is either as before or as an
// uninterrupted run leaves it, and that the next run, itself killed at
// every step once, ends in exactly the uninterrupted run's tree.
func TestCrashAtEveryStep(t *testing.T) {
	testtool.Slow(t, "kills a regenerate at every step of it and of its recovery")
	start, v2 := crashScenario(t)
	want := func() tree {
		dir := t.TempDir()
		writeTree(t, dir, start)
		generate(t, dir, Options{}, v2...)
		return snapshot(t, dir)
	}()
	steps := countSteps(t, start, v2)
	if steps < 10 {
		t.Fatalf("only %d steps: the scenario does too little", steps)
	}
	runs := 0
	defer func() {
		t.Logf("killed a regenerate at each of its %d steps and each recovery at each of its own: %d killed runs, every one recovered", steps, runs)
	}()
	for k := range steps {
		runs++
		dir := t.TempDir()
		writeTree(t, dir, start)
		crash(t, dir, v2, k)
		crashed := snapshot(t, dir)
		for p, got := range crashed {
			if strings.HasPrefix(p, StateDir+"/") || p == ManifestFile || strings.Contains(p, tempPrefix) {
				continue
			}
			if old, ok := start[p]; ok && old == got {
				continue
			}
			if w, ok := want[p]; ok && w == got {
				continue
			}
			t.Errorf("crash at step %d: %s is neither old nor new:\n%s", k, p, got)
		}
		for p := range start {
			if _, ok := crashed[p]; !ok {
				if _, ok := want[p]; ok {
					t.Errorf("crash at step %d: %s vanished", k, p)
				}
			}
		}
		// Recover, killing the recovery too at each of its steps.
		for j := range countSteps(t, crashed, v2) {
			runs++
			rdir := t.TempDir()
			writeTree(t, rdir, crashed)
			crash(t, rdir, v2, j)
			generate(t, rdir, Options{}, v2...)
			if got := snapshot(t, rdir); !equalTrees(got, want) {
				t.Fatalf("crash at step %d, then at recovery step %d: final tree differs:\n%s", k, j, treeDiff(got, want))
			}
		}
		generate(t, dir, Options{}, v2...)
		if got := snapshot(t, dir); !equalTrees(got, want) {
			t.Fatalf("crash at step %d: recovered tree differs:\n%s", k, treeDiff(got, want))
		}
		checkState(t, dir)
	}
}

// crashScenario is a tree obsgen wrote with v1 and the user edited, and
// v2: together they need every kind of write.
func crashScenario(t *testing.T) (tree, []generators.File) {
	dir := t.TempDir()
	generate(t, dir, Options{},
		file("obsgen.yaml", Answers, "v: 1\n"),
		file(code, generators.Merged, codeV1),                         // merged cleanly
		file("internal/obs/config.go", generators.Merged, codeV1),     // conflicts
		file("internal/obs/tracing.go", generators.Merged, codeV1),    // unedited, updated
		file(rules, generators.Owned, "groups: []\n"),                 // unchanged
		file("observability/old.yml", generators.Owned, "old\n"),      // removed
		file("observability/edited-old.yml", generators.Owned, "x\n"), // orphaned
		file(main_, generators.CreateOnce, "package main\n"),
	)
	writeTree(t, dir, tree{
		code:                            strings.Replace(codeV1, "func A() {}", "func A() { mine() }", 1),
		"internal/obs/config.go":        strings.Replace(codeV1, "func C() {}", "func C() { mine() }", 1),
		"observability/edited-old.yml":  "x\nmine\n",
		"observability/not-obsgens.yml": "mine\n",
	})
	return snapshot(t, dir), []generators.File{
		file("obsgen.yaml", Answers, "v: 2\n"),
		file(code, generators.Merged, codeV2),
		file("internal/obs/config.go", generators.Merged, codeV2),
		file("internal/obs/tracing.go", generators.Merged, codeV2),
		file(rules, generators.Owned, "groups: []\n"),
		file("observability/new/dash.json", generators.Owned, "{}\n"),
		file(main_, generators.CreateOnce, "package main // v2\n"),
	}
}

var errCrash = fs.ErrClosed

func crash(t *testing.T, dir string, files []generators.File, at int) {
	t.Helper()
	p, err := NewPlan(dir, files, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	p.hook = func(string) error {
		if n == at {
			return errCrash
		}
		n++
		return nil
	}
	if err := p.Apply(); err != errCrash && err != nil && !strings.Contains(err.Error(), errCrash.Error()) {
		t.Fatalf("crash at %d: %v", at, err)
	}
}

func countSteps(t *testing.T, start tree, files []generators.File) int {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, start)
	p, err := NewPlan(dir, files, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	p.hook = func(string) error { n++; return nil }
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	return n
}

func treeDiff(got, want tree) string {
	var out []string
	for p, w := range want {
		if g, ok := got[p]; !ok {
			out = append(out, "missing "+p)
		} else if g != w {
			out = append(out, "differs "+p+":\n"+g+"\nwant:\n"+w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			out = append(out, "extra "+p)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
