package analyze

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
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
	// imports are the imports of the file declaring each function.
	imports map[*ast.FuncDecl]map[string]string
}

func newFuncs(root string, fset *token.FileSet) *funcs {
	f := &funcs{root: root, fset: fset, cache: map[string]map[string]*ast.FuncDecl{}, imports: map[*ast.FuncDecl]map[string]string{}}
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

// recoverer reports whether arg, a middleware argument of Use, recovers
// panics in a way of the service's own: a function of the main package or
// of another package of the repo that calls recover(), or framework
// middleware with the service's own handler.
func (m *Main) recoverer(imports map[string]string, arg ast.Expr) (Recoverer, bool) {
	e := arg
	if c, ok := e.(*ast.CallExpr); ok {
		e = c.Fun // httpx.Recover(logger) returns the middleware
	}
	var fn *ast.FuncDecl
	switch x := e.(type) {
	case *ast.Ident:
		local := map[string]*ast.FuncDecl{}
		for _, f := range m.files {
			addFuncs(local, f)
		}
		fn = local[x.Name]
	case *ast.SelectorExpr:
		ip, sel := qualified(imports, x)
		if thirdPartyRecoverers[[2]string{ip, sel}] {
			return Recoverer{Name: exprString(e), Line: m.line(arg), Where: "recovers panics with the service's own handler"}, true
		}
		fn = m.pkgFuncs.of(ip)[sel]
	}
	if fn == nil || !callsRecover(fn) {
		return Recoverer{}, false
	}
	pos := m.Fset.Position(fn.Pos())
	return Recoverer{Name: exprString(e), Line: m.line(arg), Where: fmt.Sprintf("func %s (%s:%d) calls recover()", fn.Name.Name, pos.Filename, pos.Line)}, true
}

// recoverers finds the service's own recover middleware on the router,
// and the last Use statement holding one: obsgen's middleware goes after
// it.
func (m *Main) recoverers(site *RouterSite) []Recoverer {
	imports := Imports(m.AST)
	var out []Recoverer
	for _, u := range site.Uses {
		for _, a := range u.X.(*ast.CallExpr).Args {
			if r, ok := m.recoverer(imports, a); ok {
				out = append(out, r)
				site.After = u
			}
		}
	}
	return out
}
