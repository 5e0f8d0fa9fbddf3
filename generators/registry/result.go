package registry

import (
	"bytes"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/compose"
	"github.com/obsgen/obsgen/generators/gocode"
	"github.com/obsgen/obsgen/internal/detect"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/wire"
)

// Result is everything a run produces, as data: the CLI plans it with the
// writer, shows it and carries it out without knowing which generator
// made what.
type Result struct {
	// Files are the generated files, sorted by path and finished.
	Files []generators.File
	// Edits are planned edits of files the user owns that every write
	// makes (the .gitignore line keeping the stack's secrets out of git).
	Edits []generators.File
	// Wiring is what was found in the service's code and the planned
	// edit of each of its mains, written only when the user wants it.
	Wiring wire.Plan
	// Steps run after the files are written (go get, go build, npm
	// install and the package.json start script), in registry order.
	Steps []generators.Step
	// Notes are printed after the steps ran.
	Notes []string
}

// Read reads the service repository once for a run: the manifest and
// whether git already ignores the stack's env file.
func Read(dir string) (*detect.Facts, error) {
	return detect.Read(dir, compose.EnvFile)
}

// Complete fills every answer that derives from other answers or from the
// repository, in one place: the spec's own (module, endpoint, Node entry
// file) from the manifest, then what the service's Go code says (the main
// the image builds, cgo, loggers to bridge), reading the code the first
// time it is needed. Call it once, after the last answer is set: a main
// the user chose goes into s.Found.MainDir afterwards.
func Complete(s *spec.Spec, f *detect.Facts) error {
	s.Complete(f.Manifest)
	if !s.IsGo() {
		return nil
	}
	if err := f.ReadCode(s.Output.CodeDir, s.GoImportPath()); err != nil {
		return err
	}
	wire.Complete(f.Code, s)
	return nil
}

// Wiring plans the edit of each of the service's own mains that wires in
// the generated Go package.
func Wiring(s spec.Spec, f *detect.Facts) wire.Plan {
	if !s.IsGo() || f.Code == nil {
		return wire.Plan{}
	}
	t := wire.Target{ImportPath: s.GoImportPath(), Package: gocode.PackageName(s), Bridges: wire.Bridges(f.Code.Loggers)}
	return wire.NewPlan(f.Code, t, s.Service.Framework)
}

// gitignoreEdit plans the line that keeps the stack's env file, which holds
// secrets, out of git: an edit of the user's .gitignore, planned and shown
// like every other change. Nil when git already ignores the file.
func gitignoreEdit(s spec.Spec, f *detect.Facts) *generators.File {
	if !s.Deploy.Target.IsCompose() || f.Ignored[compose.EnvFile] {
		return nil
	}
	old := f.Gitignore
	var b bytes.Buffer
	b.Write(old)
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		b.WriteByte('\n')
	}
	if len(old) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString("# Secrets of the local observability stack (obsgen: see " + compose.EnvExample + ").\n/" + compose.EnvFile + "\n")
	return &generators.File{Path: ".gitignore", Content: b.Bytes(), Mode: 0o644, Owner: generators.Edit, From: old,
		Why: "ignores " + compose.EnvFile + ", which holds the stack's secrets"}
}
