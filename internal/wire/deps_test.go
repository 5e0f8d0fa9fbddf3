package wire

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/analyze"
	"github.com/obsgen/obsgen/internal/spec"
)

// planDeps analyses files (path -> source) and plans their wiring with the
// dependencies answered.
func planDeps(t *testing.T, files map[string]string, deps spec.Dependencies) Plan {
	t.Helper()
	dir := t.TempDir()
	for p, src := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := analyze.Repo(dir, analyze.Options{ObsgenImport: imp})
	if err != nil {
		t.Fatal(err)
	}
	s := &spec.Spec{Dependencies: deps}
	Complete(svc, s)
	return NewPlan(svc, Target{ImportPath: imp, Package: "observability"}, "nethttp")
}

func editOf(p Plan, file string) string {
	for _, e := range p.Edits() {
		if e.Path == file {
			return string(e.Content)
		}
	}
	return ""
}

const wiredMain = `package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"example.com/svc/internal/observability"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	obsShutdown, err := observability.Setup(ctx)
	if err != nil {
		log.Fatalf("observability setup: %v", err)
	}
	defer obsShutdown(context.Background())
	if err := observability.Serve(ctx, ":8080", observability.Middleware(http.DefaultServeMux)); err != nil {
		log.Fatal(err)
	}
}
`

const storeSrc = `package store

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
)

type Store struct {
	DB    *sql.DB
	Cache *redis.Client
}

func Open(dsn, addr string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	return &Store{DB: db, Cache: rdb}, nil
}

func Ping(ctx context.Context, addr string) error {
	c := redis.NewClient(&redis.Options{Addr: addr})
	return c.Ping(ctx).Err()
}
`

const storeWant = `package store

import (
	"context"
	"database/sql"
	"fmt"

	"example.com/svc/internal/observability"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
)

type Store struct {
	DB    *sql.DB
	Cache *redis.Client
}

func Open(dsn, addr string) (*Store, error) {
	db, err := observability.OpenDB("orders-db", "pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	if err := observability.InstrumentRedis("sessions", rdb); err != nil {
		slog.Error("observability: redis instrumentation", "dependency", "sessions", "err", err)
	}
	return &Store{DB: db, Cache: rdb}, nil
}

func Ping(ctx context.Context, addr string) error {
	c := redis.NewClient(&redis.Options{Addr: addr})
	if err := observability.InstrumentRedis("sessions", c); err != nil {
		return err
	}
	return c.Ping(ctx).Err()
}
`

func TestDependencyEdits(t *testing.T) {
	deps := spec.Dependencies{{Name: "orders-db", Kind: "postgres"}, {Name: "sessions", Kind: "redis"}}
	p := planDeps(t, map[string]string{"main.go": wiredMain, "internal/store/store.go": storeSrc}, deps)
	got := editOf(p, "internal/store/store.go")
	// slog joins the standard library group.
	want := strings.Replace(storeWant, "\t\"fmt\"\n", "\t\"fmt\"\n\t\"log/slog\"\n", 1)
	if got != want {
		t.Fatalf("store.go edit:\n%s\nwant:\n%s", got, want)
	}
	if editOf(p, "main.go") != "" {
		t.Errorf("wired main edited")
	}
	// Planned like a main's edit: a patch in the plan, and idempotent.
	var patch string
	for _, d := range p.Dependencies {
		patch += d.Patch
	}
	if !strings.Contains(patch, `+	db, err := observability.OpenDB("orders-db", "pgx", dsn)`) {
		t.Errorf("patch:\n%s", patch)
	}
	again := planDeps(t, map[string]string{"main.go": wiredMain, "internal/store/store.go": got}, deps)
	if len(again.Edits()) != 0 {
		t.Errorf("second run edits again: %+v", again.Edits())
	}
}

