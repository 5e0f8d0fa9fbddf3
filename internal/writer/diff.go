package writer

import (
	"fmt"
	"io"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// WriteDiff prints, as unified diffs, exactly what Apply would do to each
// file: merged results and conflict markers included. Files it would leave
// alone get a comment line saying why; a file it refuses to overwrite shows
// what obsgen generated, so the user can decide.
func (p *Plan) WriteDiff(w io.Writer) error {
	for _, c := range p.Changes {
		if c.Action == Unchanged {
			continue
		}
		head := fmt.Sprintf("# %s: %s", c.Path, c.Action)
		if c.Reason != "" {
			head += " (" + c.Reason + ")"
		}
		if _, err := fmt.Fprintln(w, head); err != nil {
			return err
		}
		from, to := c.Old, c.New
		ud := difflib.UnifiedDiff{FromFile: "a/" + c.Path, ToFile: "b/" + c.Path, Context: 3}
		switch {
		case c.Action == Delete:
			ud.ToFile = "/dev/null"
		case c.New != nil:
		case c.Action == Conflict:
			// Not written: show obsgen's output against the file in the way.
			to, ud.ToFile = c.Want, "obsgen/"+c.Path
		default:
			continue
		}
		if from == nil {
			ud.FromFile = "/dev/null"
		}
		ud.A, ud.B = splitLines(from), splitLines(to)
		if err := difflib.WriteUnifiedDiff(w, ud); err != nil {
			return err
		}
	}
	return nil
}

// splitLines splits after each newline. difflib.SplitLines would add an
// empty line at the end of every file.
func splitLines(b []byte) []string {
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	}
	return lines
}
