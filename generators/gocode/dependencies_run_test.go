package gocode

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

// depsMain calls a database (a driver that answers one row, standing in
// for any database/sql driver: what is tested is the instrumentation
// around it) and two HTTP dependencies within one request span, then
// prints what it saw: the spans, the trace context each server received,
// and its own /metrics.
const depsMain = `package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"example.com/logdemo/internal/observability"
)

type fakeDriver struct{}

func (fakeDriver) Open(string) (driver.Conn, error) { return fakeConn{}, nil }

type fakeConn struct{}

func (fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("no prepare") }
func (fakeConn) Close() error                        { return nil }
func (fakeConn) Begin() (driver.Tx, error)           { return nil, errors.New("no tx") }
func (fakeConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return &fakeRows{}, nil
}

type fakeRows struct{ done bool }

func (*fakeRows) Columns() []string { return []string{"name"} }
func (*fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done, dest[0] = true, "ana"
	return nil
}

type span struct {
	Name, Trace, ID, Parent string
	Attrs                   map[string]string
}

func main() {
	shutdown, err := observability.Setup(context.Background())
	if err != nil {
		panic(err)
	}
	defer shutdown(context.Background())
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	otel.SetTracerProvider(tp)

	sql.Register("fakedb", fakeDriver{})
	db, err := observability.OpenDB("orders-db", "fakedb", "")
	if err != nil {
		panic(err)
	}
	_, unknownErr := observability.OpenDB("payments", "fakedb", "")

	seen := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen[r.URL.Path] = r.Header.Get("traceparent")
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(interface{ String() string }).String()
	_, port, _ = cut(port)

	ctx, root := tp.Tracer("demo").Start(context.Background(), "GET /orders/{id}")
	var name string
	if err := db.QueryRowContext(ctx, "SELECT name FROM orders WHERE id = $1", 4242).Scan(&name); err != nil {
		panic(err)
	}
	get := func(c *http.Client, url string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		res, err := c.Do(req)
		if err != nil {
			return // a refused connection: no response, an error type
		}
		res.Body.Close()
	}
	get(observability.HTTPClient("payments"), "http://localhost:"+port+"/trusted")
	get(observability.HTTPClient("partner"), "http://127.0.0.1:"+port+"/untrusted")
	get(observability.HTTPClient("partner"), "http://127.0.0.1:"+port+"/fail")
	get(observability.HTTPClient("partner"), "http://127.0.0.1:"+os.Getenv("CLOSED_PORT")+"/down")
	root.End()

	var spans []span
	for _, s := range exp.GetSpans() {
		a := map[string]string{}
		for _, kv := range s.Attributes {
			a[string(kv.Key)] = kv.Value.Emit()
		}
		spans = append(spans, span{s.Name, s.SpanContext.TraceID().String(), s.SpanContext.SpanID().String(), s.Parent.SpanID().String(), a})
	}
	res, err := http.Get("http://127.0.0.1:" + os.Getenv("OTEL_EXPORTER_PROMETHEUS_PORT") + "/metrics")
	if err != nil {
		panic(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"spans": spans, "seen": seen, "unknown": unknownErr.Error(), "metrics": string(metrics),
	})
}

func cut(hostport string) (string, string, bool) {
	for i := len(hostport) - 1; i >= 0; i-- {
		if hostport[i] == ':' {
			return hostport[:i], hostport[i+1:], true
		}
	}
	return hostport, "", false
}
`

