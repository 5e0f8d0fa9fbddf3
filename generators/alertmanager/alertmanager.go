// Package alertmanager generates the Alertmanager configuration: a route
// tree that sends page and ticket alerts to the receiver chosen in the spec,
// grouping, and inhibition so one incident makes one notification. Receiver
// credentials never appear in the file: Alertmanager reads them from files
// (compose secrets), and Secrets tells the compose generator which.
package alertmanager

import (
	"fmt"
	"path"
	"strings"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Generator writes alertmanager.yml.
var Generator = generators.Generator{
	Name:  "alertmanager",
	Doc:   "Alertmanager routing, grouping and inhibition",
	Stack: generate,
}

// Dir is the folder, inside the config folder, of the Alertmanager config.
const Dir = "alertmanager"

// SecretsDir is where the container sees compose secrets.
const SecretsDir = "/run/secrets"

// Receiver names. Alerts without a severity label go to the ticket receiver.
const (
	ReceiverPage   = "page"
	ReceiverTicket = "ticket"
)

// Secret is one credential Alertmanager reads from a file.
type Secret struct {
	// Name is the compose secret; the container sees it at File.
	Name string
	// Env is the environment variable a user sets; compose turns it into
	// the secret (`secrets: <name>: environment: <env>`).
	Env  string
	File string
	// Description says what the value is, for observability.env.example.
	Description string
}

// Secrets lists the credentials the spec's receiver needs, in a stable order.
func Secrets(s spec.Spec) []Secret { return secretsOf(s, "") }

// secretsOf are the receiver's credentials; with own (a service of its own
// receiver) their names and variables start with the service's name.
func secretsOf(s spec.Spec, own string) []Secret {
	secret := func(name, env, desc string) Secret {
		if own != "" {
			name = strings.ReplaceAll(own, "-", "_") + "_" + name
			env = strings.ToUpper(strings.ReplaceAll(own, "-", "_")) + "_" + env
			desc = own + ": " + desc
		}
		return Secret{Name: name, Env: env, File: path.Join(SecretsDir, name), Description: desc}
	}
	switch s.Alerts.Receiver {
	case "slack":
		// Two channels: pages must not drown among tickets. A Slack
		// message still wakes nobody: see docs/alerts-and-dashboards.md.
		return []Secret{
			secret("slack_page_webhook_url", "SLACK_PAGE_WEBHOOK_URL", "Slack incoming webhook URL of the channel page alerts are posted to (https://hooks.slack.com/services/...); a chat message is not a pager"),
			secret("slack_webhook_url", "SLACK_WEBHOOK_URL", "Slack incoming webhook URL of the channel ticket alerts are posted to (https://hooks.slack.com/services/...)"),
		}
	case "pagerduty":
		return []Secret{
			secret("pagerduty_routing_key", "PAGERDUTY_ROUTING_KEY", "PagerDuty Events API v2 integration (routing) key of the service page alerts open incidents on (high urgency)"),
			secret("pagerduty_ticket_routing_key", "PAGERDUTY_TICKET_ROUTING_KEY", "PagerDuty Events API v2 integration (routing) key of the service ticket alerts open incidents on (set it to low urgency: tickets must not wake anyone)"),
		}
	case "email":
		if s.Alerts.SMTPUsername != "" {
			return []Secret{secret("smtp_password", "SMTP_PASSWORD", "password of SMTP user "+s.Alerts.SMTPUsername+" on "+s.Alerts.SMTPSmarthost)}
		}
	case "webhook":
		return []Secret{secret("alertmanager_webhook_url", "ALERTMANAGER_WEBHOOK_URL", "URL Alertmanager POSTs alert notifications to (webhook format v4)")}
	}
	return nil
}

// HeartbeatSecret is the dead man's switch URL the Watchdog is posted to,
// when alerts.heartbeat is on (the compose stack only).
func HeartbeatSecret(s spec.Spec) (Secret, bool) {
	const name = "heartbeat_url"
	return Secret{Name: name, Env: "HEARTBEAT_URL", File: path.Join(SecretsDir, name),
		Description: "URL of the dead man's switch (e.g. a healthchecks.io check or an Opsgenie heartbeat) Alertmanager posts the Watchdog alert to every minute"}, s.Alerts.Heartbeat
}

// OwnReceivers are the services of p whose alerts go to a receiver of
// their own, not the shared one (alerts.receiver and its addresses set in
// the service's entry).
func OwnReceivers(p spec.Project) []spec.Spec {
	if !p.Listed {
		return nil
	}
	var out []spec.Spec
	for _, s := range p.Specs() {
		if receiverAnswers(s) != receiverAnswers(p.Shared) {
			out = append(out, s)
		}
	}
	return out
}

func receiverAnswers(s spec.Spec) [5]string {
	a := s.Alerts
	return [5]string{a.Receiver, a.EmailTo, a.EmailFrom, a.SMTPSmarthost, a.SMTPUsername}
}

// ProjectSecrets are the credentials of the shared receiver and of each
// service's own.
func ProjectSecrets(p spec.Project) []Secret {
	out := Secrets(p.Stack())
	for _, s := range OwnReceivers(p) {
		out = append(out, secretsOf(s, s.Service.Name)...)
	}
	return out
}

// ReceiverHeartbeat takes the Watchdog alert: the dead man's switch, or
// nobody when none is configured.
const ReceiverHeartbeat = "heartbeat"

// withHeartbeat routes the stack's always-firing Watchdog first, renotified
// every minute, so the switch notices within minutes when the pipeline
// (Prometheus, Alertmanager, their network) stops.
func withHeartbeat(c Config, s spec.Spec) Config {
	route := Route{
		Receiver: ReceiverHeartbeat, Matchers: []Matcher{equal("alertname", rules.AlertWatchdog)},
		GroupBy: []string{"alertname"}, GroupWait: "0s", GroupInterval: "1m", RepeatInterval: "1m",
	}
	c.Route.Routes = append([]Route{route}, c.Route.Routes...)
	r := Receiver{Name: ReceiverHeartbeat}
	if sec, ok := HeartbeatSecret(s); ok {
		r.WebhookConfigs = []WebhookConfig{{SendResolved: false, URLFile: sec.File}}
	}
	c.Receivers = append(c.Receivers, r)
	return c
}

// Config is the subset of Alertmanager's configuration obsgen writes.
type Config struct {
	Global       Global        `yaml:"global"`
	Route        Route         `yaml:"route"`
	InhibitRules []InhibitRule `yaml:"inhibit_rules"`
	Receivers    []Receiver    `yaml:"receivers"`
}

// Global holds defaults for every receiver.
type Global struct {
	ResolveTimeout string `yaml:"resolve_timeout"`
}

// Route is a node of the routing tree.
type Route struct {
	Receiver       string    `yaml:"receiver"`
	Matchers       []Matcher `yaml:"matchers,omitempty"`
	GroupBy        []string  `yaml:"group_by,omitempty"`
	GroupWait      string    `yaml:"group_wait,omitempty"`
	GroupInterval  string    `yaml:"group_interval,omitempty"`
	RepeatInterval string    `yaml:"repeat_interval,omitempty"`
	Routes         []Route   `yaml:"routes,omitempty"`
}

// InhibitRule mutes target alerts while a source alert fires with the same
// values of the Equal labels.
type InhibitRule struct {
	SourceMatchers []Matcher `yaml:"source_matchers"`
	TargetMatchers []Matcher `yaml:"target_matchers"`
	Equal          []string  `yaml:"equal"`
}

// Receiver is a named set of integrations.
type Receiver struct {
	Name             string            `yaml:"name"`
	SlackConfigs     []SlackConfig     `yaml:"slack_configs,omitempty"`
	PagerdutyConfigs []PagerdutyConfig `yaml:"pagerduty_configs,omitempty"`
	EmailConfigs     []EmailConfig     `yaml:"email_configs,omitempty"`
	WebhookConfigs   []WebhookConfig   `yaml:"webhook_configs,omitempty"`
}

// SlackConfig posts to an incoming webhook read from APIURLFile.
type SlackConfig struct {
	SendResolved bool   `yaml:"send_resolved"`
	APIURLFile   string `yaml:"api_url_file"`
	Title        string `yaml:"title"`
	TitleLink    string `yaml:"title_link"`
	Text         string `yaml:"text"`
}

// PagerdutyConfig opens incidents through the Events API v2.
type PagerdutyConfig struct {
	SendResolved   bool            `yaml:"send_resolved"`
	RoutingKeyFile string          `yaml:"routing_key_file"`
	Severity       string          `yaml:"severity"`
	Description    string          `yaml:"description"`
	Links          []PagerdutyLink `yaml:"links"`
}

// PagerdutyLink is a link shown on the incident.
type PagerdutyLink struct {
	Href string `yaml:"href"`
	Text string `yaml:"text"`
}

// EmailConfig sends mail through an SMTP relay.
type EmailConfig struct {
	SendResolved     bool   `yaml:"send_resolved"`
	To               string `yaml:"to"`
	From             string `yaml:"from"`
	Smarthost        string `yaml:"smarthost"`
	AuthUsername     string `yaml:"auth_username,omitempty"`
	AuthPasswordFile string `yaml:"auth_password_file,omitempty"`
	// Headers set the Subject: Alertmanager's default lists only the
	// group labels, not which alerts fired.
	Headers map[string]string `yaml:"headers,omitempty"`
}

// WebhookConfig POSTs the alert group to a URL read from URLFile.
type WebhookConfig struct {
	SendResolved bool   `yaml:"send_resolved"`
	URLFile      string `yaml:"url_file"`
}

// Notification texts, Alertmanager templates over the generated annotations.
// The windows of one burn arrive in one group and differ in alertname and
// every annotation, so CommonLabels has no alertname and CommonAnnotations
// is empty: every receiver names each alert of the group and takes
// annotations from its first firing alert.
const (
	alertNames = `{{ if .CommonLabels.alertname }}{{ .CommonLabels.alertname }}{{ else }}{{ range $i, $a := .Alerts }}{{ if $i }}, {{ end }}{{ $a.Labels.alertname }}{{ end }}{{ end }}`
	title      = `[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.severity }}: ` + alertNames + ` ({{ .CommonLabels.service }})`
	text       = `{{ range .Alerts }}*{{ .Annotations.summary }}*
{{ .Annotations.description }}
Runbook: {{ .Annotations.runbook_url }} | Dashboard: {{ .Annotations.dashboard }}
{{ end }}`
)

// firstAnnotation is an annotation of the group's first firing alert (of
// its first alert once all are resolved).
func firstAnnotation(name string) string {
	return `{{ $a := index .Alerts 0 }}{{ with .Alerts.Firing }}{{ $a = index . 0 }}{{ end }}{{ $a.Annotations.` + name + ` }}`
}

// Matcher is one label matcher. It stays structured so the Kubernetes
// target's AlertmanagerConfig (which takes name, value and matchType
// apart) converts it field by field; Alertmanager's own file takes the
// string form.
type Matcher struct {
	Name string
	// Op is =, !=, =~ or !~.
	Op    string
	Value string
}

// String is the matcher as alertmanager.yml writes it: label="value",
// the value Go-quoted, which Alertmanager's matcher syntax accepts.
func (m Matcher) String() string { return fmt.Sprintf("%s%s%q", m.Name, m.Op, m.Value) }

// MarshalYAML writes the string form.
func (m Matcher) MarshalYAML() (any, error) { return m.String(), nil }

func equal(label, value string) Matcher { return Matcher{Name: label, Op: "=", Value: value} }

// anySLO matches the alerts of an SLO.
var anySLO = Matcher{Name: slo.LabelSLO, Op: "=~", Value: ".+"}

// Build returns the configuration for a spec.
func Build(s spec.Spec) Config {
	c := Config{
		Global: Global{ResolveTimeout: "5m"},
		Route: Route{
			Receiver: ReceiverTicket,
			// One notification per service, environment, SLO and severity:
			// the windows of one burn arrive together.
			GroupBy:        []string{slo.LabelService, contract.LabelEnvironment, slo.LabelSLO, slo.LabelSeverity},
			GroupWait:      "30s",
			GroupInterval:  "5m",
			RepeatInterval: "4h",
			Routes:         severityRoutes(ReceiverPage, ReceiverTicket),
		},
		// Inhibition mutes only what the source explains. Labels missing on
		// both sides are equal to Alertmanager, so every rule names the
		// alerts it may mute: a rule on severity alone would let any page
		// mute every ticket of the service without an slo label (the
		// stack's own alerts: Alertmanager cannot notify, the collector
		// drops data), which a down service does not explain.
		InhibitRules: []InhibitRule{
			{
				// A page already says it: mute the ticket of the same SLO.
				SourceMatchers: []Matcher{equal(slo.LabelSeverity, slo.SeverityPage), anySLO},
				TargetMatchers: []Matcher{equal(slo.LabelSeverity, slo.SeverityTicket), anySLO},
				Equal:          []string{slo.LabelService, contract.LabelEnvironment, slo.LabelSLO},
			},
			{
				// A service that is down or not scraped burns, or cannot
				// measure, every budget: one page is enough.
				SourceMatchers: []Matcher{{Name: "alertname", Op: "=~", Value: rules.AlertServiceDown + "|" + rules.AlertMetricsAbsent}},
				TargetMatchers: []Matcher{anySLO},
				Equal:          []string{slo.LabelService, contract.LabelEnvironment},
			},
			{
				// A certificate that pages at 3 days left is the one the
				// 14-day ticket is about.
				SourceMatchers: []Matcher{equal("alertname", rules.AlertCertExpiring)},
				TargetMatchers: []Matcher{equal("alertname", rules.AlertCertExpiresSoon)},
				Equal:          []string{slo.LabelService, contract.LabelEnvironment, contract.LabelInstance},
			},
			{
				// Every target of a down service is down.
				SourceMatchers: []Matcher{equal("alertname", rules.AlertServiceDown)},
				TargetMatchers: []Matcher{equal("alertname", rules.AlertTargetDown)},
				Equal:          []string{slo.LabelService, contract.LabelEnvironment},
			},
		},
	}
	page, ticket := receivers(s, "")
	c.Receivers = []Receiver{page, ticket}
	return c
}

// receivers are the page and ticket receivers of s's receiver answers,
// named page and ticket, or <own>-page and <own>-ticket for a service's
// own.
func receivers(s spec.Spec, own string) (page, ticket Receiver) {
	page, ticket = Receiver{Name: ReceiverPage}, Receiver{Name: ReceiverTicket}
	if own != "" {
		page.Name, ticket.Name = own+"-"+ReceiverPage, own+"-"+ReceiverTicket
	}
	secrets := secretsOf(s, own)
	switch s.Alerts.Receiver {
	case "slack":
		sc := func(url Secret) []SlackConfig {
			return []SlackConfig{{SendResolved: true, APIURLFile: url.File, Title: title, TitleLink: firstAnnotation("dashboard"), Text: text}}
		}
		page.SlackConfigs = sc(secrets[0])
		ticket.SlackConfigs = sc(secrets[1])
	case "pagerduty":
		pd := func(key Secret, severity string) []PagerdutyConfig {
			return []PagerdutyConfig{{
				SendResolved: true, RoutingKeyFile: key.File, Severity: severity,
				Description: title + ": " + firstAnnotation("summary"),
				Links: []PagerdutyLink{
					{Href: firstAnnotation("runbook_url"), Text: "Runbook"},
					{Href: firstAnnotation("dashboard"), Text: "Dashboard"},
				},
			}}
		}
		// Pages and tickets open incidents on two PagerDuty services (two
		// routing keys), so the ticket service can be low urgency around
		// the clock; the event severity says the same within each.
		page.PagerdutyConfigs = pd(secrets[0], "critical")
		ticket.PagerdutyConfigs = pd(secrets[1], "warning")
	case "email":
		ec := EmailConfig{SendResolved: true, To: s.Alerts.EmailTo, From: s.Alerts.EmailFrom, Smarthost: s.Alerts.SMTPSmarthost, Headers: map[string]string{"Subject": title}}
		if len(secrets) > 0 {
			ec.AuthUsername = s.Alerts.SMTPUsername
			ec.AuthPasswordFile = secrets[0].File
		}
		page.EmailConfigs = []EmailConfig{ec}
		ticket.EmailConfigs = []EmailConfig{ec}
	case "webhook":
		wc := WebhookConfig{SendResolved: true, URLFile: secrets[0].File}
		page.WebhookConfigs = []WebhookConfig{wc}
		ticket.WebhookConfigs = []WebhookConfig{wc}
	}
	return page, ticket
}

// severityRoutes send page and ticket alerts to page and ticket.
func severityRoutes(page, ticket string) []Route {
	return []Route{
		{Receiver: page, Matchers: []Matcher{equal(slo.LabelSeverity, slo.SeverityPage)}, RepeatInterval: "1h"},
		{Receiver: ticket, Matchers: []Matcher{equal(slo.LabelSeverity, slo.SeverityTicket)}, GroupWait: "5m", RepeatInterval: "1d"},
	}
}

// BuildProject is Build for the stack of p: the alerts of a service with
// a receiver of its own go to it (a route per such service, matched on its
// service label, before the shared receiver's).
func BuildProject(p spec.Project) Config {
	c := Build(p.Stack())
	var own []Route
	for _, s := range OwnReceivers(p) {
		n := s.Service.Name
		page, ticket := receivers(s, n)
		own = append(own, Route{Receiver: ticket.Name, Matchers: []Matcher{equal(slo.LabelService, n)}, Routes: severityRoutes(page.Name, ticket.Name)})
		c.Receivers = append(c.Receivers, page, ticket)
	}
	c.Route.Routes = append(own, c.Route.Routes...)
	return c
}

// Path is where alertmanager.yml goes.
func Path(s spec.Spec) string { return path.Join(s.Output.ConfigDir, Dir, "alertmanager.yml") }

func intro(p spec.Project) string {
	s := p.Stack()
	b := "# Alertmanager for " + s.Service.Name + ": severity=page and severity=ticket alerts go to\n" +
		"# the page and ticket receivers; an SLO page mutes that SLO's tickets, and\n" +
		"# ServiceDown or ServiceMetricsAbsent mute the service's SLO alerts (ServiceDown\n" +
		"# its down targets too), nothing else. Check: amtool check-config alertmanager.yml\n"
	if s.Alerts.Receiver == "none" {
		b += "# No receiver was chosen (alerts.receiver: none): alerts are only shown in\n" +
			"# Alertmanager and Grafana. Set alerts.receiver and run `obsgen generate`.\n"
	}
	for _, o := range OwnReceivers(p) {
		b += fmt.Sprintf("# %s's alerts (service=%q) go to its own %s receiver (%s-page, %s-ticket).\n", o.Service.Name, o.Service.Name, o.Alerts.Receiver, o.Service.Name, o.Service.Name)
	}
	secrets := ProjectSecrets(p)
	if sec, ok := HeartbeatSecret(s); ok {
		secrets = append(secrets, sec)
	} else {
		b += "# Watchdog (always firing) goes to the heartbeat receiver, which has no\n" +
			"# integration: set alerts.heartbeat to post it to a dead man's switch.\n"
	}
	for _, sec := range secrets {
		b += fmt.Sprintf("# Secret %s (%s): read from %s; compose sets it from $%s.\n", sec.Name, sec.Description, sec.File, sec.Env)
	}
	return b + "\n"
}

func generate(p spec.Project) ([]generators.File, error) {
	s := p.Stack()
	b, err := generators.YAML(intro(p), withHeartbeat(BuildProject(p), s))
	if err != nil {
		return nil, err
	}
	return []generators.File{{Path: Path(s), Content: b, Owner: generators.Owned}}, nil
}
