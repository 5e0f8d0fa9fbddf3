// Package analyze reads an existing Go service with the Go toolchain's own
// parser: its main packages, how each builds its router and serves it, the
// middleware that would fight obsgen's, the logging libraries it uses and
// whether its build needs cgo. It is a pure read phase: only the repo's own
// files are parsed (no dependencies are loaded, which keeps it fast), and
// names are resolved through each file's imports.
package analyze

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/obsgen/obsgen/generators"
)

// Import paths the analysis recognises.
const (
	pathHTTP    = "net/http"
	pathChi     = "github.com/go-chi/chi/v5"
	pathChiMW   = "github.com/go-chi/chi/v5/middleware"
	pathGin     = "github.com/gin-gonic/gin"
	pathEcho    = "github.com/labstack/echo/v4"
	pathEchoMW  = "github.com/labstack/echo/v4/middleware"
	pathStdLog  = "log"
	pathLogrus  = "github.com/sirupsen/logrus"
	pathZap     = "go.uber.org/zap"
	pathZerolog = "github.com/rs/zerolog"
	pathGorm    = "gorm.io/gorm"
	// PathGormLogger is gorm's logger package.
	PathGormLogger = "gorm.io/gorm/logger"
)

// loggerImports maps an import path to the logger it means.
var loggerImports = map[string]string{
	pathStdLog:                  "log",
	pathLogrus:                  "logrus",
	pathZap:                     "zap",
	pathZerolog:                 "zerolog",
	"github.com/rs/zerolog/log": "zerolog",
	"go.uber.org/zap/zapcore":   "zap",
	pathGorm:                    "gorm",
	PathGormLogger:              "gorm",
	// echo's own logger (e.Logger, c.Logger()).
	pathEcho: "echo",
}

// cgoImports are packages known to need cgo to build: the analysis does not
// load dependencies, so it cannot see their import "C" itself.
var cgoImports = map[string]bool{
	"github.com/mattn/go-sqlite3":                         true,
	"github.com/mattn/go-oci8":                            true,
	"gopkg.in/gographics/imagick.v3/imagick":              true,
	"github.com/confluentinc/confluent-kafka-go/kafka":    true,
	"github.com/confluentinc/confluent-kafka-go/v2/kafka": true,
}

// Service is what the analysis found, shown by the wizard, the text report
// and -o json.
type Service struct {
	// Mains are the main packages, in folder order.
	Mains []*Main `json:"mains"`
	// Loggers are the logging libraries the service imports: log, logrus,
	// zap, zerolog, gorm (whose logger writes SQL) and echo (its own
	// logger).
	Loggers []string `json:"loggers"`
	// GormLoggers are gorm loggers the service builds itself: a
	// gorm.Config holding one does not use gorm's logger.Default, which
	// obsgen's bridge replaces, so the user swaps it by hand.
	GormLoggers []Conflict `json:"gorm_loggers,omitempty"`
	// Cgo says why the build needs cgo; empty when it does not.
	Cgo string `json:"cgo,omitempty"`
	// Clients are the service's own files (any package, not obsgen's)
	// importing a client obsgen instruments (database/sql, pgxpool,
	// go-redis, net/http): the wiring rewrites their constructors.
	Clients []Source `json:"-"`
	// Dependencies are the dependencies answered, name and kind, set by
	// the wiring from the spec before it plans.
	Dependencies []Dependency `json:"-"`
}

// Source is one file of the service, relative to the repo.
type Source struct {
	File string
	Src  []byte
}

// Dependency is one answered dependency: its name and kind.
type Dependency struct{ Name, Kind string }

// ClientImports are the import paths of the clients whose constructors
// the wiring rewrites.
var ClientImports = map[string]bool{
	"database/sql":                    true,
	"github.com/jackc/pgx/v5/pgxpool": true,
	"github.com/redis/go-redis/v9":    true,
	pathHTTP:                          true, // outbound http.Client literals
}

