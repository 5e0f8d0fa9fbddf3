package loki

import "github.com/obsgen/obsgen/internal/contract"

// OTLPConfig is Loki's limits_config.otlp_config: which OTLP attributes
// become index labels. Both targets take it from here (loki.yml renders
// it, the Kubernetes target's chart values embed it), so the level is an
// index label on both and trace_id, span_id and request_id stay
// structured metadata.
type OTLPConfig struct {
	LogAttributes      []AttributesConfig  `yaml:"log_attributes"`
	ResourceAttributes *ResourceAttributes `yaml:"resource_attributes,omitempty"`
}

// AttributesConfig applies Action (index_label, structured_metadata,
// drop) to the named attributes.
type AttributesConfig struct {
	Action     string   `yaml:"action"`
	Attributes []string `yaml:"attributes"`
}

// ResourceAttributes says which resource attributes are index labels;
// IgnoreDefaults drops Loki's built-in list. (Fields in key order: the
// chart values were written sorted.)
type ResourceAttributes struct {
	AttributesConfig []AttributesConfig `yaml:"attributes_config"`
	IgnoreDefaults   bool               `yaml:"ignore_defaults"`
}

// IndexLabel is the action that makes attributes index labels.
const IndexLabel = "index_label"

// OTLP is the otlp_config of both targets: the collector leaves the log
// level as a log attribute, and indexing it lets {level="error"} select
// a stream. Loki's default resource labels (service.name,
// deployment.environment.name) stay as they are; a target that needs
// others sets ResourceAttributes.
func OTLP() OTLPConfig {
	return OTLPConfig{LogAttributes: []AttributesConfig{{Action: IndexLabel, Attributes: []string{contract.LokiLabelLevel}}}}
}
