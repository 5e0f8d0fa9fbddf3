package servicetest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/cli"
	"github.com/obsgen/obsgen/internal/depsfixture"
	"github.com/obsgen/obsgen/internal/testtool"
)

// TestDependenciesWiredByInit runs a service whose own package
// (internal/store) opens PostgreSQL with sql.Open or pgxpool.New and Redis
// with redis.NewClient, after `obsgen init --wire` rewrote those calls:
// the wired service builds, and its query and cache commands are child
// spans of the request span, its pool series move under load, as for a
// service written against the generated package.
func TestDependenciesWiredByInit(t *testing.T) {
	testtool.Slow(t, "wires, builds and runs a service against PostgreSQL and Redis")
	goTool := testtool.Go(t)
	rd := testtool.StartRedis(t)
	api := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(api.Close)

	dir := t.TempDir()
	name := "svc-wired-deps"
	module := "example.com/" + name
	initArgs := []string{"init", "--no-prompt", "--dir", dir, "--service-name", name, "--otlp-protocol", "grpc", "--dependencies", depsfixture.Flag}
	run := func(args ...string) string {
		var out, errOut bytes.Buffer
		if code := cli.Main(args, cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, CanPrompt: func() bool { return false }}); code != 0 {
			t.Fatalf("obsgen %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		return out.String() + errOut.String()
	}
	run(initArgs...)
	if err := depsfixture.WriteUnwired(dir, "orders", module, module+"/internal/observability"); err != nil {
		t.Fatal(err)
	}
	goCmd(t, goTool, dir, "get", depsfixture.Pgx)
	out := run(append(initArgs, "--wire")...)
	if !strings.Contains(out, "running: go build ./...") {
		t.Errorf("init did not build the wired service:\n%s", out)
	}
	store, err := os.ReadFile(filepath.Join(dir, "internal", "store", "store.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		`return observability.OpenDB("` + depsfixture.Database + `", "pgx", dsn)`,
		`return observability.OpenPool(ctx, "` + depsfixture.Database + `", dsn)`,
		`if err := observability.InstrumentRedis("` + depsfixture.Cache + `", rdb); err != nil {`,
	} {
		if !bytes.Contains(store, []byte(w)) {
			t.Errorf("store.go after init --wire lacks %q:\n%s", w, store)
		}
	}
	bin := filepath.Join(dir, "orders")
	goCmd(t, goTool, dir, "build", "-o", bin, "./cmd/orders")

	eachPostgresClient(t, bin, rd.Addr, api.URL, func(t *testing.T, r *running, _ *testtool.Postgres, order string) {
		checkDependencySpans(t, r, order)
		checkPoolUnderLoad(t, r)
	})
}
