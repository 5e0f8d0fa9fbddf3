package detect

import (
	"fmt"
	"io"

	"github.com/obsgen/obsgen/internal/spec"
)

// Apply starts a new answers file from what the repo says about
// itself, leaving alone every answer a flag set (it runs after the flags).
// A Node service's code goes under src unless the flag says otherwise. It says what it took, so
// the wizard's defaults are never a surprise.
func Apply(s *spec.Spec, d spec.Detected, changed func(flag string) bool, w io.Writer) {
	source := "go.mod"
	if d.Language.IsNode() {
		source = "package.json"
	}
	setFrom := func(source, flag string, dst *string, v string) {
		if v == "" || changed(flag) {
			return
		}
		*dst = v
		fmt.Fprintf(w, "detected %s %s from %s (pass --%s to change it)\n", flag, v, source, flag)
	}
	set := func(flag string, dst *string, v string) { setFrom(source, flag, dst, v) }
	if d.Language.IsNode() && !changed("language") {
		s.Service.Language = spec.LangNode
		fmt.Fprintf(w, "detected language node from package.json (pass --language to change it)\n")
	}
	if s.Service.Language.IsNode() && !changed("code-dir") {
		s.Output.CodeDir = spec.NodeCodeDir
		// rootDir "." is the repo itself: src/observability is in it.
		if d.RootDir != "" && d.RootDir != "src" && d.RootDir != "." {
			s.Output.CodeDir = d.RootDir + "/observability"
		}
	}
	if d.Language.IsNode() && s.Service.Language.IsNode() {
		set("node-package-manager", &s.Node.PackageManager, d.PackageManager)
		set("node-module-type", &s.Node.ModuleType, d.ModuleType)
		set("node-main", &s.Node.Main, d.NodeMain)
		setFrom("tsconfig.json", "node-root-dir", &s.Node.RootDir, d.RootDir)
		setFrom("tsconfig.json", "node-out-dir", &s.Node.OutDir, d.OutDir)
		if d.TypeScript && !changed("node-typescript") {
			s.Node.TypeScript = true
			fmt.Fprintf(w, "detected node-typescript true from package.json (pass --node-typescript=false to change it)\n")
		}
	}
	set("framework", &s.Service.Framework, d.Framework)
	if len(d.Dependencies) > 0 && s.Service.Language.IsNode() == d.Language.IsNode() && !changed("dependencies") {
		s.Dependencies = d.Dependencies
		fmt.Fprintf(w, "detected dependencies %s from %s (pass --dependencies to change it; outbound HTTP is never detected)\n", d.Dependencies, source)
	}
	if d.Module != "" {
		s.Service.Module = d.Module
	}
}
