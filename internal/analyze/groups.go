package analyze

import (
	"fmt"
	"go/ast"
)

// GroupUse is middleware a route group of the router gets rather than the
// router itself: g.Use(...) of g := e.Group("/api"), the middleware
// arguments of e.Group("/api", ...) or gin's r.Group, r.Use(...) inside a
// chi r.Route or r.Group function, chi's r.With(...). obsgen's middleware
// is on the router, so this runs inside it, closer to the handler.
type GroupUse struct {
	// Call is the call holding the middleware; Args its middleware
	// arguments (a Group's path is not one).
	Call *ast.CallExpr
	Args []ast.Expr
	// Stmt is the statement that is the call (g.Use(...) on its own
	// line), nil when the call is part of one (g := e.Group("/api", mw)).
	Stmt *ast.ExprStmt
	// Top is the statement of the router's function holding the call.
	Top ast.Stmt
	// Group names the group for the report: e.Group("/api") at line 12.
	Group string
}

// groupMethods put middleware on a group; the value says which of their
// arguments are middleware: from that index on, -1 for none (chi's
// Route and Group take a function, whose router parameter is the group).
var groupMethods = map[string]int{"Use": 0, "With": 0, "Group": 1, "Route": -1}

// groupUses finds the middleware the router's groups get in the function
// that builds it: the receivers followed are the router's variable, the
// variables assigned one of its groups, and the router parameter of a
// chi Route or Group function.
func (m *Main) groupUses(site *RouterSite) []GroupUse {
	onRouter := map[*ast.CallExpr]bool{}
	for _, u := range site.Uses {
		onRouter[u.X.(*ast.CallExpr)] = true
	}
	groups := map[string]string{site.Var: ""} // variable -> the group it is
	var isGroup func(ast.Expr) (string, bool)
	isGroup = func(x ast.Expr) (string, bool) {
		switch x := x.(type) {
		case *ast.Ident:
			g, ok := groups[x.Name]
			return g, ok
		case *ast.CallExpr:
			// e.Group("/api").Use(...), r.With(mw).Get(...)
			if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
				if _, known := groupMethods[sel.Sel.Name]; known {
					if _, ok := isGroup(sel.X); ok {
						return m.groupName(x), true
					}
				}
			}
		}
		return "", false
	}
	var out []GroupUse
	for _, top := range site.Func.Body.List {
		if as, ok := top.(*ast.AssignStmt); ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 {
			// g := e.Group("/api", ...): g is a group from here on.
			if id, ok := as.Lhs[0].(*ast.Ident); ok {
				if c, ok := as.Rhs[0].(*ast.CallExpr); ok {
					if g, ok := isGroup(c); ok {
						groups[id.Name] = g
					}
				}
			}
		}
		stmts := map[*ast.CallExpr]*ast.ExprStmt{}
		ast.Inspect(top, func(n ast.Node) bool {
			if es, ok := n.(*ast.ExprStmt); ok {
				if c, ok := es.X.(*ast.CallExpr); ok {
					stmts[c] = es
				}
			}
			c, ok := n.(*ast.CallExpr)
			if !ok || onRouter[c] {
				return true
			}
			sel, ok := c.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			from, known := groupMethods[sel.Sel.Name]
			outer, ok := isGroup(sel.X)
			if !known || !ok {
				return true
			}
			group := outer
			switch {
			case sel.Sel.Name != "Use":
				group = m.groupName(c)
			case group == "":
				// The router's own Use, in a block rather than a
				// statement of main's: obsgen cannot place itself
				// after it.
				group = fmt.Sprintf("%s inside a block at line %d", site.Var, m.line(c))
			}
			for _, a := range c.Args {
				if fl, ok := a.(*ast.FuncLit); ok && sel.Sel.Name != "Use" && sel.Sel.Name != "With" {
					// chi: r.Route("/admin", func(r chi.Router) {...})
					for _, p := range fl.Type.Params.List {
						for _, name := range p.Names {
							groups[name.Name] = group
						}
					}
				}
			}
			if from >= 0 && len(c.Args) > from {
				out = append(out, GroupUse{Call: c, Args: c.Args[from:], Stmt: stmts[c], Top: top, Group: group})
			}
			return true
		})
		// A Route function's parameter may shadow the router's name only
		// inside that function.
		groups[site.Var] = ""
	}
	return out
}

// groupName names the group a Group, Route or With call makes.
func (m *Main) groupName(c *ast.CallExpr) string {
	sel := c.Fun.(*ast.SelectorExpr)
	arg := ""
	if len(c.Args) > 0 {
		if lit, ok := c.Args[0].(*ast.BasicLit); ok {
			arg = lit.Value
		}
	}
	if sel.Sel.Name == "With" {
		arg = "..."
	}
	return fmt.Sprintf("%s.%s(%s) at line %d", exprString(sel.X), sel.Sel.Name, arg, m.line(c))
}

// onGroups finds the conflicting and recover middleware of the router's
// groups.
func (m *Main) onGroups(sc scope, site *RouterSite) {
	site.Groups = m.groupUses(site)
	for _, g := range site.Groups {
		for _, a := range g.Args {
			if name, why := ConflictWhy(sc.imports, a); why != "" {
				m.Conflicts = append(m.Conflicts, Conflict{Name: name, Group: g.Group, File: sc.file, Line: m.line(a), Why: why})
			} else if r, ok := m.recoverer(sc, a); ok {
				r.Group = g.Group
				m.GroupRecoverers = append(m.GroupRecoverers, r)
			}
		}
	}
}