// Main is one main package and what obsgen understood of its main func.
type Main struct {
	// Dir is the package folder relative to the repo, slash-separated.
	Dir string `json:"dir"`
	// File is the file holding func main, relative to the repo.
	File string `json:"file"`
	// Framework is nethttp, chi, gin or echo when the router was found.
	Framework string `json:"framework,omitempty"`
	// Router describes the router: its variable and where it is built.
	Router string `json:"router,omitempty"`
	// Serve describes the serve call.
	Serve string `json:"serve,omitempty"`
	// Conflicts is middleware that would defeat obsgen's.
	Conflicts []Conflict `json:"conflicts,omitempty"`
	// Recoverers are the service's own recover middleware on the router:
	// kept, with obsgen's middleware after them.
	Recoverers []Recoverer `json:"recoverers,omitempty"`
	// GroupRecoverers are the service's own recover middleware on a
	// route group (or in a block): kept, and they recover their routes'
	// panics before obsgen's middleware, on the router, sees them.
	GroupRecoverers []Recoverer `json:"group_recoverers,omitempty"`
	// Wired reports that main already calls the observability package.
	Wired bool `json:"wired"`
	// Problem says why obsgen cannot wire this main by itself; empty when
	// it can.
	Problem string `json:"problem,omitempty"`

	// The parsed main, for the edit.
	Fset *token.FileSet `json:"-"`
	Src  []byte         `json:"-"`
	AST  *ast.File      `json:"-"`
	Func *ast.FuncDecl  `json:"-"`
	Site *RouterSite    `json:"-"`
	// Built is where a router built in another package is built, when
	// obsgen could follow it (Site is nil then: main is not edited).
	Built *RouterSite `json:"-"`
	Call  *ServeCall  `json:"-"`
	files []*ast.File
	// Stops is how main serves and stops by itself, when obsgen cannot
	// edit it: the manual lines replace these statements.
	Stops *Shutdown `json:"-"`
	// fws are the echo and gin import paths some file of the module
	// imports: e.Start of a router built elsewhere is still a serve call.
	fws map[string]bool
	// gorilla is the first file of the module importing gorilla/mux.
	gorilla string
	// pkgFuncs reads the repo's other packages, for their middleware.
	pkgFuncs *funcs
}

// Conflict is one piece of middleware that fights obsgen's.
type Conflict struct {
	// Name is how the service spells it: middleware.Logger, gin.Default.
	Name string `json:"name"`
	// Group is set when a route group gets it, not the router: removed
	// all the same.
	Group string `json:"group,omitempty"`
	// File is set when it is not main's file: the router is built in
	// another package, and the user removes it there.
	File string `json:"file,omitempty"`
	Line int    `json:"line"`
	Why  string `json:"why"`
}

// RouterSite is where the router is built: a statement of main, or of a
// function of the main package that returns it.
type RouterSite struct {
	// Var is the router's variable at the site.
	Var string
	// Stmt is the statement that builds it, in Func's top-level body.
	Stmt ast.Stmt
	Func *ast.FuncDecl
	// Ctor is the constructor call (chi.NewRouter(), gin.Default()...).
	Ctor *ast.CallExpr
	// Uses are the statements `Var.Use(...)` in Func's top-level body.
	Uses []*ast.ExprStmt
	// After is the last of Uses holding a recover middleware of the
	// service's own: obsgen's middleware goes after it, not first. Nil
	// when there is none.
	After *ast.ExprStmt
	// Groups is the middleware the router's groups get.
	Groups []GroupUse
}

// ServeCall is the call that serves HTTP, and the statement holding it.
type ServeCall struct {
	Call *ast.CallExpr
	// Stmt is the top-level statement of main holding Call.
	Stmt ast.Stmt
	// Addr and Handler are the expressions serve would get; Handler nil
	// means http.DefaultServeMux.
	Addr, Handler ast.Expr
	// AddrDefault is Go source for the address when the call has none
	// (gin's r.Run()).
	AddrDefault string
	// Wrapper is the expression statement's call holding it
	// (log.Fatal(...)), or nil when the call is the statement.
	Wrapper *ast.CallExpr
	// Around is the service's own recover middleware around the router
	// in Handler (recoverMW(mux)), or nil.
	Around *ast.CallExpr
}

// ParseError is a Go file of the service that does not parse.
type ParseError struct {
	File string
	Line int
	Err  error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: does not parse: %v: fix it (go build shows the same) and run obsgen again", e.File, e.Line, e.Err)
}

