package spec

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAnswersThatWouldBreakTheOutput: each answer here used to be accepted
// and produced code or config that does not compile or does not run.
func TestAnswersThatWouldBreakTheOutput(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(*Spec)
		key     string
		wantErr string
	}{
		// NaN compares false with everything, so a plain range check let
		// it through, and "NaN" in config.go is not Go.
		{"NaN ratio", func(s *Spec) { s.Tracing.SamplingRatio = math.NaN() }, "tracing.sampling_ratio", "0 to 1"},
		{"Inf ratio", func(s *Spec) { s.Tracing.SamplingRatio = math.Inf(1) }, "tracing.sampling_ratio", "0 to 1"},
		{"NaN availability", func(s *Spec) { s.SLO.Availability = math.NaN() }, "slo.availability", "95 to 99.999"},
		{"NaN latency objective", func(s *Spec) { s.SLO.LatencyObjective = math.NaN() }, "slo.latency_objective", "95 to 99.999"},
		{"service on Grafana's port", func(s *Spec) { s.Service.Port = 3000 }, "service.port", "Grafana"},
		{"service on Jaeger's port", func(s *Spec) { s.Service.Port = 16686 }, "service.port", "Jaeger"},
		{"metrics on Prometheus' port", func(s *Spec) { s.Metrics.Port = 9090 }, "metrics.port", "Prometheus"},
		{"service on OTLP/HTTP port", func(s *Spec) { s.Service.Port = 4318 }, "service.port", "OTLP/HTTP"},
		{"code under cmd", func(s *Spec) { s.Output.CodeDir = "cmd/observability" }, "output.code_dir", "under cmd/"},
		{"code is cmd", func(s *Spec) { s.Output.CodeDir = "cmd" }, "output.code_dir", "under cmd/"},
		{"http to the gRPC port", func(s *Spec) {
			s.Tracing.Protocol, s.Tracing.Endpoint = "http", "http://collector.internal:4317"
		}, "tracing.endpoint", "use http://otel-collector:4318"},
		{"drain delay past the stop grace period", func(s *Spec) { s.Service.DrainDelay = Duration(16 * 1000 * millisecond) }, "service.drain_delay", "0s to 10s"},
		{"Sentry sample rate NaN", func(s *Spec) { s.Sentry.SampleRate = math.NaN() }, "sentry.sample_rate", "not a ratio"},
		{"body limit too small", func(s *Spec) { s.Edge.MaxBodyBytes = 10 }, "edge.max_body_bytes", "out of range"},
		{"negative rate limit", func(s *Spec) { s.Edge.RateLimit = -1 }, "edge.rate_limit", "out of range"},
		{"bad redact key", func(s *Spec) { s.Logs.RedactKeys = "tax_id,Bad Key" }, "logs.redact_keys", "not a key word"},
		// A quote or a brace in a probe URL would break prometheus.yml.
		{"probe URL with a quote", func(s *Spec) { s.Alerts.ProbeURLs = `https://shop.example.com/"x` }, "alerts.probe_urls", "not a URL to probe"},
		{"probe URL not absolute", func(s *Spec) { s.Alerts.ProbeURLs = "shop.example.com" }, "alerts.probe_urls", "not a URL to probe"},
		{"plain HTTP probe URL while TLS is required", func(s *Spec) { s.Alerts.ProbeURLs = "http://shop.example.com/" }, "alerts.probe_urls", "set alerts.probe_require_tls to false"},
		{"grpc to the HTTP port", func(s *Spec) { s.Tracing.Endpoint = "http://collector.internal:4318" }, "tracing.endpoint", "with protocol grpc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := valid()
			c.mutate(&s)
			err := s.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %q does not name %s and %q", err, c.key, c.wantErr)
			}
		})
	}
}

