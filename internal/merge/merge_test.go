package merge

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func lines(s ...string) string {
	if len(s) == 0 {
		return ""
	}
	return strings.Join(s, "\n") + "\n"
}

func TestMerge(t *testing.T) {
	base := lines("a", "b", "c", "d", "e", "f", "g")
	tests := []struct {
		name               string
		base, ours, theirs string
		want               string
		conflicts          int
	}{
		{"nothing changed", base, base, base, base, 0},
		{"only ours changed", base, lines("a", "B", "c", "d", "e", "f", "g"), base, lines("a", "B", "c", "d", "e", "f", "g"), 0},
		{"only theirs changed", base, base, lines("a", "b", "c", "D", "e", "f", "g"), lines("a", "b", "c", "D", "e", "f", "g"), 0},
		{
			"both changed, apart",
			base,
			lines("a", "B", "c", "d", "e", "f", "g"),
			lines("a", "b", "c", "d", "e", "F", "g"),
			lines("a", "B", "c", "d", "e", "F", "g"), 0,
		},
		{
			"ours inserts, theirs deletes elsewhere",
			base,
			lines("a", "b", "mine", "c", "d", "e", "f", "g"),
			lines("a", "b", "c", "d", "f", "g"),
			lines("a", "b", "mine", "c", "d", "f", "g"), 0,
		},
		{"same change on both sides", base, lines("a", "X", "c", "d", "e", "f", "g"), lines("a", "X", "c", "d", "e", "f", "g"), lines("a", "X", "c", "d", "e", "f", "g"), 0},
		{
			"both changed the same line",
			base,
			lines("a", "b", "c", "mine", "e", "f", "g"),
			lines("a", "b", "c", "new", "e", "f", "g"),
			lines("a", "b", "c", MarkerOurs, "mine", MarkerSep, "new", MarkerTheirs, "e", "f", "g"), 1,
		},
		{
			// Touching edits are a conflict, as in git: no base line
			// between them proves the two changes independent.
			"adjacent lines",
			base,
			lines("a", "b", "C", "d", "e", "f", "g"),
			lines("a", "b", "c", "D", "e", "f", "g"),
			lines("a", "b", MarkerOurs, "C", "d", MarkerSep, "c", "D", MarkerTheirs, "e", "f", "g"), 1,
		},
		{
			"ours edits a line theirs deletes",
			base,
			lines("a", "b", "c", "mine", "e", "f", "g"),
			lines("a", "b", "c", "e", "f", "g"),
			lines("a", "b", "c", MarkerOurs, "mine", MarkerSep, MarkerTheirs, "e", "f", "g"), 1,
		},
		{
			"shared lines stay outside the markers",
			base,
			lines("a", "b", "c", "x", "mine", "y", "e", "f", "g"),
			lines("a", "b", "c", "x", "new", "y", "e", "f", "g"),
			lines("a", "b", "c", "x", MarkerOurs, "mine", MarkerSep, "new", MarkerTheirs, "y", "e", "f", "g"), 1,
		},
		{
			"both append at the end",
			base,
			base + lines("mine"),
			base + lines("new"),
			base + lines(MarkerOurs, "mine", MarkerSep, "new", MarkerTheirs), 1,
		},
		{"empty base, equal sides", "", lines("a"), lines("a"), lines("a"), 0},
		{"user emptied the file, obsgen unchanged", base, "", base, "", 0},
		{
			"ours without a final newline",
			lines("a", "b"),
			"a\nmine",
			lines("a", "new"),
			lines("a", MarkerOurs, "mine", MarkerSep, "new", MarkerTheirs), 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Merge([]byte(tt.base), []byte(tt.ours), []byte(tt.theirs))
			if string(got.Content) != tt.want {
				t.Errorf("merged:\n%s\nwant:\n%s", got.Content, tt.want)
			}
			if got.Conflicts != tt.conflicts {
				t.Errorf("conflicts = %d, want %d", got.Conflicts, tt.conflicts)
			}
			if HasMarkers(got.Content) != (tt.conflicts > 0) {
				t.Errorf("HasMarkers = %v with %d conflicts", !(tt.conflicts > 0), tt.conflicts)
			}
		})
	}
}

func TestTwoWay(t *testing.T) {
	got := TwoWay([]byte(lines("a", "mine", "c", "d")), []byte(lines("a", "b", "c", "d", "new")))
	want := lines("a", MarkerOurs, "mine", MarkerSep, "b", MarkerTheirs, "c", "d", MarkerOurs, MarkerSep, "new", MarkerTheirs)
	if string(got.Content) != want || got.Conflicts != 2 {
		t.Fatalf("got %d conflicts:\n%s\nwant 2:\n%s", got.Conflicts, got.Content, want)
	}
	same := lines("a", "b")
	if got := TwoWay([]byte(same), []byte(same)); string(got.Content) != same || got.Conflicts != 0 {
		t.Fatalf("equal sides: %q, %d conflicts", got.Content, got.Conflicts)
	}
}