// TestDependenciesInstrumented runs the generated dependency clients: a
// query and the outbound calls are client spans, children of the request
// span; the query's span has the statement and not the argument; trace
// context reaches the trusted host only; and the metrics the rules and
// dashboard query exist, labelled with the dependency's name only.
func TestDependenciesInstrumented(t *testing.T) {
	bin := buildDemoWith(t, depsMain, func(s *spec.Spec) {
		s.Dependencies = spec.Dependencies{
			{Name: "orders-db", Kind: "postgres"},
			{Name: "payments", Kind: "http", TrustedHosts: []string{"localhost"}},
			{Name: "partner", Kind: "http"},
		}
	})
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), fmt.Sprintf("OTEL_EXPORTER_PROMETHEUS_PORT=%d", testtool.FreePort(t)),
		fmt.Sprintf("CLOSED_PORT=%d", testtool.FreePort(t)), "OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1", "OTEL_TRACES_EXPORTER=none", "SENTRY_DSN=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	var got struct {
		Spans []struct {
			Name, Trace, ID, Parent string
			Attrs                   map[string]string
		}
		Seen             map[string]string
		Unknown, Metrics string
	}
	// The last line is the report; the ones before are log lines.
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}

	var root string
	for _, s := range got.Spans {
		if s.Name == "GET /orders/{id}" {
			root = s.ID
		}
	}
	var query, calls int
	for _, s := range got.Spans {
		switch s.Attrs[contract.AttrDependency] {
		case "orders-db":
			query++
			if s.Parent != root {
				t.Errorf("query span %s is not a child of the request span: %+v", s.Name, s)
			}
			if s.Attrs["db.query.text"] != "SELECT name FROM orders WHERE id = $1" || s.Attrs["db.system.name"] != "postgresql" {
				t.Errorf("query span attributes: %v", s.Attrs)
			}
			for k, v := range s.Attrs {
				if strings.Contains(v, "4242") {
					t.Errorf("the argument's value reached the span in %s=%s", k, v)
				}
			}
		case "payments", "partner":
			calls++
			if s.Parent != root {
				t.Errorf("client span %s is not a child of the request span: %+v", s.Name, s)
			}
		}
	}
	if query == 0 || calls != 4 {
		t.Fatalf("want a query span and 4 client spans, got %+v", got.Spans)
	}
	if tp := got.Seen["/trusted"]; !strings.Contains(tp, got.Spans[0].Trace) {
		t.Errorf("the trusted host got traceparent %q, want the request's trace", tp)
	}
	if tp := got.Seen["/untrusted"]; tp != "" {
		t.Errorf("an untrusted host got traceparent %q", tp)
	}
	if !strings.Contains(got.Unknown, `no postgres/mysql/sqlite dependency "payments"`) {
		t.Errorf("OpenDB of an http dependency: %q", got.Unknown)
	}

	dep := func(name string) string { return contract.LabelDependency + `="` + name + `"` }
	for _, want := range []struct{ series, label string }{
		{contract.DBOperationDurationBucket, dep("orders-db")},
		// The latency SLO threshold (300ms) is a bucket: DependencySlow
		// reads it.
		{contract.DBOperationDurationBucket, `le="0.3"`},
		{contract.ClientRequestDurationBucket, `le="0.3"`},
		{contract.DBOperationDurationCount, contract.LabelDBOperation + `="sql.conn.query"`},
		{contract.DBPoolOpen, contract.LabelPoolStatus + `="` + contract.PoolIdle + `"`},
		{contract.DBPoolOpen, contract.LabelPoolStatus + `="` + contract.PoolInUse + `"`},
		{contract.DBPoolMaxOpen, dep("orders-db")},
		{contract.DBPoolWaits, dep("orders-db")},
		{contract.DBPoolWaitDuration, dep("orders-db")},
		{contract.ClientRequestDurationBucket, dep("payments")},
		{contract.ClientRequestDurationCount, contract.LabelStatus + `="503"`},
		// A refused connection has no status code, only an error type:
		// the failure selector of the rules counts "5xx or no status".
		{contract.ClientRequestDurationCount, contract.LabelErrorType + `="net.OpError"`},
	} {
		if !hasSeries(got.Metrics, want.series, want.label) {
			t.Errorf("no %s series with %s in /metrics:\n%s", want.series, want.label, got.Metrics)
		}
	}
	// Bounded labels: no host, port, URL or query text on any series.
	for _, l := range strings.Split(got.Metrics, "\n") {
		if strings.HasPrefix(l, "http_client_") || strings.HasPrefix(l, "db_") {
			for _, bad := range []string{"server_address", "server_port", "url_", "127.0.0.1", "localhost", "db_query_text", "SELECT"} {
				if strings.Contains(l, bad) {
					t.Errorf("unbounded label %s on %s", bad, l)
				}
			}
		}
	}
}

// hasSeries reports whether the exposition text has a sample of series
// with label (name="value") among its labels.
func hasSeries(text, series, label string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, series+"{") && strings.Contains(l[:strings.Index(l, "}")+1], label) {
			return true
		}
	}
	return false
}

