package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/golden"
	"github.com/obsgen/obsgen/internal/testtool"
)

// TestCollectorConfigsValidate runs the real collector's `validate` (which
// rejects unknown keys, unknown components and dangling pipeline
// references) on every golden collector config.
func TestCollectorConfigsValidate(t *testing.T) {
	otelcol := testtool.Require(t, "otelcol")
	n := 0
	for _, sc := range scenarios(t) {
		dir := tree(t, sc)
		for _, f := range filesUnder(sc, "/otelcol/", ".yml") {
			n++
			if out, err := run(otelcol, "validate", "--config="+filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %s: otelcol validate: %v\n%s", sc.Name, f, err, out)
			}
		}
	}
	if n == 0 {
		t.Fatal("no collector config in any golden scenario")
	}
	// The check can fail: a misspelt operator is rejected.
	sc, f := firstWith(t, "/otelcol/", ".yml")
	bad := strings.Replace(string(sc.Files[f]), "type: retain", "type: retian", 1)
	p := filepath.Join(t.TempDir(), "bad.yml")
	writeFile(t, p, []byte(bad))
	if out, err := run(otelcol, "validate", "--config="+p); err == nil || !strings.Contains(out, "retian") {
		t.Errorf("otelcol validate accepted a config with an unknown operator: %v\n%s", err, out)
	}
}

// TestLokiConfigsVerify runs `loki -verify-config` (strict: unknown keys
// fail) on every golden loki.yml.
func TestLokiConfigsVerify(t *testing.T) {
	loki := testtool.Require(t, "loki")
	n := 0
	for _, sc := range scenarios(t) {
		dir := tree(t, sc)
		for _, f := range filesUnder(sc, "/loki/", "loki.yml") {
			n++
			if out, err := run(loki, "-verify-config", "-config.file="+filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %s: loki -verify-config: %v\n%s", sc.Name, f, err, out)
			}
		}
	}
	if n == 0 {
		t.Fatal("no loki.yml in any golden scenario")
	}
	sc, f := firstWith(t, "/loki/", "loki.yml")
	bad := strings.Replace(string(sc.Files[f]), "allow_structured_metadata:", "allow_structured_metadta:", 1)
	p := filepath.Join(t.TempDir(), "bad.yml")
	writeFile(t, p, []byte(bad))
	if out, err := run(loki, "-verify-config", "-config.file="+p); err == nil {
		t.Errorf("loki -verify-config accepted an unknown key:\n%s", out)
	}
}

// TestJaegerConfigsValidate runs Jaeger v2's own `validate` on every golden
// Jaeger config. (Tempo configs have no validator here: golden files only.)
func TestJaegerConfigsValidate(t *testing.T) {
	jaeger := testtool.Require(t, "jaeger")
	n := 0
	for _, sc := range scenarios(t) {
		dir := tree(t, sc)
		for _, f := range filesUnder(sc, "/jaeger/", ".yml") {
			n++
			if out, err := run(jaeger, "validate", "--config="+filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %s: jaeger validate: %v\n%s", sc.Name, f, err, out)
			}
		}
	}
	if n == 0 {
		t.Fatal("no Jaeger config in any golden scenario")
	}
	sc, f := firstWith(t, "/jaeger/", ".yml")
	bad := strings.Replace(string(sc.Files[f]), "max_traces:", "max_tracez:", 1)
	p := filepath.Join(t.TempDir(), "bad.yml")
	writeFile(t, p, []byte(bad))
	if out, err := run(jaeger, "validate", "--config="+p); err == nil {
		t.Errorf("jaeger validate accepted an unknown key:\n%s", out)
	}
}

// firstWith returns the first scenario with an output under part ending
// in suffix, and that output's path.
func firstWith(t *testing.T, part, suffix string) (golden.Scenario, string) {
	t.Helper()
	for _, sc := range scenarios(t) {
		if fs := filesUnder(sc, part, suffix); len(fs) > 0 {
			return sc, fs[0]
		}
	}
	t.Fatalf("no scenario has a %s file under %s", suffix, part)
	return golden.Scenario{}, ""
}
