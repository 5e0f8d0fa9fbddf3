// Package wire plans the edit that wires obsgen's generated package into a
// service's own main: Setup with its error checked, the middleware first on
// the router, the serve call replaced by the package's graceful Serve, and
// conflicting middleware removed with a comment saying why. The edit is
// computed from the file's current content as a list of replacements at
// positions the Go parser gives (comments and layout elsewhere survive
// untouched), and is returned only when the result parses and is
// gofmt-clean.
package wire

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/obsgen/obsgen/internal/analyze"
)

// Target is the generated package to wire in.
type Target struct {
	// ImportPath and Package name the generated package.
	ImportPath, Package string
	// Bridges are the service's loggers to route through the package's
	// JSON logger (logrus, zap, zerolog, gorm).
	Bridges []string
}

// edit replaces Src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

type editor struct {
	m       *analyze.Main
	t       Target
	tf      *token.File
	edits   []edit
	imports map[string]string // name -> path, after the edit
	want    []importLine
	// log is the name that reaches the standard log package.
	log string
	// The names of the edit's own variables, chosen not to clash.
	ctx, stop, shutdown, err string
}

type importLine struct{ name, path string }

// Edit returns main's new content. A main already wired, or one the
// analysis could not understand, is an error saying why.
func Edit(m *analyze.Main, t Target) ([]byte, error) {
	if m.Wired {
		return m.Src, nil
	}
	if m.Problem != "" {
		return nil, fmt.Errorf("%s: %s", m.File, m.Problem)
	}
	e := &editor{m: m, t: t, tf: m.Fset.File(m.AST.Pos()), imports: analyze.Imports(m.AST)}
	e.log = e.need("log", "log")
	e.need("context", "context")
	e.need("os", "os")
	e.need("signal", "os/signal")
	e.need("syscall", "syscall")
	e.need(t.Package, t.ImportPath)
	e.setup()
	e.router()
	e.serve()
	e.addImports()
	out, err := e.apply(m.Src)
	if err != nil {
		return nil, err
	}
	out, err = removeUnused(m.File, out)
	if err != nil {
		return nil, err
	}
	formatted, err := format.Source(out)
	if err != nil {
		return nil, fmt.Errorf("%s: the wired main does not parse (%v): nothing written; wire it by hand with the lines below", m.File, err)
	}
	return formatted, nil
}

func (e *editor) off(p token.Pos) int { return e.tf.Offset(p) }

func (e *editor) src(n ast.Node) string {
	return string(e.m.Src[e.off(n.Pos()):e.off(n.End())])
}

// need makes sure path is imported and returns the name to use for it:
// want when free, else want prefixed with "std" or "obs".
func (e *editor) need(want, path string) string {
	for n, p := range e.imports {
		if p == path && n != "_" && n != "." {
			return n
		}
	}
	name := want
	if _, taken := e.imports[name]; taken {
		name = "std" + want
		if strings.Contains(path, ".") {
			name = "obs" + want
		}
	}
	e.imports[name] = path
	line := importLine{path: path}
	if name != defaultName(path) {
		line.name = name
	}
	e.want = append(e.want, line)
	return name
}

func defaultName(path string) string {
	i := strings.LastIndex(path, "/")
	return path[i+1:]
}

// declared lists the names main declares in its own top-level scope, where
// a := of ours would clash.
func (e *editor) declared() map[string]bool {
	out := map[string]bool{}
	for _, st := range e.m.Func.Body.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for _, l := range st.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						out[id.Name] = true
					}
				}
			}
		case *ast.DeclStmt:
			if gd, ok := st.Decl.(*ast.GenDecl); ok {
				for _, sp := range gd.Specs {
					if vs, ok := sp.(*ast.ValueSpec); ok {
						for _, n := range vs.Names {
							out[n.Name] = true
						}
					}
				}
			}
		}
	}
	for n := range e.imports {
		out[n] = true
	}
	return out
}

func free(taken map[string]bool, names ...string) string {
	for _, n := range names {
		if !taken[n] {
			taken[n] = true
			return n
		}
	}
	return names[len(names)-1] + "2"
}