// pgMain serves /order, which queries PostgreSQL within a request span
// through the pool that OPEN opens and QUERYROW calls, and the probes
// through Serve; it prints the spans it recorded on /spans.
const pgMain = `package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"

	IMPORTS
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"example.com/logdemo/internal/observability"
)

func main() {
	ctx := context.Background()
	shutdown, err := observability.Setup(ctx)
	if err != nil {
		panic(err)
	}
	defer shutdown(ctx)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	otel.SetTracerProvider(tp)
	db, err := OPEN
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/order", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tp.Tracer("demo").Start(r.Context(), "GET /order")
		defer span.End()
		var n int
		if err := db.QUERYROW(ctx, "SELECT $1::int + 1", 4241).Scan(&n); err != nil {
			http.Error(w, "database", http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"n": n, "trace": span.SpanContext().TraceID().String(), "span": span.SpanContext().SpanID().String()})
	})
` + demoSpansAndServe

// pgClients are the two ways the package opens a PostgreSQL pool:
// database/sql with pgx's driver (OpenDB) and pgx's own pool (OpenPool).
var pgClients = []struct{ name, imports, open, queryRow string }{
	{"database/sql", `_ "github.com/jackc/pgx/v5/stdlib"`, `observability.OpenDB("orders-db", "pgx", os.Getenv("DATABASE_URL"))`, "QueryRowContext"},
	{"pgxpool", "", `observability.OpenPool(ctx, "orders-db", os.Getenv("DATABASE_URL"))`, "QueryRow"},
}

// TestDependenciesAgainstPostgres runs OpenDB and OpenPool against a real
// PostgreSQL: the query is a child span of the request span with its
// statement and without its argument, the pool's metrics are exported
// under the same names, and once the database stops readiness fails
// naming the dependency while liveness holds, and the failed queries are
// counted as the alert reads them.
func TestDependenciesAgainstPostgres(t *testing.T) {
	for _, c := range pgClients {
		t.Run(strings.ReplaceAll(c.name, "/", "-"), func(t *testing.T) {
			main := strings.NewReplacer("IMPORTS", c.imports, "OPEN", c.open, "QUERYROW", c.queryRow).Replace(pgMain)
			checkPostgresClient(t, main)
		})
	}
}

func checkPostgresClient(t *testing.T, main string) {
	pg := testtool.StartPostgres(t)
	bin := buildDemoWith(t, main, func(s *spec.Spec) {
		s.Dependencies = spec.Dependencies{{Name: "orders-db", Kind: "postgres"}}
	})
	port, metricsPort := testtool.FreePort(t), testtool.FreePort(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+pg.DSN, fmt.Sprintf("PORT=%d", port),
		fmt.Sprintf("OTEL_EXPORTER_PROMETHEUS_PORT=%d", metricsPort), "OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1",
		"OTEL_TRACES_EXPORTER=none", "SENTRY_DSN=")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	get := func(url string) (int, string) {
		t.Helper()
		var last error
		for range 50 {
			res, err := http.Get(url)
			if err == nil {
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				return res.StatusCode, string(body)
			}
			last = err
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("GET %s: %v\n%s", url, last, logs.String())
		return 0, ""
	}

	code, body := get(base + "/order")
	var order struct {
		N           int
		Trace, Span string
	}
	if err := json.Unmarshal([]byte(body), &order); code != 200 || err != nil || order.N != 4242 {
		t.Fatalf("/order: %d %s %v\n%s", code, body, err, logs.String())
	}
	_, body = get(base + "/spans")
	var spans []struct {
		Name, ID, Parent string
		Attrs            map[string]string
	}
	if err := json.Unmarshal([]byte(body), &spans); err != nil {
		t.Fatal(err)
	}
	// A call's own steps (pgx prepares a statement inside the query that
	// first runs it) are children of the call's span.
	parents := map[string]string{}
	for _, s := range spans {
		parents[s.ID] = s.Parent
	}
	var query bool
	for _, s := range spans {
		if s.Attrs[contract.AttrDependency] != "orders-db" || s.Attrs["db.query.text"] == "" {
			continue
		}
		query = true
		inRequest := s.Parent == order.Span || parents[s.Parent] == order.Span
		if !inRequest || s.Attrs["db.query.text"] != "SELECT $1::int + 1" || s.Attrs["db.system.name"] != "postgresql" {
			t.Errorf("query span %+v: want a child of %s (or of its call) with the statement", s, order.Span)
		}
		for k, v := range s.Attrs {
			if strings.Contains(v, "4241") {
				t.Errorf("the argument reached the span in %s=%s", k, v)
			}
		}
	}
	if !query {
		t.Fatalf("no query span among %+v", spans)
	}
	if code, body := get(base + contract.HealthReadinessPath); code != 200 {
		t.Fatalf("readiness with the database up: %d %s", code, body)
	}
	_, metrics := get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort))
	for _, want := range []struct{ series, label string }{
		{contract.DBPoolOpen, contract.LabelPoolStatus + `="` + contract.PoolIdle + `"`},
		{contract.DBPoolMaxOpen, contract.LabelDependency + `="orders-db"`},
		{contract.DBPoolWaits, contract.LabelDependency + `="orders-db"`},
		{contract.DBOperationDurationCount, contract.LabelDBSystem + `="postgresql"`},
	} {
		if !hasSeries(metrics, want.series, want.label) {
			t.Errorf("no %s with %s:\n%s", want.series, want.label, metrics)
		}
	}

	pg.Stop()
	// Readiness results are reused for up to 1s.
	time.Sleep(1100 * time.Millisecond)
	code, body = get(base + contract.HealthReadinessPath)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"orders-db"`) {
		t.Errorf("readiness with the database stopped: %d %s, want 503 naming orders-db", code, body)
	}
	if code, body := get(base + contract.HealthLivenessPath); code != 200 {
		t.Errorf("liveness with the database stopped: %d %s, want 200: someone else's outage must not restart us", code, body)
	}
	if code, _ := get(base + "/order"); code != http.StatusServiceUnavailable {
		t.Errorf("/order with the database stopped: %d", code)
	}
	_, metrics = get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort))
	if !hasSeries(metrics, contract.DBOperationDurationCount, contract.LabelErrorType+`="`) {
		t.Errorf("the failed query has no %s series with an %s, which DependencyFailing reads:\n%s", contract.DBOperationDurationCount, contract.LabelErrorType, metrics)
	}
}

