package spec

import (
	"strings"
	"testing"
)

const projectAnswers = `version: 1
project: shop
alerts:
  receiver: slack
slo:
  availability: 99.5
services:
  web:
    dir: services/web
    service:
      language: node
      framework: express
      port: 8082
  api:
    dir: services/api
    service:
      framework: chi
    dependencies:
      - name: billing
        kind: http
        trusted_hosts: [billing]
  billing:
    dir: ./services/billing/
    service:
      port: 8081
    slo:
      availability: 99.95
`

func TestParseProjectSharedAndOwnAnswers(t *testing.T) {
	p, err := ParseProject("obsgen.yaml", []byte(projectAnswers))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Listed || p.Name != "shop" || len(p.Services) != 3 {
		t.Fatalf("got listed=%v name=%q %d services, want a listed project shop of 3", p.Listed, p.Name, len(p.Services))
	}
	byName := map[string]Member{}
	for _, m := range p.Services {
		byName[m.Spec.Service.Name] = m
	}
	if names := []string{p.Services[0].Spec.Service.Name, p.Services[1].Spec.Service.Name, p.Services[2].Spec.Service.Name}; strings.Join(names, ",") != "api,billing,web" {
		t.Errorf("services in order %v, want sorted by name", names)
	}
	api, billing, web := byName["api"], byName["billing"], byName["web"]
	if billing.Dir != "services/billing" {
		t.Errorf("billing's dir %q, want it cleaned to services/billing", billing.Dir)
	}
	// Shared answers reach every service; a service's own win for it only.
	for _, m := range p.Services {
		if m.Spec.Alerts.Receiver != "slack" {
			t.Errorf("%s: receiver %q, want the shared slack", m.Spec.Service.Name, m.Spec.Alerts.Receiver)
		}
		if !m.Spec.Listed {
			t.Errorf("%s is not marked as one of several services", m.Spec.Service.Name)
		}
	}
	if api.Spec.SLO.Availability != 99.5 || billing.Spec.SLO.Availability != 99.95 {
		t.Errorf("availability api %v billing %v, want the shared 99.5 and billing's own 99.95", api.Spec.SLO.Availability, billing.Spec.SLO.Availability)
	}
	if len(api.Spec.Dependencies) != 1 || len(billing.Spec.Dependencies) != 0 {
		t.Errorf("dependencies api %v billing %v: one service's list leaked into another", api.Spec.Dependencies, billing.Spec.Dependencies)
	}
	if !web.Spec.Service.Language.IsNode() || api.Spec.Service.Language.IsNode() {
		t.Errorf("languages web %q api %q", web.Spec.Service.Language, api.Spec.Service.Language)
	}
	for i := range p.Services {
		p.Services[i].Spec.Complete(Detected{})
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("valid project refused: %v", err)
	}
	if got := p.Stack().Service.Name; got != "shop" {
		t.Errorf("the stack is named %q, want the project's name", got)
	}
}

// Writing the answers back and reading them again gives the same
// services, and a service's entry holds only what differs from the shared.
func TestProjectMarshalRoundTrip(t *testing.T) {
	p, err := ParseProject("obsgen.yaml", []byte(projectAnswers))
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Services {
		p.Services[i].Spec.Complete(Detected{})
	}
	data, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseProject("obsgen.yaml", data)
	if err != nil {
		t.Fatalf("written answers do not parse: %v\n%s", err, data)
	}
	for i := range q.Services {
		q.Services[i].Spec.Complete(Detected{})
	}
	if len(q.Services) != len(p.Services) || q.Name != p.Name {
		t.Fatalf("round trip: %d services named %q, want %d named %q", len(q.Services), q.Name, len(p.Services), p.Name)
	}
	for i := range p.Services {
		a, b := p.Services[i], q.Services[i]
		ma, _ := a.Spec.Marshal()
		mb, _ := b.Spec.Marshal()
		if a.Dir != b.Dir || string(ma) != string(mb) {
			t.Errorf("%s changed in the round trip:\n%s\nvs\n%s", a.Spec.Service.Name, ma, mb)
		}
	}
	text := string(data)
	if strings.Count(text, "availability: 99.95") != 1 || strings.Count(text, "receiver: slack") != 1 {
		t.Errorf("shared answers repeated in each service's entry:\n%s", text)
	}
}

// A single-service answers file is read as before and written back byte
// for byte: no migration step, nothing moves.
func TestSingleServiceAnswersUnchanged(t *testing.T) {
	s := New()
	s.Service.Name = "checkout"
	s.Complete(Detected{})
	data, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseProject("obsgen.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if p.Listed || len(p.Services) != 1 || p.Services[0].Dir != "." || p.Services[0].Spec.Listed {
		t.Fatalf("single-service file read as %+v", p)
	}
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(data) {
		t.Errorf("written back differently:\n%s\nvs\n%s", out, data)
	}
}

func TestProjectErrorsNameTheEntry(t *testing.T) {
	base := "version: 1\nservices:\n"
	cases := []struct{ name, yaml, want string }{
		{"no dir", base + "  api: {service: {port: 8080}}\n", "services.api.dir: missing"},
		{"dir escapes", base + "  api: {dir: ../elsewhere}\n", "services.api.dir: \"../elsewhere\" is not a folder inside the repository"},
		{"unknown key", base + "  api: {dir: a, servce: {}}\n", `services.api (line 3): unknown key "servce"`},
		{"name differs", base + "  api: {dir: a, service: {name: other}}\n", "services.api.service.name: \"other\" differs"},
		{"bad name", base + "  Api: {dir: a}\n", `services.Api: "Api" is not a valid service name`},
		{"top-level name", "version: 1\nservice: {name: x}\nservices:\n  api: {dir: a}\n", "service.name: with services: each service is named by its key"},
		{"empty", base + "  {}\n", "no service listed"},
		{"not a map", base + "  - api\n", "services: must map each service's name"},
	}
	for _, c := range cases {
		_, err := ParseProject("obsgen.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	invalid := []struct{ name, yaml, want string }{
		{"same dir", base + "  api: {dir: a}\n  web: {dir: a, service: {port: 8081}}\n", `services.web.dir: "a" is also api's folder`},
		{"same port", base + "  api: {dir: a}\n  web: {dir: b}\n", "services.web.service.port: 8080 is also api's port"},
		{"stack answer per service", base + "  api: {dir: a, tracing: {backend: tempo}}\n", "services.api.tracing.backend: the services share one stack"},
		{"grafana per service", base + "  api: {dir: a, alerts: {grafana_url: \"https://grafana.example.com\"}}\n", "services.api.alerts.grafana_url: the services share one stack"},
		{"a service's own answer", base + "  api: {dir: a, slo: {availability: 120}}\n", "services.api: slo.availability"},
		{"same log file", base + "  api: {dir: a, logs: {path: /var/log/app.log}}\n  web: {dir: b, service: {port: 8081}, logs: {path: /var/log/app.log}}\n", `services.web.logs.path: "/var/log/app.log" is also api's log file`},
		{"kubernetes", "version: 1\ndeploy: {target: kubernetes}\nservices:\n  api: {dir: a}\n  web: {dir: b, service: {port: 8081}}\n", "kubernetes with several services is not supported yet"},
	}
	for _, c := range invalid {
		p, err := ParseProject("obsgen.yaml", []byte(c.yaml))
		if err != nil {
			t.Errorf("%s: parse: %v", c.name, err)
			continue
		}
		for i := range p.Services {
			p.Services[i].Spec.Complete(Detected{})
		}
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}
