package transforms

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

var regexRouterSettings = configdef.Def{
	configdef.Required("regex", plugin.TypeString, plugin.High, "The regular expression the whole topic name must match.").
		Checked(validRegex),
	configdef.Required("replacement", plugin.TypeString, plugin.High,
		"The new topic name; $1 or ${name} put in what a group of the regex matched."),
}

// validRegex is connect-transforms' RegexValidator. The reason given is
// Go's (see javaPattern for the syntax accepted).
func validRegex(k string, v any) error {
	s, _ := v.(string)
	if _, err := compileJavaPattern(s); err != nil {
		return configdef.Invalid(k, s, "Invalid regex: "+err.Error())
	}
	return nil
}

// RegexRouter renames topics that match a regular expression, as Java's
// Matcher.replaceFirst does (org.apache.kafka.connect.transforms.
// RegexRouter).
type RegexRouter struct {
	regex       *javaPattern
	replacement string
}

func (t *RegexRouter) Config() plugin.ConfigDef { return regexRouterSettings.ConfigDef() }

func (t *RegexRouter) Configure(props map[string]string) error {
	v, err := regexRouterSettings.Parse(props)
	if err != nil {
		return err
	}
	t.regex, _ = compileJavaPattern(v.String("regex")) // checked by parse
	t.replacement = v.String("replacement")
	return nil
}

func (t *RegexRouter) Apply(r plugin.Record) (plugin.Record, bool, error) {
	if !t.regex.matches(r.Topic) {
		return r, true, nil
	}
	topic, err := t.regex.replaceFirst(r.Topic, t.replacement)
	if err != nil {
		return r, false, err
	}
	r.Topic = topic
	return r, true, nil
}
