package k8s

import (
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// collectorChartDefaults is the default `config` of the upstream
// opentelemetry-collector chart (version 0.170.0, read for this test): the
// values Helm merges the generated values over. A default the generated values
// neither override nor switch off with null reaches the collector, so the
// test validates the merge, not the generated section alone.
const collectorChartDefaults = `
config:
  exporters:
    debug: {}
  extensions:
    health_check:
      endpoint: ${env:MY_POD_IP}:13133
  processors:
    batch: {}
    memory_limiter:
      check_interval: 5s
      limit_percentage: 80
      spike_limit_percentage: 25
  receivers:
    jaeger:
      protocols:
        grpc:
          endpoint: ${env:MY_POD_IP}:14250
        thrift_http:
          endpoint: ${env:MY_POD_IP}:14268
        thrift_compact:
          endpoint: ${env:MY_POD_IP}:6831
    otlp:
      protocols:
        grpc:
          endpoint: ${env:MY_POD_IP}:4317
        http:
          endpoint: ${env:MY_POD_IP}:4318
    prometheus:
      config:
        scrape_configs:
          - job_name: opentelemetry-collector
            scrape_interval: 10s
            static_configs:
              - targets:
                  - ${env:MY_POD_IP}:8888
    zipkin:
      endpoint: ${env:MY_POD_IP}:9411
  service:
    telemetry:
      resource:
        k8s.namespace.name: "${env:OTEL_K8S_NAMESPACE}"
        k8s.node.name: "${env:OTEL_K8S_NODE_NAME}"
        k8s.pod.name: "${env:OTEL_K8S_POD_NAME}"
        host.name: "${env:OTEL_K8S_NODE_NAME}"
      metrics:
        readers:
          - pull:
              exporter:
                prometheus:
                  host: ${env:MY_POD_IP}
                  port: 8888
    extensions:
      - health_check
    pipelines:
      logs:
        exporters: [debug]
        processors: [memory_limiter, batch]
        receivers: [otlp]
      metrics:
        exporters: [debug]
        processors: [memory_limiter, batch]
        receivers: [otlp, prometheus]
      traces:
        exporters: [debug]
        processors: [memory_limiter, batch]
        receivers: [otlp, jaeger, zipkin]
`

// collectorChartConfig is the step of the chart's config template the
// generated values reach (no preset, no alternateConfig: chartConfig refuses
// values that use them): the merged config, passed through tpl as the chart
// does, so a "{{" in a generated expression would be caught too.
const collectorChartConfig = `apiVersion: v1
kind: ConfigMap
metadata:
  name: relay
data:
  relay: |
    {{- tpl (toYaml (deepCopy .Values.config)) . | nindent 4 }}
`

// chartConfig renders, with the real Helm, the collector config the upstream
// chart builds from the generated values file.
func chartConfig(t *testing.T, helm, valuesFile string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(valuesFile)
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"presets", "alternateConfig", "configMap"} {
		if _, ok := values[k]; ok {
			t.Fatalf("%s sets %s: the chart then builds another config than this test renders; model it here first", valuesFile, k)
		}
	}
	chart := t.TempDir()
	files := map[string]string{
		"Chart.yaml":            "apiVersion: v2\nname: opentelemetry-collector\nversion: 0.170.0\n",
		"values.yaml":           collectorChartDefaults,
		"templates/config.yaml": collectorChartConfig,
	}
	for name, text := range files {
		p := filepath.Join(chart, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := mustRun(t, chart, helm, "template", "relay", chart, "-f", valuesFile)
	var cm struct {
		Data struct {
			Relay string `yaml:"relay"`
		} `yaml:"data"`
	}
	if err := yaml.Unmarshal([]byte(out), &cm); err != nil {
		t.Fatalf("helm template: %v\n%s", err, out)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(cm.Data.Relay), &cfg); err != nil {
		t.Fatalf("relay: %v\n%s", err, cm.Data.Relay)
	}
	return cfg
}
