package kubernetes

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/loki"
	"github.com/obsgen/obsgen/generators/ops"
	"github.com/obsgen/obsgen/generators/otelcol"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/slo"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// Release names of the collector charts, as their fullnameOverride: the
// service's pods export traces to the gateway's Service by this name.
func agentName(s spec.Spec) string   { return ops.AgentName(s) }
func gatewayName(s spec.Spec) string { return ops.GatewayName(s) }

// GatewayOTLPEndpoint is where the service's pods send traces: the
// gateway's Service. Not a node agent's host port: every service has its
// own agent DaemonSet, and two DaemonSets claiming one host port leave the
// second's pods Pending on every node.
func GatewayOTLPEndpoint(s spec.Spec) string {
	port := "4317"
	if s.Tracing.Protocol == "http" {
		port = "4318"
	}
	return "http://" + gatewayName(s) + "." + s.Kubernetes.Namespace + ":" + port
}

// m is a YAML mapping; the encoder sorts its keys.
type m = map[string]any

// podLogGlob is where the kubelet writes the service container's logs:
// /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log.
func podLogGlob(s spec.Spec) string {
	return "/var/log/pods/" + s.Kubernetes.Namespace + "_*/" + s.Service.Name + "/*.log"
}

// agentLogReceiver is the compose target's file_log receiver for container
// logs (the source of the log semantics: parsing, filters, labels,
// structured metadata) with the Docker json-file parser swapped for the
// container parser (CRI-O, containerd and Docker formats, detected per
// line) that also reads the pod's namespace, name and UID and the
// container name from the file path.
func agentLogReceiver(s spec.Spec) otelcol.FileLog {
	s.Logs.Path = ""
	r := otelcol.NewFileLog(s)
	yes := true
	r.Operators.Container = &otelcol.Operator{Type: "container", ID: "container", AddMetadataFromFilepath: &yes}
	// Docker's label filter: here the path glob selects the container.
	r.Operators.SourceFilter = nil
	// The kubelet's CRI lines carry no newline of their own (Docker's
	// json-file lines do): crash lines join with one.
	nl := otelcol.Quoted("\n")
	r.Operators.JoinCrash.CombineWith = &nl
	r.Include = []string{podLogGlob(s)}
	// The container parser reads the pod's identity from the path.
	r.IncludeFilePath = true
	return r
}

func otlpReceiver() m {
	return m{"protocols": m{
		"grpc": m{"endpoint": "${env:MY_POD_IP}:4317"},
		"http": m{"endpoint": "${env:MY_POD_IP}:4318"},
	}}
}

func healthCheck() m { return m{"endpoint": "${env:MY_POD_IP}:13133"} }

// retryAndQueue makes an exporter retry for five minutes and keep its
// queue on disk (file_storage), so a backend restart loses nothing.
func retryAndQueue(exporter m) m {
	exporter["retry_on_failure"] = m{"enabled": true, "initial_interval": "5s", "max_interval": "30s", "max_elapsed_time": "300s"}
	exporter["sending_queue"] = m{"enabled": true, "storage": "file_storage", "queue_size": 5000}
	return exporter
}

// chartDefaults switches off what the upstream chart's default config
// adds (Helm merges values maps): its jaeger, zipkin and prometheus
// receivers and the metrics pipeline.
func chartDefaults(cfg m) m {
	recv := cfg["receivers"].(m)
	for _, r := range []string{"jaeger", "zipkin", "prometheus"} {
		recv[r] = nil
	}
	pipelines := cfg["service"].(m)["pipelines"].(m)
	for _, p := range []string{"metrics", "traces", "logs"} {
		if _, ok := pipelines[p]; !ok {
			pipelines[p] = nil
		}
	}
	return cfg
}

