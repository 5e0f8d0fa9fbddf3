package golden

import (
	"testing"

	"github.com/obsgen/obsgen/internal/spec"
)

// TestScenariosCoverEveryChoice: every framework, receiver, trace backend
// and OTLP protocol is in at least one scenario that generates files, so
// every variant of every output is pinned here and checked by the real
// tools that load the scenarios.
func TestScenariosCoverEveryChoice(t *testing.T) {
	scenarios, err := Generating()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, sc := range scenarios {
		s, err := sc.Spec()
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"framework", "alert-receiver", "trace-backend", "otlp-protocol", "sentry", "tracing"} {
			f, _ := spec.Lookup(key)
			seen[key+"="+f.Get(s)] = true
		}
	}
	want := map[string][]string{
		"framework":      spec.Frameworks,
		"alert-receiver": spec.Receivers,
		"trace-backend":  spec.TraceBackends,
		"otlp-protocol":  spec.Protocols,
		"sentry":         {"true", "false"},
		"tracing":        {"true", "false"},
	}
	for key, values := range want {
		for _, v := range values {
			if !seen[key+"="+v] {
				t.Errorf("no generating golden scenario has %s=%s: add one", key, v)
			}
		}
	}
}
