package grafana

import (
	"fmt"

	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// Hosts of the compose stack, as the containers see each other.
const (
	prometheusURL   = "http://prometheus:9090"
	lokiURL         = "http://loki:3100"
	jaegerURL       = "http://jaeger:16686"
	tempoURL        = "http://tempo:3200"
	alertmanagerURL = "http://alertmanager:9093"
)

// TraceDatasource is the UID and type of the spec's trace backend, or
// ok=false when tracing is off.
func TraceDatasource(s spec.Spec) (ref DatasourceRef, ok bool) {
	if !s.Tracing.Enabled {
		return DatasourceRef{}, false
	}
	if s.Tracing.Backend == "tempo" {
		return DatasourceRef{Type: "tempo", UID: DatasourceTempo}, true
	}
	return DatasourceRef{Type: "jaeger", UID: DatasourceJaeger}, true
}

// grafanaDollar escapes a literal $ for provisioning files, where Grafana
// expands $VAR and ${VAR} from its environment and $$ stands for $.
func grafanaDollar(s string) string {
	out := make([]byte, 0, len(s)+4)
	for i := 0; i < len(s); i++ {
		if s[i] == '$' {
			out = append(out, '$')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// TraceLogsQuery is the LogQL a span links to: every log line of its trace,
// whatever service wrote it, found by the trace_id structured metadata
// (Grafana fills in the trace ID).
func TraceLogsQuery() string {
	return fmt.Sprintf(`{%s=~".+"} | %s="${__trace.traceId}"`, contract.LokiLabelService, contract.LokiMetaTraceID)
}

// Datasources is the datasource provisioning for a spec.
func Datasources(s spec.Spec) DatasourcesFile {
	no := false
	prom := Datasource{
		Name: "Prometheus", Type: "prometheus", UID: DatasourcePrometheus, Access: "proxy", URL: prometheusURL,
		IsDefault: true,
		JSONData: JSONData{
			HTTPMethod: "POST", TimeInterval: "15s", PrometheusType: "Prometheus",
		},
	}
	loki := Datasource{
		Name: "Loki", Type: "loki", UID: DatasourceLoki, Access: "proxy", URL: lokiURL,
		JSONData: JSONData{MaxLines: 1000},
	}
	out := DatasourcesFile{APIVersion: 1}
	if trace, ok := TraceDatasource(s); ok {
		// Exemplars carry the trace ID under trace_id, like the logs.
		prom.JSONData.ExemplarTraceIDDestinations = []ExemplarDestination{{Name: contract.LogTraceID, DatasourceUID: trace.UID}}
		loki.JSONData.DerivedFields = []DerivedField{{
			Name: "TraceID", MatcherType: "label", MatcherRegex: contract.LokiMetaTraceID,
			DatasourceUID: trace.UID, URL: grafanaDollar("${__value.raw}"), URLDisplayLabel: "View trace",
		}}
		out.Datasources = append(out.Datasources, prom, loki)
		ds := Datasource{
			Type: trace.Type, UID: trace.UID, Access: "proxy",
			JSONData: JSONData{
				TracesToLogsV2: &TracesToLogs{
					DatasourceUID: DatasourceLoki, SpanStartTimeShift: "-5m", SpanEndTimeShift: "5m",
					CustomQuery: true, Query: grafanaDollar(TraceLogsQuery()),
				},
				NodeGraph: &Toggle{Enabled: true},
			},
		}
		if trace.Type == "tempo" {
			ds.Name, ds.URL = "Tempo", tempoURL
		} else {
			ds.Name, ds.URL = "Jaeger", jaegerURL
		}
		out.Datasources = append(out.Datasources, ds)
	} else {
		out.Datasources = append(out.Datasources, prom, loki)
	}
	out.Datasources = append(out.Datasources, Datasource{
		Name: "Alertmanager", Type: "alertmanager", UID: DatasourceAlertmanager, Access: "proxy", URL: alertmanagerURL,
		JSONData: JSONData{Implementation: "prometheus", HandleGrafanaManagedAlerts: &no},
	})
	return out
}

func datasourcesIntro(s spec.Spec) string {
	b := "# Datasources for the " + s.Service.Name + " dashboard, by the UIDs it references.\n" +
		"# Grafana expands $VAR in this file from its environment; $$ is a literal $.\n"
	if _, ok := TraceDatasource(s); ok {
		b += "# Log lines link to their trace (trace_id structured metadata), spans to\n" +
			"# their trace's log lines; exemplars (stored by Prometheus with\n" +
			"# --enable-feature=exemplar-storage) link to traces.\n"
	}
	return b + "\n"
}

const dashboardsIntro = "# Loads the generated dashboards into the Services folder. They are owned\n" +
	"# by obsgen: edit obsgen.yaml, not the dashboard in the UI.\n\n"

// Dashboards is the dashboard provider of a project: the Services folder
// for one service, a folder per service for several.
func Dashboards(p spec.Project) DashboardsFile {
	provider := func(name, folder, uid, dir string) Provider {
		return Provider{
			Name: name, OrgID: 1, Folder: folder, FolderUID: uid, Type: "file",
			DisableDeletion: true, AllowUIUpdates: false, UpdateIntervalSeconds: 30,
			Options: ProviderOptions{Path: dir},
		}
	}
	if !p.Listed {
		return DashboardsFile{APIVersion: 1, Providers: []Provider{provider("obsgen", "Services", "obsgen-services", DashboardsMount)}}
	}
	out := DashboardsFile{APIVersion: 1, Providers: []Provider{provider("obsgen-overview", "Overview", OverviewUID, DashboardsMount+"/"+overviewFolder)}}
	for _, s := range p.Specs() {
		n := s.Service.Name
		out.Providers = append(out.Providers, provider("obsgen-"+n, n, "obsgen-"+n, DashboardsMount+"/"+n))
	}
	return out
}
