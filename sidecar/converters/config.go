package converters

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// converterType is the converter.type setting Java's ConverterConfig
// defines for every converter; the worker sets it, so it has no default.
var converterType = configdef.Required("converter.type", plugin.TypeString, plugin.Low, "How this converter will be used.").
	Checked(configdef.In("key", "value", "header"))
