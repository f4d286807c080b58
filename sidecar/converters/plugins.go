package converters

import (
	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Plugins lists the converters under their Java class names. Like Java's
// GET /connector-plugins, a class that is both a converter and a header
// converter appears once for each kind; its header converter is the
// converter wrapped by AsHeaderConverter.
//
// Java also ships BooleanConverter, DoubleConverter, FloatConverter,
// IntegerConverter, LongConverter and ShortConverter; they are not here yet.
func Plugins() []plugin.Plugin {
	both := func(class string, newConverter func() plugin.Converter) []plugin.Plugin {
		return []plugin.Plugin{
			{Class: class, Kind: plugin.KindConverter, Version: buildinfo.ConnectVersion,
				New: func() any { return newConverter() }},
			{Class: class, Kind: plugin.KindHeaderConverter, Version: buildinfo.ConnectVersion,
				New: func() any { return AsHeaderConverter(newConverter()) }},
		}
	}
	var out []plugin.Plugin
	out = append(out, both("org.apache.kafka.connect.json.JsonConverter", func() plugin.Converter { return &JsonConverter{} })...)
	out = append(out, both("org.apache.kafka.connect.storage.StringConverter", func() plugin.Converter { return &StringConverter{} })...)
	out = append(out, both("org.apache.kafka.connect.converters.ByteArrayConverter", func() plugin.Converter { return &ByteArrayConverter{} })...)
	return append(out, plugin.Plugin{
		Class: "org.apache.kafka.connect.storage.SimpleHeaderConverter", Kind: plugin.KindHeaderConverter,
		Version: buildinfo.ConnectVersion, New: func() any { return &SimpleHeaderConverter{} },
	})
}
