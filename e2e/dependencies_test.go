package e2e

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/depsfixture"
	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/testtool"
)

// depsCommand is the stack service's main: the generated package called
// by a handler that queries PostgreSQL, caches in Redis and calls an API.
const depsCommand = "orders"

// failingCharge is the order whose charge the API answers with a 503.
const failingCharge = "13"

// dependencies are the real servers the stack service calls.
type dependencies struct {
	pg    *testtool.Postgres
	redis *testtool.Redis
	api   *httptest.Server
}

// env is the stack service's environment for them.
func (d dependencies) env() []string {
	return []string{"DATABASE_URL=" + d.pg.DSN, "REDIS_ADDR=" + d.redis.Addr, "PAYMENTS_URL=" + d.api.URL}
}

// startDependencies runs PostgreSQL and Redis (Debian's, on loopback) and
// the payments API, which fails the charge of failingCharge.
func startDependencies(t *testing.T) dependencies {
	t.Helper()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/charges/"+failingCharge {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(api.Close)
	return dependencies{pg: testtool.StartPostgres(t), redis: testtool.StartRedis(t), api: api}
}

// buildDepsService writes the dependency main into the initialised repo,
// adds its driver and builds it into bin.
func buildDepsService(t *testing.T, goTool, repo, bin string, s spec.Spec) {
	t.Helper()
	if err := depsfixture.Write(repo, depsCommand, s.Service.Module+"/"+s.Output.CodeDir); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"get", depsfixture.Pgx}, {"build", "-o", bin, "./cmd/" + depsCommand}} {
		if out, err := runIn(repo, goTool, args...); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// dependencyTraffic sends orders through every outcome of every
// dependency: cache misses and hits, rows read, a query that fails, a
// cache command that fails and a charge the API fails. The first order
// is read with the trace ID it returns (a cache miss: every dependency
// is called).
func dependencyTraffic(t *testing.T, svcURL string, d dependencies) string {
	t.Helper()
	traced := randomHex(16)
	if got := get(t, svcURL+"/orders/8", traced); got != http.StatusOK {
		t.Errorf("GET /orders/8: %d", got)
	}
	// A value of the wrong type under the order's key (as an older
	// release might have left it): GET answers WRONGTYPE, an error.
	if err := redisCommand(d.redis.Addr, "HSET", "order:legacy", "id", "legacy"); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"1": http.StatusOK, "2": http.StatusOK, "3": http.StatusOK,
		failingCharge: http.StatusBadGateway, "abc": http.StatusServiceUnavailable, "legacy": http.StatusServiceUnavailable}
	for i := 0; i < 5; i++ {
		for id, code := range want {
			if got := get(t, svcURL+"/orders/"+id, ""); got != code {
				t.Errorf("GET /orders/%s: %d, want %d", id, got, code)
			}
		}
	}
	return traced
}

// checkDependencyTrace: in Jaeger, the traced order's query, cache
// commands and payments call are spans of the service whose parent is
// the request's server span.
func checkDependencyTrace(t *testing.T, ctx context.Context, jaegerURL, trace string, servers []*proc) {
	t.Helper()
	want := map[string]int{depsfixture.Cache: 2, depsfixture.Database: 1, depsfixture.API: 1}
	eventually(t, 30*time.Second, "the order's dependency spans in jaeger", servers, func() error {
		var resp struct {
			Data []struct {
				Spans []struct {
					SpanID        string `json:"spanID"`
					OperationName string `json:"operationName"`
					References    []struct {
						RefType string `json:"refType"`
						SpanID  string `json:"spanID"`
					} `json:"references"`
					Tags []struct {
						Key   string `json:"key"`
						Value any    `json:"value"`
					} `json:"tags"`
				} `json:"spans"`
			} `json:"data"`
		}
		if err := getJSON(ctx, jaegerURL+"/api/traces/"+trace, &resp); err != nil {
			return err
		}
		if len(resp.Data) != 1 {
			return fmt.Errorf("%d traces", len(resp.Data))
		}
		root := ""
		for _, sp := range resp.Data[0].Spans {
			if sp.OperationName == "GET /orders/{id}" {
				root = sp.SpanID
			}
		}
		got := map[string]int{}
		for _, sp := range resp.Data[0].Spans {
			dep := ""
			for _, tag := range sp.Tags {
				if tag.Key == contract.AttrDependency {
					dep = fmt.Sprint(tag.Value)
				}
			}
			if dep == "" {
				continue
			}
			if len(sp.References) != 1 || sp.References[0].RefType != "CHILD_OF" || sp.References[0].SpanID != root {
				return fmt.Errorf("%s span %s is not a child of the request span %q: %+v", dep, sp.OperationName, root, sp.References)
			}
			got[dep]++
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("dependency spans %v, want %v", got, want)
		}
		return nil
	})
}

