package file

import "github.com/connect-sidecar/connect-sidecar/sidecar/plugin"

// Plugins lists FileStreamSource and FileStreamSink under Java's class names.
func Plugins() []plugin.Plugin {
	return []plugin.Plugin{
		{Class: SourceClass, Kind: plugin.KindSource, Version: Version,
			New: func() any { return &SourceConnector{} }},
		{Class: SinkClass, Kind: plugin.KindSink, Version: Version,
			New: func() any { return &SinkConnector{} }},
	}
}
