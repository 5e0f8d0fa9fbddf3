package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/generators/registry"
	"github.com/obsgen/obsgen/internal/spec"
)

// benchDir is the servicetest module's benchmark service: it imports a
// committed copy of the generated Go package, so the benchmark builds
// without running obsgen. The copy is reviewed output like every golden
// file, and -update rewrites it with them.
var benchDir = filepath.Join("..", "servicetest", "bench")

// benchSpec is the service whose generated package the benchmark measures:
// the defaults, net/http, Sentry and tracing on, and one dependency of
// each client kind, whose instrumented calls are measured against bare ones.
func benchSpec() spec.Spec {
	s := spec.New()
	s.Service.Name = "bench"
	s.Service.Module = "github.com/obsgen/obsgen/servicetest/bench"
	s.Dependencies = spec.Dependencies{
		{Name: "db", Kind: "postgres"},
		{Name: "cache", Kind: "redis"},
		{Name: "api", Kind: "http", TrustedHosts: []string{"127.0.0.1"}},
	}
	return s
}

func TestBenchPackage(t *testing.T) {
	s := benchSpec()
	res, err := registry.Generate(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range res.Files {
		if !strings.HasPrefix(f.Path, s.Output.CodeDir+"/") {
			continue
		}
		n++
		p := filepath.Join(benchDir, filepath.FromSlash(f.Path))
		if *update {
			if err := os.WriteFile(p, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(have, f.Content) {
			t.Errorf("%s is not what obsgen generates: run go test ./golden/ -update (make golden), then review", p)
		}
	}
	if n == 0 {
		t.Fatal("no Go package generated")
	}
}
