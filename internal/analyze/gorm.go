package analyze

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
)

// WhyGormLogger is why a gorm logger of the service's own is named.
const WhyGormLogger = "it writes gorm's own text lines, with the SQL's values, to stdout: obsgen's bridge replaces gorm's logger.Default, which a logger of the service's own bypasses"

// gormConstructors build a gorm logger of the service's own.
var gormConstructors = map[string]bool{"New": true, "NewSlogLogger": true}

func imports(f *ast.File, ip string) bool {
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == ip {
			return true
		}
	}
	return false
}

// gormLoggers finds the calls in the file rel that build a gorm logger:
// logger.New(...), logger.NewSlogLogger(...). Only files importing gorm's
// logger package are parsed whole for it.
func gormLoggers(fset *token.FileSet, rel string, src []byte) []Conflict {
	whole, err := parser.ParseFile(fset, rel, src, parser.SkipObjectResolution)
	if err != nil {
		return nil // go build reports it
	}
	im := Imports(whole)
	var out []Conflict
	ast.Inspect(whole, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if ip, name := qualified(im, c.Fun); ip == PathGormLogger && gormConstructors[name] {
			out = append(out, Conflict{Name: exprString(c.Fun), File: rel, Line: fset.Position(c.Pos()).Line, Why: WhyGormLogger})
		}
		return true
	})
	return out
}
