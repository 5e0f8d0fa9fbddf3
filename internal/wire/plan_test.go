package wire

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/analyze"
)

// planRepo analyses a service of several files and plans its wiring.
func planRepo(t *testing.T, files map[string]string, framework string) MainPlan {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := analyze.Repo(dir, analyze.Options{ObsgenImport: imp})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlan(svc, Target{ImportPath: imp, Package: "observability", Bridges: Bridges(svc.Loggers)}, framework)
	if len(p.Mains) != 1 {
		t.Fatalf("mains: %+v", p.Mains)
	}
	return p.Mains[0]
}

func TestManualLinesForGorillaRouterOfAnotherPackage(t *testing.T) {
	// The shape of gorilla/mux's own README: the router from another
	// package, served from a goroutine, a wait for SIGINT alone, Shutdown.
	p := planRepo(t, map[string]string{
		"go.mod": "module example.com/shop\n",
		"internal/server/router.go": `package server

import "github.com/gorilla/mux"

func NewRouter() *mux.Router {
	r := mux.NewRouter()
	return r
}
`,
		"cmd/api/main.go": `package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"

	"example.com/shop/internal/server"
)

func main() {
	r := server.NewRouter()
	srv := &http.Server{Addr: "127.0.0.1:8000", Handler: r, WriteTimeout: 15 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	<-c
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}
`,
	}, "nethttp")
	if p.Action != "manual" || !strings.Contains(p.Problem, "gorilla/mux is not supported") || !strings.Contains(p.Problem, "no http_route label") {
		t.Errorf("action %s, problem %q", p.Action, p.Problem)
	}
	for _, w := range []string{
		"handler := observability.Middleware(r)",
		`observability.Serve(ctx, "127.0.0.1:8000", handler)`,
		"instead of the goroutine that serves (line 17), your signal wait (line 23), the Shutdown call (line 27) and the srv it then leaves unused (kept beside Serve",
		"signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)",
	} {
		if !strings.Contains(p.Lines, w) {
			t.Errorf("lines lack %q:\n%s", w, p.Lines)
		}
	}
	if strings.Contains(p.Lines, ":8080") {
		t.Errorf("the lines move the service to :8080:\n%s", p.Lines)
	}
}

func TestManualLinesNeverInventAnAddress(t *testing.T) {
	p := planRepo(t, map[string]string{
		"go.mod": "module example.com/svc\n",
		"main.go": `package main

import "example.com/svc/app"

func main() {
	app.Run()
}
`,
		"app/app.go": "package app\n\nfunc Run() {}\n",
	}, "nethttp")
	if p.Action != "manual" || strings.Contains(p.Lines, "8080") || !strings.Contains(p.Lines, "observability.Serve(ctx, listenAddr, handler)") {
		t.Errorf("action %s, lines:\n%s", p.Action, p.Lines)
	}
}

func TestManualLinesForEchoBuiltInAnotherPackage(t *testing.T) {
	p := planRepo(t, map[string]string{
		"go.mod": "module example.com/api\n",
		"router/router.go": `package router

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

func New() *echo.Echo {
	e := echo.New()
	e.Use(middleware.Recover())
	return e
}
`,
		"main.go": `package main

import (
	"log"

	"example.com/api/router"
)

func main() {
	e := router.New()
	log.Fatal(e.Start(":1323"))
}
`,
	}, "echo")
	if p.Action != "manual" || strings.Contains(p.Problem, "no serve call") || !strings.Contains(p.Problem, "router.New") {
		t.Errorf("action %s, problem %q", p.Action, p.Problem)
	}
	for _, w := range []string{"e.Use(observability.Middleware())", "//   middleware.Recover at router/router.go:10", `observability.Serve(ctx, ":1323", e)`} {
		if !strings.Contains(p.Lines, w) {
			t.Errorf("lines lack %q:\n%s", w, p.Lines)
		}
	}
	if strings.Contains(p.Lines, "router.Use") {
		t.Errorf("the lines use the package router as the router:\n%s", p.Lines)
	}
}