// redisMain serves /cart, which writes and reads a key through an
// instrumented go-redis client within a request span, /spans and the
// probes.
const redisMain = `package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"example.com/logdemo/internal/observability"
)

func main() {
	ctx := context.Background()
	shutdown, err := observability.Setup(ctx)
	if err != nil {
		panic(err)
	}
	defer shutdown(ctx)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	otel.SetTracerProvider(tp)
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR"), MaxRetries: -1})
	if err := observability.InstrumentRedis("cache", rdb); err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/cart", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tp.Tracer("demo").Start(r.Context(), "GET /cart")
		defer span.End()
		if err := rdb.Set(ctx, "cart:ana", "secret-value", 0).Err(); err != nil {
			http.Error(w, "cache", http.StatusServiceUnavailable)
			return
		}
		v, err := rdb.Get(ctx, "cart:ana").Result()
		if err != nil {
			http.Error(w, "cache", http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"v": v, "span": span.SpanContext().SpanID().String()})
	})
` + demoSpansAndServe

// TestDependenciesAgainstRedis runs InstrumentRedis against a real
// redis-server: commands are child spans without their keys or values,
// the command and pool metrics are exported with bounded labels, and once
// Redis stops readiness names it while liveness holds.
func TestDependenciesAgainstRedis(t *testing.T) {
	rs := testtool.StartRedis(t)
	bin := buildDemoWith(t, redisMain, func(s *spec.Spec) {
		s.Dependencies = spec.Dependencies{{Name: "cache", Kind: "redis"}}
	})
	d := startDemo(t, bin, "REDIS_ADDR="+rs.Addr)
	code, body := d.get("/cart")
	var cart struct{ V, Span string }
	if err := json.Unmarshal([]byte(body), &cart); code != 200 || err != nil || cart.V != "secret-value" {
		t.Fatalf("/cart: %d %s %v\n%s", code, body, err, d.logs.String())
	}
	_, body = d.get("/spans")
	var spans []struct {
		Name, Parent string
		Attrs        map[string]string
	}
	if err := json.Unmarshal([]byte(body), &spans); err != nil {
		t.Fatal(err)
	}
	var commands []string
	for _, s := range spans {
		if s.Attrs[contract.AttrDependency] != "cache" {
			continue
		}
		commands = append(commands, s.Name)
		if s.Parent != cart.Span {
			t.Errorf("command span %+v is not a child of the request span %s", s, cart.Span)
		}
		for k, v := range s.Attrs {
			if strings.Contains(v, "secret-value") || strings.Contains(v, "cart:ana") {
				t.Errorf("the command's key or value reached the span in %s=%s", k, v)
			}
		}
	}
	if strings.Join(commands, ",") != "set,get" {
		t.Fatalf("command spans %v, want set,get among %+v", commands, spans)
	}
	metrics := d.metrics()
	dep := contract.LabelDependency + `="cache"`
	for _, want := range []struct{ series, label string }{
		{contract.RedisCallDurationCount, contract.LabelRedisStatus + `="ok"`},
		{contract.RedisCallDurationCount, dep},
		// The latency SLO threshold, in ms: DependencySlow reads it.
		{contract.RedisCallDurationBucket, `le="300"`},
		{contract.RedisPoolUsage, contract.LabelRedisPoolState + `="idle"`},
		{contract.RedisPoolMax, dep},
		{contract.RedisPoolTimeouts, dep},
	} {
		if !hasSeries(metrics, want.series, want.label) {
			t.Errorf("no %s with %s:\n%s", want.series, want.label, metrics)
		}
	}
	for _, l := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(l, "db_client_connections") && (strings.Contains(l, "pool_name") || strings.Contains(l, "127.0.0.1")) {
			t.Errorf("the pool's address is a label: %s", l)
		}
	}

	rs.Stop()
	time.Sleep(1100 * time.Millisecond)
	if code, body := d.get(contract.HealthReadinessPath); code != http.StatusServiceUnavailable || !strings.Contains(body, `"cache"`) {
		t.Errorf("readiness with Redis stopped: %d %s, want 503 naming cache", code, body)
	}
	if code, _ := d.get(contract.HealthLivenessPath); code != 200 {
		t.Errorf("liveness with Redis stopped: %d, want 200", code)
	}
	if code, _ := d.get("/cart"); code != http.StatusServiceUnavailable {
		t.Errorf("/cart with Redis stopped: %d", code)
	}
	if !hasSeries(d.metrics(), contract.RedisCallDurationCount, contract.LabelRedisStatus+`="`+contract.RedisStatusError+`"`) {
		t.Errorf("the failed command is not counted with status %s, which DependencyFailing reads", contract.RedisStatusError)
	}
}

