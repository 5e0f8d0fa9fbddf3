package alloy_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/golden"
)

// alloyFmt formats Alloy config text by the rules of Alloy's own formatter
// (`alloy fmt`, github.com/grafana/alloy/syntax/printer), for the subset of
// the syntax obsgen writes: blocks, attributes, one-line arrays and objects,
// multi-line objects, line comments. Alloy cannot be obtained on obsgen's
// test machines, so this is the check that a user's `alloy fmt -w` leaves
// the generated file unchanged. The rules, as the printer applies them:
//   - one tab per level of nesting (blocks, multi-line objects and arrays);
//   - `name = value` with one space each side; inside one-line arrays and
//     objects, no space after the opening or before the closing bracket,
//     ", " between elements, " = " in fields;
//   - in a run of consecutive attribute (or object field) lines at the same
//     level, the `=` are aligned; a blank line, a comment line, a block, or
//     an attribute whose value spans several lines ends the run (that
//     attribute itself still belongs to it);
//   - an empty block is `name { }`;
//   - a block that is not first in its body follows a blank line (or its
//     own comment);
//   - at most one blank line in a row, none right after an opening or right
//     before a closing bracket, none at the end of the file.
func alloyFmt(src string) string {
	var lines []fmtLine
	depth := 0
	for raw := range strings.SplitSeq(strings.TrimRight(src, "\n"), "\n") {
		t := strings.TrimSpace(raw)
		if t == "" {
			lines = append(lines, fmtLine{blank: true})
			continue
		}
		if strings.HasPrefix(t, "//") {
			lines = append(lines, fmtLine{text: t, depth: depth, comment: true})
			continue
		}
		lead, net := brackets(t)
		l := fmtLine{depth: depth - lead}
		depth += net
		l.opens = net > 0
		switch m := blockHeader.FindStringSubmatch(t); {
		case m != nil:
			l.block = true
			l.text = m[1] + " {"
			if m[2] != "" {
				l.text += " }"
			}
		case assign.MatchString(t):
			m := assign.FindStringSubmatch(t)
			l.key, l.value = m[1], spaceValue(m[2])
		default:
			l.text = spaceValue(t)
		}
		lines = append(lines, l)
	}

	// Blank lines: one at most, none after an opening or before a closing
	// line, one before every block that does not open its body.
	var out []fmtLine
	for i, l := range lines {
		if l.blank {
			if len(out) == 0 || out[len(out)-1].blank || out[len(out)-1].opens {
				continue
			}
			if next, ok := nextNonBlank(lines, i); !ok || closing(next.text) {
				continue
			}
		}
		if l.block && len(out) > 0 {
			prev := out[len(out)-1]
			if !prev.blank && !prev.comment && !prev.opens {
				out = append(out, fmtLine{blank: true})
			}
		}
		out = append(out, l)
	}

	// Alignment of `=` in runs of attribute lines.
	for i := 0; i < len(out); {
		if out[i].key == "" {
			i++
			continue
		}
		j := i + 1
		for !out[j-1].opens && j < len(out) && out[j].key != "" && out[j].depth == out[i].depth {
			j++
		}
		width := 0
		for _, l := range out[i:j] {
			width = max(width, len(l.key))
		}
		for k := i; k < j; k++ {
			out[k].text = out[k].key + strings.Repeat(" ", width-len(out[k].key)) + " = " + out[k].value
		}
		i = j
	}

	var b strings.Builder
	for _, l := range out {
		if !l.blank {
			b.WriteString(strings.Repeat("\t", l.depth) + l.text)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// fmtLine is one line of an Alloy file as the formatter sees it.
type fmtLine struct {
	text       string // formatted, without indentation
	depth      int
	blank      bool
	comment    bool
	key, value string // an attribute or object field
	opens      bool   // leaves a bracket open (a multi-line value or block)
	block      bool   // a block header
}

var (
	// blockHeader is `name.part "label" {`, with `}` when the block is
	// empty; an attribute has `=` and never matches.
	blockHeader = regexp.MustCompile(`^([a-z_][a-z0-9_.]*(?: "[^"]*")?)\s*\{\s*(\})?$`)
	assign      = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*|"[^"]*")\s*=\s*([^=~].*)$`)
)

func closing(t string) bool { return strings.HasPrefix(t, "}") || strings.HasPrefix(t, "]") }

// nextNonBlank returns the first line after i that is not blank.
func nextNonBlank(lines []fmtLine, i int) (fmtLine, bool) {
	for _, l := range lines[i+1:] {
		if !l.blank {
			return l, true
		}
	}
	return fmtLine{}, false
}

// brackets returns how many closing brackets t starts with and the net
// count of brackets it opens, outside strings.
func brackets(t string) (lead, net int) {
	leading := true
	eachCode(t, func(c byte) {
		switch c {
		case '{', '[', '(':
			net++
			leading = false
		case '}', ']', ')':
			net--
			if leading {
				lead++
			}
		case ',', ' ':
		default:
			leading = false
		}
	})
	return lead, net
}

// eachCode calls f with every byte of t outside string literals and a
// trailing comment; strings are passed as one 's'.
func eachCode(t string, f func(byte)) {
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c == '"':
			for i++; i < len(t) && t[i] != '"'; i++ {
				if t[i] == '\\' {
					i++
				}
			}
			f('s')
		case c == '`':
			for i++; i < len(t) && t[i] != '`'; i++ {
			}
			f('s')
		case c == '/' && i+1 < len(t) && t[i+1] == '/':
			return
		default:
			f(c)
		}
	}
}