// AgentConfig is the DaemonSet collector's config. Its processors are
// the compose collector's but resource/identity: the chart sets the pod's
// service name and environment from the same answers, and the agent ships
// spans as the pods name them.
func AgentConfig(s spec.Spec) m {
	p := m{"memory_limiter": otelcol.NewMemoryLimiter(), "batch": otelcol.NewBatch()}
	p["k8sattributes"] = m{
		"auth_type":   "serviceAccount",
		"passthrough": false,
		// Only this node's pods: each agent watches what it ships.
		"filter": m{"node_from_env_var": "K8S_NODE_NAME"},
		"extract": m{"metadata": []any{
			"k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.node.name", "k8s.deployment.name",
		}},
		// Log records carry k8s.pod.uid from their file path.
		"pod_association": []any{
			m{"sources": []any{m{"from": "resource_attribute", "name": "k8s.pod.uid"}}},
		},
	}
	p["resourcedetection"] = m{
		"detectors": []any{"env", "k8snode"},
		"k8snode":   m{"auth_type": "serviceAccount", "node_from_env_var": "K8S_NODE_NAME"},
		"override":  false,
	}
	processors := []any{"memory_limiter", "k8sattributes", "resourcedetection", "batch"}
	lokiExp := m{"endpoint": LokiURL(s) + "/otlp"}
	if t := s.Kubernetes.LokiTenant; t != "" {
		lokiExp["headers"] = m{"X-Scope-OrgID": t}
	}
	cfg := m{
		"extensions": m{
			"health_check": healthCheck(),
			// Read offsets and the export queues survive restarts.
			"file_storage": otelcol.NewFileStorage(),
		},
		"receivers":  m{"file_log": agentLogReceiver(s)},
		"processors": p,
		"exporters":  m{"otlp_http/loki": retryAndQueue(lokiExp)},
		"service": m{
			"extensions": []any{"health_check", "file_storage"},
			"pipelines": m{
				"logs": m{"receivers": []any{"file_log"}, "processors": processors, "exporters": []any{"otlp_http/loki"}},
			},
		},
	}
	return cfg
}

// GatewayConfig is the gateway Deployment's config: tail sampling keeps
// every trace with an error, every trace slower than the latency SLO
// threshold, and a baseline share (tracing.sampling_ratio) of the rest.
func GatewayConfig(s spec.Spec) m {
	thresholdMS := time.Duration(s.SLO.LatencyThreshold).Milliseconds()
	return m{
		"extensions": m{
			"health_check": healthCheck(),
			"file_storage": otelcol.NewFileStorage(),
		},
		"receivers": m{"otlp": otlpReceiver()},
		"processors": m{
			"memory_limiter": otelcol.NewMemoryLimiter(),
			"tail_sampling": m{
				// A trace is decided 10s after its first span: longer than
				// any request within the SLO.
				"decision_wait":               "10s",
				"num_traces":                  50000,
				"expected_new_traces_per_sec": 100,
				"policies": []any{
					m{"name": "errors", "type": "status_code", "status_code": m{"status_codes": []any{"ERROR"}}},
					m{"name": "slower-than-slo", "type": "latency", "latency": m{"threshold_ms": thresholdMS}},
					m{"name": "baseline", "type": "probabilistic", "probabilistic": m{"sampling_percentage": s.Tracing.SamplingRatio * 100}},
				},
			},
			"batch": otelcol.NewBatch(),
		},
		"exporters": m{
			"otlp_grpc/traces": retryAndQueue(m{"endpoint": hostPort(TraceOTLPEndpoint(s)), "tls": m{"insecure": true}}),
		},
		"service": m{
			"extensions": []any{"health_check", "file_storage"},
			"pipelines": m{
				"traces": m{"receivers": []any{"otlp"}, "processors": []any{"memory_limiter", "tail_sampling", "batch"}, "exporters": []any{"otlp_grpc/traces"}},
			},
		},
	}
}

// collectorImage is the upstream contrib distribution: it has every
// component the configs use (k8sattributes, resourcedetection,
// tail_sampling, file_log, file_storage).
var collectorImage = m{"repository": "otel/opentelemetry-collector-contrib", "tag": "0.156.0"}

// stateMount is where both collectors keep file_storage: read offsets and
// export queues.
func stateMount() []any { return []any{m{"name": "otelcol-state", "mountPath": "/var/lib/otelcol"}} }

