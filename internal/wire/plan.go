package wire

import (
	"bytes"
	"fmt"
	"go/ast"
	"io"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/internal/analyze"
	"github.com/obsgen/obsgen/internal/spec"
)

// Plan is what obsgen found in the service's code and what it plans for
// each of the service's own mains. The zero Plan (no Go code read) plans
// nothing.
type Plan struct {
	Found *analyze.Service `json:"found"`
	Mains []MainPlan       `json:"wiring"`
	// Dependencies are the other files whose clients of the answered
	// dependencies are rewritten (planned), or are to be by hand.
	Dependencies []DepPlan `json:"dependencies,omitempty"`
	deps         []generators.File
	// pkg is the generated package's name, for the lines the summary
	// prints.
	pkg string
}

// MainPlan is the plan for one main.
type MainPlan struct {
	File string `json:"file"`
	// Action: wired (already), planned (an edit; written with --wire),
	// manual (obsgen cannot edit it: Lines are for the user).
	Action  string `json:"action"`
	Problem string `json:"problem,omitempty"`
	// Patch is the unified diff of the planned edit.
	Patch string `json:"patch,omitempty"`
	// Lines are the exact lines to add by hand when Action is manual.
	Lines string `json:"lines,omitempty"`
	edit  *generators.File
}

// NewPlan plans the wiring of every main found into the package t names.
// framework is the answer used for a main whose router obsgen could not
// tell.
func NewPlan(found *analyze.Service, t Target, framework string) Plan {
	if found == nil {
		return Plan{}
	}
	w := Plan{Found: found, Mains: []MainPlan{}, pkg: t.Package}
	for _, m := range found.Mains {
		if generators.IsObsgens(m.Src) {
			continue
		}
		p := MainPlan{File: m.File}
		switch {
		case m.Wired:
			p.Action = "wired"
		case m.Problem != "":
			p.Action, p.Problem, p.Lines = "manual", m.Problem, manualLines(m, t, framework)
		default:
			out, err := Edit(m, t)
			if err != nil {
				p.Action, p.Problem, p.Lines = "manual", err.Error(), manualLines(m, t, framework)
				break
			}
			p.Action = "planned"
			p.Patch = unified(m.File, m.Src, out)
			p.edit = &generators.File{Path: m.File, Content: out, Mode: 0o644, Owner: generators.Edit, From: m.Src, Why: "wired into obsgen's package"}
		}
		w.Mains = append(w.Mains, p)
	}
	w.planDeps(found, t)
	return w
}

// Bridges are the loggers obsgen routes through its JSON logger.
func Bridges(loggers []string) []string {
	var out []string
	for _, l := range loggers {
		if l == "logrus" || l == "zap" || l == "zerolog" || l == "gorm" || l == "echo" {
			out = append(out, l)
		}
	}
	return out
}

// Complete puts what was found in the service's code into the spec the
// generators read: the main the image builds (the first that serves HTTP,
// else the first), cgo and the loggers to bridge.
func Complete(found *analyze.Service, s *spec.Spec) {
	if found == nil {
		return
	}
	for _, m := range found.Mains {
		if generators.IsObsgens(m.Src) {
			continue
		}
		if s.Found.MainDir == "" || m.Call != nil && !serves(found, s.Found.MainDir) {
			s.Found.MainDir = m.Dir
		}
	}
	s.Found.Cgo = found.Cgo != ""
	found.Dependencies = nil
	for _, d := range s.Dependencies {
		found.Dependencies = append(found.Dependencies, analyze.Dependency{Name: d.Name, Kind: d.Kind})
	}
	for _, l := range found.Loggers {
		switch l {
		case "logrus":
			s.Found.Logrus = true
		case "zap":
			s.Found.Zap = true
		case "zerolog":
			s.Found.Zerolog = true
		case "gorm":
			s.Found.Gorm = true
		case "echo":
			s.Found.Echo = true
		}
	}
}

