package nodecode

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/obsgen/obsgen/internal/spec"
)

// notes say how to start a Node service with the module loaded first, and
// the lines its app needs.
func notes(s spec.Spec) []string {
	if !s.Service.Language.IsNode() {
		return nil
	}
	// Relative to the entry file, compiled as it is: the import is
	// resolved from the file node runs.
	glue := relImport(path.Dir(s.Node.Main), runFile(s, s.Service.Framework))
	var use string
	if s.Service.Framework == "fastify" {
		use = "observe(app);                         // first, before any route"
	} else {
		use = "observe(app);                         // first, before any route\n  app.use(errorHandler);                // last\n  closeOnShutdown(app.listen(port));    // drained at SIGTERM"
	}
	return []string{fmt.Sprintf(`
Start the service with the observability module loaded first:
  %s
Wire it into your app (paths relative to your entry file):
  import { observe%s } from %q;
  %s
`, StartCommand(s), map[bool]string{true: ", errorHandler, closeOnShutdown", false: ""}[s.Service.Framework == "express"], glue, use)}
}

// relImport is the relative import of file from the folder from (both
// relative to the repo), as an import specifier: ./x or ../x.
func relImport(from, file string) string {
	rel, err := filepath.Rel(filepath.FromSlash(from), filepath.FromSlash(file))
	if err != nil {
		return "./" + file
	}
	rel = filepath.ToSlash(rel)
	if !strings.HasPrefix(rel, "../") {
		rel = "./" + rel
	}
	return rel
}
