package kubernetes

import "testing"

// The service names kube-prometheus-stack creates for a release, as its
// "kube-prometheus-stack.fullname" helper derives them.
func TestKubePrometheusStackFullname(t *testing.T) {
	for release, want := range map[string]string{
		"kube-prometheus-stack":          "kube-prometheus-stack",
		"prometheus":                     "prometheus-kube-prometheus",
		"monitoring":                     "monitoring-kube-prometheus",
		"kps":                            "kps-kube-prometheus-stack",
		"my-kube-prometheus-stack-27chr": "my-kube-prometheus-stack-2",
	} {
		if got := kubePrometheusStackFullname(release); got != want {
			t.Errorf("%s: got %s, want %s", release, got, want)
		}
	}
}