// Options tune the analysis.
type Options struct {
	// Skip lists folders (relative, slash) not to read: obsgen's own
	// generated package.
	Skip []string
	// ObsgenImport is the generated package's import path: a main that
	// imports it is already wired.
	ObsgenImport string
}

// Repo analyses the Go service at dir. A folder without Go files yields an
// empty Service.
func Repo(dir string, opt Options) (*Service, error) {
	fset := token.NewFileSet()
	pkgs := map[string][]*ast.File{} // folder -> files of package main
	names := map[*ast.File]string{}
	srcs := map[*ast.File][]byte{}
	loggers := map[string]bool{}
	own := newFuncs(dir, fset)
	gorilla := ""
	fws := map[string]bool{}
	svc := &Service{Loggers: []string{}}
	skip := map[string]bool{}
	for _, s := range opt.Skip {
		skip[path.Clean(s)] = true
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			base := d.Name()
			if rel != "." && (skip[rel] || base == "vendor" || base == "testdata" || base == "node_modules" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_")) {
				return filepath.SkipDir
			}
			if rel != "." {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// Only the package clause and imports of most files matter: the
		// whole file is parsed for package main alone, which keeps the
		// analysis cheap on a large service.
		f, err := parser.ParseFile(fset, rel, src, parser.ImportsOnly|parser.SkipObjectResolution)
		if err == nil && f.Name.Name == "main" {
			f, err = parser.ParseFile(fset, rel, src, parser.ParseComments|parser.SkipObjectResolution)
		}
		if err != nil {
			// Only a main package that does not parse stops the run: it
			// is the file obsgen would edit. Other files are for go build
			// to report, and obsgen's own files (conflict markers of a
			// merge, say) for the writer.
			if f == nil || f.Name == nil || f.Name.Name != "main" || generators.IsObsgens(src) {
				return nil
			}
			return parseError(rel, err)
		}
		generated := generators.IsObsgens(src) // obsgen's example main
		client := false
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			client = client || ClientImports[ip] && !generated
			if l := loggerImports[ip]; l != "" && !generated {
				loggers[l] = true
			}
			if ip == "C" && svc.Cgo == "" {
				svc.Cgo = rel + ` imports "C"`
			}
			if ip == pathEcho || ip == pathGin {
				fws[ip] = true
			}
			if ip == pathGorilla && gorilla == "" {
				gorilla = rel
			}
			if cgoImports[ip] && svc.Cgo == "" {
				svc.Cgo = rel + " imports " + ip + ", which needs cgo"
			}
		}
		if imports(f, PathGormLogger) {
			svc.GormLoggers = append(svc.GormLoggers, gormLoggers(fset, rel, src)...)
		}
		if client {
			svc.Clients = append(svc.Clients, Source{File: rel, Src: src})
		}
		if f.Name.Name == "main" {
			folder := path.Dir(rel)
			pkgs[folder] = append(pkgs[folder], f)
			names[f] = rel
			srcs[f] = src
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for l := range loggers {
		svc.Loggers = append(svc.Loggers, l)
	}
	sort.Strings(svc.Loggers)
	folders := make([]string, 0, len(pkgs))
	for k := range pkgs {
		folders = append(folders, k)
	}
	sort.Strings(folders)
	for _, folder := range folders {
		files := pkgs[folder]
		for _, f := range files {
			fn := mainFunc(f)
			if fn == nil {
				continue
			}
			m := &Main{Dir: folder, File: names[f], Fset: fset, Src: srcs[f], AST: f, Func: fn, files: files, pkgFuncs: own, gorilla: gorilla, fws: fws}
			m.understand(opt.ObsgenImport)
			svc.Mains = append(svc.Mains, m)
		}
	}
	return svc, nil
}

func parseError(rel string, err error) error {
	var el scanner.ErrorList
	if errors.As(err, &el) && len(el) > 0 {
		return &ParseError{File: rel, Line: el[0].Pos.Line, Err: errors.New(el[0].Msg)}
	}
	return &ParseError{File: rel, Err: err}
}

func mainFunc(f *ast.File) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "main" && fn.Body != nil {
			return fn
		}
	}
	return nil
}

