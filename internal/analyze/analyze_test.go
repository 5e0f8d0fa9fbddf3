package analyze

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFindsRouterServeConflictsLoggersCgo(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"go.mod": "module x\n",
		"cmd/api/main.go": `package main

import (
	"github.com/gin-gonic/gin"
	"github.com/sirupsen/logrus"
)

func main() {
	logrus.Info("start")
	r := gin.Default()
	r.Use(gin.Logger())
	r.Run()
}
`,
		"db/db.go":          "package db\n\nimport _ \"github.com/mattn/go-sqlite3\"\n",
		"tools/gen/main.go": "package main\n\nfunc main() {}\n",
		"vendor/v/main.go":  "package main\n\nfunc main() { broken",
	})
	svc, err := Repo(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(svc.Mains) != 2 {
		t.Fatalf("mains: %+v", svc.Mains)
	}
	m := svc.Mains[0]
	if m.Dir != "cmd/api" || m.Framework != "gin" || !strings.HasPrefix(m.Router, "r, built by gin.Default()") || m.Problem != "" {
		t.Errorf("main: %+v", m)
	}
	if len(m.Conflicts) != 2 || m.Conflicts[0].Name != "gin.Default" || m.Conflicts[1].Name != "gin.Logger" {
		t.Errorf("conflicts: %+v", m.Conflicts)
	}
	if svc.Mains[1].Problem == "" {
		t.Errorf("a main that serves nothing must say so: %+v", svc.Mains[1])
	}
	if fmt.Sprint(svc.Loggers) != "[logrus]" || !strings.Contains(svc.Cgo, "go-sqlite3") {
		t.Errorf("loggers %v, cgo %q", svc.Loggers, svc.Cgo)
	}
}

func TestParseErrorNamesFileAndLine(t *testing.T) {
	dir := writeTree(t, map[string]string{"cmd/a/main.go": "package main\n\nfunc main() {\n\treturn (\n}\n"})
	_, err := Repo(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "cmd/a/main.go:5") {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkRepo50Packages measures the analysis on a service of 50
// packages (a main, 49 handler packages of 4 files each): the budget is
// 100 ms per run of init.
func BenchmarkRepo50Packages(b *testing.B) {
	files := map[string]string{"go.mod": "module example.com/big\n", "cmd/big/main.go": `package main

import (
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

func main() {
	r := chi.NewRouter()
	r.Use(middleware.Logger)
	log.Fatal(http.ListenAndServe(":8080", r))
}
`}
	for p := range 49 {
		for f := range 4 {
			var body strings.Builder
			fmt.Fprintf(&body, "package pkg%d\n\nimport (\n\t\"encoding/json\"\n\t\"net/http\"\n\t\"github.com/sirupsen/logrus\"\n)\n\n", p)
			for h := range 10 {
				fmt.Fprintf(&body, "// Handler%d_%d answers a request.\nfunc Handler%d_%d(w http.ResponseWriter, r *http.Request) {\n\tlogrus.WithContext(r.Context()).Info(\"handled\")\n\tif err := json.NewEncoder(w).Encode(map[string]int{\"n\": %d}); err != nil {\n\t\thttp.Error(w, err.Error(), 500)\n\t}\n}\n\n", f, h, f, h, h)
			}
			files[fmt.Sprintf("internal/pkg%d/file%d.go", p, f)] = body.String()
		}
	}
	dir := writeTree(b, files)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Repo(dir, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFindsTheServicesOwnRecoverMiddleware(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"go.mod": "module example.com/ledger\n",
		"internal/httpx/recover.go": `package httpx

import "net/http"

func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { _ = recover() }()
		next.ServeHTTP(w, r)
	})
}

func JSON(next http.Handler) http.Handler { return next }
`,
		"main.go": `package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"example.com/ledger/internal/httpx"
)

func main() {
	r := chi.NewRouter()
	r.Use(httpx.Recover)
	r.Use(httpx.JSON)
	http.ListenAndServe(":80", r)
}
`,
	})
	svc, err := Repo(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := svc.Mains[0]
	if len(m.Recoverers) != 1 || m.Recoverers[0].Name != "httpx.Recover" || m.Recoverers[0].Line != 13 || !strings.Contains(m.Recoverers[0].Where, "(internal/httpx/recover.go:5) calls recover()") {
		t.Fatalf("recoverers: %+v", m.Recoverers)
	}
	if m.Site.After == nil || m.line(m.Site.After) != 13 {
		t.Errorf("obsgen's middleware must go after line 13, not first")
	}
}

func TestFindsGormAndTheServicesOwnGormLogger(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"go.mod": "module example.com/pantry\n",
		"internal/store/store.go": `package store

import (
	"log"
	"os"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	gl "gorm.io/gorm/logger"
)

func Open() (*gorm.DB, error) {
	return gorm.Open(sqlite.Open("x.db"), &gorm.Config{
		Logger: gl.New(log.New(os.Stdout, "\r\n", log.LstdFlags), gl.Config{LogLevel: gl.Info}),
	})
}

func Quiet() gl.Interface { return gl.Default.LogMode(gl.Silent) }
`,
		"main.go": "package main\n\nfunc main() {}\n",
	})
	svc, err := Repo(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(svc.Loggers) != "[gorm log]" {
		t.Errorf("loggers: %v", svc.Loggers)
	}
	if len(svc.GormLoggers) != 1 || svc.GormLoggers[0].Name != "gl.New" || svc.GormLoggers[0].File != "internal/store/store.go" || svc.GormLoggers[0].Line != 14 {
		t.Errorf("gorm loggers of the service's own: %+v", svc.GormLoggers)
	}
}

func TestFindsMiddlewareOnGinGroupsAndInBlocks(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"go.mod": "module example.com/shop\n",
		"main.go": `package main

import (
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	r := gin.New()
	v1 := r.Group("/v1", gin.Logger())
	{
		v1.Use(gin.CustomRecovery(func(c *gin.Context, v any) {}))
	}
	if os.Getenv("DEBUG") != "" {
		r.Use(gin.Recovery())
	}
	r.Run()
}
`,
	})
	svc, err := Repo(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := svc.Mains[0]
	if len(m.Conflicts) != 2 || m.Conflicts[0].Name != "gin.Logger" || m.Conflicts[0].Group != `r.Group("/v1") at line 11` ||
		m.Conflicts[1].Name != "gin.Recovery" || m.Conflicts[1].Group != "r inside a block at line 16" {
		t.Errorf("conflicts: %+v", m.Conflicts)
	}
	if len(m.GroupRecoverers) != 1 || m.GroupRecoverers[0].Name != "gin.CustomRecovery" || m.GroupRecoverers[0].Group != `r.Group("/v1") at line 11` || len(m.Recoverers) != 0 {
		t.Errorf("recoverers: %+v, on groups: %+v", m.Recoverers, m.GroupRecoverers)
	}
}
