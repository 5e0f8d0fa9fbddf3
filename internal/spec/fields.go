package spec

import (
	"fmt"
	"math"
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
	// Kubernetes' label value and DNS label (RFC 1123) syntax.
	labelValueRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$`)
	dnsLabelRE   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	tenantRE     = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,150}$`)
)

func sentryOn(s Spec) bool  { return s.Sentry.Enabled }
func tracingOn(s Spec) bool { return s.Tracing.Enabled }
func emailOn(s Spec) bool   { return s.Alerts.Receiver == "email" }
func goLang(s Spec) bool    { return s.IsGo() }
func nodeLang(s Spec) bool  { return s.Service.Language.IsNode() }
func nodeTS(s Spec) bool    { return nodeLang(s) && s.Node.TypeScript }

func kubernetesOn(s Spec) bool { return s.Deploy.Target.IsKubernetes() }

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
		ref:    func(s *Spec) any { return (*string)(&s.Service.Language) },
	},
	{
		Name: "framework", Path: "service.framework", Options: Frameworks,
		Prompt: "HTTP framework",
		Help:   "The router the service uses; obsgen generates middleware for it. Go: nethttp (the standard library ServeMux), chi, gin, echo. Node: express, fastify.",
		ref:    func(s *Spec) any { return &s.Service.Framework },
		check:  checkFrameworkLanguage,
	},
	{
		Name: "module", Path: "service.module", When: goLang,
		Prompt: "Go module path",
		Help:   "The module path from the service's go.mod; generated imports start with it.",
		ref:    func(s *Spec) any { return &s.Service.Module },
		check: func(s Spec) error {
			if !goLang(s) {
				return nil
			}
			// What `go mod init` accepts: an import path, which need not
			// hold a dot (internal services use paths like rest-example).
			if err := module.CheckImportPath(s.Service.Module); err != nil {
				return fmt.Errorf("%q is not a module path `go mod init` accepts: %v; it must match the module line of the service's go.mod (for a new service, e.g. github.com/acme/checkout)", s.Service.Module, err)
			}
			return nil
		},
	},
	{
		Name: "node-package-manager", Path: "node.package_manager", Options: PackageManagers, When: nodeLang,
		Prompt: "Package manager",
		Help:   "Installs the generated code's packages at their tested versions. Detected from the lock file.",
		ref:    func(s *Spec) any { return &s.Node.PackageManager },
	},
	{
		Name: "node-typescript", Path: "node.typescript", When: nodeLang,
		Prompt: "Is the service written in TypeScript?",
		Help:   "Generates .ts files compiled by the service's own tsc build; JavaScript otherwise. Detected from typescript in package.json or a tsconfig.json.",
		ref:    func(s *Spec) any { return &s.Node.TypeScript },
	},
	{
		Name: "node-module-type", Path: "node.module_type", Options: ModuleTypes, When: nodeLang,
		Prompt: "Module system (package.json \"type\")",
		Help:   "commonjs: the generated code is loaded first with node --require. module (ESM): with node --import. Detected from package.json.",
		ref:    func(s *Spec) any { return &s.Node.ModuleType },
	},
	{
		Name: "node-main", Path: "node.main", When: nodeLang,
		Prompt: "File node runs to start the service",
		Help:   "Relative to the repo, e.g. src/server.js; for TypeScript the compiled file, e.g. dist/server.js. Detected from package.json main or the start script.",
		ref:    func(s *Spec) any { return &s.Node.Main },
		check: func(s Spec) error {
			if !nodeLang(s) {
				return nil
			}
			if checkDir(s.Node.Main, "") != nil || !jsFileRE.MatchString(s.Node.Main) {
				return fmt.Errorf("%q is not a JavaScript file in the repo: use a relative path ending in .js, .cjs or .mjs, e.g. dist/server.js", s.Node.Main)
			}
			return nil
		},
	},
	{
		Name: "node-root-dir", Path: "node.root_dir", When: nodeTS, Advanced: true,
		Prompt: "TypeScript source folder (tsconfig rootDir)",
		Help:   "The generated .ts files go under it and tsc compiles them into the out dir with the rest of the service.",
		ref:    func(s *Spec) any { return &s.Node.RootDir },
		check: func(s Spec) error {
			if !nodeTS(s) {
				return nil
			}
			// "." is the repo itself, as Nx and many others set it.
			if s.Node.RootDir == "." {
				return nil
			}
			if err := checkDir(s.Node.RootDir, "src"); err != nil {
				return err
			}
			if !under(s.Output.CodeDir, s.Node.RootDir) {
				return fmt.Errorf("%q does not hold the code folder %s: tsc compiles only files under rootDir; set --code-dir under it, e.g. %s/observability", s.Node.RootDir, s.Output.CodeDir, s.Node.RootDir)
			}
			return nil
		},
	},
	{
		Name: "node-out-dir", Path: "node.out_dir", When: nodeTS, Advanced: true,
		Prompt: "TypeScript output folder (tsconfig outDir)",
		Help:   "Where tsc writes the compiled JavaScript node runs, e.g. dist.",
		ref:    func(s *Spec) any { return &s.Node.OutDir },
		check: func(s Spec) error {
			if !nodeTS(s) {
				return nil
			}
			return checkDir(s.Node.OutDir, "dist")
		},
	},
	{
		Name: "service-version-source", Path: "service.version_source", Options: VersionSources, Advanced: true,
		Prompt: "Where the service version comes from",
		Help:   "buildinfo: the module version or VCS revision Go embeds at build time (Node: the version in package.json). env: the SERVICE_VERSION environment variable.",
		ref:    func(s *Spec) any { return &s.Service.VersionSource },
	},
	{
		Name: "port", Path: "service.port", Advanced: true,
		Prompt: "HTTP port the service listens on",
		Help:   "The port of the service's own API.",
		ref:    func(s *Spec) any { return &s.Service.Port },
		check: func(s Spec) error {
			if err := checkPort(s.Service.Port); err != nil {
				return err
			}
			return checkStackPort(s.Service.Port, 8080)
		},
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
			if err := checkStackPort(s.Metrics.Port, 9464); err != nil {
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
		Help:   "Wires sentry-go (Node: @sentry/node). The DSN is read from an environment variable at run time; without it Sentry stays off.",
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
				return fmt.Errorf("%q is not a valid OTLP endpoint: write it as http://host:port, e.g. %s", s.Tracing.Endpoint, DefaultOTLPEndpoint(s.Tracing.Protocol))
			}
			// The collector listens for each protocol on its own port:
			// the other one's well-known port is a mistake, not a choice.
			if other := map[string]string{"grpc": "4318", "http": "4317"}[s.Tracing.Protocol]; u.Port() == other {
				return fmt.Errorf("port %s is the collector's port for the other OTLP protocol: with protocol %s use %s", other, s.Tracing.Protocol, DefaultOTLPEndpoint(s.Tracing.Protocol))
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
			// Written as a negated range so NaN, which fails every
			// comparison, is rejected too.
			if r := s.Tracing.SamplingRatio; !(r >= 0 && r <= 1) {
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
		Name: "slo-min-requests", Path: "slo.min_requests", Advanced: true,
		Prompt: "Requests a burn-rate alert's long window must hold before it fires",
		Help:   "Keeps a quiet service from paging on two failed requests. From 1 to 1000000; 1000 means a 1h window pages only above about 17 requests a minute, while its 6h and multi-day windows still catch a quiet service's outage.",
		ref:    func(s *Spec) any { return &s.SLO.MinRequests },
		check: func(s Spec) error {
			if n := s.SLO.MinRequests; n < 1 || n > 1_000_000 {
				return fmt.Errorf("%d is out of range: use a count from 1 to 1000000, e.g. 1000", n)
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
		Name: "alert-heartbeat", Path: "alerts.heartbeat", Advanced: true,
		Prompt: "Send a heartbeat to a dead man's switch (e.g. healthchecks.io, Opsgenie heartbeats) every minute?",
		Help:   "Alertmanager posts the always-firing Watchdog alert to the URL in the HEARTBEAT_URL secret; when Prometheus, Alertmanager or their network fail, the heartbeats stop and the switch's service notifies you. Off: Watchdog only shows in Alertmanager.",
		ref:    func(s *Spec) any { return &s.Alerts.Heartbeat },
	},
	{
		Name: "dependencies", Path: "dependencies",
		Prompt: "What does the service call? (name=kind, comma-separated; empty: nothing)",
		Help:   "Kinds: postgres, mysql, sqlite, redis, http (Node: postgres through pg, redis through ioredis). Each name labels its metrics, panels and alerts (e.g. orders-db=postgres,cache=redis). For http, the hosts that may receive trace context: payments=http:api.payments.example+auth.payments.example; other hosts get none. Detected from go.mod's database drivers and Redis client, or package.json's pg and ioredis.",
		ref:    func(s *Spec) any { return &s.Dependencies },
		check: func(s Spec) error {
			if err := s.Dependencies.Check(); err != nil {
				return err
			}
			if nodeLang(s) {
				return s.Dependencies.CheckNode()
			}
			return nil
		},
	},
	{
		Name: "probe-urls", Path: "alerts.probe_urls", Advanced: true,
		Prompt: "Public URLs to probe from outside (comma-separated, empty: only the health endpoint)",
		Help:   "The blackbox exporter in the compose stack probes the service's health endpoint and these URLs, e.g. https://shop.example.com/healthz; a failing probe pages, a TLS certificate that expires within 14 days opens a ticket, within 3 days pages.",
		ref:    func(s *Spec) any { return &s.Alerts.ProbeURLs },
		check:  checkProbeURLs,
	},
	{
		Name: "probe-require-tls", Path: "alerts.probe_require_tls", Advanced: true, When: func(s Spec) bool { return len(ProbeURLs(s)) > 0 },
		Prompt: "Must the public URLs be served over HTTPS?",
		Help:   "On: only https:// probe URLs are accepted, and a probe that is answered without TLS fails. Off: http:// URLs are probed too (no certificate to watch there).",
		ref:    func(s *Spec) any { return &s.Alerts.ProbeRequireTLS },
	},
	{
		Name: "grafana-url", Path: "alerts.grafana_url", Advanced: true,
		Prompt: "Grafana URL responders open",
		Help:   "Alerts link to the service dashboard under it, e.g. https://grafana.example.com.",
		ref:    func(s *Spec) any { return &s.Alerts.GrafanaURL },
		check:  func(s Spec) error { return checkBaseURL(s.Alerts.GrafanaURL, false, "https://grafana.example.com") },
	},
	{
		Name: "prometheus-url", Path: "alerts.prometheus_url", Advanced: true,
		Prompt: "Prometheus URL responders open",
		Help:   "Prometheus' --web.external-url in the compose stack: notification links to an alert's source point under it, e.g. https://prometheus.example.com.",
		ref:    func(s *Spec) any { return &s.Alerts.PrometheusURL },
		check: func(s Spec) error {
			return checkBaseURL(s.Alerts.PrometheusURL, false, "https://prometheus.example.com")
		},
	},
	{
		Name: "alertmanager-url", Path: "alerts.alertmanager_url", Advanced: true,
		Prompt: "Alertmanager URL responders open",
		Help:   "Alertmanager's --web.external-url in the compose stack: silence and alert links in notifications point under it, e.g. https://alertmanager.example.com.",
		ref:    func(s *Spec) any { return &s.Alerts.AlertmanagerURL },
		check: func(s Spec) error {
			return checkBaseURL(s.Alerts.AlertmanagerURL, false, "https://alertmanager.example.com")
		},
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
		Help:   "compose: a docker compose stack that runs the service with Prometheus, Grafana, Loki and the rest. kubernetes: also a Helm chart and the objects that plug the service into a cluster's kube-prometheus-stack, Loki and Tempo.",
		ref:    func(s *Spec) any { return (*string)(&s.Deploy.Target) },
	},
	{
		Name: "k8s-chart-dir", Path: "kubernetes.chart_dir", Advanced: true, When: kubernetesOn,
		Prompt: "Folder for the Helm chart (the chart is <folder>/<service>)",
		Help:   "Relative to the service repo, e.g. deploy/helm.",
		ref:    func(s *Spec) any { return &s.Kubernetes.ChartDir },
		check:  func(s Spec) error { return checkDir(s.Kubernetes.ChartDir, "deploy/helm") },
	},
	{
		Name: "k8s-namespace", Path: "kubernetes.namespace", When: kubernetesOn,
		Prompt: "Namespace the service is installed in",
		Help:   "The chart refuses another namespace: alerts carry it as their namespace label, and the AlertmanagerConfig only routes alerts of its own namespace.",
		ref:    func(s *Spec) any { return &s.Kubernetes.Namespace },
		check:  func(s Spec) error { return checkDNSLabel(s.Kubernetes.Namespace, "checkout") },
	},
	{
		Name: "k8s-monitoring-namespace", Path: "kubernetes.monitoring_namespace", Advanced: true, When: kubernetesOn,
		Prompt: "Namespace of kube-prometheus-stack, Loki and the trace backend",
		Help:   "Default endpoints are the charts' service names in this namespace.",
		ref:    func(s *Spec) any { return &s.Kubernetes.MonitoringNamespace },
		check:  func(s Spec) error { return checkDNSLabel(s.Kubernetes.MonitoringNamespace, "monitoring") },
	},
	{
		Name: "k8s-prometheus-release", Path: "kubernetes.prometheus_release", When: kubernetesOn,
		Prompt: "Helm release name of kube-prometheus-stack",
		Help:   "Its Prometheus only picks up ServiceMonitors and PrometheusRules labelled release: <name> (helm list -n monitoring shows it).",
		ref:    func(s *Spec) any { return &s.Kubernetes.PrometheusRelease },
		check: func(s Spec) error {
			if !labelValueRE.MatchString(s.Kubernetes.PrometheusRelease) {
				return fmt.Errorf("%q is not a Kubernetes label value: use up to 63 letters, digits, - _ . starting and ending with a letter or digit, e.g. kube-prometheus-stack", s.Kubernetes.PrometheusRelease)
			}
			return nil
		},
	},
	{
		Name: "k8s-loki-url", Path: "kubernetes.loki_url", Advanced: true, When: kubernetesOn,
		Prompt: "Loki base URL (empty: the grafana/loki chart's gateway)",
		Help:   "The collector sends logs to <url>/otlp and Grafana queries <url>. Empty: http://loki-gateway.<monitoring namespace>.",
		ref:    func(s *Spec) any { return &s.Kubernetes.LokiURL },
		check:  func(s Spec) error { return checkServiceURL(s.Kubernetes.LokiURL, "http://loki-gateway.monitoring") },
	},
	{
		Name: "k8s-loki-tenant", Path: "kubernetes.loki_tenant", Advanced: true, When: kubernetesOn,
		Prompt: "Loki tenant (X-Scope-OrgID; empty: none)",
		Help:   "Needed when Loki runs with auth_enabled: true, as the grafana/loki chart does by default.",
		ref:    func(s *Spec) any { return &s.Kubernetes.LokiTenant },
		check:  func(s Spec) error { return checkTenant(s.Kubernetes.LokiTenant) },
	},
	{
		Name: "k8s-trace-otlp-endpoint", Path: "kubernetes.trace_otlp_endpoint", Advanced: true, When: func(s Spec) bool { return kubernetesOn(s) && tracingOn(s) },
		Prompt: "Trace backend's OTLP gRPC endpoint (empty: the chart's service)",
		Help:   "Where the collector gateway sends traces. Empty: http://tempo.<monitoring namespace>:4317 (tempo) or http://jaeger-collector.<monitoring namespace>:4317 (jaeger).",
		ref:    func(s *Spec) any { return &s.Kubernetes.TraceOTLPEndpoint },
		check: func(s Spec) error {
			return checkServiceURL(s.Kubernetes.TraceOTLPEndpoint, "http://tempo.monitoring:4317")
		},
	},
	{
		Name: "k8s-trace-query-url", Path: "kubernetes.trace_query_url", Advanced: true, When: func(s Spec) bool { return kubernetesOn(s) && tracingOn(s) },
		Prompt: "Trace backend's query URL for Grafana (empty: the chart's service)",
		Help:   "Empty: http://tempo.<monitoring namespace>:3200 (tempo) or http://jaeger-query.<monitoring namespace>:16686 (jaeger).",
		ref:    func(s *Spec) any { return &s.Kubernetes.TraceQueryURL },
		check:  func(s Spec) error { return checkServiceURL(s.Kubernetes.TraceQueryURL, "http://tempo.monitoring:3200") },
	},
	{
		Name: "k8s-remote-write-url", Path: "kubernetes.remote_write_url", Advanced: true, When: kubernetesOn,
		Prompt: "remote_write URL of Mimir or Thanos Receive (empty: none)",
		Help:   "e.g. http://mimir-nginx.mimir/api/v1/push. Credentials never go in the URL: Prometheus reads them from the Secret named in the generated values.",
		ref:    func(s *Spec) any { return &s.Kubernetes.RemoteWriteURL },
		check: func(s Spec) error {
			u, err := url.Parse(s.Kubernetes.RemoteWriteURL)
			if err == nil && u.User != nil {
				return fmt.Errorf("%q has credentials in it: remove user:password@, the generated values read them from a Secret", s.Kubernetes.RemoteWriteURL)
			}
			return checkServiceURL(s.Kubernetes.RemoteWriteURL, "http://mimir-nginx.mimir/api/v1/push")
		},
	},
	{
		Name: "k8s-remote-write-tenant", Path: "kubernetes.remote_write_tenant", Advanced: true, When: func(s Spec) bool { return kubernetesOn(s) && s.Kubernetes.RemoteWriteURL != "" },
		Prompt: "remote_write tenant (X-Scope-OrgID / THANOS-TENANT; empty: none)",
		Help:   "The tenant Mimir or Thanos Receive stores the samples under.",
		ref:    func(s *Spec) any { return &s.Kubernetes.RemoteWriteTenant },
		check:  func(s Spec) error { return checkTenant(s.Kubernetes.RemoteWriteTenant) },
	},
	{
		Name: "code-dir", Path: "output.code_dir", Advanced: true,
		Prompt: "Folder for the generated code",
		Help:   "Relative to the service repo: the Go package, or the Node module folder (src/observability for a new Node service).",
		ref:    func(s *Spec) any { return &s.Output.CodeDir },
		check: func(s Spec) error {
			example := "internal/observability"
			if nodeLang(s) {
				example = NodeCodeDir
			}
			if err := checkDir(s.Output.CodeDir, example); err != nil {
				return err
			}
			// cmd/ holds the mains, the example main among them
			// (cmd/<service>/main.go): a library package there is either
			// a package main's neighbour or inside its folder.
			if d := s.Output.CodeDir; d == "cmd" || strings.HasPrefix(d, "cmd/") {
				return fmt.Errorf("%q is under cmd/, where the mains live: use a library folder, e.g. internal/observability", d)
			}
			return nil
		},
	},
	{
		Name: "config-dir", Path: "output.config_dir", Advanced: true,
		Prompt: "Folder for generated configs",
		Help:   "Relative to the service repo.",
		ref:    func(s *Spec) any { return &s.Output.ConfigDir },
		check: func(s Spec) error {
			if err := checkDir(s.Output.ConfigDir, "observability"); err != nil {
				return err
			}
			if s.Output.ConfigDir == s.Output.CodeDir {
				return fmt.Errorf("%q is also the code folder: use another folder, e.g. observability", s.Output.ConfigDir)
			}
			return nil
		},
	},
	{
		Name: "ci-github-actions", Path: "ci.github_actions", Advanced: true,
		Prompt: "Add a GitHub Actions workflow that checks the observability config?",
		Help:   "Writes .github/workflows/observability.yml: it installs obsgen, promtool, amtool and the collector and runs check.sh on every push and pull request.",
		ref:    func(s *Spec) any { return &s.CI.GitHubActions },
	},
}

// Answers about running in production: the edge, shutdown, redaction and
// error sampling. A block of its own so additions elsewhere merge cleanly.
func init() {
	fields = append(fields, productionFields...)
}

var redactKeyRE = regexp.MustCompile(`^[a-z0-9_]{2,40}$`)

var productionFields = []Field{
	{
		Name: "internet-facing", Path: "edge.internet_facing",
		Prompt: "Can clients on the internet reach the service directly (no trusted gateway in front)?",
		Help:   "Then their traceparent becomes a span link instead of the parent (they cannot force sampling or pick trace IDs), their X-Request-ID is logged as client_request_id next to the service's own, and their baggage is ignored.",
		ref:    func(s *Spec) any { return &s.Edge.InternetFacing },
	},
	{
		Name: "tls-in-front", Path: "edge.tls_in_front", Advanced: true,
		Prompt: "Does TLS terminate in front of the service (load balancer, ingress)?",
		Help:   "Then every response carries Strict-Transport-Security, so browsers keep to HTTPS.",
		ref:    func(s *Spec) any { return &s.Edge.TLSInFront },
	},
	{
		Name: "max-body-bytes", Path: "edge.max_body_bytes", Advanced: true,
		Prompt: "Largest request body accepted, in bytes",
		Help:   "Larger bodies get 413 before the handler reads them. From 1 KiB (1024) to 1 GiB; 1048576 (1 MiB) by default.",
		ref:    func(s *Spec) any { return &s.Edge.MaxBodyBytes },
		check: func(s Spec) error {
			if n := s.Edge.MaxBodyBytes; n < 1<<10 || n > 1<<30 {
				return fmt.Errorf("%d is out of range: use 1024 to 1073741824 bytes, e.g. 1048576", n)
			}
			return nil
		},
	},
	{
		Name: "rate-limit", Path: "edge.rate_limit", Advanced: true,
		Prompt: "Requests per second allowed per client (0: no limit)",
		Help:   "Per client address, with bursts of twice the rate. Past it: 429 with Retry-After, counted in http_server_rate_limited_requests_total; 429s never count against the availability SLO.",
		ref:    func(s *Spec) any { return &s.Edge.RateLimit },
		check: func(s Spec) error {
			if n := s.Edge.RateLimit; n < 0 || n > 100000 {
				return fmt.Errorf("%d is out of range: use 0 (no limit) to 100000, e.g. 50", n)
			}
			return nil
		},
	},
	{
		Name: "trusted-proxy-hops", Path: "edge.trusted_proxy_hops", Advanced: true,
		Prompt: "Proxies in front of the service that append to X-Forwarded-For",
		Help:   "The client address (for rate limits and logs) is the one the outermost trusted proxy saw. 0: the connection's address; X-Forwarded-For is ignored, as any client can write it.",
		ref:    func(s *Spec) any { return &s.Edge.TrustedProxyHops },
		check: func(s Spec) error {
			if n := s.Edge.TrustedProxyHops; n < 0 || n > 10 {
				return fmt.Errorf("%d is out of range: use 0 to 10, e.g. 1 behind one load balancer", n)
			}
			return nil
		},
	},
	{
		Name: "drain-delay", Path: "service.drain_delay", Advanced: true,
		Prompt: "Drain delay after SIGTERM",
		Help:   "The service reports not ready and keeps serving this long before it stops accepting connections, so load balancers stop sending first. 0s to 10s: with the 10s request drain and the 5s flush it stays under a 30s stop grace period.",
		ref:    func(s *Spec) any { return &s.Service.DrainDelay },
		check: func(s Spec) error {
			if d := s.Service.DrainDelay; d < 0 || d > Duration(10*1000*millisecond) {
				return fmt.Errorf("%s is out of range: use 0s to 10s, e.g. 5s (with the 10s request drain and 5s flush it must stay under the 30s stop grace period)", d)
			}
			return nil
		},
	},
	{
		Name: "sentry-sample-rate", Path: "sentry.sample_rate", Advanced: true, When: sentryOn,
		Prompt: "Share of error events sent to Sentry (0 to 1)",
		Help:   "1 sends every distinct error; lower it for very busy services. Repeats of one error message within a minute are sent once whatever the rate.",
		ref:    func(s *Spec) any { return &s.Sentry.SampleRate },
		check: func(s Spec) error {
			if r := s.Sentry.SampleRate; !(r > 0 && r <= 1) {
				return fmt.Errorf("%v is not a ratio: use a number above 0 and at most 1, e.g. 1 (turn Sentry off with --sentry=false)", r)
			}
			return nil
		},
	},
	{
		Name: "redact-keys", Path: "logs.redact_keys", Advanced: true,
		Prompt: "More log attribute names to redact (comma-separated, empty: none)",
		Help:   "Added to the built-in list (passwords, tokens, cookies, card, pan, cvv, iban, email, phone, ssn...). A key is redacted when one of its words (split at _ - . and case changes) is in the list, e.g. tax_id.",
		ref:    func(s *Spec) any { return &s.Logs.RedactKeys },
		check: func(s Spec) error {
			for _, k := range RedactKeys(s) {
				if !redactKeyRE.MatchString(k) {
					return fmt.Errorf("%q is not a key word: use 2-40 lowercase letters, digits and _, comma-separated, e.g. tax_id,member_no", k)
				}
			}
			return nil
		},
	},
	{
		Name: "access-log-path", Path: "logs.access_log_path", Advanced: true,
		Prompt: "Log the raw request path in the access log?",
		Help:   "The route template is always logged; the raw path can carry user input (emails, tokens, IDs) and is left out by default.",
		ref:    func(s *Spec) any { return &s.Logs.AccessLogPath },
	},
}

// ProbeURLs returns the public URLs the blackbox exporter probes.
func ProbeURLs(s Spec) []string {
	var out []string
	for _, u := range strings.Split(s.Alerts.ProbeURLs, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// checkProbeURLs accepts absolute http(s) URLs with a host, whose
// characters need no quoting in YAML or a Prometheus label value; with
// probe_require_tls only https.
func checkProbeURLs(s Spec) error {
	for _, raw := range ProbeURLs(s) {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || strings.ContainsAny(raw, " \t\"'\\{}") {
			return fmt.Errorf("%q is not a URL to probe: use absolute http(s) URLs without credentials, comma-separated, e.g. https://shop.example.com/healthz", raw)
		}
		if u.Scheme == "http" && s.Alerts.ProbeRequireTLS {
			return fmt.Errorf("%q is not HTTPS while alerts.probe_require_tls (--probe-require-tls) is on: probe its https:// address, or set alerts.probe_require_tls to false to probe plain HTTP", raw)
		}
	}
	return nil
}

// RedactKeys returns the extra redacted key words of the answers file.
func RedactKeys(s Spec) []string {
	var out []string
	for _, k := range strings.Split(s.Logs.RedactKeys, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
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
	case *Dependencies:
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
	case *Dependencies:
		return "list"
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
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
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
	case *Dependencies:
		ds, err := ParseDependencies(text)
		if err != nil {
			return f.errorf("%v", err)
		}
		*v = ds
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

// stackPorts are the host ports the generated compose stack publishes
// (Grafana, Loki, OTLP gRPC and HTTP, Prometheus, Alertmanager, Jaeger): a
// service port among them cannot be published next to the stack.
var stackPorts = map[int]string{
	3000: "Grafana", 3100: "Loki", 4317: "the collector's OTLP/gRPC", 4318: "the collector's OTLP/HTTP",
	9090: "Prometheus", 9093: "Alertmanager", 16686: "Jaeger",
}

func checkStackPort(p, example int) error {
	if name, ok := stackPorts[p]; ok {
		return fmt.Errorf("%d is %s port in the observability stack: pick another port, e.g. %d", p, name, example)
	}
	return nil
}

func checkObjective(p float64) error {
	// Below 95 % the fastest burn-rate alert (14.4x) could never fire, as it
	// would need more than 100 % of requests to fail. Negated, so NaN fails.
	if !(p >= 95 && p <= 99.999) {
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

var jsFileRE = regexp.MustCompile(`\.(js|cjs|mjs)$`)

// under reports whether dir is parent or inside it.
func under(dir, parent string) bool {
	return dir == parent || strings.HasPrefix(dir, parent+"/")
}

// checkFrameworkLanguage rejects a framework of the other language: each
// generator only knows its own.
func checkFrameworkLanguage(s Spec) error {
	want := GoFrameworks
	if nodeLang(s) {
		want = NodeFrameworks
	}
	if !slices.Contains(want, s.Service.Framework) {
		return fmt.Errorf("%q is not a %s framework: with language %s use one of %s", s.Service.Framework, s.Service.Language, s.Service.Language, strings.Join(want, ", "))
	}
	return nil
}

var dirRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$`)

func checkDir(dir, example string) error {
	if !dirRE.MatchString(dir) || path.Clean(dir) != dir || strings.HasPrefix(dir, ".") || strings.Contains(dir, "/.") {
		return fmt.Errorf("%q is not a folder inside the repo: use a relative path without .. or hidden parts, e.g. %s", dir, example)
	}
	return nil
}

func checkDNSLabel(v, example string) error {
	if !dnsLabelRE.MatchString(v) {
		return fmt.Errorf("%q is not a namespace name (a DNS label): use 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit, e.g. %s", v, example)
	}
	return nil
}

// checkTenant accepts an empty tenant (none) or Loki's and Mimir's tenant
// ID characters; it goes into an HTTP header.
func checkTenant(v string) error {
	if v != "" && (!tenantRE.MatchString(v) || v == "." || v == "..") {
		return fmt.Errorf("%q is not a tenant ID: use letters, digits, - _ . (at most 150), e.g. team-checkout", v)
	}
	return nil
}

// checkServiceURL accepts an empty URL (the derived default) or an http(s)
// URL without credentials, query or fragment: it is written into values
// files anyone with access to the repo can read.
func checkServiceURL(raw, example string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "/") || strings.ContainsAny(raw, " \"'{}<>\\`$") {
		return fmt.Errorf("%q is not a service URL: write http(s)://host[:port][/path] without credentials, query or trailing slash, e.g. %s", raw, example)
	}
	return nil
}
