package spec

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func valid() Spec {
	s := New()
	s.Service.Name = "checkout"
	s.Complete(Detected{})
	return s
}

func TestNewIsValidOnceNamed(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("defaults plus a name must be valid: %v", err)
	}
	if err := New().Validate(); err == nil || !strings.Contains(err.Error(), "--service-name") {
		t.Fatalf("defaults without a name must ask for --service-name, got %v", err)
	}
}

// TestValidateNamesFieldAndFix: every rejected value yields an error that
// names the answers-file key, the flag and an example of a good value.
func TestValidateNamesFieldAndFix(t *testing.T) {
	cases := []struct {
		key, value string
		wantErr    string // substring of the message besides key and flag
	}{
		{"service-name", `my svc`, "lowercase letters"},
		{"service-name", `a"b`, "lowercase letters"},
		{"service-name", `{{ .X }}`, "lowercase letters"},
		{"service-name", strings.Repeat("a", 64), "1-63"},
		{"module", "not a module", "invalid char ' '"},
		{"module", "/abs/path", "go mod init"},
		{"port", "0", "1 to 65535"},
		{"port", "70000", "1 to 65535"},
		{"metrics-port", "8080", "also the service port"},
		{"environment", "Prod uction", "lowercase"},
		{"metrics-path", "metrics", "start with /"},
		{"sentry-dsn-env", "sentry-dsn", "environment variable name"},
		{"otlp-endpoint", "collector:4317", "http://host:port"},
		{"otlp-endpoint", "http://user:pw@collector:4317", "http://host:port"},
		{"sampling-ratio", "1.5", "0 to 1"},
		{"slo-availability", "90", "95 to 99.999"},
		{"slo-availability", "100", "95 to 99.999"},
		{"slo-latency-objective", "50", "95 to 99.999"},
		{"slo-latency-threshold", "2m", "1ms to 60s"},
		{"slo-window", "1d", "7d to 90d"},
		{"log-path", "var/log/app.log", "absolute path"},
		{"log-path", "/var/log/*/app.log", "only in the file name"},
		{"log-path", "/var/log/../etc/passwd", "absolute path"},
		{"log-path", "/var/log/app 1.log", "absolute path"},
		{"log-path", "/app.log", "absolute path"},
		{"code-dir", "../outside", "inside the repo"},
		{"config-dir", "/etc", "inside the repo"},
		{"config-dir", "internal/observability", "also the code folder"},
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			f, ok := Lookup(c.key)
			if !ok {
				t.Fatalf("no field %s", c.key)
			}
			s := valid()
			if err := f.Set(&s, c.value); err != nil {
				t.Fatalf("set: %v", err)
			}
			err := s.Validate()
			if err == nil {
				t.Fatalf("%s=%q was accepted", c.key, c.value)
			}
			msg := err.Error()
			for _, want := range []string{f.Path, "--" + f.Name, c.wantErr} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field.Name != c.key {
				t.Errorf("error is not a FieldError for %s: %#v", c.key, err)
			}
		})
	}
}

func TestSetRejectsBadTypesAndChoices(t *testing.T) {
	cases := map[string]string{
		"framework":             "django",
		"port":                  "eighty",
		"sampling-ratio":        "half",
		"sentry":                "maybe",
		"slo-window":            "30 days",
		"alert-receiver":        "carrier-pigeon",
		"slo-latency-threshold": "300",
	}
	for key, value := range cases {
		f, _ := Lookup(key)
		s := valid()
		err := f.Set(&s, value)
		if err == nil || !strings.Contains(err.Error(), "--"+key) {
			t.Errorf("%s=%q: got %v, want an error naming --%s", key, value, err, key)
		}
	}
}

