package transforms

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var hasHeaderKeySettings = configdef.Def{
	configdef.Required("name", plugin.TypeString, plugin.Medium, "The header name to look for.").Checked(configdef.NonEmptyString),
}

// HasHeaderKey is true for records with at least one header of a name
// (org.apache.kafka.connect.transforms.predicates.HasHeaderKey).
type HasHeaderKey struct {
	name string
}

func (p *HasHeaderKey) Config() plugin.ConfigDef { return hasHeaderKeySettings.ConfigDef() }

func (p *HasHeaderKey) Configure(props map[string]string) error {
	v, err := hasHeaderKeySettings.Parse(props)
	if err != nil {
		return err
	}
	p.name = v.String("name")
	return nil
}

func (p *HasHeaderKey) Test(r plugin.Record) (bool, error) {
	for _, h := range r.Headers {
		if h.Key == p.name {
			return true, nil
		}
	}
	return false, nil
}
