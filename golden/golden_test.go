package golden

import (
	"flag"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/obsgen/obsgen/generators/registry"
)

// update is the only way golden files change: go test ./golden/... -update
var update = flag.Bool("update", false, "rewrite golden files with the current output")

// generate runs the same path as `obsgen generate` minus the disk: parse
// the answers strictly, validate, run every generator.
func generate(sc Scenario) (map[string][]byte, error) {
	p, err := parseAnswers(sc.Answers)
	if err != nil {
		return nil, err
	}
	res, err := registry.GenerateProject(p, nil, nil)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, f := range res.Files {
		out[f.Path] = f.Content
	}
	return out, nil
}

func TestGolden(t *testing.T) {
	scenarios, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(scenarios) < 5 {
		t.Fatalf("found %d golden scenarios in %s, want at least 5", len(scenarios), Dir())
	}
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			got, err := generate(sc)
			if *update {
				if err != nil {
					sc.WantError, sc.Files = err.Error(), nil
				} else {
					sc.WantError, sc.Files = "", got
				}
				if werr := os.WriteFile(sc.Path, sc.Format(), 0o644); werr != nil {
					t.Fatal(werr)
				}
				return
			}
			if sc.WantError != "" {
				if err == nil {
					t.Fatalf("answers were accepted, want error %q", sc.WantError)
				}
				if err.Error() != sc.WantError {
					t.Fatalf("error:\n got %s\nwant %s", err, sc.WantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			compare(t, sc.Files, got)
		})
	}
}

// compare reports missing, extra and different files, with a diff for each.
func compare(t *testing.T, want, got map[string][]byte) {
	t.Helper()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		w, inWant := want[n]
		g, inGot := got[n]
		switch {
		case !inGot:
			t.Errorf("missing: %s is in the golden file but no longer generated", n)
		case !inWant:
			t.Errorf("extra: %s is generated but not in the golden file (review it, then -update)", n)
		case !Equal(w, g):
			t.Errorf("different: %s\n%s", n, lineDiff(string(w), string(g)))
		}
	}
}

// lineDiff is a unified diff for a failure message.
func lineDiff(want, got string) string {
	d, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(want), B: difflib.SplitLines(got),
		FromFile: "golden", ToFile: "generated", Context: 2,
	})
	return strings.TrimSpace(d)
}
