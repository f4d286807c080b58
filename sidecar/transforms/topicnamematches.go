package transforms

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var topicNameMatchesSettings = configdef.Def{
	configdef.Required("pattern", plugin.TypeString, plugin.Medium, "A regular expression the whole topic name must match.").
		Checked(func(k string, v any) error {
			if err := configdef.NonEmptyString(k, v); err != nil {
				return err
			}
			return validRegex(k, v)
		}),
}

// TopicNameMatches is true for records whose whole topic name matches a
// regular expression (org.apache.kafka.connect.transforms.predicates.
// TopicNameMatches).
type TopicNameMatches struct {
	pattern *javaPattern
}

func (p *TopicNameMatches) Config() plugin.ConfigDef { return topicNameMatchesSettings.ConfigDef() }

func (p *TopicNameMatches) Configure(props map[string]string) error {
	v, err := topicNameMatchesSettings.Parse(props)
	if err != nil {
		return err
	}
	p.pattern, _ = compileJavaPattern(v.String("pattern")) // checked by parse
	return nil
}

func (p *TopicNameMatches) Test(r plugin.Record) (bool, error) {
	return p.pattern.matches(r.Topic), nil
}