// MainDirs are the folders of the service's own mains.
func (w Plan) MainDirs() []string {
	var out []string
	if w.Found == nil {
		return nil
	}
	for _, m := range w.Found.Mains {
		if !generators.IsObsgens(m.Src) {
			out = append(out, m.Dir)
		}
	}
	return out
}

func serves(f *analyze.Service, dir string) bool {
	for _, m := range f.Mains {
		if m.Dir == dir && m.Call != nil {
			return true
		}
	}
	return false
}

// Edits are the planned edits, to write when the user wants them.
func (w Plan) Edits() []generators.File {
	var out []generators.File
	for _, p := range w.Mains {
		if p.edit != nil {
			out = append(out, *p.edit)
		}
	}
	return append(out, w.deps...)
}

// Summary prints what was found, for the text report and the wizard.
func (w Plan) Summary(out io.Writer) {
	if w.Found == nil || len(w.Found.Mains) == 0 && len(w.Found.Loggers) == 0 {
		return
	}
	fmt.Fprintln(out, "found in the service's code:")
	for _, m := range w.Found.Mains {
		if generators.IsObsgens(m.Src) {
			continue
		}
		fmt.Fprintf(out, "  main package %s (%s)\n", m.Dir, m.File)
		if m.Framework != "" {
			fmt.Fprintf(out, "    router: %s %s\n", m.Framework, m.Router)
		}
		if m.Serve != "" {
			fmt.Fprintf(out, "    serves: %s\n", m.Serve)
		}
		for _, c := range m.Conflicts {
			where := at(c.File, c.Line)
			if c.Group != "" {
				where += ", on " + c.Group
			}
			fmt.Fprintf(out, "    conflicting middleware: %s (%s): %s\n", c.Name, where, c.Why)
		}
		for _, r := range m.Recoverers {
			fmt.Fprintf(out, "    recover middleware of the service's own: %s (%s): %s; kept, with obsgen's middleware after it (closer to the handler), so obsgen's sees a panic first and the service's sees none\n", r.Name, at(r.File, r.Line), r.Where)
		}
		for _, r := range m.GroupRecoverers {
			fmt.Fprintf(out, "    warning: recover middleware of the service's own on a route group: %s (%s, on %s): %s; %s\n", r.Name, at(r.File, r.Line), r.Group, r.Where, WhyGroupRecoverer)
		}
		switch {
		case m.Wired:
			fmt.Fprintln(out, "    already wired to obsgen's package")
		case m.Problem != "":
			fmt.Fprintf(out, "    cannot wire it automatically: %s\n", m.Problem)
		}
	}
	if len(w.Found.Loggers) > 0 {
		fmt.Fprintf(out, "  loggers: %s\n", strings.Join(w.Found.Loggers, ", "))
	}
	for _, g := range w.Found.GormLoggers {
		fmt.Fprintf(out, "  gorm logger of the service's own: %s (%s:%d): %s; use Logger: %s.Gorm() in its gorm.Config instead (.LogMode(logger.Info) on it logs every statement)\n", g.Name, g.File, g.Line, g.Why, w.pkg)
	}
	if w.Found.Cgo != "" {
		fmt.Fprintf(out, "  needs cgo: %s\n", w.Found.Cgo)
	}
}

// at is where the report says something is: a line of main's file, or
// file:line in another.
func at(file string, line int) string {
	if file != "" {
		return fmt.Sprintf("%s:%d", file, line)
	}
	return fmt.Sprintf("line %d", line)
}

// WhyGroupRecoverer is what a recover middleware of the service's own on
// a route group does to obsgen's, and what to do.
const WhyGroupRecoverer = "it recovers the panics of those routes before obsgen's middleware, on the router, sees them: no panic recovered line and no Sentry event for them (the request is still counted, with the status it answers). Kept as it is: remove it, or use it on the router itself (obsgen's middleware then goes after it)"

