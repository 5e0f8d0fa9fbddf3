package kubernetes

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/alertmanager"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/spec"
)

func k8sSpec(receiver string) spec.Spec {
	s := spec.New()
	s.Service.Name = "checkout"
	s.Complete(spec.Detected{})
	s.Deploy.Target = "kubernetes"
	s.Kubernetes.Namespace = "shop"
	s.Alerts.Receiver = receiver
	if receiver == "email" {
		s.Alerts.EmailTo, s.Alerts.EmailFrom, s.Alerts.SMTPSmarthost, s.Alerts.SMTPUsername = "oncall@example.com", "am@example.com", "smtp.example.com:587", "am"
	}
	return s
}

// TestRulesAreTheRulesFile: the PrometheusRule's groups are the groups of
// the target's rule file (the promtool tests' subject), and no alert stamps
// a namespace: the label comes from the series (checks/k8s proves with
// promtool that one namespace's outage fires no other's alert).
func TestRulesAreTheRulesFile(t *testing.T) {
	s := k8sSpec("none")
	groups := PrometheusRuleGroups(s)
	if !reflect.DeepEqual(groups, rules.Groups(s)) {
		t.Fatal("the PrometheusRule's groups differ from the rule file's")
	}
	alerts := 0
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts++
			if _, ok := r.Labels[LabelNamespace]; ok {
				t.Errorf("alert %s stamps namespace=%s", r.Alert, r.Labels[LabelNamespace])
			}
		}
	}
	if alerts == 0 {
		t.Fatal("no alerts compared")
	}
}

// TestAlertmanagerConfigFollowsCompose: every receiver and route of the
// compose config is in the AlertmanagerConfig, and each credential is a
// key of the alerting Secret.
func TestAlertmanagerConfigFollowsCompose(t *testing.T) {
	for _, r := range spec.Receivers {
		t.Run(r, func(t *testing.T) {
			s := k8sSpec(r)
			c := alertmanager.Build(s)
			amc := AlertmanagerConfigSpec(s)
			if amc.Route.Receiver != c.Route.Receiver || len(amc.Route.Routes) != len(c.Route.Routes) || len(amc.InhibitRules) != len(c.InhibitRules) {
				t.Fatalf("route tree differs: %+v vs %+v", amc.Route, c.Route)
			}
			refs := 0
			for i, rc := range amc.Receivers {
				if rc.Name != c.Receivers[i].Name {
					t.Errorf("receiver %s, want %s", rc.Name, c.Receivers[i].Name)
				}
				var got []SecretKeyRef
				for _, x := range rc.SlackConfigs {
					got = append(got, x.APIURL)
				}
				for _, x := range rc.PagerdutyConfigs {
					got = append(got, x.RoutingKey)
				}
				for _, x := range rc.WebhookConfigs {
					got = append(got, x.URLSecret)
				}
				for _, x := range rc.EmailConfigs {
					if x.AuthPassword != nil {
						got = append(got, *x.AuthPassword)
					}
				}
				for _, ref := range got {
					refs++
					if ref.Name != "checkout-alerting" || ref.Key == "" {
						t.Errorf("credential reference %+v: want a key of the checkout-alerting Secret", ref)
					}
				}
			}
			// One Secret key for every credential file the compose config reads.
			want := 0
			for _, rc := range c.Receivers {
				want += len(rc.SlackConfigs) + len(rc.PagerdutyConfigs) + len(rc.WebhookConfigs)
				for _, ec := range rc.EmailConfigs {
					if ec.AuthPasswordFile != "" {
						want++
					}
				}
			}
			if refs != want || want == 0 && len(alertmanager.Secrets(s)) > 0 {
				t.Errorf("%d credential references, want %d (one per credential file of the compose config)", refs, want)
			}
		})
	}
}

func TestGracePeriodOutlastsDrainAndFlush(t *testing.T) {
	s := k8sSpec("none")
	if got := GracePeriodSeconds(s); got != 35 {
		t.Errorf("with Sentry: %ds, want 10s drain + 4 flushes of 5s + 5s margin = 35s", got)
	}
	s.Sentry.Enabled = false
	if got := GracePeriodSeconds(s); got != 30 {
		t.Errorf("without Sentry: %ds, want 30s", got)
	}
}

func TestDisabledForCompose(t *testing.T) {
	s := k8sSpec("none")
	s.Deploy.Target = "compose"
	files, err := generate(s)
	if err != nil || len(files) != 0 {
		t.Fatalf("compose target: %d files, %v", len(files), err)
	}
}

// The agent reads pod logs, which carry no Docker attrs: the compose
// pipeline's container-label filter would drop every line there. The pod
// log path selects the container instead.
func TestAgentKeepsPodLinesWithoutDockerLabels(t *testing.T) {
	s := k8sSpec("none")
	recv := agentLogReceiver(s)
	for _, o := range recv.Operators.List() {
		if o.Type == "filter" && o.ID != "drop_health_checks" {
			t.Errorf("agent keeps filter %+v: pod lines have no Docker attrs", o)
		}
	}
	if !reflect.DeepEqual(recv.Include, []string{podLogGlob(s)}) {
		t.Errorf("agent reads %v, want only the service container's pod logs %s", recv.Include, podLogGlob(s))
	}
}

// The kubelet's CRI lines carry no newline of their own, so the agent
// joins a crash's lines with one. The values file must say so to the
// YAML parser Helm reads it with: a block scalar of a lone newline
// ("|2+" and no content line) reads back as "", which glues a stack's
// frames into one line.
func TestAgentJoinsCrashLinesWithNewline(t *testing.T) {
	b, err := generators.YAML("", AgentValues(k8sSpec("none")))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Config struct {
			Receivers struct {
				FileLog struct {
					Operators []struct {
						Type        string  `yaml:"type"`
						CombineWith *string `yaml:"combine_with"`
					} `yaml:"operators"`
				} `yaml:"file_log"`
			} `yaml:"receivers"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, op := range v.Config.Receivers.FileLog.Operators {
		if op.Type != "recombine" {
			continue
		}
		found = true
		if op.CombineWith == nil || *op.CombineWith != "\n" {
			t.Errorf("agent's recombine reads back combine_with %q, want a newline", deref(op.CombineWith))
		}
	}
	if !found {
		t.Fatal("agent has no recombine operator")
	}
}

func deref(p *string) string {
	if p == nil {
		return "<unset>"
	}
	return *p
}
