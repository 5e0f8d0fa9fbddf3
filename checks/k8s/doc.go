// Package k8s checks the Kubernetes target's outputs with the tools that
// consume them: real Helm renders the chart, kubectl-validate and the
// Prometheus Operator's own Go types validate every object, promtool runs
// the generated rule tests against the rules taken out of the rendered
// PrometheusRule, the operator's config generation and Prometheus'
// relabeling prove what the ServiceMonitor scrapes, and otelcol validates
// the collector configs; a real etcd and kube-apiserver admit a real helm
// install of every scenario's chart (no kubelet: pods never run). It is a
// module of its own so the operator's and Kubernetes' dependencies never
// reach obsgen's go.mod.
package k8s
