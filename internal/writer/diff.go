package writer

import (
	"fmt"
	"io"

	"github.com/pmezard/go-difflib/difflib"
)

// WriteDiff prints a unified diff of every change in the plan. For skipped
// and conflicting files it shows what obsgen would have written, so the user
// can decide.
func (p *Plan) WriteDiff(w io.Writer) error {
	for _, c := range p.Changes {
		if c.Action == Unchanged {
			continue
		}
		to := c.New
		if c.Action == Skip || c.Action == Conflict {
			to = c.Want
		}
		ud := difflib.UnifiedDiff{
			A:        difflib.SplitLines(string(c.Old)),
			B:        difflib.SplitLines(string(to)),
			FromFile: "a/" + c.Path,
			ToFile:   "b/" + c.Path,
			Context:  3,
		}
		if c.Old == nil {
			ud.FromFile = "/dev/null"
		}
		if c.Action == Delete {
			ud.ToFile = "/dev/null"
		}
		if c.Reason != "" {
			if _, err := fmt.Fprintf(w, "# %s: %s (%s)\n", c.Path, c.Action, c.Reason); err != nil {
				return err
			}
		}
		if err := difflib.WriteUnifiedDiff(w, ud); err != nil {
			return err
		}
	}
	return nil
}