// Resources of the collectors. memory_limiter's limit_percentage is a
// share of the container's limit: without one, of the node's memory.
var (
	agentResources = m{
		"requests": m{"cpu": "100m", "memory": "128Mi"},
		"limits":   m{"memory": "256Mi"},
	}
	// Tail sampling holds up to num_traces traces for decision_wait.
	gatewayResources = m{
		"requests": m{"cpu": "200m", "memory": "512Mi"},
		"limits":   m{"memory": "1Gi"},
	}
)

// restrictedSecurityContext passes Pod Security's restricted profile: the
// gateway reads nothing of the node.
var restrictedSecurityContext = m{
	"runAsNonRoot":             true,
	"runAsUser":                10001,
	"runAsGroup":               10001,
	"allowPrivilegeEscalation": false,
	"readOnlyRootFilesystem":   true,
	"capabilities":             m{"drop": []any{"ALL"}},
	"seccompProfile":           m{"type": "RuntimeDefault"},
}

// disabledPorts switches off every port the chart opens by default; the
// agent opens none (it only reads files), the gateway only OTLP, without
// host ports.
func disabledPorts(keepOTLP bool) m {
	p := m{}
	for _, name := range []string{"jaeger-compact", "jaeger-thrift", "jaeger-grpc", "zipkin"} {
		p[name] = m{"enabled": false}
	}
	for _, name := range []string{"otlp", "otlp-http"} {
		p[name] = m{"enabled": keepOTLP}
	}
	return p
}

// AgentValues are values for the opentelemetry-collector chart in
// daemonset mode.
func AgentValues(s spec.Spec) m {
	cfg := AgentConfig(s)
	// Offsets and the export queue on the node, as the chart's
	// logsCollection.storeCheckpoints preset keeps them (hostPath
	// /var/lib/otelcol, as root): a DaemonSet roll neither re-reads nor
	// loses lines. One folder per agent, as file_storage names its files
	// after the components, which every service's agent shares.
	vols := []any{
		m{"name": "otelcol-state", "hostPath": m{"path": AgentStateDir(s), "type": "DirectoryOrCreate"}},
		m{"name": "varlogpods", "hostPath": m{"path": "/var/log/pods"}},
	}
	mounts := append(stateMount(), m{"name": "varlogpods", "mountPath": "/var/log/pods", "readOnly": true})
	return m{
		"mode":             "daemonset",
		"fullnameOverride": agentName(s),
		"image":            collectorImage,
		"command":          m{"name": "otelcol-contrib"},
		"extraEnvs": []any{
			m{"name": "K8S_NODE_NAME", "valueFrom": m{"fieldRef": m{"fieldPath": "spec.nodeName"}}},
		},
		"ports":     disabledPorts(false),
		"resources": agentResources,
		// Root reads the kubelet's log files (0640 root) and writes the
		// hostPath, as the preset does; nothing else is granted.
		"securityContext": m{
			"runAsUser": 0, "runAsGroup": 0,
			"allowPrivilegeEscalation": false,
			"readOnlyRootFilesystem":   true,
			"capabilities":             m{"drop": []any{"ALL"}},
			"seccompProfile":           m{"type": "RuntimeDefault"},
		},
		"clusterRole": m{"create": true, "rules": []any{
			m{"apiGroups": []any{""}, "resources": []any{"pods", "namespaces", "nodes"}, "verbs": []any{"get", "list", "watch"}},
			m{"apiGroups": []any{"apps"}, "resources": []any{"replicasets"}, "verbs": []any{"get", "list", "watch"}},
		}},
		"extraVolumes":      vols,
		"extraVolumeMounts": mounts,
		"config":            chartDefaults(cfg),
	}
}

// AgentStateDir is the agent's folder on the node.
func AgentStateDir(s spec.Spec) string { return "/var/lib/otelcol/" + agentName(s) }

