// Package merge is a line-based three-way merge (diff3) for regeneration:
// base is what obsgen wrote last time, ours is the file on disk, theirs is
// obsgen's new output. Changes made on one side only are taken; the same
// change on both sides is taken once; anything else is a conflict, written
// between standard markers with both sides in full, so no line of ours is
// ever dropped.
package merge

import (
	"bufio"
	"bytes"
	"slices"
)

// The conflict markers, in the form git writes them.
const (
	MarkerOurs   = "<<<<<<< ours"
	MarkerSep    = "======="
	MarkerTheirs = ">>>>>>> obsgen"
)

// Result is a merged file.
type Result struct {
	Content []byte
	// Conflicts counts the regions written between markers.
	Conflicts int
}

// Merge merges the changes from base to ours and from base to theirs.
func Merge(base, ours, theirs []byte) Result {
	b, o, t := splitLines(base), splitLines(ours), splitLines(theirs)
	mo := matchIndex(len(b), matchLines(b, o))
	mt := matchIndex(len(b), matchLines(b, t))
	var m merger
	ib, io, it := 0, 0, 0
	for ib < len(b) || io < len(o) || it < len(t) {
		// A stable run: base lines both sides kept, in place.
		k := 0
		for ib+k < len(b) && mo[ib+k] == io+k && mt[ib+k] == it+k {
			k++
		}
		if k > 0 {
			m.emit(b[ib : ib+k])
			ib, io, it = ib+k, io+k, it+k
			continue
		}
		// An unstable chunk runs to the next base line both sides kept.
		e := ib
		for e < len(b) && (mo[e] < 0 || mt[e] < 0) {
			e++
		}
		eo, et := len(o), len(t)
		if e < len(b) {
			eo, et = mo[e], mt[e]
		}
		bc, oc, tc := b[ib:e], o[io:eo], t[it:et]
		switch {
		case slices.Equal(oc, bc):
			m.emit(tc)
		case slices.Equal(tc, bc), slices.Equal(oc, tc):
			m.emit(oc)
		default:
			m.conflict(oc, tc)
		}
		ib, io, it = e, eo, et
	}
	return Result{Content: m.buf.Bytes(), Conflicts: m.conflicts}
}

// TwoWay is the merge when obsgen's previous output is lost: without a base
// no side can be told apart from the other, so every region where ours and
// theirs differ becomes a conflict.
func TwoWay(ours, theirs []byte) Result {
	o, t := splitLines(ours), splitLines(theirs)
	var m merger
	io, it := 0, 0
	for _, p := range append(matchLines(o, t), pair{len(o), len(t)}) {
		if p.A > io || p.B > it {
			m.conflict(o[io:p.A], t[it:p.B])
		}
		if p.A < len(o) {
			m.emit(o[p.A : p.A+1])
		}
		io, it = p.A+1, p.B+1
	}
	return Result{Content: m.buf.Bytes(), Conflicts: m.conflicts}
}

// HasMarkers reports whether content holds an unresolved conflict written
// by obsgen: a line starting the ours side and a line ending the obsgen side.
func HasMarkers(content []byte) bool {
	var open, closed bool
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(nil, len(content)+1)
	for sc.Scan() {
		switch string(bytes.TrimRight(sc.Bytes(), "\r")) {
		case MarkerOurs:
			open = true
		case MarkerTheirs:
			closed = closed || open
		}
	}
	return closed
}

type merger struct {
	buf       bytes.Buffer
	conflicts int
}

func (m *merger) emit(lines []string) {
	for _, l := range lines {
		m.buf.WriteString(l)
	}
}

// conflict writes ours and theirs between markers. Lines both sides share
// at the start or end stay outside the markers, so the conflict shows only
// what really differs.
func (m *merger) conflict(o, t []string) {
	pre := 0
	for pre < len(o) && pre < len(t) && o[pre] == t[pre] {
		pre++
	}
	suf := 0
	for suf < len(o)-pre && suf < len(t)-pre && o[len(o)-1-suf] == t[len(t)-1-suf] {
		suf++
	}
	m.emit(o[:pre])
	m.conflicts++
	m.marker(MarkerOurs)
	m.emit(o[pre : len(o)-suf])
	m.marker(MarkerSep)
	m.emit(t[pre : len(t)-suf])
	m.marker(MarkerTheirs)
	m.emit(o[len(o)-suf:])
}

// marker writes a marker line, first ending an unterminated last line so
// the marker starts a line of its own.
func (m *merger) marker(s string) {
	if b := m.buf.Bytes(); len(b) > 0 && b[len(b)-1] != '\n' {
		m.buf.WriteByte('\n')
	}
	m.buf.WriteString(s + "\n")
}

// splitLines splits after every newline; a last line without one is kept.
func splitLines(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n') + 1
		if i == 0 {
			i = len(b)
		}
		out = append(out, string(b[:i]))
		b = b[i:]
	}
	return out
}

// matchIndex maps each base line to its match on the other side, or -1.
func matchIndex(n int, ps []pair) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = -1
	}
	for _, p := range ps {
		idx[p.A] = p.B
	}
	return idx
}
