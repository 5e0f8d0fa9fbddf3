package spec

import (
	"reflect"
	"strings"
	"testing"
)

func kubernetesSpec(t *testing.T) Spec {
	t.Helper()
	s := valid()
	f, _ := Lookup("deploy-target")
	if err := f.Set(&s, "kubernetes"); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKubernetesAnswersRejected: each bad Kubernetes answer yields one error
// naming its key, its flag and the fix.
func TestKubernetesAnswersRejected(t *testing.T) {
	cases := []struct{ key, value, wantErr string }{
		{"k8s-prometheus-release", "kube prometheus", "not a Kubernetes label value"},
		{"k8s-prometheus-release", "-stack", "not a Kubernetes label value"},
		{"k8s-prometheus-release", strings.Repeat("r", 64), "up to 63"},
		{"k8s-namespace", "Shop", "not a namespace name"},
		{"k8s-namespace", "shop.prod", "not a namespace name"},
		{"k8s-namespace", "shop-", "not a namespace name"},
		{"k8s-namespace", "", "not a namespace name"},
		{"k8s-monitoring-namespace", "monitoring_ns", "not a namespace name"},
		{"k8s-remote-write-url", "https://user:secret@mimir.example.com/api/v1/push", "has credentials in it"},
		{"k8s-remote-write-url", "https://mimir.example.com/api/v1/push?token=abc", "not a service URL"},
		{"k8s-remote-write-url", "mimir:8080/api/v1/push", "not a service URL"},
		{"k8s-loki-url", "http://loki-gateway.monitoring/", "trailing slash"},
		{"k8s-loki-url", "http://u:p@loki", "without credentials"},
		{"k8s-loki-tenant", "team a", "not a tenant ID"},
		{"k8s-remote-write-tenant", "a/b", "not a tenant ID"},
		{"k8s-trace-otlp-endpoint", "tempo:4317", "not a service URL"},
		{"k8s-trace-query-url", "http://tempo:3200/{{ x }}", "not a service URL"},
		{"k8s-chart-dir", "../charts", "inside the repo"},
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			f, ok := Lookup(c.key)
			if !ok {
				t.Fatalf("no field %s", c.key)
			}
			s := kubernetesSpec(t)
			if err := f.Set(&s, c.value); err != nil {
				t.Fatalf("set: %v", err)
			}
			err := s.Validate()
			if err == nil {
				t.Fatalf("%s=%q was accepted", c.key, c.value)
			}
			msg := err.Error()
			if n := strings.Count(msg, "\n") + 1; n != 1 {
				t.Errorf("want one error, got %d: %s", n, msg)
			}
			for _, want := range []string{f.Path, "--" + f.Name, c.wantErr} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
		})
	}
}

func TestKubernetesAnswersAccepted(t *testing.T) {
	s := kubernetesSpec(t)
	for key, value := range map[string]string{
		"k8s-namespace":           "checkout",
		"k8s-prometheus-release":  "prometheus_stack.v2",
		"k8s-remote-write-url":    "https://mimir.example.com:8080/api/v1/push",
		"k8s-remote-write-tenant": "team-checkout",
		"k8s-loki-url":            "http://loki-gateway.logging.svc.cluster.local",
		"k8s-loki-tenant":         "checkout",
		"k8s-trace-otlp-endpoint": "http://tempo-distributor.tracing:4317",
	} {
		f, _ := Lookup(key)
		if err := f.Set(&s, value); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestMarshalKubernetesSection: the section is written for the kubernetes
// target (and when it holds answers), left out of other targets' files, and
// reads back the same either way.
func TestMarshalKubernetesSection(t *testing.T) {
	compose := valid()
	k8s := kubernetesSpec(t)
	custom := valid()
	custom.Kubernetes.Namespace = "shop"
	for name, c := range map[string]struct {
		s    Spec
		want bool
	}{"compose": {compose, false}, "kubernetes": {k8s, true}, "compose with answers": {custom, true}} {
		data, err := c.s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(data), "\nkubernetes:\n"); got != c.want {
			t.Errorf("%s: kubernetes section written = %v, want %v:\n%s", name, got, c.want, data)
		}
		back, err := Parse("x", data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, c.s) {
			t.Errorf("%s: round trip changed the spec", name)
		}
	}
}
