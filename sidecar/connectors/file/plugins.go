package file

import "github.com/connect-sidecar/connect-sidecar/sidecar/plugin"

// Plugins lists FileStreamSource and FileStreamSink under Java's class
// names; they open only files within allowed.
func Plugins(allowed AllowedPaths) []plugin.Plugin {
	return []plugin.Plugin{
		{Class: SourceClass, Kind: plugin.KindSource, Version: Version,
			New: func() any { return &SourceConnector{allowed: allowed} }},
		{Class: SinkClass, Kind: plugin.KindSink, Version: Version,
			New: func() any { return &SinkConnector{allowed: allowed} }},
	}
}

// checkFile reports a file setting outside the allowed paths, for the
// REST validate endpoint (connectorconfig.ConfigValidator).
func checkFile(allowed AllowedPaths, file string) map[string][]string {
	if file == "" {
		return nil
	}
	if _, err := allowed.Resolve(file); err != nil {
		return map[string][]string{FileConfig: {err.Error()}}
	}
	return nil
}