func TestNaNAndInfAreNotNumbers(t *testing.T) {
	for _, key := range []string{"sampling-ratio", "slo-availability", "slo-latency-objective"} {
		for _, v := range []string{"NaN", "nan", "Inf", "-Inf", "+Inf", "infinity"} {
			f, _ := Lookup(key)
			s := valid()
			if err := f.Set(&s, v); err == nil || !strings.Contains(err.Error(), "not a number") {
				t.Errorf("%s=%s: got %v, want 'not a number'", key, v, err)
			}
		}
	}
	// The YAML spelling reaches Validate, which rejects it.
	s, err := Parse("obsgen.yaml", []byte("version: 1\nservice:\n  name: checkout\ntracing:\n  sampling_ratio: .nan\n"))
	if err != nil {
		t.Fatal(err)
	}
	s.Complete(Detected{})
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "tracing.sampling_ratio") {
		t.Errorf(".nan in the answers file: got %v", err)
	}
}

// TestHTTPProtocolDefaultsToItsPort: choosing http without naming an
// endpoint sends to the collector's OTLP/HTTP port.
func TestHTTPProtocolDefaultsToItsPort(t *testing.T) {
	s := New()
	s.Service.Name = "checkout"
	f, _ := Lookup("otlp-protocol")
	if err := f.Set(&s, "http"); err != nil {
		t.Fatal(err)
	}
	s.Complete(Detected{})
	if s.Tracing.Endpoint != "http://otel-collector:4318" {
		t.Errorf("endpoint with protocol http: %s, want http://otel-collector:4318", s.Tracing.Endpoint)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	g := valid()
	if g.Tracing.Endpoint != "http://otel-collector:4317" {
		t.Errorf("grpc default changed: %s", g.Tracing.Endpoint)
	}
}

func TestDurationOverflowIsAnError(t *testing.T) {
	// Each part fits alone; their sum is past 2^63 ns and used to wrap
	// around to a negative duration.
	for _, in := range []string{"7625w53375d106751h", "7625w53375d"} {
		d, err := ParseDuration(in)
		if err == nil {
			t.Errorf("%s read as %s (%d ns)", in, d, int64(d))
		} else if !strings.Contains(err.Error(), "too long") {
			t.Errorf("%s: %v", in, err)
		}
	}
	if _, err := ParseDuration("7625w"); err != nil {
		t.Errorf("a long but representable duration was refused: %v", err)
	}
}

func TestSecondYAMLDocumentIsAnError(t *testing.T) {
	doc := "version: 1\nservice:\n  name: checkout\n---\nservice:\n  name: payments\n"
	_, err := Parse("obsgen.yaml", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "more than one YAML document") {
		t.Fatalf("got %v", err)
	}
	// A leading --- is still one document.
	if _, err := Parse("obsgen.yaml", []byte("---\nversion: 1\nservice:\n  name: checkout\n")); err != nil {
		t.Errorf("a leading --- was refused: %v", err)
	}
}

func TestReadFileRefusesWhatIsNotAnAnswersFile(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(t.TempDir(), "obsgen.yaml")
	if err := os.WriteFile(outside, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "obsgen.yaml")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(root, link); err == nil || !strings.Contains(err.Error(), "outside the repository") {
		t.Errorf("symlink out of the repo: %v", err)
	}

	// A symlink inside the repo is fine.
	inside := filepath.Join(root, "answers", "obsgen.yaml")
	if err := os.MkdirAll(filepath.Dir(inside), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inside, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(root, "ok.yaml")
	if err := os.Symlink(inside, ok); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(root, ok); err != nil || string(b) != "version: 1\n" {
		t.Errorf("symlink in the repo: %q, %v", b, err)
	}

	// A FIFO would block os.ReadFile forever: ReadFile must return at once.
	fifo := filepath.Join(root, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	if _, err := ReadFile(root, fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("FIFO: %v", err)
	}
	if _, err := ReadFile(root, filepath.Join(root, "missing.yaml")); !os.IsNotExist(err) {
		t.Errorf("missing file: %v, want not-exist", err)
	}
}
