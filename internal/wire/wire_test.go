package wire

import (
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/analyze"
)

const imp = "example.com/svc/internal/observability"

func analyzeMain(t *testing.T, src string) *analyze.Main {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	svc, err := analyze.Repo(dir, analyze.Options{ObsgenImport: imp})
	if err != nil {
		t.Fatal(err)
	}
	if len(svc.Mains) != 1 {
		t.Fatalf("mains: %+v", svc.Mains)
	}
	return svc.Mains[0]
}

func TestEdit(t *testing.T) {
	cases := []struct {
		name, src string
		bridges   []string
		want      []string
		notWant   []string
	}{
		{"gin default and Run without address", `package main

import "github.com/gin-gonic/gin"

func main() {
	// the engine
	r := gin.Default()
	r.GET("/x", func(c *gin.Context) {})
	r.Run()
}
`, nil, []string{
			"gin.SetMode(gin.ReleaseMode)", "r := gin.New()", "// obsgen: gin.New instead of gin.Default",
			"r.Use(observability.Middleware()...)", `observability.Serve(ctx, ":"+cmp.Or(os.Getenv("PORT"), "8080"), r)`, `"cmp"`, "// the engine",
		}, []string{"r.Run()"}},
		{"echo with its logger's fatal and middleware", `package main

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

func main() {
	e := echo.New()
	e.Use(middleware.Logger(), middleware.CORS())
	e.Logger.Fatal(e.Start(":1323"))
}
`, nil, []string{"e.Use(observability.Middleware())", "e.Use(middleware.CORS())", "// obsgen: removed middleware.Logger",
			"if err := observability.Serve(ctx, \":1323\", e); err != nil {\n\t\te.Logger.Fatal(err)\n\t}"}, nil},
		{"zerolog fatal chain and flag.Parse first", `package main

import (
	"flag"
	"net/http"

	"github.com/rs/zerolog/log"
)

var addr = flag.String("addr", ":7000", "")

func main() {
	flag.Parse()
	log.Fatal().Err(http.ListenAndServe(*addr, nil)).Msg("stopped")
}
`, []string{"zerolog"}, []string{"flag.Parse()\n\tctx, stop :=", `stdlog "log"`, "stdlog.Fatalf(\"observability setup", "log.Logger = observability.Zerolog()",
			"if err := observability.Serve(ctx, *addr, observability.Middleware(http.DefaultServeMux)); err != nil {\n\t\tlog.Fatal().Err(err).Msg(\"stopped\")"}, nil},
		{"names main already declares", `package main

import (
	"context"
	"net/http"
)

func main() {
	ctx := context.TODO()
	err := check(ctx)
	_ = err
	mux := http.NewServeMux()
	http.ListenAndServe(":80", mux)
}

func check(context.Context) error { return nil }
`, nil, []string{"obsCtx, stop := signal.NotifyContext", "obsShutdown, obsErr := observability.Setup(obsCtx)", "observability.Serve(obsCtx, \":80\", observability.Middleware(mux))"}, nil},
		{"logrus under the name log", `package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	log "github.com/sirupsen/logrus"
)

func main() {
	log.SetLevel(log.DebugLevel)
	r := chi.NewRouter()
	log.Fatal(http.ListenAndServe(":80", r))
}
`, []string{"logrus"}, []string{`stdlog "log"`, "log.SetLevel(log.DebugLevel)\n\tobservability.InstallLogrus(log.StandardLogger())", "r.Use(observability.Middleware)"}, nil},
		{"the service's own recover middleware stays outside obsgen's", `package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if recover() != nil {
				w.WriteHeader(500)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func main() {
	r := chi.NewRouter()
	r.Use(middleware.RealIP)
	r.Use(middleware.Logger, recoverer)
	r.Use(middleware.NoCache)
	http.ListenAndServe(":80", r)
}
`, nil, []string{"r := chi.NewRouter()\n\tr.Use(middleware.RealIP)\n",
			"r.Use(recoverer)\n\t// obsgen: after recoverer, which recovers panics",
			"\n\tr.Use(observability.Middleware)\n\tr.Use(middleware.NoCache)"}, nil},
		{"gorm opened in main reads the logger installed before it", `package main

import (
	"net/http"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

func main() {
	db, err := gorm.Open(sqlite.Open("app.db"), &gorm.Config{})
	if err != nil {
		panic(err)
	}
	_ = db
	mux := http.NewServeMux()
	http.ListenAndServe(":80", mux)
}
`, []string{"gorm"}, []string{"defer obsShutdown(context.Background())\n\tobservability.InstallGorm() // obsgen: gorm writes the same JSON lines (SQL without its values), with the request's trace and request IDs\n\n\tdb, err := gorm.Open("}, nil},
		{"a recover method of the service's own stays outside obsgen's", `package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

type server struct{ mux *chi.Mux }

func (s *server) recoverJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				w.WriteHeader(500)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func main() {
	s := &server{}
	r := chi.NewRouter()
	r.Use(s.recoverJSON)
	http.ListenAndServe(":80", r)
}
`, nil, []string{"r.Use(s.recoverJSON)\n\t// obsgen: after s.recoverJSON, which recovers panics", "\n\tr.Use(observability.Middleware)\n\tif err"}, nil},
		{"echo's logger on a group goes, a group's own recover stays", `package main

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

func adminRecover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		defer func() { _ = recover() }()
		return next(c)
	}
}

func main() {
	e := echo.New()
	api := e.Group("/api", middleware.Logger(), middleware.CORS())
	api.Use(middleware.RequestID())
	admin := e.Group("/admin")
	admin.Use(middleware.Logger(), adminRecover)
	e.Group("/ops").Use(middleware.Recover())
	api.GET("/x", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	e.Logger.Fatal(e.Start(":80"))
}
`, nil, []string{
			"// obsgen: removed middleware.Logger: obsgen's middleware writes one JSON access line per request; echo's Logger writes its own lines\n\tapi := e.Group(\"/api\", middleware.CORS())",
			"// obsgen: removed middleware.RequestID: obsgen's middleware sets X-Request-ID and logs it; echo's RequestID mints a different one\n\tadmin",
			"// obsgen: removed middleware.Logger: obsgen's middleware writes one JSON access line per request; echo's Logger writes its own lines\n\tadmin.Use(adminRecover)",
			"// obsgen: removed middleware.Recover: obsgen's middleware recovers panics",
			"// obsgen: removed middleware.Recover: obsgen's middleware recovers panics, reports them to Sentry and logs them; echo's Recover would swallow them first\n\te.Group(\"/ops\").Use()\n",
		}, []string{"api.Use(", "Use(middleware.Recover())"}},
		{"chi's logger inside a Route and a With goes", `package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

func main() {
	r := chi.NewRouter()
	r.Route("/admin", func(r chi.Router) {
		r.Use(middleware.Logger)
		r.Get("/", func(w http.ResponseWriter, r *http.Request) {})
	})
	r.With(middleware.Recoverer).Get("/x", func(w http.ResponseWriter, r *http.Request) {})
	http.ListenAndServe(":80", r)
}
`, nil, []string{
			"r.Route(\"/admin\", func(r chi.Router) {\n\t\t// obsgen: removed middleware.Logger",
			"// obsgen: removed middleware.Recoverer: obsgen's middleware recovers panics, reports them to Sentry and logs them; chi's Recoverer would swallow them first\n\tr.With().Get(\"/x\"",
		}, []string{"middleware.Logger)", "\"github.com/go-chi/chi/v5/middleware\""}},
		{"a recover of the service's own around the mux at the serve call goes outside obsgen's", `package main

import (
	"log"
	"net/http"
)

func recoverMW(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if recover() != nil {
				w.WriteHeader(500)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func main() {
	mux := http.NewServeMux()
	log.Fatal(http.ListenAndServe(":80", recoverMW(mux)))
}
`, nil, []string{"observability.Serve(ctx, \":80\", recoverMW(observability.Middleware(mux)))"}, nil},
		{"and around a chi router, whose Use gets obsgen's", `package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

func recoverMW(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { _ = recover() }()
		next.ServeHTTP(w, r)
	})
}

func main() {
	r := chi.NewRouter()
	srv := &http.Server{Addr: ":80", Handler: recoverMW(r)}
	srv.ListenAndServe()
}
`, nil, []string{"r := chi.NewRouter()\n\tr.Use(observability.Middleware)", "observability.Serve(ctx, srv.Addr, recoverMW(r))"}, nil},
		{"echo's own logger is routed once the router is built", `package main

import "github.com/labstack/echo/v4"

func main() {
	srv := echo.New()
	srv.Logger.Info("starting")
	srv.Logger.Fatal(srv.Start(":1323"))
}
`, []string{"echo"}, []string{"srv := echo.New()\n\tsrv.Use(observability.Middleware())\n\tsrv.Logger = observability.EchoLogger() // obsgen: echo's own logger (e.Logger, c.Logger()) writes the same JSON lines\n\tsrv.Logger.Info(\"starting\")"}, nil},
		{"gin's recovery with the service's own handler is kept", `package main

import "github.com/gin-gonic/gin"

func main() {
	r := gin.New()
	r.Use(gin.CustomRecovery(func(c *gin.Context, v any) { c.AbortWithStatus(500) }))
	r.Run(":80")
}
`, nil, []string{"r.Use(gin.CustomRecovery(", "// obsgen: after gin.CustomRecovery, which recovers panics",
			"}))\n\t// obsgen: after gin.CustomRecovery, which recovers panics: obsgen's middleware must see a panic first to log it and report it to Sentry\n\tr.Use(observability.Middleware()...)"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := analyzeMain(t, c.src)
			if m.Problem != "" {
				t.Fatalf("problem: %s", m.Problem)
			}
			out, err := Edit(m, Target{ImportPath: imp, Package: "observability", Bridges: c.bridges})
			if err != nil {
				t.Fatal(err)
			}
			got := string(out)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(got, w) {
					t.Errorf("still has %q:\n%s", w, got)
				}
			}
			if f, err := format.Source(out); err != nil || string(f) != got {
				t.Errorf("not gofmt-clean (%v)", err)
			}
			// Idempotent: the wired main is seen as wired, and left alone.
			again := analyzeMain(t, got)
			if !again.Wired {
				t.Fatal("the wired main is not seen as wired")
			}
			if out2, err := Edit(again, Target{ImportPath: imp, Package: "observability"}); err != nil || string(out2) != got {
				t.Errorf("second edit changed the main (%v)", err)
			}
		})
	}
}

func TestEditRefusesWhatItDoesNotUnderstand(t *testing.T) {
	m := analyzeMain(t, `package main

import "net/http"

func main() {
	go http.ListenAndServe(":80", nil)
	select {}
}
`)
	if _, err := Edit(m, Target{ImportPath: imp, Package: "observability"}); err == nil || !strings.Contains(err.Error(), "goroutine") {
		t.Fatalf("err = %v", err)
	}
}

func TestEditKeepsLayout(t *testing.T) {
	m := analyzeMain(t, `package main

import (
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
)

func main() {
	r := chi.NewRouter()
	http.ListenAndServe(":"+os.Getenv("PORT"), r) // serve forever
}
`)
	out, err := Edit(m, Target{ImportPath: imp, Package: "observability"})
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if !strings.Contains(got, "\t\"log\"\n\t\"os\"\n\t\"os/signal\"") || strings.Contains(got, "net/http") {
		t.Errorf("imports: an unused one stayed, or a blank line split the group:\n%s", got)
	}
	if !strings.Contains(got, "// serve forever\n\tif err := observability.Serve(") {
		t.Errorf("the serve line's comment did not move above the if:\n%s", got)
	}
}