// Imports maps each name a file uses for an import to its path.
func Imports(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, im := range f.Imports {
		ip, _ := strconv.Unquote(im.Path.Value)
		name := path.Base(ip)
		if strings.HasPrefix(name, "v") && len(name) > 1 && strings.Trim(name[1:], "0123456789") == "" {
			name = path.Base(path.Dir(ip)) // github.com/go-chi/chi/v5 is chi
		}
		if n, ok := packageNames[ip]; ok {
			name = n
		}
		if im.Name != nil {
			name = im.Name.Name
		}
		out[name] = ip
	}
	return out
}

// packageNames are the package names of known imports whose path does
// not end in their name (the analysis does not load dependencies).
var packageNames = map[string]string{
	"github.com/redis/go-redis/v9": "redis",
}

// ImportName returns the name f uses for import path ip, or "".
func ImportName(f *ast.File, ip string) string {
	for n, p := range Imports(f) {
		if p == ip {
			return n
		}
	}
	return ""
}

// qualified reports the import path and name of a selector X.Sel whose X
// is an import of f.
func qualified(imports map[string]string, e ast.Expr) (ip, sel string) {
	s, ok := e.(*ast.SelectorExpr)
	if !ok {
		return "", ""
	}
	x, ok := s.X.(*ast.Ident)
	if !ok {
		return "", ""
	}
	return imports[x.Name], s.Sel.Name
}

// constructors are the calls that build a router.
var constructors = map[[2]string]string{
	{pathHTTP, "NewServeMux"}: "nethttp",
	{pathChi, "NewRouter"}:    "chi",
	{pathChi, "NewMux"}:       "chi",
	{pathGin, "Default"}:      "gin",
	{pathGin, "New"}:          "gin",
	{pathEcho, "New"}:         "echo",
}

// understand fills in what main does, or Problem.
func (m *Main) understand(obsgenImport string) {
	imports := Imports(m.AST)
	if obsgenImport != "" {
		for _, p := range imports {
			if p == obsgenImport {
				m.Wired = true
			}
		}
	}
	defer func() {
		if m.Problem != "" {
			m.findShutdown(imports)
			m.refuseGorilla(imports)
		}
	}()
	call, problem := m.findServe(imports)
	if problem != "" {
		m.Problem = problem
		return
	}
	m.Call = call
	m.Serve = fmt.Sprintf("%s at line %d", m.text(call.Stmt), m.line(call.Stmt))
	if call.Handler == nil {
		m.Framework = "nethttp"
		m.Router = "http.DefaultServeMux (http.Handle/http.HandleFunc)"
		return
	}
	router := call.Handler
	// recoverMW(mux): a recover of the service's own around the router
	// at the serve call. obsgen's middleware goes inside it.
	around, wrapped := Recoverer{}, false
	if c, ok := router.(*ast.CallExpr); ok && len(c.Args) == 1 {
		if around, wrapped = m.recoverer(m.mainScope(), c); wrapped {
			call.Around, router = c, c.Args[0]
			around.Where += ", around the router at the serve call"
		}
	}
	site, fw, problem := m.findRouter(imports, router)
	if problem != "" {
		m.Problem = problem
		return
	}
	m.Site, m.Framework = site, fw
	if site != nil {
		m.Router = fmt.Sprintf("%s, built by %s in func %s at line %d", site.Var, m.text(site.Ctor), site.Func.Name.Name, m.line(site.Stmt))
		sc := m.mainScope()
		m.Conflicts = m.conflicts(sc, site)
		m.Recoverers = m.recoverers(sc, site)
		if wrapped {
			m.Recoverers = append([]Recoverer{around}, m.Recoverers...)
		}
		m.onGroups(sc, site)
	}
}

func (m *Main) line(n ast.Node) int { return m.Fset.Position(n.Pos()).Line }

