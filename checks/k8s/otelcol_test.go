package k8s

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/internal/testtool"
)

// withoutNulls drops the null entries: they switch off the upstream chart's
// defaults when Helm merges the values, and mean nothing to the collector.
func withoutNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e != nil {
				out[k] = withoutNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutNulls(e)
		}
		return out
	}
	return v
}

// TestCollectorConfigsValidate runs `otelcol validate` (a collector built
// with every component the configs use) on the config of the agent and the
// gateway values.
func TestCollectorConfigsValidate(t *testing.T) {
	otelcol := testtool.Require(t, "otelcol")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			for _, p := range []string{kubernetes.AgentValuesPath(sc.Spec), kubernetes.GatewayValuesPath(sc.Spec)} {
				b, err := os.ReadFile(sc.path(p))
				if err != nil {
					t.Fatal(err)
				}
				var values struct {
					Config map[string]any `yaml:"config"`
				}
				if err := yaml.Unmarshal(b, &values); err != nil {
					t.Fatal(err)
				}
				cfg, err := yaml.Marshal(withoutNulls(values.Config))
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(t.TempDir(), "config.yaml")
				if err := os.WriteFile(file, cfg, 0o644); err != nil {
					t.Fatal(err)
				}
				out, err := run(sc.Dir, otelcol, "validate", "--config="+file)
				if err != nil {
					t.Errorf("%s: otelcol validate: %v\n%s\n%s", p, err, out, cfg)
				}
			}
		})
	}
}