func TestParseIsStrict(t *testing.T) {
	cases := map[string]string{
		"unknown key":     "version: 1\nservice:\n  name: a\n  frameworks: chi\n",
		"unknown section": "version: 1\nservices:\n  name: a\n",
		"missing version": "service:\n  name: a\n",
		"future version":  "version: 2\nservice:\n  name: a\n",
		"wrong type":      "version: 1\nservice:\n  port: eighty\n",
		"bad duration":    "version: 1\nslo:\n  window: 30 days\n",
		"not yaml":        "version: 1\nservice: [\n",
		"empty":           "",
	}
	wants := map[string]string{
		"unknown key":     `line 4: unknown key "service.frameworks"`,
		"unknown section": `line 2: unknown key "services"`,
		"missing version": "version: missing",
		"future version":  "version 2 is not supported",
		"wrong type":      "eighty",
		"bad duration":    "not a duration",
		"not yaml":        "yaml",
		"empty":           "empty",
	}
	for name, doc := range cases {
		s, err := Parse("obsgen.yaml", []byte(doc))
		if name == "future version" && err == nil {
			err = s.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), wants[name]) {
			t.Errorf("%s: got %v, want error containing %q", name, err, wants[name])
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	s := valid()
	s.Service.Framework = "gin"
	s.SLO.LatencyThreshold, _ = ParseDuration("250ms")
	s.ObsgenVersion = "1.2.3"
	data, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("x", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip changed the spec:\n got %+v\nwant %+v", back, s)
	}
	if !strings.Contains(string(data), "window: 30d\n") || !strings.Contains(string(data), "latency_threshold: 250ms\n") {
		t.Errorf("durations are not written the Prometheus way:\n%s", data)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]string{"300ms": "300ms", "30d": "30d", "2w": "2w", "14d": "2w", "90m": "1h30m", "1h30m": "1h30m", "1500ms": "1s500ms"} {
		d, err := ParseDuration(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if d.String() != want {
			t.Errorf("%s: got %s want %s", in, d, want)
		}
	}
	for _, bad := range []string{"", "5", "1.5s", "-1s", "1y", "s", "1h 30m", "99999999999999999999w"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestFieldTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Fields() {
		if seen[f.Name] || seen[f.Path] {
			t.Errorf("duplicate field %s / %s", f.Name, f.Path)
		}
		seen[f.Name], seen[f.Path] = true, true
		if f.Prompt == "" || f.Help == "" {
			t.Errorf("%s has no prompt or help: the wizard needs both", f.Name)
		}
		if strings.ToLower(f.Name) != f.Name || strings.Contains(f.Name, "_") {
			t.Errorf("flag %s is not kebab case", f.Name)
		}
		// Every field round-trips its own default through text.
		s := valid()
		v := f.Get(s)
		if err := f.Set(&s, v); err != nil || f.Get(s) != v {
			t.Errorf("%s: default %q does not round-trip: %v", f.Name, v, err)
		}
	}
}

// Module paths without a dot are what `go mod init rest-example` makes:
// obsgen takes them.
func TestModulePathsGoModInitAccepts(t *testing.T) {
	for _, m := range []string{"rest-example", "git.internal/payments", "example.com/a/v2", "svc"} {
		s := New()
		s.Service.Name, s.Service.Module = "svc", m
		if err := s.Validate(); err != nil {
			t.Errorf("module %q: %v", m, err)
		}
	}
}

// The dependencies answer: its text form round-trips, and each mistake
// gets one error naming the field, the item and the fix.
func TestDependencies(t *testing.T) {
	f, ok := Lookup("dependencies")
	if !ok {
		t.Fatal("no dependencies field")
	}
	s := New()
	s.Service.Name = "shop"
	s.Service.Module = "x.io/shop"
	const text = "orders-db=postgres,cache=redis,payments=http:api.payments.example+*.auth.example"
	if err := f.Set(&s, text); err != nil {
		t.Fatal(err)
	}
	want := Dependencies{
		{Name: "orders-db", Kind: "postgres"},
		{Name: "cache", Kind: "redis"},
		{Name: "payments", Kind: "http", TrustedHosts: []string{"api.payments.example", "*.auth.example"}},
	}
	if !reflect.DeepEqual(s.Dependencies, want) || f.Get(s) != text {
		t.Fatalf("got %+v (%q), want %+v", s.Dependencies, f.Get(s), want)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	data, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("obsgen.yaml", data)
	if err != nil || !reflect.DeepEqual(back.Dependencies, want) {
		t.Fatalf("round trip: %v, %+v\n%s", err, back.Dependencies, data)
	}

	for text, wantErr := range map[string]string{
		"orders":                     "is not name=kind",
		"Orders_DB=postgres":         `[0].name "Orders_DB" is not a dependency name`,
		"db=postgres,db=redis":       `[1].name "db" is used twice`,
		"db=mongo":                   `[0].kind "mongo" (dependency db) is not supported: use one of postgres, mysql, sqlite, redis, http`,
		"db=postgres:db.example":     "only http dependencies receive trace context",
		"api=http:https://a.example": `"https://a.example" (dependency api) is not a host name`,
	} {
		c := s
		err := f.Set(&c, text)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), wantErr) || !strings.HasPrefix(err.Error(), "dependencies (--dependencies): ") {
			t.Errorf("%s: got %v, want an error on dependencies (--dependencies) saying %s", text, err, wantErr)
		}
	}

	// A Node service gets PostgreSQL (pg) and Redis (ioredis), one of each;
	// every other kind names the item and what to do instead.
	node := s
	node.Service.Language, node.Service.Framework, node.Service.Module = LangNode, "express", ""
	node.Output.CodeDir, node.Node.Main = NodeCodeDir, "server.js"
	if err := f.Set(&node, "orders-db=postgres,cache=redis"); err != nil {
		t.Fatal(err)
	}
	if err := node.Validate(); err != nil {
		t.Fatalf("node with postgres and redis: %v", err)
	}
	for text, wantErr := range map[string]string{
		"payments=http:api.payments.example": `[0].kind "http" (dependency payments) is for Go services only (a Node service's outbound calls get spans from its HTTP instrumentation, without a dependency name): remove the item; a Node service instruments postgres (pg) and redis (ioredis)`,
		"db=postgres,reports=mysql":          `[1].kind "mysql" (dependency reports) is for Go services only`,
		"orders=postgres,reports=postgres":   `[1] (dependency reports): a Node service can have one postgres dependency`,
	} {
		c := node
		err := f.Set(&c, text)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), wantErr) || !strings.HasPrefix(err.Error(), "dependencies (--dependencies): ") {
			t.Errorf("node %s: got %v, want an error on dependencies (--dependencies) saying %s", text, err, wantErr)
		}
	}

	// A typo inside an item is an unknown key, not a silent default.
	_, err = Parse("obsgen.yaml", []byte("version: 1\ndependencies:\n  - name: db\n    knd: postgres\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown key "dependencies[].knd"`) {
		t.Errorf("got %v, want the unknown key dependencies[].knd", err)
	}
}
