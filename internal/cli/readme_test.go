package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/spec"
)

// TestReadmeDocumentsEveryAnswer keeps the answers-file reference and the
// exit codes in README.md in step with the code.
func TestReadmeDocumentsEveryAnswer(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, f := range spec.Fields() {
		row := "| `" + f.Name + "` | `" + f.Path + "` |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md has no reference row for %s / %s", f.Name, f.Path)
		}
	}
	for _, code := range []int{ExitOK, ExitFailure, ExitUsage, ExitDrift, ExitConflict} {
		if !strings.Contains(readme, "| "+string(rune('0'+code))+" |") {
			t.Errorf("README.md does not document exit code %d", code)
		}
	}
}
