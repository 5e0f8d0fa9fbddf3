package wire

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/analyze"
)

// DepPlan is the plan for one file of the service that opens a client of
// an answered dependency.
type DepPlan struct {
	File string `json:"file"`
	// Action: planned (an edit; written with --wire) or manual (obsgen
	// will not choose: Lines say what to change by hand).
	Action string `json:"action"`
	Patch  string `json:"patch,omitempty"`
	Lines  string `json:"lines,omitempty"`
}

// sqlKinds is the dependency kind each database/sql driver name means.
var sqlKinds = map[string]string{
	"pgx": "postgres", "postgres": "postgres",
	"mysql":  "mysql",
	"sqlite": "sqlite", "sqlite3": "sqlite",
}

// redisCtors are go-redis' client constructors.
var redisCtors = []string{"NewClient", "NewClusterClient", "NewUniversalClient", "NewFailoverClient"}

// rewriteDeps rewrites, in one file of the service, the constructors of
// the clients the answers name a dependency for: sql.Open and pgxpool.New
// into the generated package's OpenDB and OpenPool, and a go-redis client
// gets InstrumentRedis right after it is built. A constructor with several
// candidate dependencies is left as it is, with the line to write by hand:
// obsgen does not guess which database a call opens. out is src when
// nothing changes.
//
// An http.Client literal is rewritten only when it is the module's only
// one (clients counts them): two clients may call two different hosts,
// and only one of them the answered dependency.
func rewriteDeps(file string, src []byte, t Target, deps []analyze.Dependency, clients int) (out []byte, manual []string, err error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return src, nil, nil // go build reports it; main's own parse errors stop the analysis
	}
	m := &analyze.Main{File: file, Fset: fset, Src: src, AST: f}
	e := &editor{m: m, t: t, tf: fset.File(f.Pos()), imports: analyze.Imports(f)}
	var sqls, redises, https []string
	for _, d := range deps {
		switch {
		case d.Kind == "http":
			https = append(https, d.Name)
		case d.Kind == "redis":
			redises = append(redises, d.Name)
		case d.Kind == "postgres" || d.Kind == "mysql" || d.Kind == "sqlite":
			sqls = append(sqls, d.Name)
		}
	}
	sqlName := analyze.ImportName(f, "database/sql")
	poolName := analyze.ImportName(f, "github.com/jackc/pgx/v5/pgxpool")
	redisName := analyze.ImportName(f, "github.com/redis/go-redis/v9")
	httpName := analyze.ImportName(f, "net/http")
	if len(https) == 0 {
		httpName = ""
	}
	pkg := ""
	pkgName := func() string {
		if pkg == "" {
			pkg = e.need(t.Package, t.ImportPath)
		}
		return pkg
	}
	if existing := analyze.ImportName(f, t.ImportPath); existing != "" && e.callsInFile(existing, "InstrumentRedis") {
		redisName = "" // instrumented already
	}
	line := func(n ast.Node) string { return fmt.Sprintf("%s:%d: ", file, fset.Position(n.Pos()).Line) }
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			if httpName != "" && isSel(n.Type, httpName, "Client") {
				e.httpClient(n, https, clients, pkgName, line, &manual)
			}
			return true
		case *ast.SelectorExpr:
			if httpName != "" && isSel(n, httpName, "DefaultClient") {
				// Not rewritten: HTTPClient in its place would build a
				// transport, and its connections, at every use.
				manual = append(manual, line(n)+fmt.Sprintf("%s.DefaultClient: use one client built once with %s.HTTPClient(%s)", httpName, t.Package, quoteEach(https)))
			}
			return true
		}
		c, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		switch {
		case isCall(c, sqlName, "Open") && len(c.Args) == 2 && len(sqls) > 0:
			driver := ""
			if lit, ok := c.Args[0].(*ast.BasicLit); ok {
				driver, _ = strconv.Unquote(lit.Value)
			}
			name, ok := pickSQL(deps, sqls, sqlKinds[driver])
			args := e.src(c.Args[0]) + ", " + e.src(c.Args[1])
			if !ok {
				manual = append(manual, line(c)+fmt.Sprintf("%s.OpenDB(%s, %s)", t.Package, quoteEach(sqls), args))
				return true
			}
			e.edits = append(e.edits, edit{e.off(c.Pos()), e.off(c.Lparen) + 1, fmt.Sprintf("%s.OpenDB(%q, ", pkgName(), name)})
		case isCall(c, poolName, "New") && len(c.Args) == 2 && len(sqls) > 0:
			// OpenPool is generated for a postgres dependency alone.
			name, ok := pickSQL(deps, nil, "postgres")
			if !ok && !slices.ContainsFunc(deps, func(d analyze.Dependency) bool { return d.Kind == "postgres" }) {
				return true
			}
			if !ok {
				manual = append(manual, line(c)+fmt.Sprintf("%s.OpenPool(%s, %s, %s)", t.Package, e.src(c.Args[0]), quoteEach(sqls), e.src(c.Args[1])))
				return true
			}
			e.edits = append(e.edits, edit{e.off(c.Pos()), e.off(c.Fun.End()), pkgName() + ".OpenPool"})
			at := e.off(c.Args[0].End())
			e.edits = append(e.edits, edit{at, at, fmt.Sprintf(", %q", name)})
		}
		return true
	})
	if redisName != "" && len(redises) > 0 {
		e.redis(f, redisName, redises, pkgName, line, &manual)
	}
	if len(e.edits) == 0 {
		return src, manual, nil
	}
	e.addImports()
	out, err = e.apply(src)
	if err != nil {
		return nil, nil, err
	}
	out, err = removeUnused(file, out)
	if err != nil {
		return nil, nil, err
	}
	if out, err = format.Source(out); err != nil {
		return nil, nil, fmt.Errorf("%s: the rewritten file does not parse (%v): nothing written", file, err)
	}
	return out, manual, nil
}