// text is the source of n, on one line, shortened.
func (m *Main) text(n ast.Node) string {
	tf := m.Fset.File(n.Pos())
	s := string(m.Src[tf.Offset(n.Pos()):tf.Offset(n.End())])
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// findServe finds the one call in main's top-level statements that serves
// HTTP.
func (m *Main) findServe(imports map[string]string) (*ServeCall, string) {
	var found []*ServeCall
	for _, st := range m.Func.Body.List {
		ast.Inspect(st, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok {
				// Serving from a goroutine means main shuts down by
				// itself: found below as a go statement.
				return false
			}
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sc := m.serveCall(imports, c); sc != nil {
				sc.Stmt = st
				found = append(found, sc)
			}
			return true
		})
		if g, ok := st.(*ast.GoStmt); ok && m.servesInside(imports, g) {
			return nil, fmt.Sprintf("main serves from a goroutine (line %d) and shuts down by itself: obsgen leaves that to you", m.line(g))
		}
	}
	switch len(found) {
	case 0:
		return nil, "no serve call (http.ListenAndServe, srv.ListenAndServe, r.Run, e.Start) among main's statements"
	case 1:
	default:
		return nil, fmt.Sprintf("main serves %d times (lines %d and %d): obsgen wires one server", len(found), m.line(found[0].Call), m.line(found[1].Call))
	}
	sc := found[0]
	// What the statement does with the call's result.
	switch st := sc.Stmt.(type) {
	case *ast.ExprStmt:
		// r.Run(), log.Fatal(http.ListenAndServe(...)), or the serve
		// call deeper in a statement (zerolog's log.Fatal().Err(...)).
		if st.X != sc.Call {
			sc.Wrapper, _ = st.X.(*ast.CallExpr)
		}
	case *ast.IfStmt:
		as, ok := st.Init.(*ast.AssignStmt)
		if !ok || len(as.Rhs) != 1 || as.Rhs[0] != sc.Call {
			return nil, fmt.Sprintf("unusual serve call at line %d", m.line(sc.Call))
		}
	case *ast.AssignStmt:
		if len(st.Rhs) != 1 || st.Rhs[0] != sc.Call {
			return nil, fmt.Sprintf("unusual serve call at line %d", m.line(sc.Call))
		}
	default:
		return nil, fmt.Sprintf("unusual serve call at line %d", m.line(sc.Call))
	}
	return sc, ""
}

func (m *Main) servesInside(imports map[string]string, g *ast.GoStmt) bool {
	serves := false
	ast.Inspect(g, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && m.serveCall(imports, c) != nil {
			serves = true
		}
		return !serves
	})
	return serves
}

// serveCall recognises c as a serve call.
func (m *Main) serveCall(imports map[string]string, c *ast.CallExpr) *ServeCall {
	if ip, name := qualified(imports, c.Fun); ip == pathHTTP && name == "ListenAndServe" && len(c.Args) == 2 {
		sc := &ServeCall{Call: c, Addr: c.Args[0], Handler: c.Args[1]}
		if id, ok := c.Args[1].(*ast.Ident); ok && id.Name == "nil" {
			sc.Handler = nil
		}
		return sc
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	recv, ok := sel.X.(*ast.Ident)
	if !ok || imports[recv.Name] != "" {
		return nil
	}
	switch sel.Sel.Name {
	case "ListenAndServe":
		// srv.ListenAndServe() of an http.Server built in main.
		if len(c.Args) != 0 {
			return nil
		}
		lit := m.serverLiteral(imports, recv.Name)
		if lit == nil {
			return nil
		}
		sc := &ServeCall{Call: c, Addr: &ast.BasicLit{Kind: token.STRING, Value: `":http"`}}
		for _, el := range lit.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			switch k, _ := kv.Key.(*ast.Ident); {
			case k == nil:
			case k.Name == "Addr":
				sc.Addr = kv.Value
			case k.Name == "Handler":
				sc.Handler = kv.Value
			}
		}
		if id, ok := sc.Handler.(*ast.Ident); ok && id.Name == "nil" {
			sc.Handler = nil
		}
		return sc
	case "Run", "Start":
		// gin's r.Run(addr...) and echo's e.Start(addr), of a router
		// variable: findRouter checks the variable is one.
		if len(c.Args) > 1 {
			return nil
		}
		sc := &ServeCall{Call: c, Handler: recv}
		if len(c.Args) == 1 {
			sc.Addr = c.Args[0]
		} else if sel.Sel.Name == "Run" {
			// gin: $PORT, else :8080.
			sc.AddrDefault = `":" + cmp.Or(os.Getenv("PORT"), "8080")`
		} else {
			return nil
		}
		if m.isRouterVar(imports, recv.Name, map[string]bool{"gin": sel.Sel.Name == "Run", "echo": sel.Sel.Name == "Start"}) {
			return sc
		}
		// A router built in another package (e := router.New()): the
		// serve call all the same, and findRouter says why obsgen
		// cannot edit it.
		if fw := map[string]string{"Run": pathGin, "Start": pathEcho}[sel.Sel.Name]; m.fws[fw] && m.assignedInMain(recv.Name) {
			return sc
		}
		return nil
	}
	return nil
}

