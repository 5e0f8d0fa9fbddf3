// Package logql parses every LogQL expression of the generated Grafana
// files (dashboard panels and the traces-to-logs link of the trace
// datasource) with Loki's own parser. It is a module of its own because
// Loki's dependencies conflict with the Prometheus version the checks
// module pins.
package logql
