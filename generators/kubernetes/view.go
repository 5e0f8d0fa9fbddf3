package kubernetes

import (
	"time"

	"github.com/obsgen/obsgen/generators/alertmanager"
	"github.com/obsgen/obsgen/generators/ops"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// How long the generated service takes to stop, as templates/go writes it:
// main waits up to serverDrain for in-flight requests (srv.Shutdown), then
// Setup's shutdown flushes each backend for up to backendFlush, one after
// another. The pod's grace period must outlast both, or the kubelet's
// SIGKILL drops the last spans, metrics and Sentry events.
const (
	serverDrain  = 10 * time.Second
	backendFlush = 5 * time.Second
	graceMargin  = 5 * time.Second
)

// GracePeriodSeconds is the pod's terminationGracePeriodSeconds for s.
func GracePeriodSeconds(s spec.Spec) int {
	// The tracer provider, the meter provider and the metrics server are
	// always flushed; Sentry when it is on.
	backends := 3
	if s.Sentry.Enabled {
		backends++
	}
	return int((serverDrain + time.Duration(backends)*backendFlush + graceMargin) / time.Second)
}

// Labels the objects carry. Selector labels never change across upgrades.
const (
	LabelName     = "app.kubernetes.io/name"
	LabelInstance = "app.kubernetes.io/instance"
	// LokiRuleLabel marks the ConfigMap of LogQL rules for the grafana/loki
	// chart's rules sidecar (its sidecar.rules.label, any value).
	LokiRuleLabel = "loki_rule"
	// Ports of the Service and the container, by name: the ServiceMonitor
	// selects the metrics port by this name.
	PortHTTP    = "http"
	PortMetrics = "metrics"
	// AlertingSecretSuffix names the Secret the AlertmanagerConfig reads
	// receiver credentials from: <service>-alerting.
	AlertingSecretSuffix = "-alerting"
	// DashboardFolder is the Grafana folder, as the compose provisioning's.
	DashboardFolder = "Services"
)

type secretKey struct{ Key, Description string }

type view struct {
	Service, Namespace, Environment string
	Release, MonitoringNamespace    string
	HTTPPort, MetricsPort           int
	MetricsPath                     string
	LivenessPath, ReadinessPath     string
	GracePeriod                     int
	Sentry                          bool
	SentryEnv                       string
	Tracing                         bool
	OTLPProtocol, OTLPEnvProtocol   string
	OTLPEndpoint, Gateway           string
	Receiver                        string
	AlertingSecret                  string
	AlertingKeys                    []secretKey
	// RemoteWriteSecret is set when Prometheus ships samples elsewhere.
	RemoteWriteSecret        string
	LabelName, LabelInstance string
	LokiRuleLabel            string
	PortHTTP, PortMetrics    string
	DashboardFolder          string
	Files                    map[string]string
	LokiURL                  string
	// The blackbox probes: the exporter's address, its job and modules,
	// and the public URLs.
	Prober, ProbeJob, BlackboxRelease string
	BlackboxValues                    string
	ModuleHealth, ModulePublic        string
	ProbeURLs                         []string
	// The runtime's memory limit, a share of the container's: Go's
	// GOMEMLIMIT, or V8's heap limit for Node.
	Memory memoryLimit
}

// memoryLimit is how the chart passes the runtime its memory limit: the
// variable Env set to the helper's MiB, through Format when set.
type memoryLimit struct {
	Env, Helper, Key, Format, Unit, Doc string
	Default, Min, Max                   int
}

func memoryLimitFor(s spec.Spec) memoryLimit {
	if s.Service.Language.IsNode() {
		// The old space is most of a Node process, not all of it (young
		// generation, code, buffers): a lower share than Go's.
		return memoryLimit{Env: "NODE_OPTIONS", Helper: "heapLimit", Key: "heapLimitPercent", Format: "--max-old-space-size=%s",
			Doc:     "V8's heap limit (--max-old-space-size, in MiB) is this share of resources.limits.memory, so the garbage collector works harder before the kernel's OOM killer would",
			Default: 75, Min: 25, Max: 90}
	}
	return memoryLimit{Env: "GOMEMLIMIT", Helper: "goMemLimit", Key: "goMemLimitPercent", Unit: "MiB",
		Doc:     "GOMEMLIMIT is this share of resources.limits.memory",
		Default: 90, Min: 50, Max: 100}
}

func newView(s spec.Spec) view {
	v := view{
		Service:             s.Service.Name,
		Namespace:           s.Kubernetes.Namespace,
		Environment:         s.Service.Environment,
		Release:             s.Kubernetes.PrometheusRelease,
		MonitoringNamespace: s.Kubernetes.MonitoringNamespace,
		HTTPPort:            s.Service.Port,
		MetricsPort:         s.Metrics.Port,
		MetricsPath:         s.Metrics.Path,
		LivenessPath:        contract.HealthLivenessPath,
		ReadinessPath:       contract.HealthReadinessPath,
		GracePeriod:         GracePeriodSeconds(s),
		Sentry:              s.Sentry.Enabled,
		SentryEnv:           s.Sentry.DSNEnv,
		Tracing:             s.Tracing.Enabled,
		OTLPProtocol:        s.Tracing.Protocol,
		Receiver:            s.Alerts.Receiver,
		AlertingSecret:      s.Service.Name + AlertingSecretSuffix,
		LabelName:           LabelName,
		LabelInstance:       LabelInstance,
		LokiRuleLabel:       LokiRuleLabel,
		PortHTTP:            PortHTTP,
		PortMetrics:         PortMetrics,
		DashboardFolder:     DashboardFolder,
		LokiURL:             LokiURL(s),
		Memory:              memoryLimitFor(s),
		Prober:              ProberAddress(s),
		BlackboxRelease:     ops.BlackboxName(s),
		BlackboxValues:      BlackboxValuesPath(s),
		ProbeJob:            prometheus.ProbeJob,
		ModuleHealth:        prometheus.ModuleHealth,
		ModulePublic:        prometheus.ModulePublic,
		ProbeURLs:           spec.ProbeURLs(s),
		Files: map[string]string{
			"PrometheusRules":    PrometheusRulesFile,
			"LokiRules":          LokiRulesFile,
			"AlertmanagerConfig": AlertmanagerConfigFile,
			"Dashboard":          DashboardFile,
			"Datasources":        DatasourcesFile,
		},
	}
	v.OTLPEnvProtocol, v.OTLPEndpoint = "grpc", GatewayOTLPEndpoint(s)
	if s.Tracing.Protocol == "http" {
		v.OTLPEnvProtocol = "http/protobuf"
	}
	v.Gateway = gatewayName(s)
	if s.Kubernetes.RemoteWriteURL != "" {
		v.RemoteWriteSecret = RemoteWriteSecret(s)
	}
	for _, sec := range alertmanager.Secrets(s) {
		v.AlertingKeys = append(v.AlertingKeys, secretKey{Key: secretKeyName(sec), Description: sec.Description})
	}
	return v
}