// isRouterVar reports whether name is assigned a router of one of the
// frameworks in main, directly or from a function of the package.
func (m *Main) isRouterVar(imports map[string]string, name string, fws map[string]bool) bool {
	site, fw, _ := m.findRouter(imports, &ast.Ident{Name: name})
	return site != nil && fws[fw]
}

func (m *Main) assignedInMain(name string) bool {
	for _, st := range m.Func.Body.List {
		if as := assignsTo(st, name); as != nil {
			if _, ok := as.Rhs[len(as.Rhs)-1].(*ast.CallExpr); ok {
				return true
			}
		}
	}
	return false
}

// serverLiteral finds `name := &http.Server{...}` (or without &) in main.
func (m *Main) serverLiteral(imports map[string]string, name string) *ast.CompositeLit {
	for _, st := range m.Func.Body.List {
		as, ok := st.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			continue
		}
		if id, ok := as.Lhs[0].(*ast.Ident); !ok || id.Name != name {
			continue
		}
		rhs := as.Rhs[0]
		if u, ok := rhs.(*ast.UnaryExpr); ok && u.Op == token.AND {
			rhs = u.X
		}
		lit, ok := rhs.(*ast.CompositeLit)
		if !ok {
			continue
		}
		if ip, n := qualified(imports, lit.Type); ip == pathHTTP && n == "Server" {
			return lit
		}
	}
	return nil
}

// findRouter follows the handler expression to where the router is built:
// a variable of main assigned a constructor call, or the result of a
// function of the main package that builds and returns one.
func (m *Main) findRouter(imports map[string]string, h ast.Expr) (*RouterSite, string, string) {
	id, ok := h.(*ast.Ident)
	if !ok {
		return nil, "", fmt.Sprintf("the served handler %s is not a variable of main: obsgen cannot tell which router it is", exprString(h))
	}
	var sites []*ast.AssignStmt
	for _, st := range m.Func.Body.List {
		if as := assignsTo(st, id.Name); as != nil {
			sites = append(sites, as)
		}
	}
	if len(sites) != 1 {
		return nil, "", fmt.Sprintf("the router %s is assigned %d times in main: obsgen cannot tell which one is served", id.Name, len(sites))
	}
	as := sites[0]
	rhs := as.Rhs[len(as.Rhs)-1]
	if len(as.Rhs) == len(as.Lhs) {
		for i, l := range as.Lhs {
			if l.(*ast.Ident).Name == id.Name {
				rhs = as.Rhs[i]
			}
		}
	}
	c, ok := rhs.(*ast.CallExpr)
	if !ok {
		return nil, "", fmt.Sprintf("the router %s (line %d) is not built by a call obsgen knows", id.Name, m.line(as))
	}
	if ip, name := qualified(imports, c.Fun); ip != "" {
		fw := constructors[[2]string{ip, name}]
		if fw == "" {
			m.builtElsewhere(ip, name)
			return nil, "", fmt.Sprintf("the router %s is built by %s (line %d), in another package: obsgen cannot add its middleware there", id.Name, exprString(c.Fun), m.line(as))
		}
		return m.site(id.Name, as, m.Func, c), fw, ""
	}
	// A function of the main package.
	fnID, ok := c.Fun.(*ast.Ident)
	if !ok {
		return nil, "", fmt.Sprintf("the router %s (line %d) is not built by a call obsgen knows", id.Name, m.line(as))
	}
	for _, f := range m.files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Name.Name != fnID.Name || fn.Body == nil {
				continue
			}
			if f != m.AST {
				return nil, "", fmt.Sprintf("the router is built by func %s in another file (%s): obsgen edits only the file holding main", fn.Name.Name, m.Fset.Position(fn.Pos()).Filename)
			}
			return m.siteIn(fn, Imports(f))
		}
	}
	return nil, "", fmt.Sprintf("the router %s is built by %s (line %d), which obsgen cannot follow", id.Name, fnID.Name, m.line(as))
}

