// Package ops says how a responder inspects and restarts the service and
// its log pipeline on the service's deploy target, for the runbooks:
// docker compose commands for the local stack, kubectl for a cluster.
// Each runbook step names the same action on both targets.
package ops

import (
	"fmt"
	"path"

	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// AgentName and GatewayName are the releases (and fullnameOverride) of the
// Kubernetes target's collectors: the node agent shipping the service's
// logs and the trace gateway.
func AgentName(s spec.Spec) string   { return s.Service.Name + "-otel-agent" }
func GatewayName(s spec.Spec) string { return s.Service.Name + "-otel-gateway" }

// ClusterDir holds the values of the cluster's own charts.
func ClusterDir(s spec.Spec) string { return path.Join(s.Kubernetes.ChartDir, "cluster") }

// BlackboxValuesPath is the blackbox exporter chart's values file.
func BlackboxValuesPath(s spec.Spec) string {
	return path.Join(ClusterDir(s), "blackbox-exporter.values.yaml")
}

// BlackboxName is the release (and fullnameOverride) of the Kubernetes
// target's blackbox exporter, which runs the service's Probe objects.
func BlackboxName(s spec.Spec) string { return s.Service.Name + "-blackbox-exporter" }

// Steps are runbook sentences, each a complete step.
type Steps struct {
	// Running: is the process up, and what did it log last.
	Running string
	// Scrape: does the metrics endpoint answer.
	Scrape string
	// Crashed: did it exit or crash-loop, and why.
	Crashed string
	// ExitLogs: the command showing the last lines before an exit.
	ExitLogs string
	// Restart: start the service again.
	Restart string
	// ScrapeChecks: where the scrape configuration lives and how to check it.
	ScrapeChecks []string
	// RestoreScrape: restore it and make Prometheus read it again.
	RestoreScrape string
	// RestartLogPipeline: start the log shipper and Loki again.
	RestartLogPipeline string
	// ProbeDebug: how the blackbox exporter explains its last probe.
	ProbeDebug string
	// ProbeHealthPath: the path the health module's probe takes.
	ProbeHealthPath string
	// ProbeRunning and ProbeRestart: is the blackbox exporter up, and how
	// to start it again.
	ProbeRunning, ProbeRestart string
}

// probeDebugURL asks the exporter to run a probe and explain each step.
var probeDebugURL = fmt.Sprintf("'http://127.0.0.1:%d/probe?debug=true&module=<module>&target=<url>'", stack.BlackboxPort)

// For returns the steps of s's deploy target.
func For(s spec.Spec) Steps {
	svc := s.Service.Name
	if !s.Deploy.Target.IsKubernetes() {
		return Steps{
			Running:  "Is the process running? In the compose stack: `" + stack.Compose + " ps " + svc + "` and `" + stack.Compose + " logs --tail=100 " + svc + "`.",
			ExitLogs: "`" + stack.Compose + " logs --tail=200 " + svc + "`",
			Crashed:  "Did it exit or crash-loop? `" + stack.Compose + " ps -a " + svc + "` shows its state and exit code, and `docker inspect --format '{{ .State.OOMKilled }} {{ .RestartCount }}'` on its container whether the kernel killed it for memory and how often it restarted.",
			// The service image is Alpine and the Prometheus image busybox:
			// wget is there, curl is not.
			Scrape:  "Does the metrics endpoint answer? `" + stack.Compose + " exec " + stack.Prometheus + " wget -qO- http://" + svc + ":" + fmt.Sprint(s.Metrics.Port) + s.Metrics.Path + " | head` asks from Prometheus' own container.",
			Restart: "start it again (`" + stack.Compose + " up -d " + svc + "` in the compose stack)",
			ScrapeChecks: []string{
				"Check Status > Configuration and Status > Targets in Prometheus: is there a job named `" + svc + "`?",
				"Run `promtool check config prometheus.yml` in the prometheus folder after any change to it.",
			},
			RestoreScrape:      "Restore the scrape job: revert the last change to prometheus.yml (job `" + svc + "`, its targets or relabelling), check it with promtool, then restart Prometheus (`" + stack.Compose + " restart " + stack.Prometheus + "` in the compose stack) so the target comes back.",
			RestartLogPipeline: "start the collector or Loki again (`" + stack.Compose + " up -d " + stack.Collector + " " + stack.Loki + "`)",
			ProbeDebug:         "`" + stack.Compose + " exec " + stack.Blackbox + " wget -qO- " + probeDebugURL + "`",
			ProbeHealthPath:    "inside the compose network",
			ProbeRunning:       "`" + stack.Compose + " ps " + stack.Blackbox + "`",
			ProbeRestart:       "`" + stack.Compose + " up -d " + stack.Blackbox + "`",
		}
	}
	ns, mon := s.Kubernetes.Namespace, s.Kubernetes.MonitoringNamespace
	chart := path.Join(s.Kubernetes.ChartDir, svc)
	sel := "app.kubernetes.io/name=" + svc
	return Steps{
		Running:  "Is the process running? `kubectl -n " + ns + " get pods -l " + sel + "` (status, restarts), `kubectl -n " + ns + " describe pod -l " + sel + "` (events: OOMKilled, failed probes, image pulls) and `kubectl -n " + ns + " logs -l " + sel + " --tail=100` (add `--previous` for a container that restarted).",
		Scrape:   "Does the metrics endpoint answer? `kubectl -n " + ns + " port-forward deploy/" + svc + " " + fmt.Sprint(s.Metrics.Port) + "` and, beside it, `wget -qO- http://127.0.0.1:" + fmt.Sprint(s.Metrics.Port) + s.Metrics.Path + " | head`.",
		ExitLogs: "`kubectl -n " + ns + " logs -l " + sel + " --previous --tail=200`",
		Crashed:  "Did it exit or crash-loop? `kubectl -n " + ns + " get pods -l " + sel + "` shows its restarts, and `kubectl -n " + ns + " get pods -l " + sel + " -o jsonpath='{.items[*].status.containerStatuses[*].lastState.terminated}'` its last exit code and reason (OOMKilled: the memory limit).",
		Restart:  "start it again (`kubectl -n " + ns + " rollout restart deploy/" + svc + "`)",
		ScrapeChecks: []string{
			"Check Status > Targets in Prometheus: is there `serviceMonitor/" + ns + "/" + svc + "/0`? `kubectl -n " + ns + " get servicemonitor " + svc + " --show-labels` must show `release=" + s.Kubernetes.PrometheusRelease + "`, or the stack's Prometheus ignores it.",
			"`kubectl -n " + ns + " get endpointslices -l kubernetes.io/service-name=" + svc + "`: the Service must have ready endpoints on its `metrics` port.",
		},
		RestoreScrape:      "Restore the ServiceMonitor: `helm -n " + ns + " upgrade --install " + svc + " " + chart + "` with the release's values (a values change may have switched `serviceMonitor.enabled` off or changed its labels); the operator reloads Prometheus by itself and the target comes back.",
		RestartLogPipeline: "restart the node agent or Loki (`kubectl -n " + mon + " rollout restart daemonset/" + AgentName(s) + "`; Loki's pods: `kubectl -n " + mon + " get pods -l app.kubernetes.io/name=loki`)",
		ProbeDebug:         "`kubectl -n " + mon + " port-forward svc/" + BlackboxName(s) + " " + fmt.Sprint(stack.BlackboxPort) + "` and, beside it, `wget -qO- " + probeDebugURL + "`",
		ProbeHealthPath:    "from the monitoring namespace to the Service " + svc + " in " + ns,
		ProbeRunning:       "`kubectl -n " + mon + " get pods -l app.kubernetes.io/instance=" + BlackboxName(s) + "`",
		ProbeRestart:       "`helm -n " + mon + " upgrade --install " + BlackboxName(s) + " prometheus-community/prometheus-blackbox-exporter -f " + BlackboxValuesPath(s) + "`, or `kubectl -n " + mon + " rollout restart deploy/" + BlackboxName(s) + "`",
	}
}