func TestPlanSaysItWiresInsideTheServicesRecover(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/ledger\n",
		"internal/httpx/recover.go": `package httpx

import "net/http"

func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { _ = recover() }()
		next.ServeHTTP(w, r)
	})
}
`,
		"main.go": `package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"example.com/ledger/internal/httpx"
)

func main() {
	r := chi.NewRouter()
	r.Use(httpx.Recover)
	http.ListenAndServe(":80", r)
}
`,
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := analyze.Repo(dir, analyze.Options{ObsgenImport: imp})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlan(svc, Target{ImportPath: imp, Package: "observability"}, "chi")
	var out strings.Builder
	p.Summary(&out)
	if !strings.Contains(out.String(), "recover middleware of the service's own: httpx.Recover (line 13): func Recover (internal/httpx/recover.go:5) calls recover(); kept, with obsgen's middleware after it") {
		t.Errorf("summary:\n%s", out.String())
	}
	if patch := p.Mains[0].Patch; strings.Contains(patch, "chi.NewRouter()\n+\tr.Use(observability.Middleware)") || !strings.Contains(patch, "+\t// obsgen: after httpx.Recover, which recovers panics: obsgen's middleware must see a panic first to log it and report it to Sentry\n+\tr.Use(observability.Middleware)\n") {
		t.Errorf("patch:\n%s", p.Mains[0].Patch)
	}
}

// A main obsgen cannot edit (the echo router built in another package)
// gets the bridges' lines too, with the file's names: gorm's before the
// database is opened, zerolog's under a name that is not the standard
// log's.
func TestManualLinesRouteTheLoggers(t *testing.T) {
	p := planRepo(t, map[string]string{
		"go.mod": "module example.com/pantry\n",
		"router/router.go": `package router

import "github.com/labstack/echo/v4"

func New() *echo.Echo { return echo.New() }
`,
		"store/store.go": "package store\n\nimport _ \"gorm.io/gorm\"\n",
		"main.go": `package main

import (
	"github.com/rs/zerolog"

	"example.com/pantry/router"
)

func main() {
	zerolog.SetGlobalLevel(zerolog.InfoLevel)
	e := router.New()
	e.Logger.Fatal(e.Start(":1323"))
}
`,
	}, "echo")
	if p.Action != "manual" {
		t.Fatalf("action %s", p.Action)
	}
	for _, w := range []string{
		`zlog "github.com/rs/zerolog/log"`,
		"defer obsShutdown(context.Background())\n\n  // after your own setup of these loggers, before gorm.Open:\n  observability.InstallGorm() // obsgen:",
		"  zlog.Logger = observability.Zerolog() // obsgen:",
	} {
		if !strings.Contains(p.Lines, w) {
			t.Errorf("lines lack %q:\n%s", w, p.Lines)
		}
	}
}

// A router built in another package, with the service's own recover
// there: the lines put obsgen's middleware after it, in that package (in
// main it would come first and see no panic), and name what to remove
// there, on the router and on its groups.
func TestManualLinesInsideARecoverOfAnotherPackage(t *testing.T) {
	p := planRepo(t, map[string]string{
		"go.mod": "module example.com/books\n",
		"router/router.go": `package router

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"example.com/books/internal/apperr"
)

func New() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.Use(apperr.Recover)
	api := e.Group("/api", middleware.Logger())
	api.Use(apperr.Recover)
	return e
}
`,
		"internal/apperr/apperr.go": `package apperr

import "github.com/labstack/echo/v4"

func Recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if recover() != nil {
				err = echo.ErrInternalServerError
			}
		}()
		return next(c)
	}
}
`,
		"main.go": `package main

import "example.com/books/router"

func main() {
	e := router.New()
	e.Logger.Fatal(e.Start(":8585"))
}
`,
	}, "echo")
	if p.Action != "manual" {
		t.Fatalf("action %s", p.Action)
	}
	for _, w := range []string{
		"  // in router/router.go, right after line 13, where the router is built (after apperr.Recover, which recovers panics: obsgen's middleware must see a panic first to log it and report it to Sentry; import \"example.com/svc/internal/observability\" there):\n  e.Use(observability.Middleware())\n",
		"  //   middleware.Logger at router/router.go:14\n",
	} {
		if !strings.Contains(p.Lines, w) {
			t.Errorf("lines lack %q:\n%s", w, p.Lines)
		}
	}
}
