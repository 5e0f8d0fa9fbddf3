package golden

import (
	"fmt"
	"testing"

	"github.com/obsgen/obsgen/internal/spec"
)

// TestScenariosCoverEveryChoice: every framework, receiver, trace backend
// and OTLP protocol is in at least one scenario that generates files, so
// every variant of every output is pinned here and checked by the real
// tools that load the scenarios.
func TestScenariosCoverEveryChoice(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range generatingSpecs(t) {
		for _, key := range []string{"framework", "alert-receiver", "trace-backend", "otlp-protocol", "sentry", "tracing", "deploy-target", "ci-github-actions"} {
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
		// ci-github-actions=true adds .github/workflows/observability.yml.
		"ci-github-actions": {"true", "false"},
	}
	for key, values := range want {
		for _, v := range values {
			if !seen[key+"="+v] {
				t.Errorf("no generating golden scenario has %s=%s: add one", key, v)
			}
		}
	}
	if !seen["deploy-target=kubernetes"] || !seen["deploy-target=compose"] {
		t.Errorf("every deploy target needs a generating scenario: %v", spec.DeployTargets)
	}
}

// TestKubernetesScenariosCoverEveryChoice: the kubernetes target renders
// each receiver (AlertmanagerConfig), trace backend and protocol, tracing
// and Sentry on and off, and each optional backend answer set and unset,
// in a scenario the Kubernetes checks load.
func TestKubernetesScenariosCoverEveryChoice(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range generatingSpecs(t) {
		if !s.Deploy.Target.IsKubernetes() {
			continue
		}
		for _, key := range []string{"alert-receiver", "trace-backend", "otlp-protocol", "sentry", "tracing"} {
			f, _ := spec.Lookup(key)
			seen[key+"="+f.Get(s)] = true
		}
		for _, key := range []string{"k8s-remote-write-url", "k8s-remote-write-tenant", "k8s-loki-tenant", "k8s-loki-url", "k8s-trace-otlp-endpoint"} {
			f, _ := spec.Lookup(key)
			seen[fmt.Sprintf("%s set=%v", key, f.Get(s) != "")] = true
		}
	}
	want := map[string][]string{
		"alert-receiver": spec.Receivers,
		"trace-backend":  spec.TraceBackends,
		"otlp-protocol":  spec.Protocols,
		"sentry":         {"true", "false"},
		"tracing":        {"true", "false"},
	}
	for key, values := range want {
		for _, v := range values {
			if !seen[key+"="+v] {
				t.Errorf("no generating kubernetes scenario has %s=%s: add one", key, v)
			}
		}
	}
	for _, key := range []string{"k8s-remote-write-url", "k8s-remote-write-tenant", "k8s-loki-tenant", "k8s-loki-url", "k8s-trace-otlp-endpoint"} {
		for _, set := range []bool{true, false} {
			if !seen[fmt.Sprintf("%s set=%v", key, set)] {
				t.Errorf("no generating kubernetes scenario has %s set=%v: add one", key, set)
			}
		}
	}
}

// TestScenariosCoverEveryYesNoAnswer: each yes/no answer is in a
// generating scenario both ways, where it matters (its When holds), so
// neither branch of a template it switches goes unpinned and unchecked.
func TestScenariosCoverEveryYesNoAnswer(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range generatingSpecs(t) {
		for _, f := range spec.Fields() {
			if f.Type() == "bool" && (f.When == nil || f.When(s)) {
				seen[f.Name+"="+f.Get(s)] = true
			}
		}
	}
	for _, f := range spec.Fields() {
		if f.Type() != "bool" {
			continue
		}
		for _, v := range []string{"true", "false"} {
			if !seen[f.Name+"="+v] {
				t.Errorf("no generating golden scenario has %s=%s where it matters: add one", f.Name, v)
			}
		}
	}
}

// generatingSpecs is the answers of every scenario that generates files.
func generatingSpecs(t *testing.T) []spec.Spec {
	t.Helper()
	scenarios, err := Generating()
	if err != nil {
		t.Fatal(err)
	}
	var out []spec.Spec
	for _, sc := range scenarios {
		s, err := sc.Spec()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
