package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	"github.com/obsgen/obsgen/templates"
)

// Templates use [[ ]] as delimiters, all of them: most outputs carry {{ }} of
// their own (Prometheus annotations, Alertmanager and Grafana templates, Loki
// template stages), and one rule for every template is easier to review than
// a per-file choice.
const leftDelim, rightDelim = "[[", "]]"

// funcMap is sprig's hermetic set (no env, time, random or uuid, so output
// is deterministic) plus quoting helpers for each dialect we write.
func funcMap() template.FuncMap {
	m := sprig.HermeticTxtFuncMap()
	delete(m, "env")
	delete(m, "expandenv")
	m["toYaml"] = toYAML
	m["yamlQuote"] = yamlQuote
	m["jsonQuote"] = JSONQuote
	m["promLabel"] = promLabelValue
	m["goString"] = strconv.Quote
	return m
}

func toYAML(v any) (string, error) {
	b, err := YAML("", v)
	return strings.TrimSuffix(string(b), "\n"), err
}

// yamlQuote renders s as a double-quoted YAML scalar.
func yamlQuote(s string) string {
	// A JSON string is a valid double-quoted YAML scalar.
	return JSONQuote(s)
}

// JSONQuote renders s as a JSON string, which is also a valid
// double-quoted YAML scalar and an OTTL/expr string literal.
func JSONQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// promLabelValue renders s as a quoted PromQL/LogQL label value.
func promLabelValue(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// Render executes the template at name (relative to the templates folder)
// with data. Partials (files starting with _) of the same folder are
// available to it by their file name.
func Render(name string, data any) ([]byte, error) {
	return renderFS(templates.FS, name, data)
}

func renderFS(fsys fs.FS, name string, data any) ([]byte, error) {
	t := template.New(path.Base(name)).Delims(leftDelim, rightDelim).Funcs(funcMap()).Option("missingkey=error")
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	if _, err := t.Parse(string(src)); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	partials, err := fs.Glob(fsys, path.Join(path.Dir(name), "_*.tmpl"))
	if err != nil {
		return nil, err
	}
	for _, p := range partials {
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		if _, err := t.New(path.Base(p)).Parse(string(src)); err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// RenderFile renders a template into a File with the given path and owner,
// mode 0644.
func RenderFile(tmpl, filePath string, owner Owner, data any) (File, error) {
	b, err := Render(tmpl, data)
	if err != nil {
		return File{}, err
	}
	return File{Path: filePath, Content: b, Mode: 0o644, Owner: owner}, nil
}
