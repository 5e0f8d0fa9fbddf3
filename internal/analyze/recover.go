package analyze

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
)

// Recoverer is middleware of the service's own that recovers panics. It
// is kept (it answers in the service's own way), and obsgen's middleware
// goes after it, closer to the handler, so that obsgen's sees a panic
// first: it reports it to Sentry, logs `panic recovered` and answers 500,
// and the service's own then sees no panic.
type Recoverer struct {
	// Name is how the service spells it: httpx.Recover, recoverer,
	// gin.CustomRecovery.
	Name string `json:"name"`
	// Group is the route group that gets it; empty on the router.
	Group string `json:"group,omitempty"`
	// File is set when it is not in main's file: the router is built
	// in another package.
	File string `json:"file,omitempty"`
	Line int    `json:"line"`
	// Where is the function that calls recover(), or why it counts.
	Where string `json:"where"`
}

// thirdPartyRecoverers are framework middleware that recover panics with
// a handler of the service's (its own error body): kept, like the
// service's own, rather than removed as the plain Recover ones are.
var thirdPartyRecoverers = map[[2]string]bool{
	{pathGin, "CustomRecovery"}:           true,
	{pathGin, "CustomRecoveryWithWriter"}: true,
	{pathGin, "RecoveryWithWriter"}:       true,
}

// funcs finds the functions of the repo's own packages, parsed on first
// use: only the packages a router's Use names are read whole.
type funcs struct {
	root, module string
	fset         *token.FileSet
	cache        map[string]map[string]*ast.FuncDecl
	// methods are each package's methods, by name (of any type: the
	// analysis knows no types).
	methods map[string]map[string][]*ast.FuncDecl
	// imports are the imports of the file declaring each function.
	imports map[*ast.FuncDecl]map[string]string
}

func newFuncs(root string, fset *token.FileSet) *funcs {
	f := &funcs{root: root, fset: fset, cache: map[string]map[string]*ast.FuncDecl{}, methods: map[string]map[string][]*ast.FuncDecl{}, imports: map[*ast.FuncDecl]map[string]string{}}
	if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err == nil {
		f.module = modfile.ModulePath(b)
	}
	return f
}

// of returns the top-level functions of the package at import path ip, or
// nil when it is not one of the repo's own.
func (f *funcs) of(ip string) map[string]*ast.FuncDecl {
	if f == nil || f.module == "" || ip != f.module && !strings.HasPrefix(ip, f.module+"/") {
		return nil
	}
	if out, ok := f.cache[ip]; ok {
		return out
	}
	out := map[string]*ast.FuncDecl{}
	f.cache[ip] = out
	methods := map[string][]*ast.FuncDecl{}
	f.methods[ip] = methods
	rel := strings.TrimPrefix(strings.TrimPrefix(ip, f.module), "/")
	dir := filepath.Join(f.root, filepath.FromSlash(rel))
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		file, err := parser.ParseFile(f.fset, path.Join(rel, e.Name()), mustRead(filepath.Join(dir, e.Name())), parser.SkipObjectResolution)
		if err != nil {
			continue // go build reports it
		}
		addFuncs(out, file)
		addMethods(methods, file)
		im := Imports(file)
		for _, fn := range out {
			if f.imports[fn] == nil && fn.Pos() >= file.Pos() && fn.End() <= file.End() {
				f.imports[fn] = im
			}
		}
	}
	return out
}

func mustRead(p string) []byte {
	b, _ := os.ReadFile(p)
	return b
}

func addFuncs(out map[string]*ast.FuncDecl, f *ast.File) {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Body != nil {
			out[fn.Name.Name] = fn
		}
	}
}

func addMethods(out map[string][]*ast.FuncDecl, f *ast.File) {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Body != nil {
			out[fn.Name.Name] = append(out[fn.Name.Name], fn)
		}
	}
}

// methodsOf returns the methods of the repo's package ip, by name.
func (f *funcs) methodsOf(ip string) map[string][]*ast.FuncDecl {
	if f.of(ip) == nil {
		return nil
	}
	return f.methods[ip]
}

// callsRecover reports whether fn's body (its closures included) calls
// the builtin recover.
func callsRecover(fn *ast.FuncDecl) bool {
	found := false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && len(c.Args) == 0 {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "recover" {
				found = true
			}
		}
		return !found
	})
	return found
}