// setup inserts the signal context, Setup with its error checked and the
// deferred flush at the top of main, after statements that load the
// environment (godotenv, flag.Parse): Setup reads it.
func (e *editor) setup() {
	taken := e.declared()
	e.ctx = free(taken, "ctx", "obsCtx")
	e.stop = free(taken, "stop", "obsStop")
	e.shutdown = free(taken, "obsShutdown", "obsgenShutdown")
	e.err = free(taken, "err", "obsErr")
	body := e.m.Func.Body
	at := e.off(body.Lbrace) + 1
	for _, st := range body.List {
		if !loadsEnv(st) {
			break
		}
		at = e.off(st.End())
	}
	pkg := e.t.Package
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s, %s := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)\n", e.ctx, e.stop)
	fmt.Fprintf(&b, "defer %s()\n", e.stop)
	fmt.Fprintf(&b, "%s, %s := %s.Setup(%s)\n", e.shutdown, e.err, pkg, e.ctx)
	fmt.Fprintf(&b, "if %s != nil {\n%s.Fatalf(\"observability setup: %%v\", %s)\n}\n", e.err, e.log, e.err)
	fmt.Fprintf(&b, "defer %s(context.Background())\n", e.shutdown)
	// Each bridge goes after main's own setup of that logger (a
	// zap.ReplaceGlobals of its own would undo it), before the router.
	var later []edit
	for _, br := range e.t.Bridges {
		if br == "echo" {
			continue // on the router, once it is built (router)
		}
		line, name := e.bridge(br)
		if line == "" {
			continue
		}
		pos := at
		for _, st := range body.List {
			if st == e.m.Call.Stmt || e.m.Site != nil && st == e.m.Site.Stmt {
				break
			}
			if configures(st, name) && e.off(st.End()) > pos {
				pos = e.off(st.End())
			}
		}
		if pos == at {
			b.WriteString(line + "\n")
		} else {
			later = append(later, edit{pos, pos, "\n" + line})
		}
	}
	e.edits = append(e.edits, edit{at, at, b.String()})
	e.edits = append(e.edits, later...)
}

// configures reports whether st sets up the logger package imported as
// name: builds a logger (New...), sets an option (Set...), replaces the
// globals, or assigns to one of its variables (log.Logger = ...).
func configures(st ast.Stmt, name string) bool {
	pkgSel := func(e ast.Expr) (string, bool) {
		s, ok := e.(*ast.SelectorExpr)
		if !ok {
			return "", false
		}
		x, ok := s.X.(*ast.Ident)
		return s.Sel.Name, ok && x.Name == name
	}
	if as, ok := st.(*ast.AssignStmt); ok {
		for _, l := range as.Lhs {
			if _, ok := pkgSel(l); ok {
				return true
			}
		}
	}
	found := false
	ast.Inspect(st, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if sel, ok := pkgSel(c.Fun); ok && (strings.HasPrefix(sel, "New") || strings.HasPrefix(sel, "Set") || sel == "ReplaceGlobals") {
				found = true
			}
		}
		return !found
	})
	return found
}

// bridgeImports are the package each bridge line names, by logger: its
// usual name and import path. gorm's line names only obsgen's package.
var bridgeImports = map[string]importLine{
	"logrus":  {"logrus", "github.com/sirupsen/logrus"},
	"zap":     {"zap", "go.uber.org/zap"},
	"zerolog": {"log", "github.com/rs/zerolog/log"},
}

// BridgeLine is the line that routes logger lib through the JSON logger of
// package pkg, name being what the file calls lib's package.
func BridgeLine(lib, pkg, name string) string {
	switch lib {
	case "logrus":
		return fmt.Sprintf("%s.InstallLogrus(%s.StandardLogger()) // obsgen: logrus writes the same JSON lines, with the request's trace and request IDs", pkg, name)
	case "zap":
		return fmt.Sprintf("%s.ReplaceGlobals(%s.Zap()) // obsgen: zap writes the same JSON lines, with the request's trace and request IDs", name, pkg)
	case "zerolog":
		return fmt.Sprintf("%s.Logger = %s.Zerolog() // obsgen: zerolog writes the same JSON lines, with the request's trace and request IDs", name, pkg)
	case "gorm":
		// Before any gorm.Open: it reads gorm's logger.Default.
		return pkg + ".InstallGorm() // obsgen: gorm writes the same JSON lines (SQL without its values), with the request's trace and request IDs"
	case "echo":
		// name is the router's variable: the line goes after it is built.
		return fmt.Sprintf("%s.Logger = %s.EchoLogger() // obsgen: echo's own logger (e.Logger, c.Logger()) writes the same JSON lines", name, pkg)
	}
	return ""
}