// siteIn finds the router fn builds and returns.
func (m *Main) siteIn(fn *ast.FuncDecl, imports map[string]string) (*RouterSite, string, string) {
	var ret *ast.Ident
	for _, st := range fn.Body.List {
		if r, ok := st.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
			ret, _ = r.Results[0].(*ast.Ident)
		}
	}
	if ret == nil {
		return nil, "", fmt.Sprintf("func %s does not end in `return <router variable>`", fn.Name.Name)
	}
	for _, st := range fn.Body.List {
		as := assignsTo(st, ret.Name)
		if as == nil || len(as.Rhs) != 1 {
			continue
		}
		c, ok := as.Rhs[0].(*ast.CallExpr)
		if !ok {
			continue
		}
		ip, name := qualified(imports, c.Fun)
		if fw := constructors[[2]string{ip, name}]; fw != "" {
			return m.site(ret.Name, as, fn, c), fw, ""
		}
	}
	return nil, "", fmt.Sprintf("func %s returns %s, but obsgen does not see it built by a router constructor", fn.Name.Name, ret.Name)
}

func (m *Main) site(name string, as *ast.AssignStmt, fn *ast.FuncDecl, c *ast.CallExpr) *RouterSite {
	s := &RouterSite{Var: name, Stmt: as, Func: fn, Ctor: c}
	for _, st := range fn.Body.List {
		es, ok := st.(*ast.ExprStmt)
		if !ok {
			continue
		}
		call, ok := es.X.(*ast.CallExpr)
		if !ok {
			continue
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Use" {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == name {
				s.Uses = append(s.Uses, es)
			}
		}
	}
	return s
}

// assignsTo returns st when it is `name := ...` or `name = ...` (or a var
// declaration of name with a value).
func assignsTo(st ast.Stmt, name string) *ast.AssignStmt {
	switch st := st.(type) {
	case *ast.AssignStmt:
		for _, l := range st.Lhs {
			if id, ok := l.(*ast.Ident); ok && id.Name == name {
				return st
			}
		}
	case *ast.DeclStmt:
		gd, ok := st.Decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR || len(gd.Specs) != 1 {
			return nil
		}
		vs := gd.Specs[0].(*ast.ValueSpec)
		if len(vs.Names) == 1 && vs.Names[0].Name == name && len(vs.Values) == 1 {
			// Seen as an assignment; the edit only reads its position.
			return &ast.AssignStmt{Lhs: []ast.Expr{vs.Names[0]}, TokPos: st.Pos(), Tok: token.DEFINE, Rhs: vs.Values}
		}
	}
	return nil
}

// conflictWhy says, per framework middleware, why obsgen's replaces it.
var conflictWhy = map[[2]string]string{
	{pathChiMW, "Logger"}:               "obsgen's middleware writes one JSON access line per request; chi's Logger writes text lines between them",
	{pathChiMW, "Recoverer"}:            "obsgen's middleware recovers panics, reports them to Sentry and logs them; chi's Recoverer would swallow them first",
	{pathChiMW, "RequestID"}:            "obsgen's middleware sets X-Request-ID and logs it; chi's RequestID mints a different one",
	{pathEchoMW, "Logger"}:              "obsgen's middleware writes one JSON access line per request; echo's Logger writes its own lines",
	{pathEchoMW, "Recover"}:             "obsgen's middleware recovers panics, reports them to Sentry and logs them; echo's Recover would swallow them first",
	{pathEchoMW, "RequestID"}:           "obsgen's middleware sets X-Request-ID and logs it; echo's RequestID mints a different one",
	{pathGin, "Logger"}:                 "obsgen's middleware writes one JSON access line per request; gin's Logger writes text lines between them",
	{pathGin, "Recovery"}:               "obsgen's middleware recovers panics, reports them to Sentry and logs them; gin's Recovery would swallow them first",
	{pathEchoMW, "LoggerWithConfig"}:    "obsgen's middleware writes one JSON access line per request",
	{pathEchoMW, "RecoverWithConfig"}:   "obsgen's middleware recovers panics and reports them to Sentry",
	{pathEchoMW, "RequestIDWithConfig"}: "obsgen's middleware sets X-Request-ID and logs it",
}