// redisCommand sends one command in Redis' protocol and fails on an error
// reply.
func redisCommand(addr string, args ...string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return err
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	reply := make([]byte, 512)
	n, err := c.Read(reply)
	if err != nil {
		return err
	}
	if reply[0] == '-' {
		return fmt.Errorf("redis %s: %s", args[0], strings.TrimSpace(string(reply[1:n])))
	}
	return nil
}

// checkDependencySeries: every query of the dashboard's Dependencies row
// returns data from the real Prometheus, as the panel would show it, and
// every selector of the dependency rule group has data. Both are read
// from the generated files; a panel or rule that reads a series the
// instrumented clients do not export (a wrong name, a label they do not
// set) fails here.
func checkDependencySeries(t *testing.T, ctx context.Context, base, cfgDir string, s spec.Spec, servers []*proc) {
	t.Helper()
	var panels []string
	for _, doc := range readDashboards(t, cfgDir) {
		panels = append(panels, rowQueries(doc, "Dependencies")...)
	}
	group := rules.DependencyGroupName(s)
	var exprs []string
	files, _ := filepath.Glob(filepath.Join(cfgDir, "prometheus", "rules", "*.rules.yml"))
	for _, f := range files {
		groups, _ := loadYAML(t, f).get("groups").([]any)
		for _, g := range groups {
			if g.(map[string]any)["name"] != group {
				continue
			}
			rs, _ := g.(map[string]any)["rules"].([]any)
			for _, r := range rs {
				exprs = append(exprs, fmt.Sprint(r.(map[string]any)["expr"]))
			}
		}
	}
	// Three families (HTTP, database, Redis) and the pools: the row has
	// more panels than that, the group its three alerts.
	if len(panels) < 6 || len(exprs) < 3 {
		t.Fatalf("the generated files have %d Dependencies panel queries and %d rules in group %s", len(panels), len(exprs), group)
	}
	selectors := map[string]string{}
	for _, e := range exprs {
		var resp struct {
			Data any `json:"data"`
		}
		if err := getJSON(ctx, base+"/api/v1/parse_query?"+url.Values{"query": {e}}.Encode(), &resp); err != nil {
			t.Fatalf("parse %q: %v", e, err)
		}
		// Each rule reads series: none found is the AST read wrong.
		own := map[string]string{}
		collectSelectors(resp.Data, own)
		if len(own) == 0 {
			t.Fatalf("no selector read from Prometheus' AST of %q", e)
		}
		maps.Copy(selectors, own)
	}
	queries := panels
	for sel := range selectors {
		queries = append(queries, sel)
	}
	for _, q := range queries {
		eventually(t, 90*time.Second, "data for dependency query "+q, servers, func() error {
			r, err := promQuery(ctx, base, expandPromVars(q))
			if err == nil && len(r) == 0 {
				err = fmt.Errorf("no series")
			}
			return err
		})
	}
	t.Logf("%d Dependencies panel queries and %d selectors of %s have data", len(panels), len(selectors), group)
}

// rowQueries returns the Prometheus queries of the panels under the
// dashboard row titled title (its panels follow it up to the next row,
// or sit inside it when it is collapsed).
func rowQueries(doc any, title string) []string {
	d, _ := doc.(map[string]any)
	panels, _ := d["panels"].([]any)
	var out []string
	in := false
	for _, p := range panels {
		m, _ := p.(map[string]any)
		if m["type"] == "row" {
			in = m["title"] == title
			if in {
				walkExprs(m["panels"], "prometheus", false, func(e string) { out = append(out, e) })
			}
			continue
		}
		if in {
			walkExprs(m, "prometheus", false, func(e string) { out = append(out, e) })
		}
	}
	return out
}

// depsPort is the stack service's port as its environment says it.
func depsPort(p ports) string { return "PORT=" + strconv.Itoa(p.service) }
