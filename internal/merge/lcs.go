package merge

// pair is one matched line: a[A] == b[B].
type pair struct{ A, B int }

// matchLines returns a longest common subsequence of a and b as matched
// index pairs in increasing order. Lines are interned to ints first so the
// inner loops compare integers.
//
// It is Hirschberg's algorithm after trimming the common prefix and suffix:
// linear memory and O(n·m) time on the part that differs. Regeneration
// diffs are mostly small, so the trimmed middle is usually a few lines; a
// 3,000-line dashboard rewritten end to end still takes milliseconds.
func matchLines(a, b []string) []pair {
	ids := map[string]int{}
	intern := func(lines []string) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	ai, bi := intern(a), intern(b)
	var out []pair
	lcs(ai, bi, 0, 0, &out)
	return out
}

// lcs appends the matches of a and b, offset by aOff and bOff, to out.
func lcs(a, b []int, aOff, bOff int, out *[]pair) {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		*out = append(*out, pair{aOff + pre, bOff + pre})
		pre++
	}
	a, b, aOff, bOff = a[pre:], b[pre:], aOff+pre, bOff+pre
	suf := 0
	for suf < len(a) && suf < len(b) && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	a, b = a[:len(a)-suf], b[:len(b)-suf]
	defer func() {
		for k := range suf {
			*out = append(*out, pair{aOff + len(a) + k, bOff + len(b) + k})
		}
	}()
	switch {
	case len(a) == 0 || len(b) == 0:
		return
	case len(a) == 1:
		for j, v := range b {
			if v == a[0] {
				*out = append(*out, pair{aOff, bOff + j})
				return
			}
		}
		return
	}
	mid := len(a) / 2
	fwd := lcsRow(a[:mid], b, false)
	bwd := lcsRow(a[mid:], b, true)
	// Split b where the two halves' common lengths add up to the most.
	best, split := -1, 0
	for j := 0; j <= len(b); j++ {
		if v := fwd[j] + bwd[len(b)-j]; v > best {
			best, split = v, j
		}
	}
	lcs(a[:mid], b[:split], aOff, bOff, out)
	lcs(a[mid:], b[split:], aOff+mid, bOff+split, out)
}

// lcsRow returns row[j] = length of the LCS of a and the first j lines of b,
// or, reversed, of a and the last j lines of b (both read back to front).
func lcsRow(a, b []int, reversed bool) []int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		ai := a[i]
		if reversed {
			ai = a[len(a)-1-i]
		}
		for j := 1; j <= len(b); j++ {
			bj := b[j-1]
			if reversed {
				bj = b[len(b)-j]
			}
			switch {
			case ai == bj:
				cur[j] = prev[j-1] + 1
			case prev[j] >= cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return prev
}
