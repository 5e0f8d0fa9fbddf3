package steps

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/testtool"
)

func writeMod(t *testing.T, gomod string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func goStep(deps ...generators.Dep) []generators.Step {
	return []generators.Step{{Kind: generators.GoModules, Dir: ".", Deps: deps, Init: "example.com/svc"}}
}

// A dependency the service already has at a newer version is never asked
// for: go get would otherwise be a downgrade.
func TestPlanNeverDowngrades(t *testing.T) {
	dir := writeMod(t, "module example.com/svc\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.9.0\n")
	p, err := Plan(dir, goStep(generators.Dep{Name: "github.com/go-chi/chi/v5", Version: "v5.5.0"}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p[0].Commands {
		got = append(got, c.String())
	}
	if want := []string{"go mod tidy"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("commands = %q, want %q", got, want)
	}
}

func TestPlanInitsMissingModule(t *testing.T) {
	p, err := Plan(t.TempDir(), goStep(generators.Dep{Name: "github.com/go-chi/chi/v5", Version: "v5.5.0"}), Options{Resolve: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p[0].Commands {
		got = append(got, c.String())
	}
	want := []string{"go mod init example.com/svc", "go get github.com/go-chi/chi/v5@v5.5.0", "go mod tidy"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("commands = %q, want %q", got, want)
	}
}

// Resolving runs the real go get against a copy: the service's old chi and
// go line are listed as upgrades, and its go.mod is left as it was.
func TestPlanResolvesUpgradesWithoutTouchingGoMod(t *testing.T) {
	testtool.Go(t)
	const gomod = "module rest-example\n\ngo 1.21\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n"
	dir := writeMod(t, gomod)
	deps := []generators.Dep{
		{Name: "github.com/go-chi/chi/v5", Version: "v5.5.0"},
		{Name: "go.opentelemetry.io/otel", Version: "v1.47.0"},
	}
	p, err := Plan(dir, goStep(deps...), Options{Resolve: true})
	if err != nil {
		t.Fatal(err)
	}
	if p[0].Note != "" {
		t.Fatalf("note: %s", p[0].Note)
	}
	ups := map[string]Upgrade{}
	for _, u := range p[0].Upgrades {
		ups[u.Path] = u
	}
	if u := ups["github.com/go-chi/chi/v5"]; u.From != "v5.0.12" || u.To != "v5.5.0" {
		t.Errorf("chi upgrade = %+v, want v5.0.12 -> v5.5.0 (all: %+v)", u, p[0].Upgrades)
	}
	if u := ups["go"]; u.From != "1.21" || u.To == "" || u.To == "1.21" {
		t.Errorf("go line upgrade = %+v, want 1.21 -> the newer line otel needs", u)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if string(after) != gomod {
		t.Errorf("go.mod changed by planning:\n%s", after)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.sum")); err == nil {
		t.Error("planning wrote go.sum")
	}
	var b strings.Builder
	Report(&b, p, "then: ")
	if !strings.Contains(b.String(), "upgrades github.com/go-chi/chi/v5 v5.0.12 -> v5.5.0") {
		t.Errorf("report does not show the upgrade:\n%s", b.String())
	}
}

// The service's framework at any version is kept: obsgen does not ask go
// get for a newer one.
func TestPlanKeepsServicesFramework(t *testing.T) {
	dir := writeMod(t, "module example.com/svc\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n")
	p, err := Plan(dir, goStep(generators.Dep{Name: "github.com/go-chi/chi/v5", Version: "v5.5.0", AnyVersion: true}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p[0].Commands {
		if strings.Contains(c.String(), "chi") {
			t.Errorf("asks for chi: %s", c)
		}
	}
}

// One quoting rule for every command obsgen prints (the steps here, the
// "same without questions" line of the wizard): only characters no shell
// treats specially stay bare. zsh's extended glob reads ^ and a
// non-ASCII byte may not survive a copy, so both are quoted.
func TestQuoteOnlyLeavesPlainWordsBare(t *testing.T) {
	for in, want := range map[string]string{
		"go":                 "go",
		"example.com/x@v1.2": "example.com/x@v1.2",
		"--set=a,b+c:d%e":    "--set=a,b+c:d%e",
		"pino@^10":           "'pino@^10'",
		"café":               "'café'",
		"a b":                "'a b'",
		"it's":               `'it'\''s'`,
		"":                   "''",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
		if got := (Command{Args: []string{in}}).String(); got != want {
			t.Errorf("Command{%q}.String() = %s, want %s", in, got, want)
		}
	}
}
