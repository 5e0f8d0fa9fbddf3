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
	var wrap, handler string
	switch s.Service.Framework {
	case "chi":
		wrap, handler = "r.Use("+pkg+".Middleware)            // first, on the chi router", "r"
	case "gin":
		wrap, handler = "r.Use("+pkg+".Middleware()...)       // first, on a gin.New() engine", "r"
	case "echo":
		wrap, handler = "e.Use("+pkg+".Middleware())          // first, on the echo server", "e"
	default:
		wrap, handler = "handler := "+pkg+".Middleware(mux)   // serve handler, not mux", "handler"
	}
	fmt.Fprintf(w, `
Wire it into your main (%s shows a complete one):
  import %q
  shutdown, err := %s.Setup(ctx)  // ctx from signal.NotifyContext; then: defer shutdown(context.Background())
  %s
  err = %s.Serve(ctx, ":%d", %s) // timeouts, probes, edge limits, drain on SIGTERM
`, gocode.ExampleMainPath(s), imp, pkg, wrap, pkg, s.Service.Port, handler)
}
