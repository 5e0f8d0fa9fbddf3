package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Validate checks every answer and returns all problems at once, each naming
// its field and the fix.
func (s Spec) Validate() error {
	if s.Version != SchemaVersion {
		return fmt.Errorf("version: answers file version %d is not supported by this obsgen: set version: %d (or upgrade obsgen)", s.Version, SchemaVersion)
	}
	var errs []error
	for _, f := range fields {
		if err := f.Check(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// MissingRequired lists the flags of required answers that are still empty.
func (s Spec) MissingRequired() []string {
	var missing []string
	for _, f := range fields {
		if f.Required && f.Get(s) == "" {
			missing = append(missing, "--"+f.Name)
		}
	}
	return missing
}

var unknownFieldRE = regexp.MustCompile(`line (\d+): field (\S+) not found in type spec\.(\w+)`)

// Parse reads an answers file strictly on top of the defaults: an unknown key
// is an error naming the key and its line, so a typo never silently falls
// back to a default.
func Parse(name string, data []byte) (Spec, error) {
	s := New()
	s.Version = 0
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return Spec{}, fmt.Errorf("%s: the answers file is empty: run `obsgen init` to create it", name)
		}
		return Spec{}, fmt.Errorf("%s: %s", name, explainYAMLError(err))
	}
	if s.Version == 0 {
		return Spec{}, fmt.Errorf("%s: version: missing: add `version: %d` at the top", name, SchemaVersion)
	}
	return s, nil
}

func explainYAMLError(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		if m := unknownFieldRE.FindStringSubmatch(e); m != nil {
			section := sectionOf[m[3]]
			key := m[2]
			if section != "" {
				key = section + "." + key
			}
			msgs = append(msgs, fmt.Sprintf("line %s: unknown key %q: remove it or fix its spelling (see docs/answers.md)", m[1], key))
			continue
		}
		msgs = append(msgs, e)
	}
	return strings.Join(msgs, "; ")
}

// sectionOf maps a Go type name in yaml.v3's messages to its answers-file key.
var sectionOf = map[string]string{
	"Spec": "", "Service": "service", "Metrics": "metrics", "Sentry": "sentry", "Tracing": "tracing",
	"SLO": "slo", "Alerts": "alerts", "Deploy": "deploy", "Output": "output", "Node": "node",
}

const fileHeader = `# obsgen answers file: the stack obsgen generates observability code and config for.
# Edit it and run ` + "`obsgen generate`" + `, or change one answer with ` + "`obsgen generate --set key=value`" + `.
# Commit it with the generated files.
`

// Marshal writes the answers file.
func (s Spec) Marshal() ([]byte, error) {
	// Each language's answers are written only for that language; loading
	// the file restores the other's defaults.
	if s.Service.Language == "node" {
		s.Service.Module = ""
	} else {
		s.Node = Node{}
	}
	var b bytes.Buffer
	b.WriteString(fileHeader)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
