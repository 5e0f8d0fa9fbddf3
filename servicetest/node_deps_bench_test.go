package servicetest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/nodefixture"
	"github.com/obsgen/obsgen/internal/testtool"
)

// BenchmarkNodeDependencies compares a pg query and an ioredis GET
// through the generated module (instrumentations, observePostgres,
// observeRedis) with the same clients bare, against a real PostgreSQL and
// Redis on loopback (nodebench/deps.cjs: sequential calls, each in an
// active span as in a request, spans recorded and not exported,
// OTEL_TRACES_EXPORTER=none). The request span's own cost (recorded with
// the SDK, a no-op without it) is measured alone and subtracted: it is
// paid per request, not per call. Each round runs both variants, in turns
// of order; the ratios reported are the medians of the rounds'
// instrumented/bare times per call, as the machine's speed drifts
// between runs more than within one.
//
//	go test -run '^$' -bench NodeDependencies -benchtime 1x .
//
// (about 2 minutes).
func BenchmarkNodeDependencies(b *testing.B) {
	node := requireTool(b, "node")
	npm := requireTool(b, "npm")
	pg := testtool.StartPostgres(b)
	redis := testtool.StartRedis(b)
	dir := writeNodeService(b, "deps-bench", "express", "commonjs", false)
	if err := nodefixture.AddDependencies(dir, "express", false, false); err != nil {
		b.Fatal(err)
	}
	npmRun(b, npm, dir, "install", "--no-audit", "--no-fund", "--prefer-offline")
	initNodeService(b, dir, "svc-deps-bench", "grpc")
	data, err := os.ReadFile(filepath.Join("nodebench", "deps.cjs"))
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "deps.cjs"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	const calls = 5000
	type result struct {
		Span  float64 `json:"span_us"`
		Query float64 `json:"query_us"`
		Redis float64 `json:"redis_us"`
	}
	run := func(instrumented bool) result {
		args := []string{"deps.cjs", "bare", strconv.Itoa(calls)}
		if instrumented {
			args = append([]string{"--import", "./src/observability/register.cjs"}, args...)
			args[len(args)-2] = "instrumented"
		}
		cmd := exec.Command(node, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DATABASE_URL="+pg.DSN, "REDIS_URL=redis://"+redis.Addr,
			"DEPENDENCIES_MODULE="+filepath.Join(dir, "src", "observability", "dependencies.cjs"),
			"OTEL_TRACES_EXPORTER=none", "OTEL_EXPORTER_PROMETHEUS_PORT="+freePort(b), "SENTRY_DSN=")
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("node %v: %v\n%s", args, err, out)
		}
		// The service's logger writes JSON lines too: the result is last.
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		var r result
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil || r.Query == 0 {
			b.Fatalf("node %v: %v\n%s", args, err, out)
		}
		return r
	}
	var query, get []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for round := range 8 {
			var bare, inst result
			if round%2 == 0 {
				bare, inst = run(false), run(true)
			} else {
				inst, bare = run(true), run(false)
			}
			// Net of the request span's own cost (see deps.cjs).
			query = append(query, (inst.Query-inst.Span)/(bare.Query-bare.Span))
			get = append(get, (inst.Redis-inst.Span)/(bare.Redis-bare.Span))
			b.Logf("round %d: span %.1f µs bare, %.1f µs instrumented; query %.1f / %.1f µs; GET %.1f / %.1f µs",
				round+1, bare.Span, inst.Span, bare.Query, inst.Query, bare.Redis, inst.Redis)
		}
	}
	b.StopTimer()
	b.ReportMetric(median(query), "query-ratio")
	b.ReportMetric(median(get), "get-ratio")
}
