package wizard_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/wizard"
	"github.com/obsgen/obsgen/wizard/wizardtest"
)

func prompt(t *testing.T, name string) string {
	t.Helper()
	f, ok := spec.Lookup(name)
	if !ok {
		t.Fatalf("no field %s", name)
	}
	return f.Prompt
}

func TestWizardBasicFlow(t *testing.T) {
	p := &wizardtest.Scripted{Strict: true, Answers: map[string]string{
		prompt(t, "service-name"):     "checkout",
		prompt(t, "framework"):        "chi",
		prompt(t, "module"):           "github.com/acme/checkout",
		prompt(t, "environment"):      "staging",
		prompt(t, "sentry"):           "false",
		prompt(t, "tracing"):          "true",
		prompt(t, "slo-availability"): "99.5",
		prompt(t, "alert-receiver"):   "slack",
		prompt(t, "internet-facing"):  "true",
		prompt(t, "dependencies"):     "",
		wizard.AskAdvanced:            "false",
		wizard.AskConfirm:             "true",
	}}
	var out bytes.Buffer
	got, err := wizard.Run(p, spec.New(), &out)
	if err != nil {
		t.Fatal(err)
	}
	want := spec.New()
	want.Service.Name, want.Service.Framework, want.Service.Module = "checkout", "chi", "github.com/acme/checkout"
	want.Service.Environment, want.Sentry.Enabled, want.SLO.Availability, want.Alerts.Receiver = "staging", false, 99.5, "slack"
	want.Edge.InternetFacing = true
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	// Advanced questions were not asked; the DSN variable is not asked with Sentry off.
	for _, asked := range p.Asked {
		if asked == prompt(t, "metrics-port") || asked == prompt(t, "sentry-dsn-env") {
			t.Errorf("asked %q although advanced settings were declined", asked)
		}
	}
	// The summary shows every answer before the confirmation.
	for _, line := range []string{"service.name", "checkout", "service.framework", "chi", "alerts.receiver", "slack"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("summary lacks %q:\n%s", line, out.String())
		}
	}
	if p.Asked[len(p.Asked)-1] != wizard.AskConfirm {
		t.Errorf("the last question must be the confirmation, got %q", p.Asked[len(p.Asked)-1])
	}
}

func TestWizardShowsDetectedValuesAsDefaults(t *testing.T) {
	start := spec.New()
	start.Service.Module = "github.com/acme/detected"
	start.Service.Framework = "gin"
	p := &wizardtest.Scripted{Answers: map[string]string{prompt(t, "service-name"): "svc"}}
	got, err := wizard.Run(p, start, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Defaults[prompt(t, "module")] != "github.com/acme/detected" || p.Defaults[prompt(t, "framework")] != "gin" {
		t.Errorf("detected values were not offered as defaults: %v", p.Defaults)
	}
	if got.Service.Module != "github.com/acme/detected" || got.Service.Framework != "gin" {
		t.Errorf("accepting defaults lost detected values: %+v", got.Service)
	}
}

func TestWizardAdvancedAndConditional(t *testing.T) {
	p := &wizardtest.Scripted{Answers: map[string]string{
		prompt(t, "service-name"):          "svc",
		prompt(t, "module"):                "example.com/svc",
		prompt(t, "tracing"):               "false",
		wizard.AskAdvanced:                 "true",
		prompt(t, "metrics-port"):          "9100",
		prompt(t, "slo-latency-threshold"): "250ms",
	}}
	got, err := wizard.Run(p, spec.New(), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Metrics.Port != 9100 || got.SLO.LatencyThreshold.String() != "250ms" {
		t.Errorf("advanced answers not applied: %+v %+v", got.Metrics, got.SLO)
	}
	for _, asked := range p.Asked {
		if asked == prompt(t, "otlp-endpoint") {
			t.Error("asked for the OTLP endpoint with tracing off")
		}
	}
}

func TestWizardValidatesLikeTheAnswersFile(t *testing.T) {
	p := &wizardtest.Scripted{Answers: map[string]string{prompt(t, "service-name"): `my "svc"`}}
	_, err := wizard.Run(p, spec.New(), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "not a valid service name") {
		t.Fatalf("an invalid name must be rejected at the prompt, got %v", err)
	}
}

func TestWizardNoCancels(t *testing.T) {
	p := &wizardtest.Scripted{Answers: map[string]string{
		prompt(t, "service-name"): "svc",
		prompt(t, "module"):       "example.com/svc",
		wizard.AskConfirm:         "false",
	}}
	_, err := wizard.Run(p, spec.New(), &bytes.Buffer{})
	if !errors.Is(err, wizard.ErrCancelled) {
		t.Fatalf("declining the summary must cancel, got %v", err)
	}
}

// Detected dependencies are the question's default; the answer replaces
// them, and a bad one is refused with the field's own message.
func TestWizardDependencies(t *testing.T) {
	start := spec.New()
	start.Service.Name, start.Service.Module = "shop", "x.io/shop"
	start.Dependencies = spec.Dependencies{{Name: "postgres", Kind: "postgres"}, {Name: "redis", Kind: "redis"}}
	q := prompt(t, "dependencies")
	p := &wizardtest.Scripted{Answers: map[string]string{
		q:                  "orders-db=postgres,cache=redis,payments=http:api.payments.example",
		wizard.AskAdvanced: "false",
		wizard.AskConfirm:  "true",
	}}
	got, err := wizard.Run(p, start, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Defaults[q]; d != "postgres=postgres,redis=redis" {
		t.Errorf("offered %q, want the detected dependencies", d)
	}
	if s := got.Dependencies.String(); s != "orders-db=postgres,cache=redis,payments=http:api.payments.example" {
		t.Errorf("got %q", s)
	}
	p.Answers[q] = "db=mongo"
	if _, err := wizard.Run(p, start, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), `"mongo"`) {
		t.Errorf("got %v, want mongo refused", err)
	}
}
