// Package connectors gathers the connectors built into the worker, each in
// its own package: file (FileStreamSource and FileStreamSink, under Apache
// Kafka's class names), datagen (made-up records for demos and
// benchmarks), httpsink (delivery to the local app) and httpsource
// (polling an HTTP endpoint).
package connectors

import (
	"slices"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/datagen"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/file"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsink"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsource"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Plugins lists every built-in connector; the HTTP sink delivers to the
// app named by its defaults, both HTTP connectors connect only where
// app.Egress allows, the FileStream connectors open only files within
// files.
func Plugins(app httpsink.Defaults, files file.AllowedPaths) []plugin.Plugin {
	return slices.Concat(file.Plugins(files), datagen.Plugins(), httpsink.Plugins(app), httpsource.Plugins(app.Egress))
}
