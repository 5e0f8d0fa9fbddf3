package bench

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/generators/registry"
	"github.com/obsgen/obsgen/internal/spec"
)

var update = flag.Bool("update", false, "rewrite the generated package the benchmark imports")

// benchSpec is the service whose generated package the benchmark measures:
// the defaults, net/http, Sentry and tracing on.
func benchSpec() spec.Spec {
	s := spec.New()
	s.Service.Name = "bench"
	s.Service.Module = "github.com/obsgen/obsgen/servicetest/bench"
	return s
}

// TestGeneratedPackageUpToDate keeps the committed package the benchmark
// imports identical to what obsgen generates now (-update rewrites it).
func TestGeneratedPackageUpToDate(t *testing.T) {
	s := benchSpec()
	files, err := registry.Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if !strings.HasPrefix(f.Path, s.Output.CodeDir+"/") {
			continue
		}
		n++
		p := filepath.FromSlash(f.Path)
		if *update {
			if err := os.WriteFile(p, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(have, f.Content) {
			t.Errorf("%s is not what obsgen generates: run go test ./bench -run UpToDate -update", p)
		}
	}
	if n == 0 {
		t.Fatal("no Go package generated")
	}
}