// spaceValue spaces an expression as the printer does: strings verbatim,
// no space inside brackets, ", " after commas, " = " in object fields.
func spaceValue(v string) string {
	var b strings.Builder
	pendingSpace := false
	last := byte(0)
	emit := func(s string, first byte) {
		if pendingSpace && last != 0 && !strings.ContainsRune("[{(", rune(last)) && !strings.ContainsRune("]}),", rune(first)) {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteString(s)
		last = s[len(s)-1]
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '`':
			j := i + 1
			for ; j < len(v) && v[j] != c; j++ {
				if c == '"' && v[j] == '\\' {
					j++
				}
			}
			emit(v[i:min(j+1, len(v))], c)
			i = j
		case c == ' ' || c == '\t':
			pendingSpace = true
		case c == ',':
			pendingSpace = false
			emit(",", c)
			pendingSpace = true
		case c == '=' && (i+1 >= len(v) || (v[i+1] != '=' && v[i+1] != '~')) && !strings.ContainsRune("=!<>", rune(last)):
			pendingSpace = true
			emit("=", c)
			pendingSpace = true
		default:
			emit(string(c), c)
		}
	}
	return b.String()
}

// TestAlloyFmt: alloyFmt applies the printer's rules (a misformatted file
// is rewritten as Alloy's own formatter tests expect it).
func TestAlloyFmt(t *testing.T) {
	in := "loki.process \"x\" {\n    forward_to = [a.receiver]\n  stage.docker {}\n\n\n  stage.json {\n    expressions = { a = \"\", \"b\"=\"c\" }\n    source = \"video\"\n    drop_malformed = true\n  }\n  labels = {\n    region = \"chablis\",\n    variety = \"chardonnay\",\n  }\n}\n"
	want := "loki.process \"x\" {\n\tforward_to = [a.receiver]\n\n\tstage.docker { }\n\n\tstage.json {\n\t\texpressions    = {a = \"\", \"b\" = \"c\"}\n\t\tsource         = \"video\"\n\t\tdrop_malformed = true\n\t}\n\tlabels = {\n\t\tregion  = \"chablis\",\n\t\tvariety = \"chardonnay\",\n\t}\n}\n"
	if got := alloyFmt(in); got != want {
		t.Errorf("alloyFmt:\n%s\nwant:\n%s", got, want)
	}
	if got := alloyFmt(want); got != want {
		t.Errorf("alloyFmt of formatted text changed it:\n%s", got)
	}
}

// TestConfigIsAlloyFmtFixedPoint: every generated config.alloy is already
// in `alloy fmt` form, so formatting it changes nothing and a later
// `obsgen generate` does not conflict with a user's `alloy fmt -w`.
func TestConfigIsAlloyFmtFixedPoint(t *testing.T) {
	scs, err := golden.Generating()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sc := range scs {
		for _, f := range sc.FilesMatching(".alloy") {
			n++
			src := string(sc.Files[f])
			if got := alloyFmt(src); got != src {
				t.Errorf("%s: %s is not in alloy fmt form; formatted:\n%s", sc.Name, f, got)
			}
		}
	}
	if n == 0 {
		t.Fatal("no config.alloy in any golden scenario")
	}
}
