package cli

import (
	"fmt"
	"io"

	"github.com/obsgen/obsgen/generators/gocode"
	"github.com/obsgen/obsgen/internal/spec"
)

// snippet is printed after a write: the lines to add to a main the service
// already has (the example main is created only when missing).
func snippet(w io.Writer, s spec.Spec) {
	if s.Service.Language != "go" {
		return
	}
	imp := s.Service.Module + "/" + s.Output.CodeDir
	pkg := gocode.PackageName(s)
	var wrap string
	switch s.Service.Framework {
	case "chi":
		wrap = "r.Use(" + pkg + ".Middleware)            // first, on the chi router"
	case "gin":
		wrap = "r.Use(" + pkg + ".Middleware()...)       // first, on a gin.New() engine"
	case "echo":
		wrap = "e.Use(" + pkg + ".Middleware())          // first, on the echo server"
	default:
		wrap = "handler := " + pkg + ".Middleware(mux)   // serve handler, not mux"
	}
	fmt.Fprintf(w, `
Wire it into your main (%s shows a complete one):
  import %q
  shutdown, err := %s.Setup(ctx)  // then: defer shutdown(context.Background())
  %s
`, gocode.ExampleMainPath(s), imp, pkg, wrap)
}
