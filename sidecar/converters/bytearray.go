package converters

import "github.com/connect-sidecar/connect-sidecar/sidecar/plugin"

// ByteArrayConverter is org.apache.kafka.connect.converters.ByteArrayConverter:
// bytes pass through unchanged, in both directions. It has no settings.
type ByteArrayConverter struct{}

// Configure accepts any settings.
func (c *ByteArrayConverter) Configure(props map[string]string, isKey bool) error { return nil }

// FromConnectData returns value itself, which must be []byte or nil, with a
// bytes schema or none.
func (c *ByteArrayConverter) FromConnectData(topic string, schema *plugin.Schema, value any) ([]byte, error) {
	if schema != nil && schema.Type != plugin.Bytes {
		return nil, dataErr("Invalid schema type for ByteArrayConverter: %s", schema.Type.JavaName())
	}
	switch b := value.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	}
	return nil, dataErr("ByteArrayConverter is not compatible with objects of type %T", value)
}

// ToConnectData returns data itself with an optional bytes schema.
func (c *ByteArrayConverter) ToConnectData(topic string, data []byte) (*plugin.Schema, any, error) {
	if data == nil {
		return optionalBytes, nil, nil
	}
	return optionalBytes, data, nil
}

// Config describes the settings: only the converter.type every converter has.
func (c *ByteArrayConverter) Config() plugin.ConfigDef {
	return plugin.ConfigDef{converterType.PluginKey()}
}
