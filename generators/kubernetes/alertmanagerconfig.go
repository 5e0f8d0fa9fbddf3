package kubernetes

import (
	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/alertmanager"
	"github.com/obsgen/obsgen/internal/spec"
)

// The AlertmanagerConfig (monitoring.coreos.com/v1alpha1) subset obsgen
// writes. checks/k8s decodes the rendered object strictly into the
// operator's own Go types, so a field name that is wrong here fails there.
type (
	// AMConfigSpec is the spec of an AlertmanagerConfig.
	AMConfigSpec struct {
		Route        AMRoute      `yaml:"route"`
		Receivers    []AMReceiver `yaml:"receivers"`
		InhibitRules []AMInhibit  `yaml:"inhibitRules,omitempty"`
	}
	// AMRoute is a node of the routing tree.
	AMRoute struct {
		Receiver       string      `yaml:"receiver"`
		Matchers       []AMMatcher `yaml:"matchers,omitempty"`
		GroupBy        []string    `yaml:"groupBy,omitempty"`
		GroupWait      string      `yaml:"groupWait,omitempty"`
		GroupInterval  string      `yaml:"groupInterval,omitempty"`
		RepeatInterval string      `yaml:"repeatInterval,omitempty"`
		Routes         []AMRoute   `yaml:"routes,omitempty"`
	}
	// AMMatcher is one label matcher.
	AMMatcher struct {
		Name      string    `yaml:"name"`
		Value     string    `yaml:"value"`
		MatchType MatchType `yaml:"matchType"`
	}
	// AMInhibit mutes target alerts while a source alert fires.
	AMInhibit struct {
		SourceMatch []AMMatcher `yaml:"sourceMatch"`
		TargetMatch []AMMatcher `yaml:"targetMatch"`
		Equal       []string    `yaml:"equal"`
	}
	// AMReceiver is a named set of integrations.
	AMReceiver struct {
		Name             string        `yaml:"name"`
		SlackConfigs     []AMSlack     `yaml:"slackConfigs,omitempty"`
		PagerdutyConfigs []AMPagerduty `yaml:"pagerdutyConfigs,omitempty"`
		EmailConfigs     []AMEmail     `yaml:"emailConfigs,omitempty"`
		WebhookConfigs   []AMWebhook   `yaml:"webhookConfigs,omitempty"`
	}
	// SecretKeyRef names a key of a Secret in the AlertmanagerConfig's
	// namespace: the operator reads the credential from there.
	SecretKeyRef struct {
		Name string `yaml:"name"`
		Key  string `yaml:"key"`
	}
	// AMSlack posts to an incoming webhook.
	AMSlack struct {
		APIURL       SecretKeyRef `yaml:"apiURL"`
		SendResolved bool         `yaml:"sendResolved"`
		Title        string       `yaml:"title"`
		TitleLink    string       `yaml:"titleLink"`
		Text         string       `yaml:"text"`
	}
	// AMPagerduty opens incidents through the Events API v2.
	AMPagerduty struct {
		RoutingKey           SecretKeyRef      `yaml:"routingKey"`
		SendResolved         bool              `yaml:"sendResolved"`
		Severity             string            `yaml:"severity"`
		Description          string            `yaml:"description"`
		PagerDutyLinkConfigs []AMPagerdutyLink `yaml:"pagerDutyLinkConfigs"`
	}
	// AMPagerdutyLink is a link shown on the incident.
	AMPagerdutyLink struct {
		Href string `yaml:"href"`
		Text string `yaml:"alt"`
	}
	// AMEmail sends mail through an SMTP relay.
	AMEmail struct {
		To           string        `yaml:"to"`
		From         string        `yaml:"from"`
		Smarthost    string        `yaml:"smarthost"`
		AuthUsername string        `yaml:"authUsername,omitempty"`
		AuthPassword *SecretKeyRef `yaml:"authPassword,omitempty"`
		SendResolved bool          `yaml:"sendResolved"`
	}
	// AMWebhook POSTs the alert group to a URL from a Secret.
	AMWebhook struct {
		URLSecret    SecretKeyRef `yaml:"urlSecret"`
		SendResolved bool         `yaml:"sendResolved"`
	}
)

// secretKeyName is the key of a receiver credential in the alerting Secret:
// the compose secret's name, so both targets name it alike.
func secretKeyName(sec alertmanager.Secret) string { return sec.Name }

