package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/merge"
	"github.com/obsgen/obsgen/internal/writer"
)

var (
	regenRounds = flag.Int("regen.rounds", 200, "rounds of the randomized regeneration test")
	regenSeed   = flag.Uint64("regen.seed", 1, "seed of the randomized regeneration test")
)

// answerChanges are the --set values the randomized test picks from: every
// kind of answer, including ones that add, remove and move files.
var answerChanges = map[string][]string{
	"framework":        {"nethttp", "chi", "gin", "echo"},
	"service-name":     {"checkout", "orders-api"},
	"environment":      {"production", "staging"},
	"log-level":        {"debug", "info", "warn"},
	"metrics-port":     {"9464", "9100"},
	"sentry":           {"true", "false"},
	"tracing":          {"true", "false"},
	"otlp-protocol":    {"grpc", "http"},
	"trace-backend":    {"jaeger", "tempo"},
	"slo-availability": {"99", "99.5", "99.9", "99.95"},
	"alert-receiver":   {"none", "slack", "pagerduty", "email", "webhook"},
	"code-dir":         {"internal/observability", "pkg/telemetry"},
	"config-dir":       {"observability", "deploy/observability"},
}

// TestRegenerateNeverLosesAnEdit is the randomized property test: a
// generated tree, then round after round of random hand edits to random
// lines of the generated files (sometimes resolving earlier conflicts,
// sometimes deleting a file) and random answer changes through
// `generate --set`. After every round each line the user wrote is still in
// its file, merged or between conflict markers; a second generate reports
// every file unchanged; and check agrees with the markers on disk.
//
//	go test ./internal/cli -run NeverLoses -regen.rounds 500 -regen.seed 7
func TestRegenerateNeverLosesAnEdit(t *testing.T) {
	rounds := *regenRounds
	if testing.Short() {
		rounds = 3
	}
	r := rand.New(rand.NewPCG(*regenSeed, 99))
	dir := t.TempDir()
	// The email receiver needs its addresses; other receivers ignore them.
	mustRun(t, 0, dir, "init", "--no-prompt", "--service-name", "checkout",
		"--alert-email-to", "oncall@example.com", "--alert-email-from", "alertmanager@example.com", "--smtp-smarthost", "smtp.example.com:587")
	keys := sortedAnswerKeys()
	regenRoundsOf(t, dir, rounds, r, func() string {
		k := keys[r.IntN(len(keys))]
		vals := answerChanges[k]
		return k + "=" + vals[r.IntN(len(vals))]
	})
}

// sharedAnswers are the answers of answerChanges a project's services
// share (the others are set per service).
var sharedAnswers = map[string]bool{"environment": true, "tracing": true, "trace-backend": true, "alert-receiver": true, "config-dir": true}

// The same property on a repository of three services (two Go, one
// Node): edits in every service's files and the shared stack's, answer
// changes of one service (services.<name>.<key>) and of all.
func TestRegenerateSeveralServicesNeverLosesAnEdit(t *testing.T) {
	rounds := *regenRounds / 10
	if testing.Short() {
		rounds = 3
	}
	r := rand.New(rand.NewPCG(*regenSeed, 7))
	dir := t.TempDir()
	writeFile(t, dir, "services/api/go.mod", "module example.com/shop/api\n\ngo 1.24\n")
	writeFile(t, dir, "services/api/cmd/api/main.go", "package main\n\nfunc main() {}\n")
	writeFile(t, dir, "services/billing/go.mod", "module example.com/shop/billing\n\ngo 1.24\n")
	writeFile(t, dir, "services/billing/main.go", "package main\n\nfunc main() {}\n")
	writeFile(t, dir, "services/web/package.json", `{"name": "web", "version": "1.0.0", "main": "server.js", "dependencies": {"express": "^4.21.2"}}`+"\n")
	mustRun(t, 0, dir, "init", "--no-prompt", "--skip-install",
		"--alert-email-to", "oncall@example.com", "--alert-email-from", "alertmanager@example.com", "--smtp-smarthost", "smtp.example.com:587")
	keys := sortedAnswerKeys()
	services := []string{"api", "billing"}
	regenRoundsOf(t, dir, rounds, r, func() string {
		k := keys[r.IntN(len(keys))]
		vals := answerChanges[k]
		v := vals[r.IntN(len(vals))]
		switch {
		case sharedAnswers[k]:
			return k + "=" + v
		case k == "service-name" || k == "framework" || k == "code-dir":
			// Go answers, for a Go service; a service keeps its name.
			if k == "service-name" {
				k, v = "log-level", "debug"
			}
			return "services." + services[r.IntN(len(services))] + "." + k + "=" + v
		}
		return "services." + append(services, "web")[r.IntN(3)] + "." + k + "=" + v
	})
}

