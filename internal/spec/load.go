package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	// A second document (after ---) would be silently ignored by Decode:
	// the answers are one document, so anything after it is an error.
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Spec{}, fmt.Errorf("%s: more than one YAML document (a --- line): keep the answers in one document and remove the rest", name)
	}
	if s.Version == 0 {
		return Spec{}, fmt.Errorf("%s: version: missing: add `version: %d` at the top", name, SchemaVersion)
	}
	return s, nil
}

// maxAnswersSize bounds the answers file: a real one is a few KB.
const maxAnswersSize = 1 << 20

// ReadFile reads the answers file at path, which must be a regular file
// inside the repository root: a symlink that leaves the repo, a FIFO (which
// would block the run forever) or a device is refused. It returns an
// fs.ErrNotExist error when there is no answers file.
func ReadFile(root, path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, fmt.Errorf("%s: a symlink that does not resolve (%v): make it a regular file in the repository", path, err)
		}
		realRoot, err := filepath.EvalSymlinks(root)
		if err != nil {
			return nil, err
		}
		if rel, err := filepath.Rel(realRoot, target); err != nil || !filepath.IsLocal(rel) {
			return nil, fmt.Errorf("%s: a symlink to %s, outside the repository: make it a regular file in the repository", path, target)
		}
		if fi, err = os.Stat(target); err != nil {
			return nil, err
		}
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s): the answers file must be a plain file", path, fi.Mode().Type())
	}
	if fi.Size() > maxAnswersSize {
		return nil, fmt.Errorf("%s: %d bytes, more than an answers file holds (at most %d): check the path", path, fi.Size(), maxAnswersSize)
	}
	return os.ReadFile(path)
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
	"Spec": "", "projectFile": "", "memberFile": "", "Service": "service", "Metrics": "metrics", "Sentry": "sentry", "Tracing": "tracing",
	"SLO": "slo", "Logs": "logs", "Edge": "edge", "Alerts": "alerts", "Deploy": "deploy", "Output": "output",
	"Kubernetes": "kubernetes", "Node": "node", "Dependency": "dependencies[]",
}

const fileHeader = `# obsgen answers file: the stack obsgen generates observability code and config for.
# Edit it and run ` + "`obsgen generate`" + `, or change one answer with ` + "`obsgen generate --set key=value`" + `.
# Commit it with the generated files.
`

// Marshal writes the answers file.
func (s Spec) Marshal() ([]byte, error) {
	// Each language's answers are written only for that language; loading
	// the file restores the other's defaults.
	if s.Service.Language.IsNode() {
		s.Service.Module = ""
	} else {
		s.Node = Node{}
	}
	var b bytes.Buffer
	b.WriteString(fileHeader)
	var doc yaml.Node
	if err := doc.Encode(s); err != nil {
		return nil, err
	}
	// The kubernetes section means nothing to other targets: leave it out
	// while it holds only defaults, so their answers files stay as they were.
	if !s.Deploy.Target.IsKubernetes() && s.Kubernetes == New().Kubernetes {
		dropKey(&doc, "kubernetes")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// dropKey removes key from a mapping node.
func dropKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}
