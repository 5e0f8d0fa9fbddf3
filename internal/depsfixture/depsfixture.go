// Package depsfixture writes the main of a Go service that calls a
// PostgreSQL database, a Redis cache and an HTTP API through the generated
// package's OpenDB, InstrumentRedis and HTTPClient, the way
// docs/dependencies.md tells a user to. e2e runs it in the stack,
// servicetest against the servers alone.
package depsfixture

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The dependencies the main calls, as obsgen.yaml names them.
const (
	Database = "orders-db"
	Cache    = "cache"
	API      = "payments"
)

// Flag is the --dependencies value that answers them.
const Flag = Database + "=postgres," + Cache + "=redis," + API + "=http"

// Pgx is the driver package the main imports (pgx's database/sql adapter),
// for `go get`: the generated package leaves the driver to the service.
// A package, not the module, so that go.sum gets what it imports.
const Pgx = "github.com/jackc/pgx/v5/stdlib@v5.9.2"

// The main's environment: DATABASE_URL (a postgres:// URL with a query),
// DB_CLIENT (pgxpool: OpenPool; else OpenDB with pgx's database/sql
// driver), REDIS_ADDR, PAYMENTS_URL (the API's base URL, asked GET
// /charges/{id}), PORT, DB_MAX_OPEN (the pool's maximum connections,
// unset: the client's default) and DEV_ROUTES=true (serves /panic).
// Its routes: GET /hello/{name}; GET /orders/{id} reads the cache, on a
// miss (or a cache error) queries the database (a non-integer id fails the
// query: 503) and caches the row, then calls the API (a 5xx: 502); GET
// /reports/{seconds} holds a connection for pg_sleep(seconds).
//
//go:embed main.go.txt
var mainSource string

//go:embed store.go.txt
var storeSource string

// Write writes the main into dir/cmd/<command>/main.go, importing the
// generated package at importPath.
func Write(dir, command, importPath string) error {
	src := strings.NewReplacer("IMPORTPATH", importPath, "DBNAME", Database, "CACHENAME", Cache, "HTTPNAME", API).Replace(mainSource)
	p := filepath.Join(dir, "cmd", command, "main.go")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(src), 0o644)
}

// WriteUnwired writes the same service with its database and cache opened
// by their own clients in package internal/store of module (sql.Open,
// pgxpool.New, redis.NewClient), not through the generated package: what
// `obsgen wire` rewrites. The outbound HTTP client stays HTTPClient.
func WriteUnwired(dir, command, module, importPath string) error {
	if err := Write(dir, command, importPath); err != nil {
		return err
	}
	p := filepath.Join(dir, "cmd", command, "main.go")
	src, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	edits := []struct{ old, new string }{
		{`observability.OpenPool(ctx, "` + Database + `", dsn)`, `store.OpenPool(ctx, dsn)`},
		{`observability.OpenDB("` + Database + `", "pgx", dsn)`, `store.OpenDB(dsn)`},
		{`rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR"), MaxRetries: -1})`, `rdb := store.Redis(os.Getenv("REDIS_ADDR"))`},
		{"\tif err := observability.InstrumentRedis(\"" + Cache + "\", rdb); err != nil {\n\t\treturn err\n\t}\n", ""},
		{"\n\t\"" + importPath + "\"\n", "\n\t\"" + importPath + "\"\n\t\"" + module + "/internal/store\"\n"},
	}
	main := string(src)
	for _, e := range edits {
		if !strings.Contains(main, e.old) {
			return fmt.Errorf("depsfixture: main.go.txt no longer has %q", e.old)
		}
		main = strings.Replace(main, e.old, e.new, 1)
	}
	if err := os.WriteFile(p, []byte(main), 0o644); err != nil {
		return err
	}
	sp := filepath.Join(dir, "internal", "store", "store.go")
	if err := os.MkdirAll(filepath.Dir(sp), 0o755); err != nil {
		return err
	}
	return os.WriteFile(sp, []byte(storeSource), 0o644)
}
