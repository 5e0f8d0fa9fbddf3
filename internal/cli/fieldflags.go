package cli

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/internal/steps"
)

// addFieldFlags registers one flag per answer, named as in spec.Fields, and
// returns a function that applies the flags the user passed to a Spec.
func addFieldFlags(fs *pflag.FlagSet) func(*spec.Spec) error {
	defaults := spec.New()
	values := map[string]*string{}
	for _, f := range spec.Fields() {
		help := f.Prompt
		if len(f.Options) > 0 {
			help += " (" + strings.Join(f.Options, "|") + ")"
		}
		v := &textValue{text: f.Get(defaults), typ: f.Type()}
		fs.Var(v, f.Name, help)
		if f.IsBool() {
			fs.Lookup(f.Name).NoOptDefVal = "true"
		}
		values[f.Name] = &v.text
	}
	return func(s *spec.Spec) error {
		for _, f := range spec.Fields() {
			if !fs.Changed(f.Name) {
				continue
			}
			if err := f.Set(s, *values[f.Name]); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
		}
		return nil
	}
}

// textValue keeps a flag's text for spec.Field.Set to parse, so flags,
// --set, the wizard and the answers file share one parser; typ only labels
// the flag in help.
type textValue struct{ text, typ string }

func (v *textValue) String() string     { return v.text }
func (v *textValue) Set(s string) error { v.text = s; return nil }
func (v *textValue) Type() string       { return v.typ }

// applySets applies `--set key=value` pairs, where key is a flag name or an
// answers-file path.
func applySets(s *spec.Spec, sets []string) error {
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return usageErrorf("--set %q: write it as key=value, e.g. --set framework=chi", kv)
		}
		f, ok := spec.Lookup(strings.TrimSpace(k))
		if !ok {
			return usageErrorf("--set %q: unknown key %q: use one of %s", kv, k, strings.Join(fieldNames(), ", "))
		}
		if err := f.Set(s, v); err != nil {
			return &exitError{code: ExitUsage, err: err}
		}
	}
	return nil
}

// applyProjectSets applies --set to a project: services.<name>.<key> to
// that service, any other key to the shared answers and every service.
func applyProjectSets(p *spec.Project, sets []string) error {
	if !p.Listed {
		return applySets(&p.Services[0].Spec, sets)
	}
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if rest, ok := strings.CutPrefix(strings.TrimSpace(k), "services."); ok {
			name, key, _ := strings.Cut(rest, ".")
			i := slices.IndexFunc(p.Services, func(m spec.Member) bool { return m.Spec.Service.Name == name })
			if i < 0 {
				return usageErrorf("--set %q: no service %q in the answers file: use services.<name>.<key>=value with one of its services", kv, name)
			}
			if err := applySets(&p.Services[i].Spec, []string{key + "=" + v}); err != nil {
				return err
			}
			continue
		}
		if err := applySets(&p.Shared, []string{kv}); err != nil {
			return err
		}
		for i := range p.Services {
			if err := applySets(&p.Services[i].Spec, []string{kv}); err != nil {
				return err
			}
		}
	}
	return nil
}

func fieldNames() []string {
	var names []string
	for _, f := range spec.Fields() {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

// equivalentCommand is the non-interactive command line that reproduces s,
// printed after a wizard run for scripts and CI.
func equivalentCommand(s spec.Spec, dir string) string {
	def := spec.New()
	parts := []string{"obsgen", "init", "--no-prompt"}
	if dir != "." && dir != "" {
		parts = append(parts, "--dir", steps.Quote(dir))
	}
	for _, f := range spec.Fields() {
		if v := f.Get(s); v != f.Get(def) {
			parts = append(parts, fmt.Sprintf("--%s=%s", f.Name, steps.Quote(v)))
		}
	}
	return strings.Join(parts, " ")
}
