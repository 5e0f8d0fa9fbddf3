// Package checks runs the real consumers of obsgen's generated alerting
// and dashboard files over every golden scenario: promtool (check rules,
// test rules, check config), amtool, Prometheus' own PromQL parser and rule
// loader, and strict decoding of the Grafana files. It is a module of its
// own so Prometheus' dependencies never enter the product's go.mod.
package checks