// regenRoundsOf runs the rounds of the property test in dir, each with
// up to two answer changes from set.
func regenRoundsOf(t *testing.T, dir string, rounds int, r *rand.Rand, set func() string) {
	t.Helper()
	// want maps each file to the lines the user wrote into it and expects.
	want := map[string]map[string]bool{}
	var stats struct{ edits, sets, merged, conflicts, inTheWay, orphaned, deleted, resolved int }
	for round := range rounds {
		for k := range 1 + r.IntN(4) {
			tracked := trackedFiles(t, dir)
			if len(tracked) == 0 {
				break
			}
			p := tracked[r.IntN(len(tracked))]
			content := readFile(t, dir, p)
			switch {
			case r.IntN(40) == 0 && len(tracked) > 2:
				if err := os.Remove(filepath.Join(dir, p)); err != nil {
					t.Fatal(err)
				}
				delete(want, p)
				stats.deleted++
				continue
			case merge.HasMarkers([]byte(content)) && r.IntN(5) != 0:
				// Resolve by keeping both sides, as people often do.
				content = dropMarkers(content)
				stats.resolved++
			}
			line := fmt.Sprintf("user edit %d.%d %x", round, k, r.Uint32())
			lines := strings.SplitAfter(content, "\n")
			i := r.IntN(len(lines))
			if r.IntN(2) == 0 && !strings.Contains(lines[i], "user edit") && !isMarker(lines[i]) {
				lines[i] = line + "\n" // replace an obsgen line
			} else {
				lines = append(lines[:i], append([]string{line + "\n"}, lines[i:]...)...)
			}
			writeFile(t, dir, p, strings.Join(lines, ""))
			if want[p] == nil {
				want[p] = map[string]bool{}
			}
			want[p][line] = true
			stats.edits++
		}

		var args []string
		for range r.IntN(3) {
			args = append(args, "--set", set())
		}
		stats.sets += len(args) / 2
		code, out, errOut := obsgen(t, dir, append([]string{"generate", "-o", "json", "--skip-install"}, args...)...)
		if code != 0 && code != ExitConflict {
			t.Fatalf("round %d: generate %v: exit %d\n%s%s", round, args, code, out, errOut)
		}
		var rep jsonReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, out)
		}
		var inTheWay []string
		for _, f := range rep.Files {
			switch f.Action {
			case "merged":
				stats.merged++
			case "conflict":
				if f.Conflicts == 0 {
					stats.inTheWay++
					inTheWay = append(inTheWay, f.Path)
				} else {
					stats.conflicts++
				}
			case "orphaned":
				stats.orphaned++
			}
		}

		for p, lines := range want {
			content := readFile(t, dir, p)
			for l := range lines {
				if !strings.Contains(content, l+"\n") {
					t.Fatalf("round %d (%v): %s lost the user's line %q:\n%s\nreport:\n%s", round, args, p, l, content, out)
				}
			}
		}

		// Idempotent: nothing changed, so nothing to do.
		code, out, _ = obsgen(t, dir, "generate", "-o", "json", "--skip-install")
		rep = jsonReport{}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		markers, blocked, ownedEdited := false, false, false
		for _, f := range rep.Files {
			// A file in the way that obsgen never wrote (an edited file it
			// let go of, at a path it generates again) is reported on every
			// run, and never written.
			inTheWay := f.Action == "conflict" && f.Conflicts == 0
			if f.Action != "unchanged" && !inTheWay {
				t.Fatalf("round %d: second generate: %s %s (%s)", round, f.Path, f.Action, f.Reason)
			}
			markers = markers || f.Markers
			blocked = blocked || inTheWay
			ownedEdited = ownedEdited || f.Owner == "owned" && f.Edited
		}
		if wantCode := map[bool]int{false: 0, true: ExitConflict}[markers || blocked]; code != wantCode {
			t.Fatalf("round %d: second generate exit %d, want %d", round, code, wantCode)
		}
		if code, _, _ := obsgen(t, dir, "check"); code != map[bool]int{false: 0, true: ExitDrift}[markers || blocked || ownedEdited] {
			t.Fatalf("round %d: check exit %d with markers=%v, files in the way=%v, owned files edited=%v", round, code, markers, blocked, ownedEdited)
		}
		checkRecord(t, dir)
		for _, p := range inTheWay {
			moveAway(t, dir, p, want, r)
		}
	}
	t.Logf("%d rounds: %d hand edits, %d answer changes, %d clean merges, %d files with conflicts, %d files in the way, %d orphaned, %d deleted, %d resolved by hand; no edit lost",
		rounds, stats.edits, stats.sets, stats.merged, stats.conflicts, stats.inTheWay, stats.orphaned, stats.deleted, stats.resolved)
	if rounds >= 200 && (stats.merged == 0 || stats.conflicts == 0 || stats.orphaned == 0) {
		t.Errorf("the test did not reach every case: %+v", stats)
	}
}

