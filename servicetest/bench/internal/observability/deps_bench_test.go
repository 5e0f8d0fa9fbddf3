package observability

// Benchmarks of the instrumented dependency clients against the same
// clients bare, on real servers on loopback (PostgreSQL and Redis from
// Debian's packages, an HTTP server in the process): one call per
// iteration, made within a sampled request span, with the providers of
// TestMain (spans recorded, metrics aggregated).

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"

	"github.com/obsgen/obsgen/internal/testtool"
)

// requestContext is the context of a request being served: a sampled span.
func requestContext(b *testing.B) context.Context {
	ctx, span := otel.Tracer("bench").Start(context.Background(), "GET /items/{id}")
	b.Cleanup(func() { span.End() })
	return ctx
}

func benchHTTP(b *testing.B, c *http.Client) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	b.Cleanup(srv.Close)
	ctx := requestContext(b)
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/charge", nil)
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
}

func BenchmarkHTTPCallBare(b *testing.B) {
	benchHTTP(b, &http.Client{Transport: http.DefaultTransport})
}

func BenchmarkHTTPCallInstrumented(b *testing.B) { benchHTTP(b, HTTPClient("api")) }

// Each benchmark starts its own server: with b.Loop the function runs
// once, so the start is paid once and is not timed.
func benchSQL(b *testing.B, open func(dsn string) (*sql.DB, error)) {
	pg := testtool.StartPostgres(b)
	db, err := open(pg.DSN)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	ctx := requestContext(b)
	b.ReportAllocs()
	for b.Loop() {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT $1::int + 1", 41).Scan(&n); err != nil || n != 42 {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkSQLQueryBare(b *testing.B) {
	benchSQL(b, func(dsn string) (*sql.DB, error) { return sql.Open("pgx", dsn) })
}

func BenchmarkSQLQueryInstrumented(b *testing.B) {
	benchSQL(b, func(dsn string) (*sql.DB, error) { return OpenDB("db", "pgx", dsn) })
}

// benchPool is benchSQL for pgx's own pool.
func benchPool(b *testing.B, open func(ctx context.Context, dsn string) (*pgxpool.Pool, error)) {
	pg := testtool.StartPostgres(b)
	pool, err := open(context.Background(), pg.DSN)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	ctx := requestContext(b)
	b.ReportAllocs()
	for b.Loop() {
		var n int
		if err := pool.QueryRow(ctx, "SELECT $1::int + 1", 41).Scan(&n); err != nil || n != 42 {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkPoolQueryBare(b *testing.B) { benchPool(b, pgxpool.New) }

func BenchmarkPoolQueryInstrumented(b *testing.B) {
	benchPool(b, func(ctx context.Context, dsn string) (*pgxpool.Pool, error) { return OpenPool(ctx, "db", dsn) })
}

func benchRedis(b *testing.B, instrument bool) {
	rdb := redis.NewClient(&redis.Options{Addr: testtool.StartRedis(b).Addr})
	b.Cleanup(func() { _ = rdb.Close() })
	if instrument {
		if err := InstrumentRedis("cache", rdb); err != nil {
			b.Fatal(err)
		}
	}
	ctx := requestContext(b)
	if err := rdb.Set(ctx, "item:42", "x", 0).Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := rdb.Get(ctx, "item:42").Err(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRedisGetBare(b *testing.B)         { benchRedis(b, false) }
func BenchmarkRedisGetInstrumented(b *testing.B) { benchRedis(b, true) }
