package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Project is every service of one answers file and the stack they share.
// A single-service answers file (no services: key) is a project of one
// service in the repository's root, and is read and written back unchanged.
type Project struct {
	// Services are sorted by name.
	Services []Member
	// Listed: the answers file lists its services under services:, and
	// Shared holds the answers given once for all of them.
	Listed bool
	Shared Spec
	// Name names the stack of a project of several services (its compose
	// project, its files' headers): the answers file's project key.
	Name string
}

// DefaultProjectName is the project key's default.
const DefaultProjectName = "observability"

// Member is one service of a project: its folder and its whole answers
// (the shared ones with its own on top).
type Member struct {
	// Dir is the service's folder relative to the repository, slash
	// separated; "." is the repository's root.
	Dir  string
	Spec Spec
}

// Single returns the project of one service in the repository's root.
func Single(s Spec) Project { return Project{Services: []Member{{Dir: ".", Spec: s}}} }

// Stack is the answers the stack is generated from: the shared ones,
// which every service holds alike (Validate checks it). With several
// services it is named after the project, not after one of them.
func (p Project) Stack() Spec {
	s := p.Services[0].Spec
	if p.Listed {
		s.Service.Name = p.Name
	}
	return s
}

// SetObsgenVersion records which obsgen writes the answers file.
func (p *Project) SetObsgenVersion(v string) {
	p.Shared.ObsgenVersion = v
	for i := range p.Services {
		p.Services[i].Spec.ObsgenVersion = v
	}
}

// Specs are the services' answers, in Services order.
func (p Project) Specs() []Spec {
	out := make([]Spec, len(p.Services))
	for i, m := range p.Services {
		out[i] = m.Spec
	}
	return out
}

// stackPaths are the answers the services share because the stack has one
// of each: one deploy target and environment, one config folder, one
// trace backend, one Alertmanager, one Grafana and its
// links, one blackbox module set, one Prometheus retention (the SLO
// window), one CI.
var stackPaths = []string{
	"deploy.target", "output.config_dir", "tracing.enabled", "tracing.backend", "slo.window", "ci.github_actions",
	"alerts.grafana_url", "alerts.prometheus_url", "alerts.alertmanager_url", "alerts.runbook_base_url", "alerts.heartbeat",
	"alerts.probe_require_tls", "service.environment",
}

// ParseProject reads an answers file, with or without services:.
func ParseProject(name string, data []byte) (Project, error) {
	var top yaml.Node
	if err := yaml.Unmarshal(data, &top); err != nil || !hasKey(&top, "services") {
		s, err := Parse(name, data)
		if err != nil {
			return Project{}, err
		}
		return Single(s), nil
	}
	shared, name0, entries, err := parseShared(name, data)
	if err != nil {
		return Project{}, err
	}
	if len(entries) == 0 {
		return Project{}, fmt.Errorf("%s: services: no service listed: add one entry per service (name: {dir: ...}), or remove services: for a single service", name)
	}
	p := Project{Listed: true, Shared: shared, Name: name0}
	for _, e := range entries {
		m, err := parseMember(shared, e.name, e.node)
		if err != nil {
			return Project{}, fmt.Errorf("%s: %w", name, err)
		}
		p.Services = append(p.Services, m)
	}
	sort.Slice(p.Services, func(i, j int) bool { return p.Services[i].Spec.Service.Name < p.Services[j].Spec.Service.Name })
	return p, nil
}

// projectFile is the answers file with a services: list: the shared
// answers inline, each service's own as YAML to decode on top of them.
type projectFile struct {
	Spec     `yaml:",inline"`
	Project  string    `yaml:"project"`
	Services yaml.Node `yaml:"services"`
}

type entry struct {
	name string
	node *yaml.Node
}

