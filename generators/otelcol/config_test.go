package otelcol

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/internal/spec"
)

// config.yml spells the shared parts out under their comments; the
// Kubernetes target encodes the typed values. This keeps both the same:
// every field of the typed values, and nothing else, is in config.yml.
func TestConfigRendersTheTypedValues(t *testing.T) {
	for name, edit := range map[string]func(*spec.Spec){
		"container logs": func(*spec.Spec) {},
		"host log file":  func(s *spec.Spec) { s.Logs.Path = "/var/log/checkout/app.log" },
		"no tracing":     func(s *spec.Spec) { s.Tracing.Enabled = false },
	} {
		t.Run(name, func(t *testing.T) {
			s := spec.New()
			s.Service.Name = "checkout"
			s.Complete(spec.Detected{})
			edit(&s)
			files, err := Generator.Generate(s)
			if err != nil {
				t.Fatal(err)
			}
			var rendered map[string]any
			if err := yaml.Unmarshal(files[0].Content, &rendered); err != nil {
				t.Fatal(err)
			}
			for path, typed := range map[[2]string]any{
				{"receivers", "file_log"}:        NewFileLog(s),
				{"processors", "memory_limiter"}: NewMemoryLimiter(),
				{"processors", "batch"}:          NewBatch(),
				{"extensions", "file_storage"}:   NewFileStorage(),
			} {
				got := rendered[path[0]].(map[string]any)[path[1]]
				if want := roundTrip(t, typed); !reflect.DeepEqual(got, want) {
					t.Errorf("config.yml's %s.%s differs from the typed value:\n got %v\nwant %v", path[0], path[1], got, want)
				}
			}
		})
	}
}

func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := yaml.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
