// Package servicetest builds and runs the Go and Node services obsgen generates, one
// per framework, against a real OTLP receiver and a local Sentry endpoint,
// and benchmarks the generated middleware. It is a module of its own so
// that gRPC, the OTLP protos and the frameworks never enter obsgen's go.mod.
package servicetest
