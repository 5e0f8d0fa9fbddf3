package kubernetes

import (
	"strings"

	"github.com/obsgen/obsgen/internal/spec"
)

// Default endpoints are the service names the upstream charts create, in
// the monitoring namespace: grafana/loki's gateway, grafana/tempo (single
// binary) or jaegertracing/jaeger, and kube-prometheus-stack. The Jaeger
// chart (4.x, Jaeger v2) has one Service, named after its release
// (jaeger.fullname: "jaeger" for a release named jaeger), with the OTLP
// and query ports; jaeger-collector and jaeger-query were the v1 chart's.

// JaegerService is the Jaeger chart's Service for a release named jaeger.
const JaegerService = "jaeger"

// LokiURL is Loki's HTTP base URL.
func LokiURL(s spec.Spec) string {
	if s.Kubernetes.LokiURL != "" {
		return s.Kubernetes.LokiURL
	}
	return "http://loki-gateway." + s.Kubernetes.MonitoringNamespace
}

// TraceOTLPEndpoint is where the gateway sends traces (OTLP gRPC).
func TraceOTLPEndpoint(s spec.Spec) string {
	if s.Kubernetes.TraceOTLPEndpoint != "" {
		return s.Kubernetes.TraceOTLPEndpoint
	}
	if s.Tracing.Backend == "tempo" {
		return "http://tempo." + s.Kubernetes.MonitoringNamespace + ":4317"
	}
	return "http://" + JaegerService + "." + s.Kubernetes.MonitoringNamespace + ":4317"
}

// TraceQueryURL is the trace backend's query API, for Grafana.
func TraceQueryURL(s spec.Spec) string {
	if s.Kubernetes.TraceQueryURL != "" {
		return s.Kubernetes.TraceQueryURL
	}
	if s.Tracing.Backend == "tempo" {
		return "http://tempo." + s.Kubernetes.MonitoringNamespace + ":3200"
	}
	return "http://" + JaegerService + "." + s.Kubernetes.MonitoringNamespace + ":16686"
}

// kubePrometheusStackFullname is the chart's "kube-prometheus-stack.fullname"
// helper: the release name when it contains the chart name, else
// <release>-kube-prometheus-stack, cut to 26 characters.
func kubePrometheusStackFullname(release string) string {
	const chart = "kube-prometheus-stack"
	name := release
	if !strings.Contains(release, chart) {
		name = release + "-" + chart
	}
	if len(name) > 26 {
		name = name[:26]
	}
	return strings.TrimRight(name, "-")
}

// PrometheusURL and AlertmanagerURL are kube-prometheus-stack's services.
func PrometheusURL(s spec.Spec) string {
	return "http://" + kubePrometheusStackFullname(s.Kubernetes.PrometheusRelease) + "-prometheus." + s.Kubernetes.MonitoringNamespace + ":9090"
}

// AlertmanagerURL is kube-prometheus-stack's Alertmanager service.
func AlertmanagerURL(s spec.Spec) string {
	return "http://" + kubePrometheusStackFullname(s.Kubernetes.PrometheusRelease) + "-alertmanager." + s.Kubernetes.MonitoringNamespace + ":9093"
}

// hostPort strips the scheme: the collector's gRPC exporter takes host:port.
func hostPort(url string) string {
	_, rest, _ := strings.Cut(url, "://")
	return rest
}