// bridge is the line that routes one logger through the JSON logger, and
// the name in the file of the package whose setup it must follow.
func (e *editor) bridge(lib string) (line, name string) {
	if im, ok := bridgeImports[lib]; ok {
		name = e.need(im.name, im.path)
		return BridgeLine(lib, e.t.Package, name), name
	}
	return BridgeLine(lib, e.t.Package, ""), analyze.ImportName(e.m.AST, analyze.PathGormLogger)
}

func loadsEnv(st ast.Stmt) bool {
	found := false
	ast.Inspect(st, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := s.X.(*ast.Ident); ok && (x.Name == "godotenv" || x.Name == "flag" && s.Sel.Name == "Parse") {
				found = true
			}
		}
		return !found
	})
	return found
}

// router puts obsgen's middleware first on the router and removes the
// middleware it replaces.
func (e *editor) router() {
	site := e.m.Site
	if site == nil || e.m.Framework == "nethttp" {
		return
	}
	pkg := e.t.Package
	var use string
	switch e.m.Framework {
	case "chi":
		use = fmt.Sprintf("%s.Use(%s.Middleware)", site.Var, pkg)
	case "gin":
		use = fmt.Sprintf("%s.Use(%s.Middleware()...)", site.Var, pkg)
	case "echo":
		use = fmt.Sprintf("%s.Use(%s.Middleware())", site.Var, pkg)
		if slices.Contains(e.t.Bridges, "echo") {
			use += "\n" + BridgeLine("echo", pkg, site.Var)
		}
	}
	at := e.off(site.Stmt.End())
	if site.After != nil {
		// Inside the service's own recover middleware, which would
		// otherwise catch a panic before obsgen's sees it.
		at = e.off(site.After.End())
		use = "// obsgen: " + AfterRecoverers(e.m.Recoverers) + "\n" + use
	}
	e.edits = append(e.edits, edit{at, at, "\n" + use})
	imports := analyze.Imports(e.m.AST)
	if e.m.Framework == "gin" {
		gin := analyze.ImportName(e.m.AST, "github.com/gin-gonic/gin")
		if sel, ok := site.Ctor.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Default" {
			e.edits = append(e.edits, edit{e.off(sel.Sel.Pos()), e.off(sel.Sel.End()), "New"})
			e.comment(site.Stmt, "gin.New instead of gin.Default: "+analyze.WhyGinDefault)
		}
		if !e.callsInFile(gin, "SetMode") {
			at := e.off(site.Stmt.Pos())
			e.edits = append(e.edits, edit{at, at, fmt.Sprintf("%s.SetMode(%s.ReleaseMode) // obsgen: debug mode prints [GIN-debug] text lines to stdout\n", gin, gin)})
		}
	}
	for _, u := range site.Uses {
		kept, b := e.withoutConflicts(imports, u.X.(*ast.CallExpr).Args)
		if b == nil {
			continue
		}
		if len(kept) > 0 {
			fmt.Fprintf(b, "%s.Use(%s)", site.Var, strings.Join(kept, ", "))
		}
		e.edits = append(e.edits, edit{e.off(u.Pos()), e.off(u.End()), strings.TrimSuffix(b.String(), "\n")})
	}
	for _, g := range site.Groups {
		e.groupConflicts(imports, g)
	}
}

// groupConflicts removes the conflicting middleware a route group gets:
// a g.Use statement of its own as the router's are, else the arguments
// of the call (e.Group("/api", middleware.Logger())), with the comment
// above the statement holding it.
func (e *editor) groupConflicts(imports map[string]string, g analyze.GroupUse) {
	kept, b := e.withoutConflicts(imports, g.Args)
	if b == nil {
		return
	}
	if sel := g.Call.Fun.(*ast.SelectorExpr); g.Stmt != nil && sel.Sel.Name == "Use" {
		if _, bare := sel.X.(*ast.Ident); len(kept) > 0 || !bare {
			// e.Group("/ops").Use() keeps the group it makes.
			fmt.Fprintf(b, "%s(%s)", e.src(g.Call.Fun), strings.Join(kept, ", "))
		}
		e.edits = append(e.edits, edit{e.off(g.Stmt.Pos()), e.off(g.Stmt.End()), strings.TrimSuffix(b.String(), "\n")})
		return
	}
	var args []string
	for _, a := range g.Call.Args[:len(g.Call.Args)-len(g.Args)] {
		args = append(args, e.src(a))
	}
	args = append(args, kept...)
	e.edits = append(e.edits, edit{e.off(g.Call.Lparen) + 1, e.off(g.Call.Rparen), strings.Join(args, ", ")})
	at := e.off(g.Top.Pos())
	e.edits = append(e.edits, edit{at, at, b.String()})
}

