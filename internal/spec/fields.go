package spec

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/module"
)

// Field describes one answer. The same table drives the command-line flags,
// `generate --set`, the wizard's questions and validation, so the three ways
// of filling a Spec cannot drift apart.
type Field struct {
	// Name is the flag name and the --set key, in kebab case.
	Name string
	// Path is the key in the answers file.
	Path string
	// Prompt and Help are what the wizard asks and explains.
	Prompt string
	Help   string
	// Options lists the accepted values of an enumerated field.
	Options []string
	// Advanced fields are asked only when the user opts into advanced settings.
	Advanced bool
	// Required fields have no default: non-interactive runs must pass them.
	Required bool
	// When reports whether the field matters for the rest of the spec; the
	// wizard skips it otherwise. Nil means always.
	When func(Spec) bool

	ref   func(*Spec) any
	check func(Spec) error
}

var (
	serviceNameRE = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
	envNameRE     = regexp.MustCompile(`^[a-z]([a-z0-9_-]{0,30}[a-z0-9])?$`)
	envVarRE      = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,63}$`)
	urlPathRE     = regexp.MustCompile(`^/[A-Za-z0-9/_.-]{0,63}$`)
)

func sentryOn(s Spec) bool  { return s.Sentry.Enabled }
func tracingOn(s Spec) bool { return s.Tracing.Enabled }
func emailOn(s Spec) bool   { return s.Alerts.Receiver == "email" }

var fields = []Field{
	{
		Name: "service-name", Path: "service.name", Required: true,
		Prompt: "Service name",
		Help:   "Names the service in metrics (job), logs (service_name), traces (service.name) and alerts. Lowercase letters, digits and dashes.",
		ref:    func(s *Spec) any { return &s.Service.Name },
		check: func(s Spec) error {
			if !serviceNameRE.MatchString(s.Service.Name) {
				return fmt.Errorf("%q is not a valid service name: use 1-63 lowercase letters, digits and dashes, starting with a letter (e.g. checkout-api)", s.Service.Name)
			}
			return nil
		},
	},
	{
		Name: "language", Path: "service.language", Options: Languages, Advanced: true,
		Prompt: "Language",
		Help:   "The language of the generated instrumentation code.",
		ref:    func(s *Spec) any { return &s.Service.Language },
	},
	{
		Name: "framework", Path: "service.framework", Options: Frameworks,
		Prompt: "HTTP framework",
		Help:   "The router the service uses; obsgen generates middleware for it. nethttp is the standard library ServeMux.",
		ref:    func(s *Spec) any { return &s.Service.Framework },
	},
	{
		Name: "module", Path: "service.module",
		Prompt: "Go module path",
		Help:   "The module path from the service's go.mod; generated imports start with it.",
		ref:    func(s *Spec) any { return &s.Service.Module },
		check: func(s Spec) error {
			// What `go mod init` accepts: an import path, which need not
			// hold a dot (internal services use paths like rest-example).
			if err := module.CheckImportPath(s.Service.Module); err != nil {
				return fmt.Errorf("%q is not a module path `go mod init` accepts: %v; it must match the module line of the service's go.mod (for a new service, e.g. github.com/acme/checkout)", s.Service.Module, err)
			}
			return nil
		},
	},
	{
		Name: "service-version-source", Path: "service.version_source", Options: VersionSources, Advanced: true,
		Prompt: "Where the service version comes from",
		Help:   "buildinfo: the module version or VCS revision Go embeds at build time. env: the SERVICE_VERSION environment variable.",
		ref:    func(s *Spec) any { return &s.Service.VersionSource },
	},
	{
		Name: "port", Path: "service.port", Advanced: true,
		Prompt: "HTTP port the service listens on",
		Help:   "The port of the service's own API.",
		ref:    func(s *Spec) any { return &s.Service.Port },
		check:  func(s Spec) error { return checkPort(s.Service.Port) },
	},
	{
		Name: "environment", Path: "service.environment",
		Prompt: "Deployment environment",
		Help:   "Sent as deployment.environment.name, the environment label and Sentry's environment. Lowercase, e.g. production or staging.",
		ref:    func(s *Spec) any { return &s.Service.Environment },
		check: func(s Spec) error {
			if !envNameRE.MatchString(s.Service.Environment) {
				return fmt.Errorf("%q is not a valid environment: use lowercase letters, digits, dashes and underscores, e.g. production", s.Service.Environment)
			}
			return nil
		},
	},
	{
		Name: "log-level", Path: "service.log_level", Options: LogLevels, Advanced: true,
		Prompt: "Default log level",
		Help:   "Used when the LOG_LEVEL environment variable is not set.",
		ref:    func(s *Spec) any { return &s.Service.LogLevel },
	},
	{
		Name: "metrics-path", Path: "metrics.path", Advanced: true,
		Prompt: "Metrics path",
		Help:   "Where Prometheus scrapes the service.",
		ref:    func(s *Spec) any { return &s.Metrics.Path },
		check: func(s Spec) error {
			if !urlPathRE.MatchString(s.Metrics.Path) {
				return fmt.Errorf("%q is not a valid metrics path: start with / and use letters, digits, / _ . -, e.g. /metrics", s.Metrics.Path)
			}
			return nil
		},
	},
	{
		Name: "metrics-port", Path: "metrics.port", Advanced: true,
		Prompt: "Metrics port",
		Help:   "A port of its own, so /metrics is not exposed on the public API port.",
		ref:    func(s *Spec) any { return &s.Metrics.Port },
		check: func(s Spec) error {
			if err := checkPort(s.Metrics.Port); err != nil {
				return err
			}
			if s.Metrics.Port == s.Service.Port {
				return fmt.Errorf("%d is also the service port: pick another port (e.g. 9464) so metrics stay off the public API", s.Metrics.Port)
			}
			return nil
		},
	},
	{
		Name: "sentry", Path: "sentry.enabled",
		Prompt: "Report errors and panics to Sentry?",
		Help:   "Wires sentry-go. The DSN is read from an environment variable at run time; without it Sentry stays off.",
		ref:    func(s *Spec) any { return &s.Sentry.Enabled },
	},
	{
		Name: "sentry-dsn-env", Path: "sentry.dsn_env", Advanced: true, When: sentryOn,
		Prompt: "Environment variable that holds the Sentry DSN",
		Help:   "The DSN is a secret: obsgen never writes it to a file.",
		ref:    func(s *Spec) any { return &s.Sentry.DSNEnv },
		check:  func(s Spec) error { return checkEnvVar(s.Sentry.DSNEnv) },
	},
	{
		Name: "tracing", Path: "tracing.enabled",
		Prompt: "Export OpenTelemetry traces?",
		Help:   "Traces go over OTLP to a collector, then to Jaeger or Tempo.",
		ref:    func(s *Spec) any { return &s.Tracing.Enabled },
	},
	{
		Name: "otlp-protocol", Path: "tracing.protocol", Options: Protocols, Advanced: true, When: tracingOn,
		Prompt: "OTLP protocol",
		Help:   "grpc (port 4317) or http/protobuf (port 4318). OTEL_EXPORTER_OTLP_PROTOCOL overrides it at run time.",
		ref:    func(s *Spec) any { return &s.Tracing.Protocol },
	},
	{
		Name: "otlp-endpoint", Path: "tracing.endpoint", Advanced: true, When: tracingOn,
		Prompt: "OTLP endpoint",
		Help:   "The collector's URL. OTEL_EXPORTER_OTLP_ENDPOINT overrides it at run time.",
		ref:    func(s *Spec) any { return &s.Tracing.Endpoint },
		check: func(s Spec) error {
			u, err := url.Parse(s.Tracing.Endpoint)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Port() == "" || u.User != nil || u.RawQuery != "" {
				return fmt.Errorf("%q is not a valid OTLP endpoint: write it as http://host:port, e.g. http://otel-collector:4317", s.Tracing.Endpoint)
			}
			return nil
		},
	},
	{
		Name: "sampling-ratio", Path: "tracing.sampling_ratio", Advanced: true, When: tracingOn,
		Prompt: "Trace sampling ratio (0 to 1)",
		Help:   "Share of root traces kept; child spans follow their parent's decision. OTEL_TRACES_SAMPLER_ARG overrides it at run time.",
		ref:    func(s *Spec) any { return &s.Tracing.SamplingRatio },
		check: func(s Spec) error {
			if r := s.Tracing.SamplingRatio; r < 0 || r > 1 {
				return fmt.Errorf("%v is not a ratio: use a number from 0 to 1, e.g. 0.1", r)
			}
			return nil
		},
	},
	{
		Name: "trace-backend", Path: "tracing.backend", Options: TraceBackends, Advanced: true, When: tracingOn,
		Prompt: "Trace backend",
		Help:   "Where the collector sends traces and which Grafana datasource links to them.",
		ref:    func(s *Spec) any { return &s.Tracing.Backend },
	},
	{
		Name: "log-path", Path: "logs.path", Advanced: true,
		Prompt: "Log file to ship on a plain host (empty: container logs)",
		Help:   "An absolute path or glob of the file the service's JSON logs go to, e.g. /var/log/checkout/*.log. Leave empty when the service runs in the compose stack: its container logs are shipped.",
		ref:    func(s *Spec) any { return &s.Logs.Path },
		check:  func(s Spec) error { return checkLogPath(s.Logs.Path) },
	},
	{
		Name: "slo-availability", Path: "slo.availability",
		Prompt: "Availability SLO (% of requests that must not fail with 5xx)",
		Help:   "Between 95 and 99.999. Burn-rate alerts are derived from it.",
		ref:    func(s *Spec) any { return &s.SLO.Availability },
		check:  func(s Spec) error { return checkObjective(s.SLO.Availability) },
	},
	{
		Name: "slo-latency-threshold", Path: "slo.latency_threshold", Advanced: true,
		Prompt: "Latency SLO threshold",
		Help:   "A request slower than this counts against the latency SLO, e.g. 300ms. It becomes an exact histogram bucket boundary.",
		ref:    func(s *Spec) any { return &s.SLO.LatencyThreshold },
		check: func(s Spec) error {
			if d := s.SLO.LatencyThreshold; d < Duration(millisecond) || d > Duration(60*1000*millisecond) {
				return fmt.Errorf("%s is out of range: use a duration from 1ms to 60s, e.g. 300ms", d)
			}
			return nil
		},
	},
	{
		Name: "slo-latency-objective", Path: "slo.latency_objective", Advanced: true,
		Prompt: "Latency SLO (% of requests faster than the threshold)",
		Help:   "Between 95 and 99.999.",
		ref:    func(s *Spec) any { return &s.SLO.LatencyObjective },
		check:  func(s Spec) error { return checkObjective(s.SLO.LatencyObjective) },
	},
	{
		Name: "slo-window", Path: "slo.window", Advanced: true,
		Prompt: "SLO window",
		Help:   "The period the error budget covers, from 7d to 90d; 30d is usual.",
		ref:    func(s *Spec) any { return &s.SLO.Window },
		check: func(s Spec) error {
			if w := s.SLO.Window; w < Duration(7*day) || w > Duration(90*day) {
				return fmt.Errorf("%s is out of range: use a window from 7d to 90d, e.g. 30d", w)
			}
			return nil
		},
	},
	{
		Name: "alert-receiver", Path: "alerts.receiver", Options: Receivers,
		Prompt: "Where should alerts go?",
		Help:   "Alertmanager routes page and ticket alerts there. Credentials come from files or environment variables, never from the config.",
		ref:    func(s *Spec) any { return &s.Alerts.Receiver },
	},
	{
		Name: "alert-email-to", Path: "alerts.email_to", When: emailOn,
		Prompt: "Email address alerts go to",
		Help:   "One address or a list the mail server expands, e.g. oncall@example.com.",
		ref:    func(s *Spec) any { return &s.Alerts.EmailTo },
		check:  func(s Spec) error { return checkEmail(s, s.Alerts.EmailTo, "oncall@example.com") },
	},
	{
		Name: "alert-email-from", Path: "alerts.email_from", When: emailOn,
		Prompt: "Sender address of alert emails",
		Help:   "An address your mail server lets Alertmanager send as, e.g. alertmanager@example.com.",
		ref:    func(s *Spec) any { return &s.Alerts.EmailFrom },
		check:  func(s Spec) error { return checkEmail(s, s.Alerts.EmailFrom, "alertmanager@example.com") },
	},
	{
		Name: "smtp-smarthost", Path: "alerts.smtp_smarthost", When: emailOn,
		Prompt: "SMTP server (host:port)",
		Help:   "The mail relay Alertmanager sends through, e.g. smtp.example.com:587.",
		ref:    func(s *Spec) any { return &s.Alerts.SMTPSmarthost },
		check: func(s Spec) error {
			if !emailOn(s) {
				return nil
			}
			if s.Alerts.SMTPSmarthost == "" {
				return fmt.Errorf("is required when alerts go by email: set the SMTP relay as host:port, e.g. smtp.example.com:587")
			}
			host, port, err := net.SplitHostPort(s.Alerts.SMTPSmarthost)
			if err != nil || host == "" || checkPortText(port) != nil || strings.ContainsAny(host, " \t\"'") {
				return fmt.Errorf("%q is not host:port: write the SMTP relay as host:port, e.g. smtp.example.com:587", s.Alerts.SMTPSmarthost)
			}
			return nil
		},
	},
	{
		Name: "smtp-username", Path: "alerts.smtp_username", When: emailOn, Advanced: true,
		Prompt: "SMTP user name (empty: no authentication)",
		Help:   "With a user name, Alertmanager reads the password from the smtp_password compose secret.",
		ref:    func(s *Spec) any { return &s.Alerts.SMTPUsername },
		check: func(s Spec) error {
			if u := s.Alerts.SMTPUsername; emailOn(s) && (len(u) > 254 || strings.ContainsAny(u, " \t\r\n\"'")) {
				return fmt.Errorf("%q is not a user name: use the SMTP login without spaces or quotes", u)
			}
			return nil
		},
	},
	{
		Name: "grafana-url", Path: "alerts.grafana_url", Advanced: true,
		Prompt: "Grafana URL responders open",
		Help:   "Alerts link to the service dashboard under it, e.g. https://grafana.example.com.",
		ref:    func(s *Spec) any { return &s.Alerts.GrafanaURL },
		check:  func(s Spec) error { return checkBaseURL(s.Alerts.GrafanaURL, false, "https://grafana.example.com") },
	},
	{
		Name: "runbook-base-url", Path: "alerts.runbook_base_url", Advanced: true,
		Prompt: "URL where the generated runbooks folder can be browsed (empty: link the repo path)",
		Help:   "e.g. https://github.com/acme/checkout/blob/main/observability/runbooks. Each alert links to <url>/<AlertName>.md.",
		ref:    func(s *Spec) any { return &s.Alerts.RunbookBaseURL },
		check: func(s Spec) error {
			return checkBaseURL(s.Alerts.RunbookBaseURL, true, "https://github.com/acme/checkout/blob/main/observability/runbooks")
		},
	},
	{
		Name: "deploy-target", Path: "deploy.target", Options: DeployTargets, Advanced: true,
		Prompt: "Deploy target",
		Help:   "compose: a docker compose stack that runs the service with Prometheus, Grafana, Loki and the rest.",
		ref:    func(s *Spec) any { return &s.Deploy.Target },
	},
	{
		Name: "code-dir", Path: "output.code_dir", Advanced: true,
		Prompt: "Folder for the generated Go package",
		Help:   "Relative to the service repo.",
		ref:    func(s *Spec) any { return &s.Output.CodeDir },
		check:  func(s Spec) error { return checkDir(s.Output.CodeDir) },
	},
	{
		Name: "config-dir", Path: "output.config_dir", Advanced: true,
		Prompt: "Folder for generated configs",
		Help:   "Relative to the service repo.",
		ref:    func(s *Spec) any { return &s.Output.ConfigDir },
		check: func(s Spec) error {
			if err := checkDir(s.Output.ConfigDir); err != nil {
				return err
			}
			if s.Output.ConfigDir == s.Output.CodeDir {
				return fmt.Errorf("%q is also the code folder: use another folder, e.g. observability", s.Output.ConfigDir)
			}
			return nil
		},
	},
}

// Fields returns the answer table in the order the wizard asks it.
func Fields() []Field { return fields }

// Lookup finds a field by flag name or answers-file path.
func Lookup(key string) (Field, bool) {
	for _, f := range fields {
		if f.Name == key || f.Path == key {
			return f, true
		}
	}
	return Field{}, false
}

// Get returns the field's current value in s as text.
func (f Field) Get(s Spec) string {
	switch v := f.ref(&s).(type) {
	case *string:
		return *v
	case *int:
		return strconv.Itoa(*v)
	case *float64:
		return strconv.FormatFloat(*v, 'f', -1, 64)
	case *bool:
		return strconv.FormatBool(*v)
	case *Duration:
		return v.String()
	}
	panic("spec: unsupported field type for " + f.Path)
}

// Type names the field's value type, as flag help shows it.
func (f Field) Type() string {
	switch f.ref(&Spec{}).(type) {
	case *int:
		return "int"
	case *float64:
		return "float"
	case *bool:
		return "bool"
	case *Duration:
		return "duration"
	}
	if len(f.Options) > 0 {
		return "choice"
	}
	return "string"
}

// IsBool reports whether the field is a yes/no answer.
func (f Field) IsBool() bool {
	_, ok := f.ref(&Spec{}).(*bool)
	return ok
}

// Set parses text into the field of s. It checks the value's type and, for
// enumerated fields, the choice; Validate checks everything else.
func (f Field) Set(s *Spec, text string) error {
	text = strings.TrimSpace(text)
	if len(f.Options) > 0 && !slices.Contains(f.Options, text) {
		return f.errorf("%q is not supported: use one of %s", text, strings.Join(f.Options, ", "))
	}
	switch v := f.ref(s).(type) {
	case *string:
		*v = text
	case *int:
		n, err := strconv.Atoi(text)
		if err != nil {
			return f.errorf("%q is not a whole number", text)
		}
		*v = n
	case *float64:
		n, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return f.errorf("%q is not a number", text)
		}
		*v = n
	case *bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return f.errorf("%q is not true or false", text)
		}
		*v = b
	case *Duration:
		d, err := ParseDuration(text)
		if err != nil {
			return f.errorf("%v", err)
		}
		*v = d
	}
	return nil
}

// Check validates the field's value within s.
func (f Field) Check(s Spec) error {
	if len(f.Options) > 0 {
		if v := f.Get(s); !slices.Contains(f.Options, v) {
			return f.errorf("%q is not supported: use one of %s", v, strings.Join(f.Options, ", "))
		}
	}
	if f.Required && f.Get(s) == "" {
		return f.errorf("is required: pass --%s", f.Name)
	}
	if f.check == nil {
		return nil
	}
	if err := f.check(s); err != nil {
		return f.errorf("%v", err)
	}
	return nil
}

func (f Field) errorf(format string, args ...any) error {
	return &FieldError{Field: f, Msg: fmt.Sprintf(format, args...)}
}

// FieldError is a problem with one answer. Its text names the answers-file
// key and the flag, so it reads right whichever way the answer came in.
type FieldError struct {
	Field Field
	Msg   string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s (--%s): %s", e.Field.Path, e.Field.Name, e.Msg)
}

func checkPort(p int) error {
	if p < 1 || p > 65535 {
		return fmt.Errorf("%d is not a port: use a number from 1 to 65535", p)
	}
	return nil
}

func checkEnvVar(name string) error {
	if !envVarRE.MatchString(name) {
		return fmt.Errorf("%q is not an environment variable name: use upper-case letters, digits and underscores, e.g. SENTRY_DSN", name)
	}
	return nil
}

func checkObjective(p float64) error {
	// Below 95 % the fastest burn-rate alert (14.4x) could never fire, as it
	// would need more than 100 % of requests to fail.
	if p < 95 || p > 99.999 {
		return fmt.Errorf("%v is out of range: use a percentage from 95 to 99.999, e.g. 99.9", p)
	}
	return nil
}

var logPathRE = regexp.MustCompile(`^/[A-Za-z0-9_.*?/-]+$`)

// checkLogPath accepts an empty path (container logs) or a clean absolute
// path whose characters need no quoting in YAML, Alloy or a filelog glob.
func checkLogPath(p string) error {
	if p == "" {
		return nil
	}
	// The folder is mounted into the collector's container: only the file
	// name may be a glob.
	if !logPathRE.MatchString(p) || path.Clean(p) != p || path.Dir(p) == "/" || strings.ContainsAny(path.Dir(p), "*?") {
		return fmt.Errorf("%q is not a log file path: use an absolute path of letters, digits, / _ . -, with * or ? only in the file name, e.g. /var/log/checkout/*.log", p)
	}
	return nil
}

func checkPortText(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil {
		return fmt.Errorf("%q is not a port", p)
	}
	return checkPort(n)
}

// checkEmail accepts one plain address, required only for the email receiver.
func checkEmail(s Spec, addr, example string) error {
	if !emailOn(s) {
		return nil
	}
	if addr == "" {
		return fmt.Errorf("is required when alerts go by email: set it, e.g. %s", example)
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" {
		return fmt.Errorf("%q is not an email address: the email receiver needs one, e.g. %s", addr, example)
	}
	return nil
}

// checkBaseURL accepts an http(s) URL without credentials, query or
// fragment: it is written into alert annotations that anyone can read.
func checkBaseURL(raw string, optional bool, example string) error {
	if raw == "" && optional {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "/") || strings.ContainsAny(raw, " \"'{}<>\\`") {
		return fmt.Errorf("%q is not a base URL: write http(s)://host[/path] without credentials, query or trailing slash, e.g. %s", raw, example)
	}
	return nil
}

var dirRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$`)

func checkDir(dir string) error {
	if !dirRE.MatchString(dir) || path.Clean(dir) != dir || strings.HasPrefix(dir, ".") || strings.Contains(dir, "/.") {
		return fmt.Errorf("%q is not a folder inside the repo: use a relative path without .. or hidden parts, e.g. internal/observability", dir)
	}
	return nil
}
