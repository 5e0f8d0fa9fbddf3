package servicetest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// recordingTB collects the failures a check reports instead of failing.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestCheckMetricsRejectsBrokenExposition shows that checkMetrics fails on
// what it must catch: no SLO bucket, a raw-path-style unbounded label, a
// missing contract metric.
func TestCheckMetricsRejectsBrokenExposition(t *testing.T) {
	const broken = `# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/hello/{name}",otel_scope_name="x",otel_scope_version="1",server_address="evil.example",le="0.25"} 1
http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/hello/{name}",otel_scope_name="x",otel_scope_version="1",server_address="evil.example",le="+Inf"} 1
http_server_request_duration_seconds_sum{http_request_method="GET",http_response_status_code="200",http_route="/hello/{name}",otel_scope_name="x",otel_scope_version="1",server_address="evil.example"} 0.1
http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/hello/{name}",otel_scope_name="x",otel_scope_version="1",server_address="evil.example"} 1
`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(broken))
	}))
	defer srv.Close()
	rec := &recordingTB{TB: t}
	checkMetrics(rec, srv.URL, "/hello/{name}")
	all := strings.Join(rec.errs, "\n")
	for _, want := range []string{`le="0.3"`, "server_address", "no target_info", "no go_goroutines"} {
		if !strings.Contains(all, want) {
			t.Errorf("checkMetrics did not report %q; it reported:\n%s", want, all)
		}
	}
}
