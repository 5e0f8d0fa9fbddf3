package analyze

import (
	"fmt"
	"go/ast"
)

// pathGorilla is gorilla/mux, which obsgen does not wire: its generated
// middleware cannot read gorilla's route templates.
const pathGorilla = "github.com/gorilla/mux"

// WhyGorilla is why a gorilla/mux service is refused, and what to do.
const WhyGorilla = "gorilla/mux is not supported: obsgen's middleware cannot read its route templates, so requests would get no http_route label and spans named after the method alone; wire it by hand with the lines below (routes stay unlabelled), or move the routes to chi or http.ServeMux"

// Shutdown is how a main obsgen cannot edit stops by itself today: the
// manual lines replace exactly these statements, so that the service
// never ends up waiting for a signal obsgen's context took.
type Shutdown struct {
	// Go is the go statement that serves; Notify the statement calling
	// signal.Notify or signal.NotifyContext; Stop the one calling
	// Shutdown. Nil when main has none.
	Go, Notify, Stop ast.Stmt
	// Serve is the serve call inside the goroutine, for its address and
	// handler; Server the http.Server variable it serves, if any.
	Serve  *ServeCall
	Server string
}

// ShutdownLines says which of main's statements the manual lines
// replace, or "" when main has no serving or stopping of its own.
func (m *Main) ShutdownLines() string {
	s := m.Stops
	if s == nil {
		return ""
	}
	var parts []string
	if s.Go != nil {
		parts = append(parts, fmt.Sprintf("the goroutine that serves (line %d)", m.line(s.Go)))
	}
	if s.Notify != nil {
		parts = append(parts, fmt.Sprintf("your signal wait (line %d)", m.line(s.Notify)))
	}
	if s.Stop != nil {
		parts = append(parts, fmt.Sprintf("the Shutdown call (line %d)", m.line(s.Stop)))
	}
	if s.Server != "" {
		parts = append(parts, "the "+s.Server+" it then leaves unused")
	}
	out := ""
	for i, p := range parts {
		switch {
		case i == 0:
		case i == len(parts)-1:
			out += " and "
		default:
			out += ", "
		}
		out += p
	}
	return out
}

// findShutdown records how main serves and stops by itself.
func (m *Main) findShutdown(imports map[string]string) {
	s := &Shutdown{}
	for _, st := range m.Func.Body.List {
		if g, ok := st.(*ast.GoStmt); ok && s.Go == nil && m.servesInside(imports, g) {
			s.Go = g
			ast.Inspect(g, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok && s.Serve == nil {
					s.Serve = m.serveCall(imports, c)
					if sel, ok := c.Fun.(*ast.SelectorExpr); ok && s.Serve != nil && sel.Sel.Name == "ListenAndServe" {
						if x, ok := sel.X.(*ast.Ident); ok && imports[x.Name] == "" {
							s.Server = x.Name
						}
					}
				}
				return s.Serve == nil
			})
		}
		ast.Inspect(st, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if ip, name := qualified(imports, c.Fun); ip == "os/signal" && (name == "Notify" || name == "NotifyContext") && s.Notify == nil {
				s.Notify = st
			}
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Shutdown" && s.Stop == nil {
				s.Stop = st
			}
			return true
		})
	}
	if s.Go != nil || s.Notify != nil {
		m.Stops = s
	}
}

// refuseGorilla turns the problem of a main whose router is gorilla/mux's
// (built in main, or in another package of a module that imports
// gorilla/mux) into the refusal that names it.
func (m *Main) refuseGorilla(imports map[string]string) {
	serves := m.Call != nil || m.Stops != nil && m.Stops.Serve != nil
	if m.gorilla == "" || !serves && ImportName(m.AST, pathGorilla) == "" {
		return // a main that serves nothing (a worker) has no router
	}
	for _, p := range imports {
		if p == pathChi || p == pathGin || p == pathEcho {
			return // the main's own router is one obsgen knows
		}
	}
	m.Framework = "gorilla"
	m.Router = "gorilla/mux (imported by " + m.gorilla + ")"
	if m.Problem == "" || ImportName(m.AST, pathGorilla) != "" {
		m.Problem = WhyGorilla
	} else {
		m.Problem += "; and " + WhyGorilla
	}
}
