package connectors

import (
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsink"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func TestPluginsRegister(t *testing.T) {
	reg, err := plugin.NewRegistry(Plugins(httpsink.Defaults{})...)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"FileStreamSource", "FileStreamSink", "Datagen", "HttpSink", "HttpSource"} {
		if _, ok := reg.Lookup(name); !ok {
			t.Errorf("%s not found", name)
		}
	}
}
