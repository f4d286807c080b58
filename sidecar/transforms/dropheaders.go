package transforms

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var dropHeadersSettings = configdef.Def{
	listOfNames(configdef.Required("headers", plugin.TypeList, plugin.High, "Names of the headers to remove."), false),
}

// DropHeaders removes headers by name
// (org.apache.kafka.connect.transforms.DropHeaders).
type DropHeaders struct {
	drop map[string]bool
}

func (t *DropHeaders) Config() plugin.ConfigDef { return dropHeadersSettings.ConfigDef() }

func (t *DropHeaders) Configure(props map[string]string) error {
	v, err := dropHeadersSettings.Parse(props)
	if err != nil {
		return err
	}
	t.drop = setOf(v.List("headers"))
	return nil
}

func (t *DropHeaders) Apply(r plugin.Record) (plugin.Record, bool, error) {
	kept := make([]plugin.Header, 0, len(r.Headers))
	for _, h := range r.Headers {
		if !t.drop[h.Key] {
			kept = append(kept, h)
		}
	}
	return r.WithHeaders(kept), true, nil
}
