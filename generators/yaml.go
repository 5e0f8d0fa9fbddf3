package generators

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// YAML encodes v as a YAML document (two-space indent) after intro, a
// comment block or "". Generators build configs as typed values and encode
// them here, so escaping is by construction and every file is indented alike.
func YAML(intro string, v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(intro)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