func parseShared(name string, data []byte) (Spec, string, []entry, error) {
	pf := projectFile{Spec: New()}
	pf.Version = 0
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&pf); err != nil {
		return Spec{}, "", nil, fmt.Errorf("%s: %s", name, explainYAMLError(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Spec{}, "", nil, fmt.Errorf("%s: more than one YAML document (a --- line): keep the answers in one document and remove the rest", name)
	}
	if pf.Version == 0 {
		return Spec{}, "", nil, fmt.Errorf("%s: version: missing: add `version: %d` at the top", name, SchemaVersion)
	}
	if pf.Spec.Service.Name != "" {
		return Spec{}, "", nil, fmt.Errorf("%s: service.name: with services: each service is named by its key: remove service.name from the top level", name)
	}
	if pf.Project == "" {
		pf.Project = DefaultProjectName
	}
	if !serviceNameRE.MatchString(pf.Project) {
		return Spec{}, "", nil, fmt.Errorf("%s: project: %q is not a valid name: use 1-63 lowercase letters, digits and dashes, starting with a letter (e.g. shop)", name, pf.Project)
	}
	n := &pf.Services
	if n.Kind != yaml.MappingNode {
		return Spec{}, "", nil, fmt.Errorf("%s: line %d: services: must map each service's name to its answers, e.g. services: {api: {dir: services/api}}", name, n.Line)
	}
	var out []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, entry{name: n.Content[i].Value, node: n.Content[i+1]})
	}
	return pf.Spec, pf.Project, out, nil
}

// memberFile is one service's entry: its folder and its own answers.
type memberFile struct {
	Dir  string `yaml:"dir"`
	Spec `yaml:",inline"`
}

var lineRE = regexp.MustCompile(`line \d+: `)

// parseMember decodes a service's entry strictly on top of the shared
// answers. (The entry is re-encoded for the strict decoder, so its error
// lines would be the snippet's: they are named by key instead.)
func parseMember(shared Spec, name string, n *yaml.Node) (Member, error) {
	where := "services." + name
	if !serviceNameRE.MatchString(name) {
		return Member{}, fmt.Errorf("%s: %q is not a valid service name: use 1-63 lowercase letters, digits and dashes, starting with a letter (e.g. billing)", where, name)
	}
	if n.Kind != yaml.MappingNode {
		return Member{}, fmt.Errorf("%s: line %d: must hold the service's answers, at least dir: (its folder)", where, n.Line)
	}
	raw, err := yaml.Marshal(n)
	if err != nil {
		return Member{}, err
	}
	mf := memberFile{Spec: shared}
	mf.Spec.Dependencies = slices.Clone(shared.Dependencies)
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&mf); err != nil {
		return Member{}, fmt.Errorf("%s (line %d): %s", where, n.Line, lineRE.ReplaceAllString(explainYAMLError(err), ""))
	}
	if mf.Version != shared.Version {
		return Member{}, fmt.Errorf("%s.version: the answers file has one version: remove it from the service", where)
	}
	if mf.Service.Name != "" && mf.Service.Name != name {
		return Member{}, fmt.Errorf("%s.service.name: %q differs from the service's key %q: remove service.name (the key names the service)", where, mf.Service.Name, name)
	}
	mf.Service.Name = name
	if err := checkMemberDir(mf.Dir); err != nil {
		return Member{}, fmt.Errorf("%s.dir: %w", where, err)
	}
	mf.Listed = true
	return Member{Dir: path.Clean(mf.Dir), Spec: mf.Spec}, nil
}