// scope is where the names of a middleware argument resolve: main's
// package, or the package of the repo that builds the router.
type scope struct {
	imports map[string]string
	funcs   map[string]*ast.FuncDecl
	methods map[string][]*ast.FuncDecl
	// file is the file the router is built in when it is not main's.
	file string
}

// mainScope is the scope of main's file.
func (m *Main) mainScope() scope {
	sc := scope{imports: Imports(m.AST), funcs: map[string]*ast.FuncDecl{}, methods: map[string][]*ast.FuncDecl{}}
	for _, f := range m.files {
		addFuncs(sc.funcs, f)
		addMethods(sc.methods, f)
	}
	return sc
}

// pkgScope is the scope of fn, a function of the repo's package ip.
func (m *Main) pkgScope(ip string, fn *ast.FuncDecl) scope {
	return scope{imports: m.pkgFuncs.imports[fn], funcs: m.pkgFuncs.of(ip), methods: m.pkgFuncs.methodsOf(ip), file: m.Fset.Position(fn.Pos()).Filename}
}

// recoverer reports whether arg, a middleware argument of Use, recovers
// panics in a way of the service's own: a function of the package or of
// another package of the repo that calls recover(), or framework
// middleware with the service's own handler.
func (m *Main) recoverer(sc scope, arg ast.Expr) (Recoverer, bool) {
	e := arg
	if c, ok := e.(*ast.CallExpr); ok {
		e = c.Fun // httpx.Recover(logger) returns the middleware
	}
	var fn *ast.FuncDecl
	switch x := e.(type) {
	case *ast.Ident:
		fn = sc.funcs[x.Name]
	case *ast.SelectorExpr:
		ip, sel := qualified(sc.imports, x)
		if thirdPartyRecoverers[[2]string{ip, sel}] {
			return Recoverer{Name: exprString(e), File: sc.file, Line: m.line(arg), Where: "recovers panics with the service's own handler"}, true
		}
		if ip == "" {
			// A method value (s.recover): a method of that name, of a
			// type of the package or of a package of the repo it
			// imports, that calls recover().
			fn = m.methodRecovering(sc, x.Sel.Name)
			break
		}
		fn = m.pkgFuncs.of(ip)[sel]
	}
	if fn == nil || !callsRecover(fn) {
		return Recoverer{}, false
	}
	pos := m.Fset.Position(fn.Pos())
	what := "func " + fn.Name.Name
	if fn.Recv != nil && len(fn.Recv.List) == 1 {
		what = "method " + recvString(fn.Recv.List[0].Type) + "." + fn.Name.Name
	}
	return Recoverer{Name: exprString(e), File: sc.file, Line: m.line(arg), Where: fmt.Sprintf("%s (%s:%d) calls recover()", what, pos.Filename, pos.Line)}, true
}

// recvString is a receiver type as written: (*server), api.
func recvString(t ast.Expr) string {
	switch t := t.(type) {
	case *ast.StarExpr:
		return "(*" + recvString(t.X) + ")"
	case *ast.IndexExpr:
		return recvString(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "(receiver)"
}

// methodRecovering finds a method called name that calls recover(),
// among the scope's package's and those of the repo's packages it
// imports.
func (m *Main) methodRecovering(sc scope, name string) *ast.FuncDecl {
	cands := sc.methods[name]
	paths := make([]string, 0, len(sc.imports))
	for _, ip := range sc.imports {
		paths = append(paths, ip)
	}
	sort.Strings(paths)
	for _, ip := range paths {
		cands = append(cands, m.pkgFuncs.methodsOf(ip)[name]...)
	}
	for _, fn := range cands {
		if callsRecover(fn) {
			return fn
		}
	}
	return nil
}

// recoverers finds the service's own recover middleware on the router,
// and the last Use statement holding one: obsgen's middleware goes after
// it.
func (m *Main) recoverers(sc scope, site *RouterSite) []Recoverer {
	var out []Recoverer
	for _, u := range site.Uses {
		for _, a := range u.X.(*ast.CallExpr).Args {
			if r, ok := m.recoverer(sc, a); ok {
				out = append(out, r)
				site.After = u
			}
		}
	}
	return out
}
