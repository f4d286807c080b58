package converters

import (
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Java lists JsonConverter and StringConverter as both converter and
// header converter; the registry must take both and tell them apart.
func TestPluginsRegisterUnderBothKinds(t *testing.T) {
	reg, err := plugin.NewRegistry(Plugins()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []plugin.Kind{plugin.KindConverter, plugin.KindHeaderConverter} {
		p, ok := reg.Lookup("JsonConverter", kind)
		if !ok || p.Kind != kind {
			t.Errorf("JsonConverter as %s: %+v %v", kind, p, ok)
		}
	}
}
