package cli

import (
	"os"
	"strings"
	"testing"

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