// WhyGinDefault is why gin.Default() becomes gin.New().
const WhyGinDefault = "gin.Default adds gin's Logger (text lines) and Recovery (swallows panics); obsgen's middleware does both"

// ConflictWhy returns why arg, a middleware argument of Use, conflicts, or "".
func ConflictWhy(imports map[string]string, arg ast.Expr) (name, why string) {
	e := arg
	if c, ok := e.(*ast.CallExpr); ok {
		e = c.Fun
	}
	ip, sel := qualified(imports, e)
	if w := conflictWhy[[2]string{ip, sel}]; w != "" {
		return exprString(e), w
	}
	return "", ""
}

func (m *Main) conflicts(sc scope, site *RouterSite) []Conflict {
	var out []Conflict
	if ip, name := qualified(sc.imports, site.Ctor.Fun); ip == pathGin && name == "Default" {
		out = append(out, Conflict{Name: exprString(site.Ctor.Fun), File: sc.file, Line: m.line(site.Ctor), Why: WhyGinDefault})
	}
	for _, u := range site.Uses {
		for _, a := range u.X.(*ast.CallExpr).Args {
			if name, why := ConflictWhy(sc.imports, a); why != "" {
				out = append(out, Conflict{Name: name, File: sc.file, Line: m.line(a), Why: why})
			}
		}
	}
	return out
}

// builtElsewhere reads function name of the repo's package ip, which
// builds the router main serves: the middleware it puts on the router
// and its groups, which the lines for main name where they are.
func (m *Main) builtElsewhere(ip, name string) {
	fn := m.pkgFuncs.of(ip)[name]
	if fn == nil {
		return
	}
	sc := m.pkgScope(ip, fn)
	m.GroupRecoverers = nil // findRouter runs more than once
	site, _, problem := m.siteIn(fn, sc.imports)
	if problem != "" {
		// Not `return <router>`: its top-level Use calls at least.
		m.Conflicts = m.conflictsIn(m.pkgFuncs, ip, name)
		return
	}
	m.Built = site
	m.Conflicts = m.conflicts(sc, site)
	m.Recoverers = m.recoverers(sc, site)
	m.onGroups(sc, site)
}

// conflictsIn finds the conflicting middleware that function name of the
// repo's package ip puts on the router it builds: the lines for a main
// obsgen cannot edit name them, where they are.
func (m *Main) conflictsIn(own *funcs, ip, name string) []Conflict {
	fn := own.of(ip)[name]
	if fn == nil {
		return nil
	}
	var out []Conflict
	for _, st := range fn.Body.List {
		es, ok := st.(*ast.ExprStmt)
		if !ok {
			continue
		}
		call, ok := es.X.(*ast.CallExpr)
		if sel, isSel := call.Fun.(*ast.SelectorExpr); !ok || !isSel || sel.Sel.Name != "Use" {
			continue
		}
		for _, a := range call.Args {
			if n, why := ConflictWhy(own.imports[fn], a); why != "" {
				pos := m.Fset.Position(a.Pos())
				out = append(out, Conflict{Name: n, File: pos.Filename, Line: pos.Line, Why: why})
			}
		}
	}
	return out
}

func exprString(e ast.Expr) string {
	var b bytes.Buffer
	writeExpr(&b, e)
	return b.String()
}

func writeExpr(b *bytes.Buffer, e ast.Expr) {
	switch e := e.(type) {
	case *ast.Ident:
		b.WriteString(e.Name)
	case *ast.SelectorExpr:
		writeExpr(b, e.X)
		b.WriteString("." + e.Sel.Name)
	case *ast.CallExpr:
		writeExpr(b, e.Fun)
		b.WriteString("(...)")
	case *ast.BasicLit:
		b.WriteString(e.Value)
	default:
		b.WriteString("(expression)")
	}
}
