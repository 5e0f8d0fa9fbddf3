package servicetest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/nodefixture"
	"github.com/obsgen/obsgen/internal/testtool"
)

// depRun is a running service that calls a real PostgreSQL and Redis
// through the generated module, with the servers, so a case can stop them.
// Its routes are nodefixture.AddDependencies'.
type depRun struct {
	r     *running
	pg    *testtool.Postgres
	redis *testtool.Redis
	// exports reports whether the service's language exports a series
	// of the contract (contract.NodeExports for Node).
	exports func(series string) bool
}

// The dependency names the service answers: detected, named after the kind.
const (
	depPostgres = "postgres"
	depRedis    = "redis"
)

// TestNodeDependencies runs a Node service of each module flavour that
// uses pg and ioredis against a real PostgreSQL and Redis: obsgen init
// detects both from package.json, and the generated module instruments
// them (caseDependencies).
func TestNodeDependencies(t *testing.T) {
	testtool.Slow(t, "installs and runs a Node service against PostgreSQL and Redis")
	node := requireTool(t, "node")
	npm := requireTool(t, "npm")
	for _, svc := range []struct {
		name, framework, moduleType, protocol string
		ts                                    bool
	}{
		{"deps-express-js-cjs", "express", "commonjs", "grpc", false},
		{"deps-fastify-ts-esm", "fastify", "module", "http", true},
	} {
		t.Run(svc.name, func(t *testing.T) {
			pg := testtool.StartPostgres(t)
			redis := testtool.StartRedis(t)
			dir := writeNodeService(t, svc.name, svc.framework, svc.moduleType, svc.ts)
			if err := nodefixture.AddDependencies(dir, svc.framework, svc.moduleType == "module", svc.ts); err != nil {
				t.Fatal(err)
			}
			npmRun(t, npm, dir, "install", "--no-audit", "--no-fund", "--prefer-offline")
			initNodeService(t, dir, "svc-"+svc.name, svc.protocol)
			ns := &nodeStarter{node: node, npm: npm, dir: dir, protocol: svc.protocol, ts: svc.ts}
			ns.build(t)
			r := ns.start(t, "DATABASE_URL="+pg.DSN, "REDIS_URL=redis://"+redis.Addr)
			caseDependencies(t, &depRun{r: r, pg: pg, redis: redis, exports: contract.NodeExports})
		})
	}
}

