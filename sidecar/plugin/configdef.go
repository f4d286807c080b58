package plugin

// ConfigType is a ConfigDef type, named as Connect's REST API shows it.
type ConfigType string

// ConfigDef types.
const (
	TypeBoolean  ConfigType = "BOOLEAN"
	TypeString   ConfigType = "STRING"
	TypeInt      ConfigType = "INT"
	TypeShort    ConfigType = "SHORT"
	TypeLong     ConfigType = "LONG"
	TypeDouble   ConfigType = "DOUBLE"
	TypeList     ConfigType = "LIST"
	TypeClass    ConfigType = "CLASS"
	TypePassword ConfigType = "PASSWORD"
)

// Importance of a setting, as ConfigDef has it.
type Importance string

// Importances.
const (
	High   Importance = "HIGH"
	Medium Importance = "MEDIUM"
	Low    Importance = "LOW"
)

// ConfigKey describes one setting of a connector, transform or converter.
type ConfigKey struct {
	Name          string
	Type          ConfigType
	Default       string // as the string a user would write; see HasDefault
	HasDefault    bool   // false: the setting is required
	Importance    Importance
	Documentation string
	Group         string
	OrderInGroup  int
	Width         string // NONE, SHORT, MEDIUM, LONG
	DisplayName   string
	Dependents    []string
	// Validate checks a value (already known to parse as Type); nil
	// accepts anything.
	Validate func(value string) error
}

// ConfigDef is the list of settings a plugin accepts.
type ConfigDef []ConfigKey