func checkMemberDir(dir string) error {
	if dir == "" {
		return errors.New("missing: set the service's folder, relative to the repository, e.g. dir: services/api")
	}
	if strings.Contains(dir, `\`) || path.IsAbs(dir) || !isLocal(path.Clean(dir)) {
		return fmt.Errorf("%q is not a folder inside the repository: use a relative slash-separated path without .., e.g. services/api", dir)
	}
	return nil
}

func isLocal(p string) bool {
	return p != ".." && !strings.HasPrefix(p, "../")
}

// Validate checks every service's answers, each error prefixed with the
// service's entry, and that no two services share a folder or a name
// that the stack tells apart.
func (p Project) Validate() error {
	if !p.Listed {
		return p.Services[0].Spec.Validate()
	}
	var errs []error
	dirs, ports, logs := map[string]string{}, map[int]string{}, map[string]string{}
	for _, m := range p.Services {
		where := "services." + m.Spec.Service.Name
		if other, dup := dirs[m.Dir]; dup {
			errs = append(errs, fmt.Errorf("%s.dir: %q is also %s's folder: give each service its own folder", where, m.Dir, other))
		}
		dirs[m.Dir] = m.Spec.Service.Name
		// The compose stack publishes each service's port on the host.
		if other, dup := ports[m.Spec.Service.Port]; dup && m.Spec.Deploy.Target.IsCompose() {
			errs = append(errs, fmt.Errorf("%s.service.port: %d is also %s's port, and the stack publishes each on localhost: give each service its own, e.g. %d", where, m.Spec.Service.Port, other, m.Spec.Service.Port+1))
		}
		ports[m.Spec.Service.Port] = m.Spec.Service.Name
		// A log file is a service's: the shipper names its lines after
		// the one service whose file it is.
		if lp := m.Spec.Logs.Path; lp != "" {
			if other, dup := logs[lp]; dup {
				errs = append(errs, fmt.Errorf("%s.logs.path: %q is also %s's log file: give each service its own file, e.g. /var/log/%s/app.log", where, lp, other, m.Spec.Service.Name))
			}
			logs[lp] = m.Spec.Service.Name
		}
		if err := m.Spec.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
		for _, k := range stackPaths {
			if f, _ := Lookup(k); f.Get(m.Spec) != f.Get(p.Shared) {
				errs = append(errs, fmt.Errorf("%s.%s: the services share one stack, so %s is set once: set it at the top level of the answers file (or --set %s=...)", where, k, k, k))
			}
		}
	}
	if p.Stack().Deploy.Target.IsKubernetes() && len(p.Services) > 1 {
		errs = append(errs, errors.New("deploy.target: kubernetes with several services is not supported yet: generate each service on its own (one answers file per service folder), or use deploy.target: compose"))
	}
	return errors.Join(errs...)
}

// Marshal writes the answers file in the form it was read: a single
// service as before, or the shared answers and each service's own.
func (p Project) Marshal() ([]byte, error) {
	if !p.Listed {
		return p.Services[0].Spec.Marshal()
	}
	shared := p.Shared
	shared.Service.Name = ""
	out, err := shared.Marshal()
	if err != nil {
		return nil, err
	}
	var sharedDoc yaml.Node
	if err := yaml.Unmarshal(out, &sharedDoc); err != nil {
		return nil, err
	}
	services := &yaml.Node{Kind: yaml.MappingNode}
	project := []*yaml.Node{{Kind: yaml.ScalarNode, Value: "project"}, {Kind: yaml.ScalarNode, Value: p.Name}}
	for _, m := range p.Services {
		own, err := memberNode(sharedDoc.Content[0], m)
		if err != nil {
			return nil, err
		}
		services.Content = append(services.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: m.Spec.Service.Name}, own)
	}
	var b bytes.Buffer
	b.Write(out)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.MappingNode, Content: append(project, &yaml.Node{Kind: yaml.ScalarNode, Value: "services"}, services)}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// memberNode is a service's entry: its folder and every answer in which
// it differs from the shared ones.
func memberNode(shared *yaml.Node, m Member) (*yaml.Node, error) {
	s := m.Spec
	s.Service.Name = ""
	data, err := s.Marshal()
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	own := diffNode(shared, doc.Content[0])
	if own == nil {
		own = &yaml.Node{Kind: yaml.MappingNode}
	}
	own.Content = append([]*yaml.Node{{Kind: yaml.ScalarNode, Value: "dir"}, {Kind: yaml.ScalarNode, Value: m.Dir}}, own.Content...)
	return own, nil
}

// diffNode returns the keys of mapping b whose values differ from a's
// (recursively), or nil when there are none.
func diffNode(a, b *yaml.Node) *yaml.Node {
	if a == nil || a.Kind != yaml.MappingNode || b.Kind != yaml.MappingNode {
		if a != nil && sameNode(a, b) {
			return nil
		}
		return b
	}
	out := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(b.Content); i += 2 {
		k := b.Content[i]
		if d := diffNode(valueOf(a, k.Value), b.Content[i+1]); d != nil {
			out.Content = append(out.Content, k, d)
		}
	}
	if len(out.Content) == 0 {
		return nil
	}
	return out
}

func sameNode(a, b *yaml.Node) bool {
	ea, err1 := yaml.Marshal(a)
	eb, err2 := yaml.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

func valueOf(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func hasKey(doc *yaml.Node, key string) bool {
	return len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode && valueOf(doc.Content[0], key) != nil
}
