package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

var marks = map[Status]string{Pass: "✓", Fail: "✗", Skip: "-"}

// WriteTable prints one aligned row per check: mark, service, check,
// reason, and under a failed row the fix.
func WriteTable(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tSERVICE\tCHECK\tSTATUS\tWHY")
	for _, x := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", marks[x.Status], x.Service, x.Check, x.Status, oneLine(x.Reason))
		if x.Status == Fail && x.Fix != "" {
			fmt.Fprintf(tw, "\t\t\t\tfix: %s\n", oneLine(x.Fix))
		}
	}
	return tw.Flush()
}

// WriteJSON prints the report as {"ok": bool, "results": [...]}.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		OK      bool     `json:"ok"`
		Results []Result `json:"results"`
	}{!r.Failed(), r.Results})
}

// Unreachable is the one line printed when nothing answers at any URL.
func (r Report) Unreachable() string {
	var urls []string
	for _, x := range r.Results {
		if x.Status == Skip {
			continue
		}
		if !slices.Contains(urls, x.URL) {
			urls = append(urls, x.URL)
		}
	}
	return "nothing runs at " + strings.Join(urls, ", ") + " (connection refused): " + r.startFix
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