// withoutConflicts splits middleware arguments into the source of those
// kept and the comment lines saying why each other one is removed; nil
// when none is.
func (e *editor) withoutConflicts(imports map[string]string, args []ast.Expr) ([]string, *strings.Builder) {
	var kept []string
	var b *strings.Builder
	for _, a := range args {
		if name, why := analyze.ConflictWhy(imports, a); why != "" {
			if b == nil {
				b = &strings.Builder{}
			}
			b.WriteString("// obsgen: removed " + name + ": " + why + "\n")
			continue
		}
		kept = append(kept, e.src(a))
	}
	return kept, b
}

// AfterRecoverers says why obsgen's middleware comes after the service's
// own recover middleware rather than first on the router.
func AfterRecoverers(rs []analyze.Recoverer) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name
	}
	return fmt.Sprintf("after %s, which recovers panics: obsgen's middleware must see a panic first to log it and report it to Sentry", strings.Join(names, ", "))
}

// comment puts a "// obsgen: why" line above st.
func (e *editor) comment(st ast.Stmt, why string) {
	at := e.off(st.Pos())
	e.edits = append(e.edits, edit{at, at, "// obsgen: " + why + "\n"})
}

func (e *editor) callsInFile(pkg, fn string) bool {
	found := false
	ast.Inspect(e.m.AST, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := s.X.(*ast.Ident); ok && x.Name == pkg && s.Sel.Name == fn {
				found = true
			}
		}
		return !found
	})
	return found
}

// serve replaces the serve call with the package's Serve, which shuts
// down gracefully when ctx is done and returns nil then.
func (e *editor) serve() {
	sc := e.m.Call
	pkg := e.t.Package
	addr := sc.AddrDefault
	if sc.Addr != nil {
		addr = e.src(sc.Addr)
	}
	if addr == sc.AddrDefault && addr != "" {
		e.need("cmp", "cmp")
	}
	var handler string
	switch {
	case sc.Handler == nil:
		handler = e.httpName() + ".DefaultServeMux"
	default:
		handler = e.src(sc.Handler)
	}
	if sel, ok := sc.Call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "ListenAndServe" {
		if x, ok := sel.X.(*ast.Ident); ok && e.imports[x.Name] == "" {
			// srv.ListenAndServe(): serve what the http.Server was given.
			addr = x.Name + ".Addr"
			if sc.Handler != nil {
				handler = x.Name + ".Handler"
			}
		}
	}
	if e.m.Framework == "nethttp" {
		handler = fmt.Sprintf("%s.Middleware(%s)", pkg, handler)
		if a := sc.Around; a != nil {
			// Inside the service's recover, which would otherwise catch
			// a panic before obsgen's sees it.
			handler = fmt.Sprintf("%s(%s.Middleware(%s))", e.src(a.Fun), pkg, e.src(a.Args[0]))
		}
	} else if a := sc.Around; a != nil {
		handler = e.src(a) // obsgen's middleware is on the router inside it
	}
	call := fmt.Sprintf("%s.Serve(%s, %s, %s)", pkg, e.ctx, addr, handler)
	switch st := sc.Stmt.(type) {
	case *ast.ExprStmt:
		// The statement runs, with the error in place of the call, only
		// when Serve fails: after a clean shutdown it returns nil, and
		// log.Fatal(nil) would exit 1.
		fail := e.log + ".Fatal(err)"
		if sc.Wrapper != nil {
			whole := e.src(st)
			from, to := e.off(sc.Call.Pos())-e.off(st.Pos()), e.off(sc.Call.End())-e.off(st.Pos())
			fail = whole[:from] + "err" + whole[to:]
		}
		text := fmt.Sprintf("if err := %s; err != nil {\n%s\n}", call, fail)
		end := e.off(st.End())
		// A comment at the end of the line goes above the if: after its
		// closing brace it would say nothing.
		line := e.tf.Line(st.End())
		for _, cg := range e.m.AST.Comments {
			if cg.Pos() >= st.End() && e.tf.Line(cg.Pos()) == line {
				text = e.src(cg) + "\n" + text
				end = e.off(cg.End())
			}
		}
		e.edits = append(e.edits, edit{e.off(st.Pos()), end, text})
	default:
		e.edits = append(e.edits, edit{e.off(sc.Call.Pos()), e.off(sc.Call.End()), call})
	}
}

