package servicetest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/contract"
)

// gormSecrets are values the pantry fixture hands gorm as SQL arguments
// (seeded rows, a reviewer excluded from a Scan, a shelf, a report's
// bound): none may reach stdout, where gorm's own logger wrote them into
// the SQL.
var gormSecrets = []string{"supplier-code-SQ7731", "ana@example.com", "house-reviewer-K42", "cold-room-B9", "4000000"}

// checkPantry checks what echo's own logger wrote at startup, then the
// pantry's gorm statements.
func checkPantry(t *testing.T, base string, stdout *lineBuffer) {
	t.Helper()
	if l := stdout.find(func(l map[string]any) bool { return l[contract.LogMessage] == "4 routes registered" }); l == nil || l[contract.LogService] != "pantry" || l[contract.LogLevel] != "info" {
		t.Errorf("echo's own logger does not write the JSON contract: %v", l)
	}
	checkGorm(t, base, stdout)
}

// checkGorm runs the pantry's gorm statements of every kind through the
// bridge: each is a JSON line with the request's IDs and the SQL with
// its placeholders; a record not found is no error, a failing statement
// is, a slow one is a warning.
func checkGorm(t *testing.T, base string, stdout *lineBuffer) {
	t.Helper()
	ofTrace := func(traceID string) func(map[string]any) bool {
		return func(l map[string]any) bool { return l[contract.LogTraceID] == traceID && l[contract.LogSQL] != nil }
	}
	requireLine := func(what, traceID, level, sqlHas string) {
		t.Helper()
		var line map[string]any
		waitFor(t, 5*time.Second, what, func() bool {
			line = stdout.find(func(l map[string]any) bool {
				return ofTrace(traceID)(l) && l[contract.LogLevel] == level && strings.Contains(fmt.Sprint(l[contract.LogSQL]), sqlHas)
			})
			return line != nil
		})
		if line[contract.LogRequestID] == nil || line[contract.LogRequestID] == "" {
			t.Errorf("%s: no request ID: %v", what, line)
		}
	}

	shown := randomHex(16)
	if resp := get(t, base+"/recipes/saffron-risotto", shown); resp.StatusCode != http.StatusOK {
		t.Errorf("GET a recipe: %d", resp.StatusCode)
	}
	requireLine("the recipe's SELECT at info", shown, "info", "slug = ?")
	requireLine("the rating's Scan at info", shown, "info", "reviewer <> ?")

	missing := randomHex(16)
	if resp := get(t, base+"/recipes/no-such-dish", missing); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET a missing recipe: %d, want 404", resp.StatusCode)
	}
	requireLine("the not-found SELECT", missing, "info", "slug = ?")
	if l := stdout.find(func(l map[string]any) bool { return ofTrace(missing)(l) && l[contract.LogLevel] != "info" }); l != nil {
		t.Errorf("a record not found is logged above info: %v", l)
	}

	failed := randomHex(16)
	if resp := get(t, base+"/stock", failed); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("GET /stock: %d, want 500", resp.StatusCode)
	}
	requireLine("the failing statement at error", failed, "error", "shelf = ?")

	slow := randomHex(16)
	if resp := get(t, base+"/reports/popularity", slow); resp.StatusCode != http.StatusOK {
		t.Errorf("GET the slow report: %d", resp.StatusCode)
	}
	requireLine("the slow statement at warn", slow, "warn", "x < ?")

	for _, s := range gormSecrets {
		if strings.Contains(stdout.String(), s) {
			t.Errorf("an SQL argument reached stdout: %q", s)
		}
	}
}
