package otelcol

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators"
	"github.com/obsgen/obsgen/generators/stack"
	"github.com/obsgen/obsgen/internal/spec"
)

// The parts of the collector config both targets run: the file_log
// receiver with the log semantics of package stack, and the processors and
// storage every collector shares. config.yml renders them under its
// comments; the Kubernetes target embeds them in its chart values and
// edits what differs on a node (the pod log path, the container parser).
//
// Fields are in key order: the chart values are written from these types
// and were written sorted before, so they stay byte for byte the same.
type (
	// FileLog is the file_log receiver.
	FileLog struct {
		Include                    []string  `yaml:"include"`
		IncludeFileName            bool      `yaml:"include_file_name"`
		IncludeFilePath            bool      `yaml:"include_file_path"`
		Operators                  Operators `yaml:"operators"`
		PreserveLeadingWhitespaces bool      `yaml:"preserve_leading_whitespaces"`
		RetryOnFailure             Retry     `yaml:"retry_on_failure"`
		StartAt                    string    `yaml:"start_at"`
		Storage                    string    `yaml:"storage"`
	}
	// Retry is a component's retry_on_failure.
	Retry struct {
		Enabled         bool     `yaml:"enabled"`
		InitialInterval string   `yaml:"initial_interval"`
		MaxElapsedTime  Duration `yaml:"max_elapsed_time"`
		MaxInterval     string   `yaml:"max_interval"`
	}
	// Operator is one stanza operator; each type sets its own fields.
	Operator struct {
		AddMetadataFromFilepath *bool      `yaml:"add_metadata_from_filepath,omitempty"`
		CombineField            string     `yaml:"combine_field,omitempty"`
		CombineWith             *Quoted    `yaml:"combine_with,omitempty"`
		Expr                    string     `yaml:"expr,omitempty"`
		Field                   string     `yaml:"field,omitempty"`
		Fields                  []string   `yaml:"fields,omitempty"`
		ForceFlushPeriod        string     `yaml:"force_flush_period,omitempty"`
		Format                  string     `yaml:"format,omitempty"`
		From                    string     `yaml:"from,omitempty"`
		ID                      string     `yaml:"id,omitempty"`
		If                      string     `yaml:"if,omitempty"`
		IsFirstEntry            string     `yaml:"is_first_entry,omitempty"`
		Layout                  string     `yaml:"layout,omitempty"`
		LayoutType              string     `yaml:"layout_type,omitempty"`
		MaxLogSize              string     `yaml:"max_log_size,omitempty"`
		OnError                 string     `yaml:"on_error,omitempty"`
		ParseFrom               string     `yaml:"parse_from,omitempty"`
		ParseTo                 string     `yaml:"parse_to,omitempty"`
		SourceIdentifier        string     `yaml:"source_identifier,omitempty"`
		SpanID                  *ParseFrom `yaml:"span_id,omitempty"`
		To                      string     `yaml:"to,omitempty"`
		TraceID                 *ParseFrom `yaml:"trace_id,omitempty"`
		Type                    string     `yaml:"type"`
		Value                   string     `yaml:"value,omitempty"`
	}
	// ParseFrom names the field a trace_parser part reads.
	ParseFrom struct {
		ParseFrom string `yaml:"parse_from"`
	}
	// MemoryLimiter refuses data above a share of the memory limit.
	MemoryLimiter struct {
		CheckInterval        string `yaml:"check_interval"`
		LimitPercentage      int    `yaml:"limit_percentage"`
		SpikeLimitPercentage int    `yaml:"spike_limit_percentage"`
	}
	// Batch is the batch processor.
	Batch struct {
		SendBatchSize int    `yaml:"send_batch_size"`
		Timeout       string `yaml:"timeout"`
	}
	// FileStorage is the file_storage extension: read offsets and export
	// queues that survive a restart.
	FileStorage struct {
		CreateDirectory bool   `yaml:"create_directory"`
		Directory       string `yaml:"directory"`
	}
)

// Operators is the receiver's pipeline by role, so a target edits one
// operator by name instead of searching a list; it is written as the list
// in pipeline order, without the roles left nil.
type Operators struct {
	// Container parses the runtime's log format; SourceFilter keeps only
	// the service's container (both Docker only).
	Container, SourceFilter *Operator
	JoinCrash, ParseJSON    *Operator
	MarkRaw, DropHealth     *Operator
	Time, Severity, Trace   *Operator
	ServiceName, Env        *Operator
	Version, Retain         *Operator
}

// List is the operators in pipeline order.
func (o Operators) List() []Operator {
	var out []Operator
	for _, op := range []*Operator{
		o.Container, o.SourceFilter, o.JoinCrash, o.ParseJSON, o.MarkRaw, o.DropHealth,
		o.Time, o.Severity, o.Trace, o.ServiceName, o.Env, o.Version, o.Retain,
	} {
		if op != nil {
			out = append(out, *op)
		}
	}
	return out
}

// MarshalYAML writes the list.
func (o Operators) MarshalYAML() (any, error) { return o.List(), nil }