func TestHasMarkers(t *testing.T) {
	for in, want := range map[string]bool{
		lines("a", MarkerOurs, "x", MarkerSep, "y", MarkerTheirs): true,
		lines("a", MarkerOurs, "x", MarkerSep, "y"):               false, // half a conflict is not ours to judge
		lines("=======", "heading"):                               false,
		lines("<<<<<<< ours and more", ">>>>>>> obsgen"):          false,
		"": false,
	} {
		if got := HasMarkers([]byte(in)); got != want {
			t.Errorf("HasMarkers(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestMatchLinesIsLongest checks the matching against the textbook
// dynamic program on many small random inputs: it must be a common
// subsequence, strictly increasing, and as long as the longest.
func TestMatchLinesIsLongest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 3000 {
		a := randomLines(r, r.IntN(12), 4)
		b := randomLines(r, r.IntN(12), 4)
		got := matchLines(a, b)
		for i, p := range got {
			if a[p.A] != b[p.B] {
				t.Fatalf("case %d: matched %q with %q", n, a[p.A], b[p.B])
			}
			if i > 0 && (p.A <= got[i-1].A || p.B <= got[i-1].B) {
				t.Fatalf("case %d: matches not increasing: %v", n, got)
			}
		}
		if want := lcsLen(a, b); len(got) != want {
			t.Fatalf("case %d: %q vs %q: matched %d lines, longest is %d", n, a, b, len(got), want)
		}
	}
}

func lcsLen(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				dp[i][j] = dp[i-1][j-1] + 1
			} else {
				dp[i][j] = max(dp[i-1][j], dp[i][j-1])
			}
		}
	}
	return dp[len(a)][len(b)]
}

func randomLines(r *rand.Rand, n, alphabet int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%c\n", 'a'+r.IntN(alphabet))
	}
	return out
}

// TestMergeNeverLosesOurs edits ours and theirs at random, ours with lines
// no other side has, and checks the laws a regeneration relies on: every
// line ours added is in the result, one-sided merges return that side, and
// a conflict-free result holds every line theirs added.
func TestMergeNeverLosesOurs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 2000 {
		base := randomLines(r, r.IntN(30), 6)
		ours, added := edit(r, base, fmt.Sprintf("ours-%d", n))
		theirs, theirsAdded := edit(r, base, fmt.Sprintf("theirs-%d", n))
		b, o, th := []byte(strings.Join(base, "")), []byte(strings.Join(ours, "")), []byte(strings.Join(theirs, ""))
		got := Merge(b, o, th)
		for _, l := range added {
			if !strings.Contains(string(got.Content), l) {
				t.Fatalf("case %d: lost %q\nbase:\n%s\nours:\n%s\ntheirs:\n%s\nmerged:\n%s", n, l, b, o, th, got.Content)
			}
		}
		if got.Conflicts == 0 {
			for _, l := range theirsAdded {
				if !strings.Contains(string(got.Content), l) {
					t.Fatalf("case %d: clean merge dropped obsgen's %q", n, l)
				}
			}
		}
		if m := Merge(b, o, b); string(m.Content) != string(o) || m.Conflicts != 0 {
			t.Fatalf("case %d: theirs unchanged must give ours", n)
		}
		if m := Merge(b, b, th); string(m.Content) != string(th) || m.Conflicts != 0 {
			t.Fatalf("case %d: ours unchanged must give theirs", n)
		}
		if m := Merge(b, o, o); string(m.Content) != string(o) || m.Conflicts != 0 {
			t.Fatalf("case %d: the same change on both sides must merge cleanly", n)
		}
		two := TwoWay(o, th)
		for _, l := range added {
			if !strings.Contains(string(two.Content), l) {
				t.Fatalf("case %d: two-way merge lost %q", n, l)
			}
		}
	}
}

// edit inserts, replaces and deletes a few random lines; inserted and
// replacing lines are unique, tagged with tag.
func edit(r *rand.Rand, in []string, tag string) (out, added []string) {
	out = append([]string(nil), in...)
	for k := range r.IntN(4) {
		l := fmt.Sprintf("%s-%d\n", tag, k)
		i := r.IntN(len(out) + 1)
		switch op := r.IntN(3); {
		case op == 0 || i == len(out):
			out = append(out[:i], append([]string{l}, out[i:]...)...)
			added = append(added, l)
		case op == 1:
			out[i] = l
			added = append(added, l)
		default:
			out = append(out[:i], out[i+1:]...)
		}
	}
	// A later delete may have removed an earlier added line.
	var kept []string
	for _, l := range added {
		if strings.Contains(strings.Join(out, ""), l) {
			kept = append(kept, l)
		}
	}
	return out, kept
}

// BenchmarkMergeRewrittenDashboard is the worst case regeneration meets:
// a 3,000-line file where obsgen changed every tenth line and the user
// changed a few others.
func BenchmarkMergeRewrittenDashboard(b *testing.B) {
	var base, ours, theirs []string
	for i := range 3000 {
		l := fmt.Sprintf("  \"line\": %d,\n", i)
		base = append(base, l)
		theirs = append(theirs, l)
		ours = append(ours, l)
		if i%10 == 0 {
			theirs[i] = fmt.Sprintf("  \"changed\": %d,\n", i)
		}
		if i%1000 == 5 {
			ours[i] = fmt.Sprintf("  \"mine\": %d,\n", i)
		}
	}
	bb, ob, tb := []byte(strings.Join(base, "")), []byte(strings.Join(ours, "")), []byte(strings.Join(theirs, ""))
	b.ReportAllocs()
	for b.Loop() {
		if r := Merge(bb, ob, tb); r.Conflicts != 0 {
			b.Fatal("unexpected conflict")
		}
	}
}