// AlertmanagerConfigSpec converts the compose target's Alertmanager config
// (alertmanager.Build: one routing tree, one set of receivers) into an
// AlertmanagerConfig spec whose credentials come from the <service>-alerting
// Secret instead of files.
func AlertmanagerConfigSpec(s spec.Spec) AMConfigSpec {
	c := alertmanager.Build(s)
	secretName := s.Service.Name + AlertingSecretSuffix
	// The compose config names credential files; map each to its key.
	ref := map[string]SecretKeyRef{}
	for _, sec := range alertmanager.Secrets(s) {
		ref[sec.File] = SecretKeyRef{Name: secretName, Key: secretKeyName(sec)}
	}
	out := AMConfigSpec{Route: route(c.Route)}
	for _, ir := range c.InhibitRules {
		out.InhibitRules = append(out.InhibitRules, AMInhibit{
			SourceMatch: matchers(ir.SourceMatchers), TargetMatch: matchers(ir.TargetMatchers), Equal: ir.Equal,
		})
	}
	for _, r := range c.Receivers {
		rc := AMReceiver{Name: r.Name}
		for _, sc := range r.SlackConfigs {
			rc.SlackConfigs = append(rc.SlackConfigs, AMSlack{APIURL: ref[sc.APIURLFile], SendResolved: sc.SendResolved, Title: sc.Title, TitleLink: sc.TitleLink, Text: sc.Text})
		}
		for _, pd := range r.PagerdutyConfigs {
			p := AMPagerduty{RoutingKey: ref[pd.RoutingKeyFile], SendResolved: pd.SendResolved, Severity: pd.Severity, Description: pd.Description}
			for _, l := range pd.Links {
				p.PagerDutyLinkConfigs = append(p.PagerDutyLinkConfigs, AMPagerdutyLink(l))
			}
			rc.PagerdutyConfigs = append(rc.PagerdutyConfigs, p)
		}
		for _, ec := range r.EmailConfigs {
			e := AMEmail{To: ec.To, From: ec.From, Smarthost: ec.Smarthost, AuthUsername: ec.AuthUsername, SendResolved: ec.SendResolved}
			if ec.AuthPasswordFile != "" {
				r := ref[ec.AuthPasswordFile]
				e.AuthPassword = &r
			}
			rc.EmailConfigs = append(rc.EmailConfigs, e)
		}
		for _, wc := range r.WebhookConfigs {
			rc.WebhookConfigs = append(rc.WebhookConfigs, AMWebhook{URLSecret: ref[wc.URLFile], SendResolved: wc.SendResolved})
		}
		out.Receivers = append(out.Receivers, rc)
	}
	return out
}

func route(r alertmanager.Route) AMRoute {
	out := AMRoute{
		Receiver: r.Receiver, Matchers: matchers(r.Matchers), GroupBy: r.GroupBy,
		GroupWait: r.GroupWait, GroupInterval: r.GroupInterval, RepeatInterval: r.RepeatInterval,
	}
	for _, c := range r.Routes {
		out.Routes = append(out.Routes, route(c))
	}
	return out
}

// matchers are the compose matchers in the operator's structured form.
func matchers(ms []alertmanager.Matcher) []AMMatcher {
	var out []AMMatcher
	for _, m := range ms {
		out = append(out, AMMatcher{Name: m.Name, Value: m.Value, MatchType: MatchType(m.Op)})
	}
	return out
}

// MatchType is a matcher's operator (=, !=, =~, !~). It is written quoted:
// a bare = is YAML 1.1's "value" tag, which some YAML parsers refuse.
type MatchType string

// MarshalYAML writes the operator as a double-quoted scalar.
func (t MatchType) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: string(t)}, nil
}

func alertmanagerConfigIntro(s spec.Spec) string {
	b := "# The spec of the " + s.Service.Name + " AlertmanagerConfig: the compose target's routing,\n" +
		"# grouping and inhibition (alertmanager.yml), with credentials read from\n" +
		"# the Secret " + s.Service.Name + AlertingSecretSuffix + " in the release namespace.\n" +
		"# The operator adds namespace=\"<this object's namespace>\" to the top route\n" +
		"# and to every inhibit rule: only alerts carrying that label are routed\n" +
		"# here, which is why every generated rule sets it.\n"
	return b
}
