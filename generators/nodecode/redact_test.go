package nodecode

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/templates"
)

// goList returns the quoted strings of the Go logger's list declared by
// decl, up to the list's closing brace.
func goList(t *testing.T, src, decl string) []string {
	i := strings.Index(src, decl)
	if i < 0 {
		t.Fatalf("templates/go/logger.go.tmpl has no %q", decl)
	}
	body := src[i+len(decl):]
	body = body[:strings.Index(body, "}")]
	var out []string
	for _, q := range regexp.MustCompile(`"[^"]*"`).FindAllString(body, -1) {
		s, _ := strconv.Unquote(q)
		out = append(out, s)
	}
	return out
}

// TestRedactionListsAreGo's: the Node logger redacts the keys the Go
// logger redacts, so one obsgen.yaml means one policy in both languages.
func TestRedactionListsAreGos(t *testing.T) {
	b, err := templates.FS.ReadFile("go/logger.go.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	if got := goList(t, src, "var sensitiveFragments = []string{"); !slices.Equal(got, sensitiveFragments) {
		t.Errorf("Go's sensitiveFragments %q, Node's %q", got, sensitiveFragments)
	}
	if got := goList(t, src, "var sensitiveWords = append([]string{"); !slices.Equal(got, sensitiveWords) {
		t.Errorf("Go's sensitiveWords %q, Node's %q", got, sensitiveWords)
	}
}

// TestRedactKeysReachTheLogger: logs.redact_keys words are in the Node
// logger's list (they were ignored).
func TestRedactKeysReachTheLogger(t *testing.T) {
	s := spec.New()
	s.Service.Language, s.Service.Framework = "node", "express"
	s.Logs.RedactKeys = "tax_ref,loyalty_no"
	v := newView(s)
	for _, w := range []string{`"tax_ref"`, `"loyalty_no"`, `"email"`} {
		if !strings.Contains(v.SensitiveWords, w) {
			t.Errorf("the Node logger's words %s lack %s", v.SensitiveWords, w)
		}
	}
}