// redis inserts InstrumentRedis after each statement of a block that
// builds a go-redis client into one variable (rdb := redis.NewClient(...)).
// Its error is returned when the function returns only an error, and
// logged with slog otherwise: a function returning (*Store, error) has no
// zero value obsgen could write for the *Store, and instrumentation that
// fails leaves the client working, uninstrumented.
func (e *editor) redis(f *ast.File, redisName string, names []string, pkgName func() string, line func(ast.Node) string, manual *[]string) {
	var funcs []*ast.FuncType
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			funcs = append(funcs, n.Type)
			if n.Body != nil {
				ast.Inspect(n.Body, visit)
			}
			funcs = funcs[:len(funcs)-1]
			return false
		case *ast.FuncLit:
			funcs = append(funcs, n.Type)
			ast.Inspect(n.Body, visit)
			funcs = funcs[:len(funcs)-1]
			return false
		case *ast.BlockStmt:
			for _, st := range n.List {
				as, ok := st.(*ast.AssignStmt)
				if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
					continue
				}
				c, ok := as.Rhs[0].(*ast.CallExpr)
				if !ok || !slices.ContainsFunc(redisCtors, func(fn string) bool { return isCall(c, redisName, fn) }) {
					continue
				}
				v := e.src(as.Lhs[0])
				if len(names) > 1 {
					*manual = append(*manual, line(as)+fmt.Sprintf("after it: if err := %s.InstrumentRedis(%s, %s); err != nil { ... }", e.t.Package, quoteEach(names), v))
					continue
				}
				fail := fmt.Sprintf("%s.Error(\"observability: redis instrumentation\", \"dependency\", %q, \"err\", err)", e.need("slog", "log/slog"), names[0])
				if ft := funcs[len(funcs)-1]; ft.Results != nil && len(ft.Results.List) == 1 && len(ft.Results.List[0].Names) <= 1 {
					if id, ok := ft.Results.List[0].Type.(*ast.Ident); ok && id.Name == "error" {
						fail = "return err"
						// need("slog") above may have added an import
						// this statement does not use: removeUnused
						// drops it.
					}
				}
				at := e.off(as.End())
				e.edits = append(e.edits, edit{at, at, fmt.Sprintf("\nif err := %s.InstrumentRedis(%q, %s); err != nil {\n%s\n}", pkgName(), names[0], v, fail)})
			}
		}
		return true
	}
	ast.Inspect(f, visit)
}

// pickSQL is the SQL dependency a call opens: the one of kind, else the
// only one; false when there are several candidates.
func pickSQL(deps []analyze.Dependency, sqls []string, kind string) (string, bool) {
	var match []string
	for _, d := range deps {
		if d.Kind == kind {
			match = append(match, d.Name)
		}
	}
	switch {
	case len(match) == 1:
		return match[0], true
	case len(sqls) == 1:
		return sqls[0], true
	}
	return "", false
}

func quoteEach(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, " or ")
}

