package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/obsgen/obsgen/internal/spec"
)

// TestReadmeDocumentsEveryAnswer keeps the answers-file reference and the
// exit codes in docs/answers.md and README.md in step with the code.
func TestReadmeDocumentsEveryAnswer(t *testing.T) {
	answers := readDoc(t, "../../docs/answers.md")
	for _, f := range spec.Fields() {
		row := "| `" + f.Name + "` | `" + f.Path + "` |"
		if !strings.Contains(answers, row) {
			t.Errorf("docs/answers.md has no reference row for %s / %s", f.Name, f.Path)
		}
	}
	readme := readDoc(t, "../../README.md")
	for _, code := range []int{ExitOK, ExitFailure, ExitUsage, ExitDrift, ExitConflict} {
		if !strings.Contains(readme, "| "+string(rune('0'+code))+" |") {
			t.Errorf("README.md does not document exit code %d", code)
		}
	}
}

func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadmeListsEveryGlobalFlag keeps the README's "Global flags" line in
// step with the root command: every persistent flag is there, and nothing
// is there that the command does not have.
func TestReadmeListsEveryGlobalFlag(t *testing.T) {
	readme := readDoc(t, "../../README.md")
	i := strings.Index(readme, "Global flags:")
	if i < 0 {
		t.Fatal("README.md has no \"Global flags:\" paragraph")
	}
	para, _, _ := strings.Cut(readme[i:], "\n\n")
	root := NewRoot(IO{})
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`(-[a-z]/)?--([a-z-]+)").FindAllStringSubmatch(para, -1) {
		documented[m[2]] = true
	}
	delete(documented, "help") // cobra's own, on every command
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if !documented[f.Name] {
			t.Errorf("README.md's global flags omit --%s (%s)", f.Name, f.Usage)
		}
		delete(documented, f.Name)
	})
	for name := range documented {
		t.Errorf("README.md's global flags list --%s, which the root command does not have", name)
	}
}
