package steps

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/obsgen/obsgen/generators"
)

func TestStartScript(t *testing.T) {
	const pre = "--import ./src/observability/register.cjs"
	cases := []struct{ cur, want, note string }{
		{"", "node " + pre + " index.js", ""},
		{"node server.js", "node " + pre + " server.js", ""},
		{"NODE_ENV=production node --enable-source-maps dist/app.js", "NODE_ENV=production node " + pre + " --enable-source-maps dist/app.js", ""},
		{"node " + pre + " index.js", "", ""},
		{"nodemon server.js", "", "does not run node directly"},
		{"ts-node src/server.ts", "", "does not run node directly"},
	}
	for _, c := range cases {
		got, note := startScript(c.cur, pre, "index.js")
		if got != c.want || (c.note == "") != (note == "") {
			t.Errorf("startScript(%q) = %q, %q; want %q with a note: %v", c.cur, got, note, c.want, c.note != "")
		}
	}
}

func TestCompareRange(t *testing.T) {
	for have, want := range map[string]int{"10.4.0": 0, "^10.5.0": 1, "~9.0.0": -1, "latest": 0, ">=11": 1, "=10.3.9": -1, "*": 0} {
		if got := compareRange(have, "10.4.0"); got != want {
			t.Errorf("compareRange(%q, 10.4.0) = %d, want %d", have, got, want)
		}
	}
}

// The plan asks only for what package.json lacks or has older, pins it
// exactly, and names the upgrade.
func TestPlanNPM(t *testing.T) {
	dir := t.TempDir()
	pkg := `{"scripts":{"start":"node app.js"},"dependencies":{"pino":"^9.0.0","@sentry/node":"^11.20.0"}}`
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(pkg), 0o644); err != nil {
		t.Fatal(err)
	}
	st := generators.Step{Kind: generators.NPMInstall, Dir: ".", Tool: "pnpm", Preload: "--import ./o/register.mjs", Main: "app.js",
		Deps: []generators.Dep{{Name: "pino", Version: "10.4.0"}, {Name: "@sentry/node", Version: "11.12.0"}, {Name: "@opentelemetry/api", Version: "1.9.1"}}}
	p, err := Plan(dir, []generators.Step{st}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p[0].Commands {
		got = append(got, c.String())
	}
	want := []string{
		"pnpm add --save-exact pino@10.4.0 @opentelemetry/api@1.9.1",
		"npm pkg set 'scripts.start=node --import ./o/register.mjs app.js'",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("commands = %q\nwant %q", got, want)
	}
	if ups := p[0].Upgrades; len(ups) != 1 || ups[0] != (Upgrade{Path: "pino", From: "^9.0.0", To: "10.4.0"}) {
		t.Errorf("upgrades = %+v", ups)
	}
}