// moveAway is the user dealing with a file in obsgen's way, half the
// time: it becomes path.mine, and the lines expected in it move along.
func moveAway(t *testing.T, dir, p string, want map[string]map[string]bool, r *rand.Rand) {
	if r.IntN(2) == 0 {
		return
	}
	if err := os.Rename(filepath.Join(dir, p), filepath.Join(dir, p+".mine")); err != nil {
		t.Fatal(err)
	}
	want[p+".mine"], want[p] = want[p], nil
	delete(want, p)
}

// checkRecord asserts the ownership record names a stored base, with the
// recorded hash, for every merged and owned file, and no run left its
// pending folder behind.
func checkRecord(t *testing.T, dir string) {
	t.Helper()
	var m struct {
		Files []struct{ Path, Owner, SHA256 string } `json:"files"`
	}
	if err := json.Unmarshal([]byte(readFile(t, dir, writer.ManifestFile)), &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		if f.Owner == "create-once" {
			continue
		}
		sum := sha256.Sum256([]byte(readFile(t, dir, writer.BaseDir+"/"+f.Path)))
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Fatalf("stored base of %s does not match the record", f.Path)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, writer.StateDir, "pending")); !os.IsNotExist(err) {
		t.Fatalf("pending folder left: %v", err)
	}
}

// trackedFiles lists the files the ownership record names that exist.
func trackedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var m struct {
		Files []struct{ Path string } `json:"files"`
	}
	if err := json.Unmarshal([]byte(readFile(t, dir, "obsgen.lock")), &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range m.Files {
		if _, err := os.Stat(filepath.Join(dir, f.Path)); err == nil {
			out = append(out, f.Path)
		}
	}
	return out
}

func sortedAnswerKeys() []string {
	keys := make([]string, 0, len(answerChanges))
	for k := range answerChanges {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isMarker(l string) bool {
	switch strings.TrimSuffix(l, "\n") {
	case merge.MarkerOurs, merge.MarkerSep, merge.MarkerTheirs:
		return true
	}
	return false
}

func dropMarkers(content string) string {
	var out []string
	for _, l := range strings.SplitAfter(content, "\n") {
		if !isMarker(l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}
