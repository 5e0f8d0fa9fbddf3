package nodecode

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

// parseAll compiles every file given with node's own parser in one process
// (CommonJS as node wraps it, ESM as a module) and prints each error.
const parseAll = `
const fs = require('node:fs'), vm = require('node:vm'), { wrap } = require('node:module');
let bad = 0;
for (const f of process.argv.slice(1)) {
  const src = fs.readFileSync(f, 'utf8');
  try {
    if (f.endsWith('.mjs')) new vm.SourceTextModule(src, { identifier: f });
    else new vm.Script(wrap(src), { filename: f });
  } catch (e) { bad++; console.log(f + ': ' + e.message); }
}
process.exit(bad ? 1 : 0);
`

// TestJavaScriptParses hands every JavaScript variant to node's parser,
// the one that will load it. (TypeScript is compiled by tsc in servicetest.)
func TestJavaScriptParses(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		testtool.Missing(t, "node is not in PATH")
	}
	root := t.TempDir()
	var paths []string
	for _, fw := range spec.NodeFrameworks {
		for _, mt := range spec.ModuleTypes {
			for _, on := range []bool{true, false} {
				s := spec.New()
				s.Service.Name, s.Service.Language, s.Service.Framework = "orders", "node", fw
				s.Node.ModuleType, s.Sentry.Enabled, s.Tracing.Enabled = mt, on, on
				s.Output.CodeDir = spec.NodeCodeDir
				if on {
					s.Dependencies = spec.Dependencies{{Name: "orders-db", Kind: "postgres"}, {Name: "cache", Kind: "redis"}}
				}
				s.Complete(spec.Detected{})
				if err := s.Validate(); err != nil {
					t.Fatal(err)
				}
				files, err := generate(s)
				if err != nil {
					t.Fatal(err)
				}
				dir := filepath.Join(root, fw+"-"+mt+"-"+strconv.FormatBool(on))
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for _, f := range files {
					if path.Ext(f.Path) == "" {
						continue
					}
					f, err := generators.Finish(f)
					if err != nil {
						t.Fatal(err)
					}
					p := filepath.Join(dir, filepath.Base(f.Path))
					if err := os.WriteFile(p, f.Content, 0o644); err != nil {
						t.Fatal(err)
					}
					paths = append(paths, p)
					if strings.Contains(string(f.Content), "[[") {
						t.Errorf("%s: template delimiters left in the output", f.Path)
					}
				}
			}
		}
	}
	args := append([]string{"--experimental-vm-modules", "--no-warnings", "-e", parseAll}, paths...)
	if out, err := exec.Command(node, args...).CombinedOutput(); err != nil {
		t.Errorf("generated JavaScript does not parse: %v\n%s", err, out)
	}
	if len(paths) < 33 {
		t.Fatalf("checked only %d files", len(paths))
	}
}