// GatewayValues are values for the opentelemetry-collector chart in
// deployment mode.
func GatewayValues(s spec.Spec) m {
	return m{
		"mode":             "deployment",
		"fullnameOverride": gatewayName(s),
		"image":            collectorImage,
		"command":          m{"name": "otelcol-contrib"},
		// Tail sampling needs every span of a trace on one replica. More
		// replicas need the loadbalancing exporter in the agents (see
		// docs/kubernetes.md).
		"replicaCount":    1,
		"ports":           disabledPorts(true),
		"resources":       gatewayResources,
		"securityContext": restrictedSecurityContext,
		// The queue survives container restarts, not the loss of the pod.
		"extraVolumes":      []any{m{"name": "otelcol-state", "emptyDir": m{}}},
		"extraVolumeMounts": stateMount(),
		"config":            chartDefaults(GatewayConfig(s)),
	}
}

// Retention is how long the cluster's Prometheus must keep samples: the
// SLO window the error-budget rules and panels read, and a day more, as
// Prometheus deletes whole blocks only once all their samples are older
// than the retention.
func Retention(s spec.Spec) string {
	return slo.Dur(slo.New(s).SLOWindow + 24*time.Hour)
}

// RemoteWriteSecret holds the remote_write credentials (keys username and
// password) in the monitoring namespace.
func RemoteWriteSecret(s spec.Spec) string { return s.Service.Name + "-remote-write" }

// KubePrometheusStackValues are values to merge into the cluster's
// kube-prometheus-stack release: the Grafana sidecars find the service's
// ConfigMaps in any namespace and file dashboards by folder, and, with
// kubernetes.remote_write_url, Prometheus ships samples to Mimir or Thanos.
func KubePrometheusStackValues(s spec.Spec) m {
	v := m{"grafana": m{"sidecar": m{
		"dashboards": m{
			"enabled": true, "label": "grafana_dashboard", "labelValue": "1",
			"searchNamespace": "ALL", "folderAnnotation": "grafana_folder",
			"provider": m{"foldersFromFilesStructure": true},
		},
		"datasources": m{"enabled": true, "label": "grafana_datasource", "labelValue": "1", "searchNamespace": "ALL"},
	}}}
	// The error-budget rules and panels read slo.window of data.
	v["prometheus"] = m{"prometheusSpec": m{"retention": Retention(s)}}
	if u := s.Kubernetes.RemoteWriteURL; u != "" {
		rw := m{
			"url": u,
			"basicAuth": m{
				"username": m{"name": RemoteWriteSecret(s), "key": "username"},
				"password": m{"name": RemoteWriteSecret(s), "key": "password"},
			},
		}
		if t := s.Kubernetes.RemoteWriteTenant; t != "" {
			// Mimir reads the tenant from X-Scope-OrgID, Thanos Receive
			// from THANOS-TENANT (its default --receive.tenant-header).
			rw["headers"] = m{"X-Scope-OrgID": t, "THANOS-TENANT": t}
		}
		v["prometheus"].(m)["prometheusSpec"].(m)["remoteWrite"] = []any{rw}
	}
	return v
}

// ProberAddress is where the Probe objects send Prometheus: the service's
// blackbox exporter in the monitoring namespace.
func ProberAddress(s spec.Spec) string {
	return fmt.Sprintf("%s.%s.svc:%d", ops.BlackboxName(s), s.Kubernetes.MonitoringNamespace, stack.BlackboxPort)
}

// BlackboxValues are values for the prometheus-community
// prometheus-blackbox-exporter chart: the compose target's exporter image
// and modules (prometheus.BlackboxConfig), so a probe means the same on
// both targets.
func BlackboxValues(s spec.Spec) m {
	repo, tag, _ := strings.Cut(stack.ImageBlackbox, ":")
	return m{
		"fullnameOverride": ops.BlackboxName(s),
		"image":            m{"registry": "docker.io", "repository": repo, "tag": tag},
		"config":           prometheus.BlackboxConfig(s),
		"securityContext":  restrictedSecurityContext,
		"resources": m{
			"requests": m{"cpu": "10m", "memory": "32Mi"},
			"limits":   m{"memory": "64Mi"},
		},
	}
}