func (e *editor) httpName() string { return e.need("http", "net/http") }

// addImports adds the imports the edit needs to the file's first import
// declaration (gofmt sorts them), or after the package clause.
func (e *editor) addImports() {
	if len(e.want) == 0 {
		return
	}
	// Standard library imports join the first group, the others the last,
	// as goimports would place them.
	var std, other []string
	for _, im := range e.want {
		l := strconv.Quote(im.path)
		if im.name != "" {
			l = im.name + " " + l
		}
		if first, _, _ := strings.Cut(im.path, "/"); strings.Contains(first, ".") || im.path == e.t.ImportPath {
			other = append(other, l)
		} else {
			std = append(std, l)
		}
	}
	for _, d := range e.m.AST.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		if gd.Lparen.IsValid() && len(gd.Specs) > 0 {
			if len(std) > 0 {
				at := e.off(gd.Specs[0].Pos())
				e.edits = append(e.edits, edit{at, at, strings.Join(std, "\n") + "\n"})
			}
			if len(other) > 0 {
				at := e.off(gd.Specs[len(gd.Specs)-1].End())
				e.edits = append(e.edits, edit{at, at, "\n" + strings.Join(other, "\n")})
			}
			return
		}
		// import "fmt": make it a block.
		text := "import (\n" + strings.Join(append(std, e.src(gd.Specs[0])), "\n") + "\n\n" + strings.Join(other, "\n") + "\n)"
		e.edits = append(e.edits, edit{e.off(gd.Pos()), e.off(gd.End()), text})
		return
	}
	at := e.off(e.m.AST.Name.End())
	e.edits = append(e.edits, edit{at, at, "\n\nimport (\n" + strings.Join(std, "\n") + "\n\n" + strings.Join(other, "\n") + "\n)"})
}

// apply makes the edits, which never overlap, back to front.
func (e *editor) apply(src []byte) ([]byte, error) {
	sort.SliceStable(e.edits, func(i, j int) bool { return e.edits[i].start > e.edits[j].start })
	out := append([]byte(nil), src...)
	prev := len(src) + 1
	for _, ed := range e.edits {
		if ed.end > prev {
			return nil, fmt.Errorf("%s: overlapping edits at offset %d: wire it by hand", e.m.File, ed.start)
		}
		prev = ed.start
		out = append(out[:ed.start], append([]byte(ed.text), out[ed.end:]...)...)
	}
	return out, nil
}

// removeUnused drops imports the edit left unused (chi's middleware
// package when every middleware of it went).
func removeUnused(name string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("%s: the wired main does not parse (%v): nothing written; wire it by hand with the lines below", name, err)
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := s.X.(*ast.Ident); ok {
				used[x.Name] = true
			}
		}
		return true
	})
	tf := fset.File(f.Pos())
	var cut [][2]int
	for n, p := range analyze.Imports(f) {
		if n == "_" || n == "." || used[n] {
			continue
		}
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			if ip == p {
				// The whole line, so no blank line splits the group.
				from, to := tf.Offset(im.Pos()), tf.Offset(im.End())
				for from > 0 && (src[from-1] == '\t' || src[from-1] == ' ') {
					from--
				}
				if to < len(src) && src[to] == '\n' {
					to++
				}
				cut = append(cut, [2]int{from, to})
			}
		}
	}
	sort.Slice(cut, func(i, j int) bool { return cut[i][0] > cut[j][0] })
	out := append([]byte(nil), src...)
	for _, c := range cut {
		out = append(out[:c[0]], out[c[1]:]...)
	}
	return bytes.TrimLeft(out, "\n"), nil
}
