package observability

// Benchmarks of the generated middleware against a bare handler and the
// same stack wired by hand the canonical way (otelhttp + sentryhttp + an
// slog access log). Every stack runs with the same global providers: spans
// sampled and recorded (no exporter), metrics aggregated, Sentry
// initialised, logs encoded as JSON to io.Discard.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	sentryhttp "github.com/getsentry/sentry-go/http"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

func TestMain(m *testing.M) {
	for k, v := range map[string]string{
		"OTEL_TRACES_SAMPLER":           "always_on",
		"OTEL_TRACES_EXPORTER":          "none",
		"OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1",
		"OTEL_EXPORTER_PROMETHEUS_PORT": "0",
		// Events would go here; the benchmarked requests raise none.
		"SENTRY_DSN": "http://public@127.0.0.1:9/1",
	} {
		os.Setenv(k, v)
	}
	shutdown, err := Setup(context.Background())
	if err != nil {
		panic(err)
	}
	slog.SetDefault(NewLogger(io.Discard, ConfigFromEnv()))
	code := m.Run()
	_ = shutdown(context.Background())
	os.Exit(code)
}

func mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("item " + r.PathValue("id")))
	})
	return m
}

// handWired is the canonical stack: otelhttp outside, sentryhttp for panics
// and a per-request hub, an slog access log line with the request context.
func handWired(next http.Handler) http.Handler {
	access := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		slog.InfoContext(r.Context(), "request", "method", r.Method, "route", r.Pattern,
			"status", sw.status, "duration_ms", float64(time.Since(start).Microseconds())/1000, "bytes", sw.bytes)
	})
	return otelhttp.NewHandler(sentryhttp.New(sentryhttp.Options{}).Handle(access), "http.server")
}

// statusWriter is the usual hand-written status recorder.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func run(b *testing.B, h http.Handler) {
	req := httptest.NewRequest(http.MethodGet, "/items/42", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

func BenchmarkBare(b *testing.B)      { run(b, mux()) }
func BenchmarkGenerated(b *testing.B) { run(b, Middleware(mux())) }
func BenchmarkHandWired(b *testing.B) { run(b, handWired(mux())) }

// BenchmarkEdge is what Serve adds in front of the middleware: the probes'
// switch, security headers, the body limit (and the rate limit when on).
func BenchmarkEdge(b *testing.B) { run(b, edge(mux())) }