func TestDependencyChoice(t *testing.T) {
	src := `package db

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5/pgxpool"
)

func Open(ctx context.Context, dsn string) (*sql.DB, *pgxpool.Pool, error) {
	a, _ := sql.Open("mysql", dsn)
	b, err := pgxpool.New(ctx, dsn)
	_ = a
	return nil, b, err
}
`
	cases := []struct {
		name       string
		deps       spec.Dependencies
		want       []string
		manual     []string
		notChanged bool
	}{
		{"kind matches the driver", spec.Dependencies{{Name: "orders-db", Kind: "postgres"}, {Name: "legacy", Kind: "mysql"}},
			[]string{`observability.OpenDB("legacy", "mysql", dsn)`, `observability.OpenPool(ctx, "orders-db", dsn)`}, nil, false},
		{"one SQL dependency of another kind", spec.Dependencies{{Name: "main-db", Kind: "postgres"}},
			[]string{`observability.OpenDB("main-db", "mysql", dsn)`, `observability.OpenPool(ctx, "main-db", dsn)`}, nil, false},
		{"several candidates: no guess", spec.Dependencies{{Name: "a-db", Kind: "postgres"}, {Name: "b-db", Kind: "postgres"}},
			nil, []string{`db/db.go:11: observability.OpenDB("a-db" or "b-db", "mysql", dsn)`, `db/db.go:12: observability.OpenPool(ctx, "a-db" or "b-db", dsn)`}, true},
		{"no postgres for the pool", spec.Dependencies{{Name: "legacy", Kind: "mysql"}},
			[]string{`observability.OpenDB("legacy", "mysql", dsn)`, `b, err := pgxpool.New(ctx, dsn)`}, nil, false},
		{"no SQL dependency", spec.Dependencies{{Name: "api", Kind: "http"}}, nil, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := planDeps(t, map[string]string{"main.go": wiredMain, "db/db.go": src}, c.deps)
			got := editOf(p, "db/db.go")
			if c.notChanged != (got == "") {
				t.Fatalf("edit:\n%s", got)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
			var lines string
			for _, d := range p.Dependencies {
				lines += d.Lines
			}
			for _, w := range c.manual {
				if !strings.Contains(lines, w) {
					t.Errorf("manual lines miss %q:\n%s", w, lines)
				}
			}
		})
	}
}

// A main opening its database itself gets both edits in one: main's
// wiring and the rewritten sql.Open.
func TestDependencyInMain(t *testing.T) {
	src := `package main

import (
	"database/sql"
	"log"
	"net/http"

	_ "github.com/lib/pq"
)

func main() {
	db, err := sql.Open("postgres", "")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	log.Fatal(http.ListenAndServe(":8080", nil))
}
`
	p := planDeps(t, map[string]string{"main.go": src}, spec.Dependencies{{Name: "orders-db", Kind: "postgres"}})
	got := editOf(p, "main.go")
	for _, w := range []string{`db, err := observability.OpenDB("orders-db", "postgres", "")`, `observability.Setup(ctx)`, `observability.Serve(ctx, ":8080", observability.Middleware(http.DefaultServeMux))`} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
	if len(p.Edits()) != 1 || len(p.Dependencies) != 0 {
		t.Errorf("edits %d, dependency plans %+v", len(p.Edits()), p.Dependencies)
	}
	if !strings.Contains(p.Mains[0].Patch, `+	db, err := observability.OpenDB(`) {
		t.Errorf("main's patch misses the rewrite:\n%s", p.Mains[0].Patch)
	}
}

func TestDependencyHTTPClients(t *testing.T) {
	payments := spec.Dependencies{{Name: "payments", Kind: "http"}}
	cases := []struct {
		name, src string
		deps      spec.Dependencies
		want      []string
		manual    []string
	}{
		{"the only client, multi-line", `package api

import (
	"net/http"
	"time"
)

var shared = &http.Client{
	Timeout: 5 * time.Second,
}

func get(url string) (*http.Response, error) { return http.DefaultClient.Get(url) }
`, payments, []string{"var shared = &http.Client{\n\tTransport: observability.HTTPTransport(\"payments\", nil),\n\tTimeout:   5 * time.Second,\n}", "return http.DefaultClient.Get(url)"},
			[]string{`api/api.go:12: http.DefaultClient: use one client built once with observability.HTTPClient("payments")`}},
		{"the only client, its own transport", `package api

import (
	"net/http"
	"time"
)

func client(rt http.RoundTripper) *http.Client {
	return &http.Client{Transport: rt, Timeout: time.Second}
}
`, payments, []string{`&http.Client{Transport: observability.HTTPTransport("payments", rt), Timeout: time.Second}`}, nil},
		{"two clients: which calls payments is not known", `package api

import "net/http"

var a, b = &http.Client{}, &http.Client{}
`, payments, nil, []string{`api/api.go:5: http.Client (one of 2): if it calls "payments", set Transport: observability.HTTPTransport("payments", <its transport or nil>)`}},
		{"two http dependencies", `package api

import "net/http"

var a = &http.Client{}
`, spec.Dependencies{{Name: "payments", Kind: "http"}, {Name: "geo", Kind: "http"}}, nil, []string{`if it calls "payments" or "geo"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := planDeps(t, map[string]string{"main.go": wiredMain, "api/api.go": c.src}, c.deps)
			got := editOf(p, "api/api.go")
			if (len(c.want) == 0) != (got == "") {
				t.Fatalf("edit:\n%s", got)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
			var lines string
			for _, d := range p.Dependencies {
				lines += d.Lines
			}
			for _, w := range c.manual {
				if !strings.Contains(lines, w) {
					t.Errorf("manual lines miss %q:\n%s", w, lines)
				}
			}
			if got == "" {
				return
			}
			again := planDeps(t, map[string]string{"main.go": wiredMain, "api/api.go": got}, c.deps)
			if len(again.Edits()) != 0 {
				t.Errorf("second run edits again:\n%s", editOf(again, "api/api.go"))
			}
		})
	}
}
