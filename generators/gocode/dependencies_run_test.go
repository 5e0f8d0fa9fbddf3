package gocode

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

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