// LokiValues are values for the grafana/loki chart: the same otlp_config
// as the compose target's Loki (loki.yml), so the level is an index label
// and trace_id, span_id and request_id stay structured metadata.
func LokiValues(s spec.Spec) m {
	o := loki.OTLP()
	// Loki's default index labels (distributor.otlp.
	// default_resource_attributes_as_index_labels) include per-pod
	// attributes: k8s.pod.name, service.instance.id, k8s.replicaset.name
	// make a stream per pod and per rollout. They are matched before any
	// rule of otlp_config, so demoting them takes ignore_defaults and the
	// index labels listed; every other attribute is structured metadata.
	o.ResourceAttributes = &loki.ResourceAttributes{
		IgnoreDefaults:   true,
		AttributesConfig: []loki.AttributesConfig{{Action: loki.IndexLabel, Attributes: LokiIndexedResourceAttributes}},
	}
	tenant := LokiTenant(s)
	loki := m{
		"limits_config": m{"allow_structured_metadata": true, "otlp_config": o},
		// The sidecar writes the rules ConfigMaps into the tenant's folder
		// below the ruler's local storage; the ruler sends to the stack's
		// Alertmanager.
		"rulerConfig": m{
			"storage":          m{"type": "local", "local": m{"directory": lokiRulesRoot}},
			"alertmanager_url": AlertmanagerURL(s),
		},
	}
	if s.Kubernetes.LokiTenant == "" {
		// The chart's auth_enabled: true refuses every push and query
		// without X-Scope-OrgID (401 no org id); without a tenant Loki
		// runs single-tenant, as tenant "fake".
		loki["auth_enabled"] = false
	}
	return m{
		"loki": loki,
		"sidecar": m{"rules": m{
			"enabled": true, "label": LokiRuleLabel, "labelValue": "",
			"folder":          lokiRulesRoot + "/" + tenant,
			"searchNamespace": "ALL",
		}},
	}
}

// lokiRulesRoot is the ruler's local rule storage: one folder per tenant.
const lokiRulesRoot = "/rules"

// LokiTenant is the tenant the agent pushes as, the datasource queries as
// and the rules are loaded for: kubernetes.loki_tenant, else "fake", which
// single-tenant Loki (auth_enabled: false) uses.
func LokiTenant(s spec.Spec) string {
	if t := s.Kubernetes.LokiTenant; t != "" {
		return t
	}
	return "fake"
}

// LokiIndexedResourceAttributes are the resource attributes Loki indexes:
// the service, its environment and where it runs, none of them per pod.
var LokiIndexedResourceAttributes = []string{
	"service.name", "service.namespace",
	"deployment.environment", "deployment.environment.name",
	"k8s.cluster.name", "k8s.namespace.name", "k8s.container.name", "k8s.deployment.name",
}

func clusterValues(s spec.Spec) ([]generators.File, error) {
	agent := AgentValues(s)
	lv := LokiValues(s)
	docs := []struct {
		path, intro string
		v           any
	}{
		{AgentValuesPath(s), agentIntro(s), agent},
		{GatewayValuesPath(s), gatewayIntro(s), GatewayValues(s)},
		{KubePrometheusStackValuesPath(s), kpsIntro(s), KubePrometheusStackValues(s)},
		{LokiValuesPath(s), lokiIntro, lv},
		{BlackboxValuesPath(s), blackboxIntro(s), BlackboxValues(s)},
	}
	var files []generators.File
	for _, d := range docs {
		b, err := generators.YAML(d.intro, d.v)
		if err != nil {
			return nil, err
		}
		files = append(files, generators.File{Path: d.path, Content: b, Owner: generators.Owned})
	}
	return files, nil
}

func agentIntro(s spec.Spec) string {
	mon := s.Kubernetes.MonitoringNamespace
	return "# Values for the upstream opentelemetry-collector chart, DaemonSet mode: the\n" +
		"# node agent of " + s.Service.Name + ". It ships the service's pod logs (" + podLogGlob(s) + ")\n" +
		"# to Loki with the compose target's log semantics; it opens no port. It reads\n" +
		"# the node's log files and keeps its offsets in " + AgentStateDir(s) + " (hostPath, as\n" +
		"# root, as the chart's logsCollection preset): Pod Security admits that only\n" +
		"# under the privileged profile, so it runs in the monitoring namespace, where\n" +
		"# kube-prometheus-stack's node exporter needs the same:\n" +
		"#   kubectl label namespace " + mon + " pod-security.kubernetes.io/enforce=privileged\n" +
		"#   helm install " + agentName(s) + " open-telemetry/opentelemetry-collector -n " + mon + " -f otel-agent.values.yaml\n" +
		"# The null entries switch off the chart's default receivers and pipelines.\n"
}

