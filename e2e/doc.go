// Package e2e checks obsgen's generated pipelines and local stack with the
// real consumers: Loki's LogQL parser, the compose loader, `otelcol
// validate`, `loki -verify-config`, and an end-to-end run of real servers
// (Prometheus, Loki, the collector, Jaeger and a generated service) on
// loopback. It is a module of its own so these heavy dependencies never
// reach obsgen's go.mod.
package e2e
