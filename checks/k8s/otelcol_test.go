package k8s

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/internal/testtool"
)

// unbuildable are components the agent uses that the project's collector
// cannot include: their modules' dependencies (internal/k8sconfig,
// internal/metadataproviders, internal/aws/ecsutil at v0.156.0) are refused
// by the module mirror (see scripts/otelcol-builder.yaml). They are taken out
// of the config and its pipelines before validation, and nowhere else.
var unbuildable = []string{"k8sattributes", "resourcedetection"}

// withoutUnbuildable removes the unbuildable processors from cfg.
func withoutUnbuildable(t *testing.T, cfg map[string]any) map[string]any {
	t.Helper()
	procs, _ := cfg["processors"].(map[string]any)
	for _, p := range unbuildable {
		delete(procs, p)
	}
	pipelines := cfg["service"].(map[string]any)["pipelines"].(map[string]any)
	for name, p := range pipelines {
		p := p.(map[string]any)
		var keep []any
		for _, proc := range p["processors"].([]any) {
			if !slices.Contains(unbuildable, proc.(string)) {
				keep = append(keep, proc)
			}
		}
		if len(keep) == 0 {
			t.Fatalf("pipeline %s has no processor left", name)
		}
		p["processors"] = keep
	}
	return cfg
}

// TestCollectorConfigsValidate runs `otelcol validate` (the project's
// collector, with every component the configs use that builds here) on the
// config the upstream chart builds from the agent's and the gateway's values:
// its defaults merged by Helm under them.
func TestCollectorConfigsValidate(t *testing.T) {
	otelcol := testtool.Require(t, "otelcol")
	helm := testtool.Require(t, "helm")
	for _, sc := range scenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			for _, p := range []string{kubernetes.AgentValuesPath(sc.Spec), kubernetes.GatewayValuesPath(sc.Spec)} {
				cfg, err := yaml.Marshal(withoutUnbuildable(t, chartConfig(t, helm, sc.path(p))))
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