// demo is a running demo service with its ports.
type demo struct {
	t                *testing.T
	base, metricsURL string
	logs             *strings.Builder
}

// startDemo runs bin with its service and metrics ports on loopback and
// no trace export.
func startDemo(t *testing.T, bin string, env ...string) *demo {
	t.Helper()
	port, metricsPort := testtool.FreePort(t), testtool.FreePort(t)
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), fmt.Sprintf("PORT=%d", port),
		fmt.Sprintf("OTEL_EXPORTER_PROMETHEUS_PORT=%d", metricsPort), "OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1",
		"OTEL_TRACES_EXPORTER=none", "SENTRY_DSN="), env...)
	d := &demo{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port), metricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort), logs: &strings.Builder{}}
	cmd.Stdout, cmd.Stderr = d.logs, d.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return d
}

// get fetches a path of the service (or a whole URL), waiting up to 5s
// for it to listen.
func (d *demo) get(path string) (int, string) {
	d.t.Helper()
	url := path
	if strings.HasPrefix(path, "/") {
		url = d.base + path
	}
	var last error
	for range 50 {
		res, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			return res.StatusCode, string(body)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	d.t.Fatalf("GET %s: %v\n%s", url, last, d.logs.String())
	return 0, ""
}

func (d *demo) metrics() string {
	_, body := d.get(d.metricsURL)
	return body
}

// demoSpansAndServe ends a demo main: /spans lists the recorded spans
// (name, parent, attributes) for the test, then the package serves.
const demoSpansAndServe = `	mux.HandleFunc("/spans", func(w http.ResponseWriter, r *http.Request) {
		var out []map[string]any
		for _, s := range exp.GetSpans() {
			a := map[string]string{}
			for _, kv := range s.Attributes {
				a[string(kv.Key)] = kv.Value.Emit()
			}
			out = append(out, map[string]any{"name": s.Name, "id": s.SpanContext.SpanID().String(), "parent": s.Parent.SpanID().String(), "attrs": a})
		}
		json.NewEncoder(w).Encode(out)
	})
	if err := observability.Serve(ctx, "127.0.0.1:"+os.Getenv("PORT"), mux); err != nil {
		panic(err)
	}
}
`