// Advise prints, for every main not wired, the patch to apply (with
// --wire or `obsgen wire`) or the lines to add by hand.
func (w Plan) Advise(out io.Writer, applied bool) {
	for _, p := range w.Mains {
		switch p.Action {
		case "planned":
			if applied {
				continue
			}
			fmt.Fprintf(out, "\n%s is not wired to obsgen's package yet. This edit does it (apply it with `obsgen wire`, or init --wire):\n%s", p.File, p.Patch)
		case "manual":
			fmt.Fprintf(out, "\nwarning: obsgen cannot wire %s by itself: %s\nAdd these lines to it:\n%s", p.File, p.Problem, p.Lines)
		}
	}
	for _, d := range w.Dependencies {
		switch d.Action {
		case "planned":
			if !applied {
				fmt.Fprintf(out, "\n%s opens its dependencies without obsgen's package. This edit does it (apply it with `obsgen wire`, or init --wire):\n%s", d.File, d.Patch)
			}
		case "manual":
			fmt.Fprintf(out, "\nwarning: obsgen left these calls of %s as they are (it does not guess which dependency a call reaches): change them by hand, with one name each:\n%s", d.File, d.Lines)
		}
	}
}

func unified(name string, a, b []byte) string {
	var buf bytes.Buffer
	_ = difflib.WriteUnifiedDiff(&buf, difflib.UnifiedDiff{
		A: difflib.SplitLines(string(a)), B: difflib.SplitLines(string(b)),
		FromFile: "a/" + name, ToFile: "b/" + name, Context: 3,
	})
	return buf.String()
}

