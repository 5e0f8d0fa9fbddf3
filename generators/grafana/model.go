package grafana

// The types below are the subset of Grafana's dashboard JSON model and
// provisioning files obsgen writes. Tests decode the generated files back
// into them with unknown fields rejected, so a field obsgen does not know
// cannot slip in.

// Dashboard is a dashboard JSON document (schemaVersion SchemaVersion).
type Dashboard struct {
	UID           string      `json:"uid"`
	Title         string      `json:"title"`
	Description   string      `json:"description"`
	Tags          []string    `json:"tags"`
	Timezone      string      `json:"timezone"`
	Editable      bool        `json:"editable"`
	GraphTooltip  int         `json:"graphTooltip"`
	SchemaVersion int         `json:"schemaVersion"`
	Version       int         `json:"version"`
	Refresh       string      `json:"refresh"`
	Time          TimeRange   `json:"time"`
	Templating    Templating  `json:"templating"`
	Annotations   Annotations `json:"annotations"`
	Links         []Link      `json:"links"`
	Panels        []Panel     `json:"panels"`
}

// TimeRange is the default time range.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Templating holds the dashboard variables.
type Templating struct {
	List []Variable `json:"list"`
}

// Variable is a template variable (query or custom).
type Variable struct {
	Name        string         `json:"name"`
	Label       string         `json:"label"`
	Description string         `json:"description,omitempty"`
	Type        string         `json:"type"`
	Datasource  *DatasourceRef `json:"datasource,omitempty"`
	Query       string         `json:"query"`
	Definition  string         `json:"definition,omitempty"`
	Refresh     int            `json:"refresh,omitempty"`
	Sort        int            `json:"sort,omitempty"`
	IncludeAll  bool           `json:"includeAll"`
	Multi       bool           `json:"multi"`
	AllValue    string         `json:"allValue,omitempty"`
}

// Annotations are event overlays drawn on every time series panel.
type Annotations struct {
	List []Annotation `json:"list"`
}

// Annotation is a query whose results become annotations.
type Annotation struct {
	Name        string         `json:"name"`
	Datasource  *DatasourceRef `json:"datasource"`
	Enable      bool           `json:"enable"`
	IconColor   string         `json:"iconColor"`
	Expr        string         `json:"expr"`
	Step        string         `json:"step,omitempty"`
	TitleFormat string         `json:"titleFormat,omitempty"`
	TextFormat  string         `json:"textFormat,omitempty"`
	TagKeys     string         `json:"tagKeys,omitempty"`
	UseValueFor bool           `json:"useValueForTime"`
}

// Link is a dashboard or panel link.
type Link struct {
	Title       string `json:"title"`
	Type        string `json:"type"`
	URL         string `json:"url,omitempty"`
	TargetBlank bool   `json:"targetBlank,omitempty"`
	Tooltip     string `json:"tooltip,omitempty"`
}