// httpClient routes an http.Client literal's calls through HTTPTransport
// of the one http dependency, around the Transport it sets (nil: the
// default transport).
func (e *editor) httpClient(lit *ast.CompositeLit, names []string, clients int, pkgName func() string, line func(ast.Node) string, manual *[]string) {
	var transport ast.Expr
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return // positional: not a shape worth guessing at
		}
		if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Transport" {
			transport = kv.Value
		}
	}
	if wiredClient(lit) {
		return
	}
	if len(names) > 1 || clients > 1 {
		*manual = append(*manual, line(lit)+fmt.Sprintf("http.Client (one of %d): if it calls %s, set Transport: %s.HTTPTransport(%s, <its transport or nil>)", clients, quoteEach(names), e.t.Package, quoteEach(names)))
		return
	}
	if transport != nil {
		e.edits = append(e.edits, edit{e.off(transport.Pos()), e.off(transport.End()), fmt.Sprintf("%s.HTTPTransport(%q, %s)", pkgName(), names[0], e.src(transport))})
		return
	}
	field := fmt.Sprintf("Transport: %s.HTTPTransport(%q, nil)", pkgName(), names[0])
	at := e.off(lit.Lbrace) + 1
	switch {
	case len(lit.Elts) == 0:
	case e.tf.Line(lit.Elts[0].Pos()) == e.tf.Line(lit.Lbrace):
		field += ", "
	default:
		field = "\n" + field + ","
	}
	e.edits = append(e.edits, edit{at, at, field})
}

func isSel(x ast.Expr, pkg, name string) bool {
	s, ok := x.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := s.X.(*ast.Ident)
	return ok && id.Name == pkg && s.Sel.Name == name
}

func isCall(c *ast.CallExpr, pkg, fn string) bool {
	if pkg == "" {
		return false
	}
	s, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := s.X.(*ast.Ident)
	return ok && x.Name == pkg && s.Sel.Name == fn
}

// planDeps rewrites the clients of every file of the service that opens
// one (mains' files get it on top of main's own edit: done, here the
// planned content of those files). The mains' plans take the rewritten
// content; other files get a DepPlan each.
func (w *Plan) planDeps(found *analyze.Service, t Target) {
	if len(found.Dependencies) == 0 {
		return
	}
	mains := map[string]*MainPlan{}
	for i := range w.Mains {
		mains[w.Mains[i].File] = &w.Mains[i]
	}
	clients := httpClientLiterals(found.Clients)
	for _, c := range found.Clients {
		src := c.Src
		mp := mains[c.File]
		if mp != nil && mp.edit != nil {
			src = mp.edit.Content
		}
		out, manual, err := rewriteDeps(c.File, src, t, found.Dependencies, clients)
		if err != nil {
			w.Dependencies = append(w.Dependencies, DepPlan{File: c.File, Action: "manual", Lines: "  " + err.Error() + "\n"})
			continue
		}
		if len(manual) > 0 {
			w.Dependencies = append(w.Dependencies, DepPlan{File: c.File, Action: "manual", Lines: "  " + strings.Join(manual, "\n  ") + "\n"})
		}
		if string(out) == string(src) {
			continue
		}
		if mp != nil && mp.edit != nil {
			mp.edit.Content = out
			mp.Patch = unified(c.File, mp.edit.From, out)
			continue
		}
		w.Dependencies = append(w.Dependencies, DepPlan{File: c.File, Action: "planned", Patch: unified(c.File, c.Src, out)})
		w.deps = append(w.deps, generators.File{Path: c.File, Content: out, Mode: 0o644, Owner: generators.Edit, From: c.Src, Why: "opens its dependencies through obsgen's package"})
	}
}

// httpClientLiterals counts the http.Client literals not yet wired
// (without a Transport from HTTPTransport) in the files.
func httpClientLiterals(files []analyze.Source) int {
	n := 0
	for _, c := range files {
		f, err := parser.ParseFile(token.NewFileSet(), c.File, c.Src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		name := analyze.ImportName(f, "net/http")
		if name == "" {
			continue
		}
		ast.Inspect(f, func(x ast.Node) bool {
			if lit, ok := x.(*ast.CompositeLit); ok && isSel(lit.Type, name, "Client") && !wiredClient(lit) {
				n++
			}
			return true
		})
	}
	return n
}

// wiredClient reports whether an http.Client literal's Transport is
// HTTPTransport's already.
func wiredClient(lit *ast.CompositeLit) bool {
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Transport" {
				if c, ok := kv.Value.(*ast.CallExpr); ok {
					if s, ok := c.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "HTTPTransport" {
						return true
					}
				}
			}
		}
	}
	return false
}
