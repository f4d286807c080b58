package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// readBody reads the whole body up to limit bytes. Too large is 413,
// a broken read 400; both are written, and ok is false.
func (c *call) readBody(limit int64) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		c.error(http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body is larger than the limit of %d bytes", limit))
		return nil, false
	case err != nil:
		c.error(http.StatusBadRequest, "Cannot read the request body: "+err.Error())
		return nil, false
	}
	return b, true
}

// objectBody reads a body that must be one JSON object and returns its
// members undecoded. what names the body in messages, e.g. "The connector
// config". Bad input is answered with 400 and ok is false.
func (c *call) objectBody(what string) (map[string]json.RawMessage, bool) {
	b, ok := c.readBody(MaxBodyBytes)
	if !ok {
		return nil, false
	}
	m, err := parseObject(b, what)
	if err != nil {
		c.error(http.StatusBadRequest, err.Error())
		return nil, false
	}
	return m, true
}

func parseObject(b []byte, what string) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, bad("%s is missing: send a JSON object in the request body", what)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, jsonError(err, what, "a JSON object")
	}
	if m == nil {
		return nil, bad("%s must be a JSON object, not null", what)
	}
	return m, nil
}

// jsonError turns a decoding error into a message a person can act on.
func jsonError(err error, what, want string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return bad("The request body is not valid JSON: %v (at byte %d)", syn, syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return bad("%s must be %s, not %s", what, want, article(typ.Value))
	case errors.As(err, &typ):
		return bad("%s: %q must be %s, not %s", what, typ.Field, want, article(typ.Value))
	}
	return bad("The request body is not valid JSON: %v", err)
}

func article(v string) string {
	switch v {
	case "array", "object":
		return "an " + v
	case "bool":
		return "a boolean"
	}
	return "a " + v
}

// stringMap decodes the members of a JSON object as a String→String map,
// the way Jackson reads Connect's Map<String,String> bodies: strings as
// they are, numbers and booleans as their text. Objects and arrays are an
// error; null is kept as nil when nullOK, else an error.
func stringMap(m map[string]json.RawMessage, what string, nullOK bool) (map[string]*string, error) {
	out := make(map[string]*string, len(m))
	for _, k := range sortedKeys(m) {
		s, isNull, err := scalarText(m[k])
		if err != nil {
			return nil, bad("%s: the value of %q must be a string, not %s", what, k, err)
		}
		if isNull && !nullOK {
			return nil, bad("%s: the value of %q is null; give a string, or leave the key out", what, k)
		}
		if isNull {
			out[k] = nil
			continue
		}
		out[k] = &s
	}
	return out, nil
}

// plainStringMap is stringMap without nulls.
func plainStringMap(m map[string]json.RawMessage, what string) (map[string]string, error) {
	sm, err := stringMap(m, what, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(sm))
	for k, v := range sm {
		out[k] = *v
	}
	return out, nil
}

// scalarText reads a JSON scalar as a string. The error describes what
// the value was instead.
func scalarText(raw json.RawMessage) (s string, isNull bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false, errors.New("nothing")
	}
	switch c := raw[0]; {
	case c == '"':
		err := json.Unmarshal(raw, &s)
		return s, false, err
	case c == 'n':
		return "", true, nil
	case c == 't' || c == 'f' || c == '-' || (c >= '0' && c <= '9'):
		return string(raw), false, nil
	case c == '{':
		return "", false, errors.New("an object")
	case c == '[':
		return "", false, errors.New("an array")
	}
	return "", false, errors.New(string(raw))
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// checkNewName checks the name of a connector being created or configured;
// the message says what is wrong. Empty names and control characters get
// the message Connect's validation gives; '/' and blank names, which
// Connect accepts but cannot serve under /connectors/{name}, get ours.
func checkNewName(name string) error {
	if name == "" {
		return invalidName(name, "String may not be empty")
	}
	if !utf8.ValidString(name) {
		return bad("Connector name %q is not valid UTF-8", name)
	}
	var ctl []string
	for _, r := range name {
		if isISOControl(r) {
			ctl = append(ctl, fmt.Sprint(r))
		}
	}
	if len(ctl) > 0 {
		return invalidName(name, "String may not contain control sequences but had the following ASCII chars: "+strings.Join(ctl, ", "))
	}
	if strings.TrimSpace(name) == "" {
		return bad("Connector name %q is blank; give a name with at least one visible character", name)
	}
	if name == "." || name == ".." {
		return bad("Connector name %q cannot be used in the connector's URL /connectors/{name}, which clients shorten; choose another name", name)
	}
	if strings.Contains(name, "/") {
		return bad("Connector name %q contains '/', which cannot be used in the connector's URL /connectors/{name}; choose a name without it", name)
	}
	return nil
}

func invalidName(name, why string) error {
	return bad("Connector configuration is invalid and contains the following 1 error(s):\n"+
		"Invalid value %s for configuration name: %s\n"+
		"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`", name, why)
}

// isISOControl is Java's Character.isISOControl: C0, DEL and C1.
func isISOControl(r rune) bool {
	return r <= 0x1f || (r >= 0x7f && r <= 0x9f)
}

// bad is a 400 with a message for people, capitalised as Connect's are.
func bad(format string, args ...any) error {
	return &BadRequestError{Message: fmt.Sprintf(format, args...)}
}
