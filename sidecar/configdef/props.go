package configdef

import (
	"strings"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Props reads single settings that no Def lists, each by ConfigDef's rules
// for its type: the default when unset, else the value trimmed and typed.
type Props map[string]string

// String is a STRING setting.
func (p Props) String(key, dflt string) string {
	v, _ := p.read(key, plugin.TypeString, dflt)
	return v.(string)
}

// Bool is a BOOLEAN setting.
func (p Props) Bool(key string, dflt bool) (bool, error) {
	v, err := p.read(key, plugin.TypeBoolean, dflt)
	b, _ := v.(bool)
	return b, err
}

// Int is an INT setting.
func (p Props) Int(key string, dflt int32) (int32, error) {
	v, err := p.read(key, plugin.TypeInt, dflt)
	i, _ := v.(int32)
	return i, err
}

// Long is a LONG setting.
func (p Props) Long(key string, dflt int64) (int64, error) {
	v, err := p.read(key, plugin.TypeLong, dflt)
	i, _ := v.(int64)
	return i, err
}

// List is a LIST setting; unset, it is empty.
func (p Props) List(key string) []string {
	v, _ := p.read(key, plugin.TypeList, []string{})
	return v.([]string)
}

func (p Props) read(key string, t plugin.ConfigType, dflt any) (any, error) {
	raw, ok := p[key]
	if !ok {
		return dflt, nil
	}
	return ParseType(key, raw, t, nil)
}

// WithPrefix is AbstractConfig.originalsWithPrefix: the settings under
// prefix, with it removed; a key that is only the prefix is left out.
func WithPrefix(m map[string]string, prefix string) Props {
	out := Props{}
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}
