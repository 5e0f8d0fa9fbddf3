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
			files, err := Generator.Stack(spec.Single(s))
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

// With several services each has its own receiver, which is its service's
// typed value, and the logs pipeline reads them all.
func TestConfigHasAReceiverPerService(t *testing.T) {
	p := spec.Project{Listed: true, Name: "shop"}
	for i, name := range []string{"api", "billing"} {
		s := spec.New()
		s.Service.Name, s.Service.Port, s.Listed = name, 8080+i, true
		s.Complete(spec.Detected{})
		p.Services = append(p.Services, spec.Member{Dir: "services/" + name, Spec: s})
	}
	p.Shared = p.Services[0].Spec
	files, err := Generator.Stack(p)
	if err != nil {
		t.Fatal(err)
	}
	var rendered struct {
		Receivers map[string]any `yaml:"receivers"`
		Service   struct {
			Pipelines map[string]struct {
				Receivers  []string `yaml:"receivers"`
				Processors []string `yaml:"processors"`
			} `yaml:"pipelines"`
		} `yaml:"service"`
	}
	if err := yaml.Unmarshal(files[0].Content, &rendered); err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Services {
		id := "file_log/" + m.Spec.Service.Name
		if want := roundTrip(t, NewFileLog(m.Spec)); !reflect.DeepEqual(rendered.Receivers[id], want) {
			t.Errorf("%s differs from %s's typed receiver:\n got %v\nwant %v", id, m.Spec.Service.Name, rendered.Receivers[id], want)
		}
	}
	if got := rendered.Service.Pipelines["logs"].Receivers; !reflect.DeepEqual(got, []string{"file_log/api", "file_log/billing"}) {
		t.Errorf("logs pipeline reads %v, want every service's receiver", got)
	}
	// One service's name stamped on every span would merge the services.
	for _, proc := range rendered.Service.Pipelines["traces"].Processors {
		if proc == "resource/identity" {
			t.Error("the traces pipeline renames every service's spans to one service")
		}
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
