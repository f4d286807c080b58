package connectors

import (
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsink"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func TestPluginsRegister(t *testing.T) {
	p, err := egress.New(nil, httpsink.DefaultURL)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := plugin.NewRegistry(Plugins(httpsink.Defaults{Egress: p}, nil)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"FileStreamSource", "FileStreamSink", "Datagen", "HttpSink", "HttpSource"} {
		if _, ok := reg.Lookup(name); !ok {
			t.Errorf("%s not found", name)
		}
	}
}
