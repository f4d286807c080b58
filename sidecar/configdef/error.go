package configdef

// Error is a ConfigException: its text is exactly Java's.
type Error struct {
	Key     string // the setting; "" when the problem is not one setting's
	Value   string // the value as Java prints it
	Message string
	// Whole: Message is the whole text (Java's one-argument form); Key
	// then only says which setting it is about.
	Whole bool
}

func (e *Error) Error() string {
	if e.Whole || e.Key == "" {
		return e.Message
	}
	s := "Invalid value " + e.Value + " for configuration " + e.Key
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Invalid is ConfigException(name, value, message); value is printed as
// Java's String.valueOf prints it.
func Invalid(key string, value any, msg string) *Error {
	return &Error{Key: key, Value: JavaString(value), Message: msg}
}

// Exception is ConfigException(message); key, when known, says which
// setting it is about.
func Exception(key, msg string) *Error { return &Error{Key: key, Message: msg, Whole: true} }

// Missing is Java's error for a required setting that is not set.
func Missing(key string) *Error {
	return Exception(key, `Missing required configuration "`+key+`" which has no default value.`)
}