func gatewayIntro(s spec.Spec) string {
	return "# Values for the upstream opentelemetry-collector chart, Deployment mode: the\n" +
		"# trace gateway of " + s.Service.Name + ". Tail sampling keeps every trace with an error,\n" +
		"# every trace slower than the latency SLO threshold (" + s.SLO.LatencyThreshold.String() + ") and " + slo.Percent(s.Tracing.SamplingRatio) + " of the\n" +
		"# rest; the service sends every trace (OTEL_TRACES_SAMPLER=parentbased_always_on),\n" +
		"# so a log line's trace_sampled says the trace was sent, not that it was kept.\n" +
		"# It passes Pod Security's restricted profile (the service's namespace):\n" +
		"#   helm install " + gatewayName(s) + " open-telemetry/opentelemetry-collector -n " + s.Kubernetes.Namespace + " -f otel-gateway.values.yaml\n" +
		"# The export queue is on an emptyDir: it survives container restarts and\n" +
		"# backend outages of up to " + strconv.Itoa(300/60) + " minutes, not the loss of the pod.\n"
}

func blackboxIntro(s spec.Spec) string {
	mon := s.Kubernetes.MonitoringNamespace
	return "# Values for the prometheus-community prometheus-blackbox-exporter chart: the\n" +
		"# exporter that runs " + s.Service.Name + "'s Probe objects (the chart's probes.prober,\n" +
		"# " + ProberAddress(s) + "), with the compose target's image and modules.\n" +
		"# Without it the probe alerts and the dashboard's uptime row have no data.\n" +
		"#   helm install " + ops.BlackboxName(s) + " prometheus-community/prometheus-blackbox-exporter -n " + mon + " -f blackbox-exporter.values.yaml\n"
}

func kpsIntro(s spec.Spec) string {
	b := "# Values to merge into the kube-prometheus-stack release " + s.Kubernetes.PrometheusRelease + " (namespace\n" +
		"# " + s.Kubernetes.MonitoringNamespace + "): helm upgrade " + s.Kubernetes.PrometheusRelease + " prometheus-community/kube-prometheus-stack\n" +
		"#   -n " + s.Kubernetes.MonitoringNamespace + " --reuse-values -f kube-prometheus-stack.values.yaml\n" +
		"# The Grafana sidecars load the service's dashboard and datasources ConfigMaps\n" +
		"# from every namespace and file the dashboard in its grafana_folder.\n" +
		"# The " + slo.Dur(slo.New(s).SLOWindow) + " error-budget ratios need that much data: retention is " + Retention(s) + "\n" +
		"# (the chart's default is 10d). Size the volume for it, or evaluate the budget\n" +
		"# group where the long-term data is (Mimir or Thanos ruler) and lower it.\n"
	if s.Kubernetes.RemoteWriteURL != "" {
		b += "# remote_write reads its credentials from the Secret " + RemoteWriteSecret(s) + " (keys username,\n" +
			"# password) in " + s.Kubernetes.MonitoringNamespace + ":\n" +
			"#   kubectl -n " + s.Kubernetes.MonitoringNamespace + " create secret generic " + RemoteWriteSecret(s) + " --from-literal=username=... --from-literal=password=...\n"
	}
	return b
}

const lokiIntro = "# Values to merge into the grafana/loki release: the compose target's\n" +
	"# otlp_config, so the level log attribute is an index label and trace_id,\n" +
	"# span_id and request_id are structured metadata Grafana links to traces;\n" +
	"# no per-pod resource attribute is an index label; the rules sidecar loads\n" +
	"# the loki_rule ConfigMaps of every namespace into the ruler, which sends\n" +
	"# to the stack's Alertmanager.\n"
