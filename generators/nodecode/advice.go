package nodecode

import (
	"fmt"
	"path"
	"strings"

	"github.com/obsgen/obsgen/internal/spec"
)

// notes say how to start a Node service with the module loaded first, and
// the lines its app needs.
func notes(s spec.Spec) []string {
	if !s.Service.Language.IsNode() {
		return nil
	}
	glue := "./" + path.Join(strings.TrimPrefix(strings.TrimPrefix(s.Output.CodeDir, s.Node.RootDir), "/"), s.Service.Framework)
	if !s.Node.TypeScript {
		glue = "./" + path.Join(s.Output.CodeDir, s.Service.Framework)
	}
	glue += "." + Ext(s)
	if s.Node.TypeScript {
		glue = strings.TrimSuffix(glue, ".ts") + ".js"
	}
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