// caseDependencies: a query and two Redis commands are client spans, children of
// the request's span, named after their dependency, without the query's
// parameter or the command's key and value; every series the dependency
// rules and panels read exists with the dependency's name and only
// bounded labels; the pool's waits move under load; and with PostgreSQL
// stopped readiness names it while liveness stays 200, and the failed
// query is counted as an error.
func caseDependencies(t *testing.T, d *depRun) {
	r := d.r
	traceID := randomHex(16)
	if code := get(t, r.base+"/orders/4217", traceID).StatusCode; code != http.StatusOK {
		t.Fatalf("GET /orders/4217: %d", code)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		r.traces.mu.Lock()
		defer r.traces.mu.Unlock()
		for _, s := range r.traces.spans {
			if s.traceID == traceID {
				t.Logf("span %q kind %s parent %s: %v", s.name, s.kind, s.parentID, s.attrs)
			}
		}
	})
	var server span
	waitFor(t, 10*time.Second, "the request's server span", func() bool {
		var ok bool
		server, ok = r.traces.find(func(s span) bool { return s.traceID == traceID && s.kind == tracepb.Span_SPAN_KIND_SERVER })
		return ok
	})
	child := func(system string, query string) span {
		var s span
		waitFor(t, 10*time.Second, system+" client span "+query, func() bool {
			var ok bool
			s, ok = r.traces.find(func(s span) bool {
				return s.traceID == traceID && s.kind == tracepb.Span_SPAN_KIND_CLIENT && s.attrs["db.system.name"] == system &&
					(query == "" || s.attrs["db.query.text"] == query)
			})
			return ok
		})
		if s.parentID != server.spanID {
			t.Errorf("%s span %q has parent %s, want the request's span %s", system, s.name, s.parentID, server.spanID)
		}
		return s
	}
	spans := []span{child("postgresql", "SELECT $1::int + 1 AS n"), child("redis", "set"), child("redis", "get")}
	for _, s := range spans {
		want := depPostgres
		if s.attrs["db.system.name"] == "redis" {
			want = depRedis
		}
		if got := s.attrs[contract.AttrDependency]; got != want {
			t.Errorf("span %q: %s = %q, want %q", s.name, contract.AttrDependency, got, want)
		}
		for k, v := range s.attrs {
			if strings.Contains(v, "4217") || strings.Contains(v, "secret") {
				t.Errorf("span %q records a parameter value: %s=%q", s.name, k, v)
			}
		}
	}

	// Under load the 2 connections are taken: the other calls wait.
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(r.base + "/slow")
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()

	fams := scrapeFamilies(t, r.metrics)
	series := func(name string, want map[string]string) *dto.Metric {
		f := fams[name]
		if f == nil {
			t.Errorf("/metrics has no %s", name)
			return nil
		}
		for _, m := range f.GetMetric() {
			l := labelsOf(m)
			for _, k := range []string{"server_address", "server_port", "db_query_text", "db_namespace", "db_client_connection_pool_name"} {
				if _, ok := l[k]; ok {
					t.Errorf("%s carries the unbounded label %s: %v", name, k, l)
				}
			}
		}
		for _, m := range f.GetMetric() {
			l := labelsOf(m)
			ok := true
			for k, v := range want {
				ok = ok && l[k] == v
			}
			if ok {
				return m
			}
		}
		t.Errorf("%s has no series with %v", name, want)
		return nil
	}
	// DependencySlow reads the bucket at the SLO threshold (seconds for
	// queries, milliseconds for Redis).
	hasBucket := func(name string, m *dto.Metric, le float64) {
		for _, b := range m.GetHistogram().GetBucket() {
			if b.GetUpperBound() == le {
				return
			}
		}
		t.Errorf("%s has no bucket le=%v, the SLO threshold", name, le)
	}
	threshold, _ := time.ParseDuration(sloThreshold)
	pgLabels := map[string]string{contract.LabelDependency: depPostgres}
	if m := series(contract.DBOperationDuration, map[string]string{contract.LabelDependency: depPostgres, contract.LabelDBSystem: "postgresql"}); m != nil {
		if m.GetHistogram().GetSampleCount() < 7 {
			t.Errorf("%s counts %d queries, want at least 7", contract.DBOperationDuration, m.GetHistogram().GetSampleCount())
		}
		hasBucket(contract.DBOperationDuration, m, threshold.Seconds())
	}
	for _, st := range []string{contract.PoolInUse, contract.PoolIdle} {
		series(contract.DBPoolOpen, map[string]string{contract.LabelDependency: depPostgres, contract.LabelPoolStatus: st})
	}
	if m := series(contract.DBPoolMaxOpen, pgLabels); m != nil && m.GetGauge().GetValue() != 2 {
		t.Errorf("%s = %v, want the pool's max 2", contract.DBPoolMaxOpen, m.GetGauge().GetValue())
	}
	if m := series(contract.DBPoolWaits, pgLabels); m != nil && m.GetCounter().GetValue() < 1 {
		t.Errorf("%s = %v after 6 calls on 2 connections, want waits", contract.DBPoolWaits, m.GetCounter().GetValue())
	}
	if m := series(contract.DBPoolWaitDuration, pgLabels); m != nil && m.GetCounter().GetValue() < 100 {
		t.Errorf("%s = %v ms, want the waits behind 300 ms queries", contract.DBPoolWaitDuration, m.GetCounter().GetValue())
	}
	if m := series(contract.RedisCallDuration, map[string]string{contract.LabelDependency: depRedis, contract.LabelRedisStatus: "ok"}); m != nil {
		if m.GetHistogram().GetSampleCount() < 2 {
			t.Errorf("%s counts %d commands, want the SET and GET", contract.RedisCallDuration, m.GetHistogram().GetSampleCount())
		}
		hasBucket(contract.RedisCallDuration, m, float64(threshold.Milliseconds()))
	}
	for _, name := range []string{contract.RedisPoolUsage, contract.RedisPoolMax, contract.RedisPoolTimeouts} {
		if d.exports(name) {
			series(name, map[string]string{contract.LabelDependency: depRedis})
		} else if fams[name] != nil {
			t.Errorf("/metrics has %s, which contract says this language lacks", name)
		}
	}

	d.pg.Stop()
	waitFor(t, 15*time.Second, "readiness to name "+depPostgres, func() bool {
		resp, err := http.Get(r.base + contract.HealthReadinessPath)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var body struct {
			Failed map[string]string `json:"failed"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		_, named := body.Failed[depPostgres]
		_, redisNamed := body.Failed[depRedis]
		if resp.StatusCode == http.StatusServiceUnavailable && redisNamed {
			t.Errorf("readiness names %s while Redis is up: %v", depRedis, body.Failed)
		}
		return resp.StatusCode == http.StatusServiceUnavailable && named
	})
	if code := get(t, r.base+contract.HealthLivenessPath, "").StatusCode; code != http.StatusOK {
		t.Errorf("liveness answers %d with PostgreSQL down, want 200", code)
	}
	if code := get(t, r.base+"/orders/1", "").StatusCode; code < 500 {
		t.Errorf("GET /orders/1 with PostgreSQL down: %d, want a 5xx", code)
	}
	failed := false
	for _, m := range scrapeFamilies(t, r.metrics)[contract.DBOperationDuration].GetMetric() {
		if l := labelsOf(m); l[contract.LabelDependency] == depPostgres && l[contract.LabelErrorType] != "" {
			failed = true
		}
	}
	if !failed {
		t.Errorf("no %s series with an %s after a failed query: %s reads none", contract.DBOperationDuration, contract.LabelErrorType, "DependencyFailing")
	}
}

func scrapeFamilies(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	text := scrape(t, url, "")
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("metrics do not parse: %v", err)
	}
	return fams
}

func labelsOf(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}