// manualLines are the exact lines for a main obsgen cannot edit itself,
// with the file's own names for the packages and the router.
func manualLines(m *analyze.Main, t Target, framework string) string {
	imports := analyze.Imports(m.AST)
	logName := "log"
	if p, ok := imports["log"]; ok && p != "log" {
		logName = "stdlog"
	}
	var b strings.Builder
	b.WriteString("  import (\n")
	for _, ip := range []string{"context", "log", "os", "os/signal", "syscall", t.ImportPath} {
		if analyze.ImportName(m.AST, ip) != "" {
			continue
		}
		if ip == "log" && logName != "log" {
			fmt.Fprintf(&b, "  \tstdlog %q\n", ip)
			continue
		}
		fmt.Fprintf(&b, "  \t%q\n", ip)
	}
	// The bridges' lines, with the file's names for the loggers' packages
	// (zerolog's log gets another: "log" is the standard one here).
	var bridges []string
	for _, lib := range t.Bridges {
		if lib == "echo" {
			continue // on the router (below)
		}
		name := ""
		if im, ok := bridgeImports[lib]; ok {
			name = analyze.ImportName(m.AST, im.path)
			if name == "" {
				name = im.name
				if lib == "zerolog" {
					name = "zlog"
				}
				line := fmt.Sprintf("%q", im.path)
				if name != defaultName(im.path) {
					line = name + " " + line
				}
				fmt.Fprintf(&b, "  \t%s\n", line)
			}
		}
		bridges = append(bridges, "  "+BridgeLine(lib, t.Package, name)+"\n")
	}
	b.WriteString("  )\n\n  // first in main:\n")
	fmt.Fprintf(&b, "  ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)\n  defer stop()\n")
	fmt.Fprintf(&b, "  obsShutdown, err := %s.Setup(ctx)\n  if err != nil {\n  \t%s.Fatalf(\"observability setup: %%v\", err)\n  }\n  defer obsShutdown(context.Background())\n", t.Package, logName)
	if len(bridges) > 0 {
		before := ""
		if slices.Contains(t.Bridges, "gorm") {
			before = ", before gorm.Open"
		}
		b.WriteString("\n  // after your own setup of these loggers" + before + ":\n" + strings.Join(bridges, ""))
	}
	// What main serves today: its serve call, else the one inside the
	// goroutine it serves from.
	call := m.Call
	if call == nil && m.Stops != nil {
		call = m.Stops.Serve
	}
	router := "router"
	if _, taken := imports[router]; taken {
		router = "yourRouter" // "router" is a package in this file
	}
	switch {
	case m.Site != nil:
		router = m.Site.Var
	case call != nil && call.Handler != nil:
		router = exprSource(m, call.Handler)
	case call != nil:
		router = "http.DefaultServeMux"
	}
	fw := m.Framework
	if fw == "" || fw == "gorilla" {
		fw = framework
	}
	heading, use := "first on the router, right after it is built:", router
	wrap := func(h string) string { return fmt.Sprintf("%s.Middleware(%s)", t.Package, h) }
	if call != nil && call.Around != nil {
		// Inside the service's recover around the router (recoverMW(r)),
		// which Serve keeps serving.
		use = exprSource(m, call.Around.Args[0])
		wrap = func(string) string {
			return fmt.Sprintf("%s(%s.Middleware(%s))", exprSource(m, call.Around.Fun), t.Package, use)
		}
	}
	if built := m.Built; m.Site == nil && built != nil && built.After != nil {
		// Where the router is built, inside the service's recover: in
		// main it would come first and see no panic.
		pos := m.Fset.Position(built.After.Pos())
		heading = fmt.Sprintf("in %s, right after line %d, where the router is built (%s; import %q there):", pos.Filename, pos.Line, AfterRecoverers(m.Recoverers), t.ImportPath)
		use = built.Var
	}
	b.WriteString("\n  // " + heading + "\n")
	switch fw {
	case "chi":
		fmt.Fprintf(&b, "  %s.Use(%s.Middleware)\n", use, t.Package)
	case "gin":
		fmt.Fprintf(&b, "  %s.Use(%s.Middleware()...) // on gin.New(), not gin.Default()\n", use, t.Package)
	case "echo":
		fmt.Fprintf(&b, "  %s.Use(%s.Middleware())\n", use, t.Package)
		if slices.Contains(t.Bridges, "echo") {
			fmt.Fprintf(&b, "  %s\n", BridgeLine("echo", t.Package, use))
		}
	default:
		fmt.Fprintf(&b, "  handler := %s\n", wrap(router))
		router = "handler"
	}
	if m.Site == nil {
		// The router is built elsewhere: its conflicting middleware
		// stays unless the user removes it (a Recover there would catch
		// a panic before obsgen's).
		for i, c := range m.Conflicts {
			if i == 0 {
				b.WriteString("  // and remove, where the router is built (obsgen's middleware does their job):\n")
			}
			fmt.Fprintf(&b, "  //   %s at %s:%d\n", c.Name, c.File, c.Line)
		}
	}
	replaced := "the serve call"
	if lines := m.ShutdownLines(); lines != "" {
		// Both would wait for a signal: the service's own wait would
		// never see the SIGTERM obsgen's context takes.
		replaced = lines + " (kept beside Serve, your own wait would never see the SIGTERM Serve's context takes)"
	}
	fmt.Fprintf(&b, "\n  // instead of %s;\n  // Serve shuts down gracefully on SIGINT and SIGTERM and answers /healthz and /readyz:\n", replaced)
	addr := ""
	switch {
	case call != nil && call.Addr != nil:
		addr = exprSource(m, call.Addr)
	case call != nil && call.AddrDefault != "":
		addr = call.AddrDefault
	default:
		// Left undefined, so the build says so rather than listening on
		// a port of obsgen's choosing.
		addr = "listenAddr"
		b.WriteString("  // listenAddr: the address your service listens on today (obsgen did not find it)\n")
	}
	fmt.Fprintf(&b, "  if err := %s.Serve(ctx, %s, %s); err != nil {\n  \t%s.Fatal(err)\n  }\n", t.Package, addr, router, logName)
	return b.String()
}

func exprSource(m *analyze.Main, e ast.Expr) string {
	tf := m.Fset.File(e.Pos())
	return string(m.Src[tf.Offset(e.Pos()):tf.Offset(e.End())])
}
