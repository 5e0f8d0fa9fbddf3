package spec

import (
	"strings"
	"testing"
)

// emailSpec is a valid spec with the email receiver.
func emailSpec() Spec {
	s := valid()
	s.Alerts.Receiver = "email"
	s.Alerts.EmailTo = "oncall@example.com"
	s.Alerts.EmailFrom = "alertmanager@example.com"
	s.Alerts.SMTPSmarthost = "smtp.example.com:587"
	return s
}

func TestAlertFieldsNameFieldAndFix(t *testing.T) {
	if err := emailSpec().Validate(); err != nil {
		t.Fatalf("a complete email receiver must be valid: %v", err)
	}
	cases := []struct {
		key, value, wantErr string
	}{
		{"alert-email-to", "", "required when alerts go by email"},
		{"alert-email-to", "oncall", "not an email address"},
		{"alert-email-to", `Oncall <oncall@example.com>`, "not an email address"},
		{"alert-email-to", "a@example.com, b@example.com", "not an email address"},
		{"alert-email-from", "", "required when alerts go by email"},
		{"smtp-smarthost", "", "required when alerts go by email"},
		{"smtp-smarthost", "smtp.example.com", "host:port"},
		{"smtp-smarthost", "smtp.example.com:99999", "host:port"},
		{"smtp-username", "a b", "without spaces or quotes"},
		{"grafana-url", "", "base URL"},
		{"grafana-url", "grafana:3000", "base URL"},
		{"grafana-url", "https://admin:pw@grafana.example.com", "base URL"},
		{"grafana-url", "https://grafana.example.com/", "base URL"},
		{"runbook-base-url", "https://git.example.com/runbooks?ref=main", "base URL"},
		{"runbook-base-url", "https://git.example.com/{{ .Evil }}", "base URL"},
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			f, ok := Lookup(c.key)
			if !ok {
				t.Fatalf("no field %s", c.key)
			}
			s := emailSpec()
			if err := f.Set(&s, c.value); err != nil {
				t.Fatalf("set: %v", err)
			}
			err := s.Validate()
			if err == nil {
				t.Fatalf("%s=%q was accepted", c.key, c.value)
			}
			for _, want := range []string{f.Path, "--" + f.Name, c.wantErr} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// Email answers matter only for the email receiver: switching to another
// receiver with them unset stays valid.
func TestEmailFieldsOnlyForEmail(t *testing.T) {
	for _, r := range Receivers {
		if r == "email" {
			continue
		}
		s := valid()
		s.Alerts.Receiver = r
		if err := s.Validate(); err != nil {
			t.Errorf("receiver %s without email answers: %v", r, err)
		}
	}
	s := valid()
	s.Alerts.RunbookBaseURL = "https://github.com/acme/checkout/blob/main/observability/runbooks"
	if err := s.Validate(); err != nil {
		t.Errorf("a repository runbook URL must be valid: %v", err)
	}
}