// Quoted is a string written double-quoted. The encoder writes a lone
// newline as a block scalar with no content line ("|2+"), which YAML
// parsers, Helm's among them, read back as "".
type Quoted string

// MarshalYAML writes the value as a double-quoted scalar.
func (q Quoted) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: string(q)}, nil
}

// String is the value, for templates.
func (q Quoted) String() string { return string(q) }

// Duration is a duration written as given, unquoted: 0 (no limit) is a
// number to the collector as the compose file writes it.
type Duration string

// MarshalYAML writes the value as a plain scalar.
func (d Duration) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: string(d)}, nil
}

// jsonLine matches a line holding a JSON object.
const jsonLine = `^\s*\{`

const sendQuiet = "send_quiet"

// NewFileLog is the file_log receiver of s: the service's log lines,
// parsed, filtered and labelled as package stack says.
func NewFileLog(s spec.Spec) FileLog {
	p := stack.NewLogPipeline(s)
	include := p.Include
	// Crash lines join with a newline, except Docker's json-file lines,
	// which keep their own.
	combineWith := Quoted("\n")
	var ops Operators
	if p.Docker {
		include += "*"
		combineWith = ""
		no := false
		ops.Container = &Operator{Type: "container", ID: "docker", Format: "docker", AddMetadataFromFilepath: &no}
		ops.SourceFilter = &Operator{
			Type: "filter", ID: p.SourceFilterID,
			Expr: fmt.Sprintf("attributes.attrs == nil or attributes.attrs[%s] != %s", generators.JSONQuote(p.SourceLabel), generators.JSONQuote(p.Service)),
		}
	}
	ops.JoinCrash = &Operator{
		Type: "recombine", ID: "join_crash_output", CombineField: "body", CombineWith: &combineWith,
		IsFirstEntry:     fmt.Sprintf("not (body matches `%s`)", p.StackContinuation),
		SourceIdentifier: `attributes["log.file.path"]`, ForceFlushPeriod: "1s", MaxLogSize: "128KiB",
	}
	ops.ParseJSON = &Operator{
		Type: "json_parser", ID: "parse_json", If: fmt.Sprintf("body matches `%s`", jsonLine),
		ParseFrom: "body", ParseTo: "attributes", OnError: sendQuiet,
	}
	ops.MarkRaw = &Operator{
		Type: "add", ID: "mark_raw", If: fmt.Sprintf("not (body matches `%s`)", jsonLine),
		Field: "attributes." + p.MetaRaw, Value: "true",
	}
	quoted := make([]string, len(p.HealthPaths))
	for i, r := range p.HealthPaths {
		quoted[i] = fmt.Sprintf("%q", r)
	}
	ops.DropHealth = &Operator{
		Type: "filter", ID: "drop_health_checks",
		Expr: fmt.Sprintf("attributes.%s in [%s]", p.PathField, strings.Join(quoted, ", ")),
	}
	ops.Time = &Operator{Type: "time_parser", ParseFrom: "attributes." + p.TimeField, LayoutType: "gotime", Layout: p.TimeLayout, OnError: sendQuiet}
	ops.Severity = &Operator{Type: "severity_parser", ParseFrom: "attributes." + p.LevelField, OnError: sendQuiet}
	ops.Trace = &Operator{
		Type:    "trace_parser",
		TraceID: &ParseFrom{ParseFrom: "attributes." + p.TraceIDField},
		SpanID:  &ParseFrom{ParseFrom: "attributes." + p.SpanIDField},
		OnError: sendQuiet,
	}
	ops.ServiceName = &Operator{Type: "add", Field: `resource["service.name"]`, Value: p.Service}
	ops.Env = &Operator{Type: "add", Field: `resource["deployment.environment.name"]`, Value: p.Environment}
	ops.Version = &Operator{Type: "move", From: "attributes." + p.VersionField, To: `resource["service.version"]`, OnError: sendQuiet}
	ops.Retain = &Operator{Type: "retain", Fields: []string{
		"attributes." + p.LevelField, "attributes." + p.RequestIDField, "attributes." + p.MetaRaw,
	}}
	return FileLog{
		Include: []string{include}, StartAt: "beginning", Storage: "file_storage",
		IncludeFileName: false, IncludeFilePath: true, PreserveLeadingWhitespaces: true,
		RetryOnFailure: Retry{Enabled: true, InitialInterval: "1s", MaxInterval: "30s", MaxElapsedTime: "0"},
		Operators:      ops,
	}
}

// NewMemoryLimiter is every collector's memory_limiter: a share of the
// container's memory limit, so it refuses data before the kernel kills it.
func NewMemoryLimiter() MemoryLimiter {
	return MemoryLimiter{CheckInterval: "1s", LimitPercentage: 80, SpikeLimitPercentage: 20}
}

// NewBatch is every collector's batch processor.
func NewBatch() Batch { return Batch{SendBatchSize: 8192, Timeout: "1s"} }

// NewFileStorage is every collector's file_storage extension.
func NewFileStorage() FileStorage {
	return FileStorage{Directory: "/var/lib/otelcol/file_storage", CreateDirectory: true}
}