// DatasourceRef points at a provisioned datasource by UID.
type DatasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Panel is a panel or a row.
type Panel struct {
	ID          int            `json:"id"`
	Type        string         `json:"type"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	GridPos     GridPos        `json:"gridPos"`
	Collapsed   *bool          `json:"collapsed,omitempty"`
	Datasource  *DatasourceRef `json:"datasource,omitempty"`
	Targets     []Target       `json:"targets,omitempty"`
	FieldConfig *FieldConfig   `json:"fieldConfig,omitempty"`
	Options     *PanelOptions  `json:"options,omitempty"`
	Links       []Link         `json:"links,omitempty"`
	// Panels stays empty: rows are expanded, their panels follow them.
	Panels []Panel `json:"panels,omitempty"`
}

// GridPos places a panel on the 24-column grid.
type GridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

// Target is a query of a panel. Which fields apply depends on the
// datasource: Expr for Prometheus and Loki, Query for Tempo (TraceQL),
// Service for a Jaeger search.
type Target struct {
	RefID        string         `json:"refId"`
	Datasource   *DatasourceRef `json:"datasource"`
	Expr         string         `json:"expr,omitempty"`
	LegendFormat string         `json:"legendFormat,omitempty"`
	Instant      bool           `json:"instant,omitempty"`
	Range        bool           `json:"range,omitempty"`
	// Exemplar shows the exemplars (trace IDs) of the queried histogram.
	Exemplar  bool   `json:"exemplar,omitempty"`
	QueryType string `json:"queryType,omitempty"`
	Query     string `json:"query,omitempty"`
	Service   string `json:"service,omitempty"`
	Limit     int    `json:"limit,omitempty"`
	TableType string `json:"tableType,omitempty"`
}

// FieldConfig sets units, ranges and thresholds of a panel's fields.
type FieldConfig struct {
	Defaults  FieldDefaults `json:"defaults"`
	Overrides []Override    `json:"overrides"`
}

// FieldDefaults apply to every field of the panel.
type FieldDefaults struct {
	Unit       string       `json:"unit,omitempty"`
	Min        *float64     `json:"min,omitempty"`
	Max        *float64     `json:"max,omitempty"`
	Decimals   *int         `json:"decimals,omitempty"`
	Color      *FieldColor  `json:"color,omitempty"`
	Thresholds *Thresholds  `json:"thresholds,omitempty"`
	Custom     *FieldCustom `json:"custom,omitempty"`
}

// FieldColor picks how values are coloured.
type FieldColor struct {
	Mode string `json:"mode"`
}

// Thresholds colour values by steps; the first step has no value (null).
type Thresholds struct {
	Mode  string          `json:"mode"`
	Steps []ThresholdStep `json:"steps"`
}

// ThresholdStep starts a colour at Value.
type ThresholdStep struct {
	Color string   `json:"color"`
	Value *float64 `json:"value"`
}

// FieldCustom holds time series drawing options.
type FieldCustom struct {
	DrawStyle       string           `json:"drawStyle,omitempty"`
	LineWidth       int              `json:"lineWidth,omitempty"`
	FillOpacity     int              `json:"fillOpacity,omitempty"`
	ShowPoints      string           `json:"showPoints,omitempty"`
	Stacking        *Stacking        `json:"stacking,omitempty"`
	ThresholdsStyle *ThresholdsStyle `json:"thresholdsStyle,omitempty"`
}

// Stacking stacks series.
type Stacking struct {
	Mode  string `json:"mode"`
	Group string `json:"group"`
}

// ThresholdsStyle draws thresholds on a time series panel.
type ThresholdsStyle struct {
	Mode string `json:"mode"`
}

// Override changes properties of matching fields.
type Override struct {
	Matcher    Matcher    `json:"matcher"`
	Properties []Property `json:"properties"`
}

// Matcher selects fields of an override.
type Matcher struct {
	ID      string `json:"id"`
	Options string `json:"options"`
}

// Property is one overridden field property.
type Property struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// PanelOptions holds the options of every panel type obsgen uses; each
// panel sets the ones of its type.
type PanelOptions struct {
	// timeseries
	Legend  *Legend  `json:"legend,omitempty"`
	Tooltip *Tooltip `json:"tooltip,omitempty"`
	// stat
	ReduceOptions *ReduceOptions `json:"reduceOptions,omitempty"`
	ColorMode     string         `json:"colorMode,omitempty"`
	GraphMode     string         `json:"graphMode,omitempty"`
	TextMode      string         `json:"textMode,omitempty"`
	JustifyMode   string         `json:"justifyMode,omitempty"`
	// logs
	ShowTime         bool   `json:"showTime,omitempty"`
	WrapLogMessage   bool   `json:"wrapLogMessage,omitempty"`
	EnableLogDetails bool   `json:"enableLogDetails,omitempty"`
	SortOrder        string `json:"sortOrder,omitempty"`
	DedupStrategy    string `json:"dedupStrategy,omitempty"`
	// table
	ShowHeader bool `json:"showHeader,omitempty"`
}

// Legend configures a time series legend.
type Legend struct {
	DisplayMode string   `json:"displayMode"`
	Placement   string   `json:"placement"`
	ShowLegend  bool     `json:"showLegend"`
	Calcs       []string `json:"calcs"`
}

// Tooltip configures hover tooltips.
type Tooltip struct {
	Mode string `json:"mode"`
	Sort string `json:"sort"`
}

// ReduceOptions picks the value a stat shows.
type ReduceOptions struct {
	Calcs  []string `json:"calcs"`
	Fields string   `json:"fields"`
	Values bool     `json:"values"`
}

// DatasourcesFile is provisioning/datasources/datasources.yml.
type DatasourcesFile struct {
	APIVersion  int          `yaml:"apiVersion"`
	Datasources []Datasource `yaml:"datasources"`
}

// Datasource is one provisioned datasource.
type Datasource struct {
	Name      string   `yaml:"name"`
	Type      string   `yaml:"type"`
	UID       string   `yaml:"uid"`
	Access    string   `yaml:"access"`
	URL       string   `yaml:"url"`
	IsDefault bool     `yaml:"isDefault"`
	Editable  bool     `yaml:"editable"`
	JSONData  JSONData `yaml:"jsonData"`
	// SecureJSONData holds values Grafana stores encrypted (the Kubernetes
	// target's Loki tenant header).
	SecureJSONData map[string]string `yaml:"secureJsonData,omitempty"`
}

// JSONData holds the type-specific settings of every datasource type
// obsgen provisions; each datasource sets the ones of its type.
type JSONData struct {
	// prometheus
	HTTPMethod                  string                `yaml:"httpMethod,omitempty"`
	TimeInterval                string                `yaml:"timeInterval,omitempty"`
	PrometheusType              string                `yaml:"prometheusType,omitempty"`
	ExemplarTraceIDDestinations []ExemplarDestination `yaml:"exemplarTraceIdDestinations,omitempty"`
	// loki
	MaxLines      int            `yaml:"maxLines,omitempty"`
	DerivedFields []DerivedField `yaml:"derivedFields,omitempty"`
	// HTTPHeaderName1 names a header sent with every query; its value is
	// secureJsonData's httpHeaderValue1.
	HTTPHeaderName1 string `yaml:"httpHeaderName1,omitempty"`
	// jaeger, tempo
	TracesToLogsV2 *TracesToLogs `yaml:"tracesToLogsV2,omitempty"`
	NodeGraph      *Toggle       `yaml:"nodeGraph,omitempty"`
	// alertmanager
	Implementation             string `yaml:"implementation,omitempty"`
	HandleGrafanaManagedAlerts *bool  `yaml:"handleGrafanaManagedAlerts,omitempty"`
}

// ExemplarDestination links an exemplar's trace ID label to a trace datasource.
type ExemplarDestination struct {
	Name          string `yaml:"name"`
	DatasourceUID string `yaml:"datasourceUid"`
}

// DerivedField turns a value of a log line into a link.
type DerivedField struct {
	Name            string `yaml:"name"`
	MatcherType     string `yaml:"matcherType"`
	MatcherRegex    string `yaml:"matcherRegex"`
	DatasourceUID   string `yaml:"datasourceUid"`
	URL             string `yaml:"url"`
	URLDisplayLabel string `yaml:"urlDisplayLabel"`
}

// TracesToLogs links a span to the log lines of its trace.
type TracesToLogs struct {
	DatasourceUID      string `yaml:"datasourceUid"`
	SpanStartTimeShift string `yaml:"spanStartTimeShift"`
	SpanEndTimeShift   string `yaml:"spanEndTimeShift"`
	FilterByTraceID    bool   `yaml:"filterByTraceID"`
	FilterBySpanID     bool   `yaml:"filterBySpanID"`
	CustomQuery        bool   `yaml:"customQuery"`
	Query              string `yaml:"query"`
}

// Toggle is an on/off setting.
type Toggle struct {
	Enabled bool `yaml:"enabled"`
}

// DashboardsFile is provisioning/dashboards/dashboards.yml.
type DashboardsFile struct {
	APIVersion int        `yaml:"apiVersion"`
	Providers  []Provider `yaml:"providers"`
}

// Provider loads dashboards from a folder.
type Provider struct {
	Name                  string          `yaml:"name"`
	OrgID                 int             `yaml:"orgId"`
	Folder                string          `yaml:"folder"`
	FolderUID             string          `yaml:"folderUid"`
	Type                  string          `yaml:"type"`
	DisableDeletion       bool            `yaml:"disableDeletion"`
	AllowUIUpdates        bool            `yaml:"allowUiUpdates"`
	UpdateIntervalSeconds int             `yaml:"updateIntervalSeconds"`
	Options               ProviderOptions `yaml:"options"`
}

// ProviderOptions says where the provider reads dashboards.
type ProviderOptions struct {
	Path                      string `yaml:"path"`
	FoldersFromFilesStructure bool   `yaml:"foldersFromFilesStructure"`
}
