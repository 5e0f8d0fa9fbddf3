package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Dependency is something the service calls: a database, a cache or an
// HTTP API. Its name labels the dependency's metrics, spans, panels and
// alerts, so it is a short, bounded identifier, never a URL.
type Dependency struct {
	Name string `yaml:"name"`
	Kind string `yaml:"kind"`
	// TrustedHosts are the hosts (http only) that receive the request's
	// trace context (traceparent, baggage); calls to any other host carry
	// none, so a third party never learns the service's trace IDs or
	// baggage. "*.example.com" matches every subdomain.
	TrustedHosts []string `yaml:"trusted_hosts,omitempty"`
}

// Dependencies is the dependencies answer. Its text form (flag, --set, the
// wizard) is name=kind[:host+host], comma-separated, e.g.
// "orders-db=postgres,payments=http:api.payments.example".
type Dependencies []Dependency

// DependencyKinds are the kinds of dependency obsgen instruments.
var DependencyKinds = []string{"postgres", "mysql", "sqlite", "redis", "http"}

// NodeDependencyKinds are the kinds a Node service's module instruments:
// postgres through pg, redis through ioredis.
var NodeDependencyKinds = []string{"postgres", "redis"}

// IsSQL reports whether the dependency is reached through database/sql.
func (d Dependency) IsSQL() bool {
	return d.Kind == "postgres" || d.Kind == "mysql" || d.Kind == "sqlite"
}

var (
	dependencyNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,30}[a-z0-9]$`)
	trustedHostRE    = regexp.MustCompile(`^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
)

// String writes the text form ParseDependencies reads.
func (ds Dependencies) String() string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Name + "=" + d.Kind
		if len(d.TrustedHosts) > 0 {
			parts[i] += ":" + strings.Join(d.TrustedHosts, "+")
		}
	}
	return strings.Join(parts, ",")
}

// ParseDependencies reads the text form; an empty text is no dependency.
// It checks the form only: Check checks the values.
func ParseDependencies(text string) (Dependencies, error) {
	var out Dependencies
	for _, item := range strings.Split(text, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, rest, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not name=kind: write e.g. orders-db=postgres,payments=http:api.payments.example (kinds: %s)", item, strings.Join(DependencyKinds, ", "))
		}
		kind, hosts, _ := strings.Cut(rest, ":")
		d := Dependency{Name: strings.TrimSpace(name), Kind: strings.TrimSpace(kind)}
		for _, h := range strings.Split(hosts, "+") {
			if h = strings.TrimSpace(h); h != "" {
				d.TrustedHosts = append(d.TrustedHosts, h)
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// Check validates every dependency: a label-safe unique name, a known
// kind, and trusted hosts only on http dependencies.
func (ds Dependencies) Check() error {
	seen := map[string]bool{}
	for i, d := range ds {
		if !dependencyNameRE.MatchString(d.Name) {
			return fmt.Errorf("[%d].name %q is not a dependency name: use 2-32 lowercase letters, digits, - and _, starting with a letter, e.g. orders-db (it labels metrics and panels, so never a URL)", i, d.Name)
		}
		if seen[d.Name] {
			return fmt.Errorf("[%d].name %q is used twice: give each dependency its own name, e.g. orders-db and reports-db", i, d.Name)
		}
		seen[d.Name] = true
		if !slices.Contains(DependencyKinds, d.Kind) {
			return fmt.Errorf("[%d].kind %q (dependency %s) is not supported: use one of %s", i, d.Kind, d.Name, strings.Join(DependencyKinds, ", "))
		}
		if d.Kind != "http" && len(d.TrustedHosts) > 0 {
			return fmt.Errorf("[%d].trusted_hosts (dependency %s): only http dependencies receive trace context: remove trusted_hosts or use kind http", i, d.Name)
		}
		for _, h := range d.TrustedHosts {
			if !trustedHostRE.MatchString(h) {
				return fmt.Errorf("[%d].trusted_hosts %q (dependency %s) is not a host name: use a lowercase host without scheme, port or path, or *.domain for its subdomains, e.g. api.payments.example", i, h, d.Name)
			}
		}
	}
	return nil
}

// CheckNode checks what a Node service can instrument: the kinds of
// NodeDependencyKinds, one of each. The instrumentations patch the pg and
// ioredis modules for the whole process, so every query and command is
// one kind's dependency; two databases could not be told apart.
func (ds Dependencies) CheckNode() error {
	seen := map[string]bool{}
	for i, d := range ds {
		if !slices.Contains(NodeDependencyKinds, d.Kind) {
			why := ""
			if d.Kind == "http" {
				why = " (a Node service's outbound calls get spans from its HTTP instrumentation, without a dependency name)"
			}
			return fmt.Errorf("[%d].kind %q (dependency %s) is for Go services only%s: remove the item; a Node service instruments postgres (pg) and redis (ioredis)", i, d.Kind, d.Name, why)
		}
		if seen[d.Kind] {
			return fmt.Errorf("[%d] (dependency %s): a Node service can have one %s dependency (the instrumentation sees every client of the process as one): remove all but one", i, d.Name, d.Kind)
		}
		seen[d.Kind] = true
	}
	return nil
}

// OfKind returns the first dependency of kind; its Name is empty when
// there is none.
func (ds Dependencies) OfKind(kind string) Dependency {
	for _, d := range ds {
		if d.Kind == kind {
			return d
		}
	}
	return Dependency{}
}

// Has reports whether any dependency is of one of kinds.
func (ds Dependencies) Has(kinds ...string) bool {
	return slices.ContainsFunc(ds, func(d Dependency) bool { return slices.Contains(kinds, d.Kind) })
}

// HasSQL reports whether any dependency goes through database/sql.
func (ds Dependencies) HasSQL() bool {
	return slices.ContainsFunc(ds, Dependency.IsSQL)
}
