// Package connectors gathers the connectors built into the worker, each in
// its own package: file (FileStreamSource and FileStreamSink, under Apache
// Kafka's class names) and datagen (made-up records for demos and
// benchmarks).
package connectors

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/datagen"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/file"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Plugins lists every built-in connector.
func Plugins() []plugin.Plugin {
	return append(file.Plugins(), datagen.Plugins()...)
}
