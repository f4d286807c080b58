package converters

import (
	"strconv"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

// jsonReader turns a checked JSON document into Connect values the way
// JsonConverter.convertToConnect does, including what it does with payloads
// that do not match their schema: numbers convert between widths by
// truncation and wrapping, a number where a boolean belongs reads as false,
// a non-number where a number belongs reads as 0, and a non-string where a
// string or bytes belongs reads as null (which a struct then refuses for a
// required field).
type jsonReader struct {
	b           []byte
	replaceNull bool
	// lenientNull is set once a mismatched payload has been read as null;
	// from then on struct fields get Java's full null check.
	lenientNull bool
}

// value reads the node at p (-1: missing) with schema s, or without one when
// s is nil.
func (r *jsonReader) value(s *plugin.Schema, p int) (any, error) {
	if s == nil {
		return r.schemaless(p)
	}
	if p < 0 || r.b[p] == 'n' {
		switch {
		case s.HasDefault && s.Default != nil && r.replaceNull:
			return s.Default, nil
		case s.Optional:
			return nil, nil
		}
		return nil, dataErr("Invalid null value for required %s field", s.Type.JavaName())
	}
	switch s.Name {
	case plugin.DecimalName:
		return r.decimal(s, p)
	case plugin.DateName, plugin.TimeName, plugin.TimestampName:
		return r.temporal(s, p)
	}
	switch s.Type {
	case plugin.Boolean:
		return r.b[p] == 't', nil
	case plugin.Int8:
		return int8(r.long(p)), nil
	case plugin.Int16:
		return int16(r.long(p)), nil
	case plugin.Int32:
		return int32(r.long(p)), nil
	case plugin.Int64:
		return r.long(p), nil
	case plugin.Float32:
		if !isNumber(r.b, p) {
			return float32(0), nil
		}
		return r.lit(p).float(), nil
	case plugin.Float64:
		if !isNumber(r.b, p) {
			return float64(0), nil
		}
		return r.lit(p).double(), nil
	case plugin.String:
		if r.b[p] != '"' {
			r.lenientNull = true
			return nil, nil
		}
		return javajson.StringAt(r.b, p), nil
	case plugin.Bytes:
		return r.bytes(p)
	case plugin.Array:
		return r.array(s, p)
	case plugin.Map:
		return r.mapValue(s, p)
	case plugin.Struct:
		return r.structValue(s, p)
	}
	return nil, dataErr("Unknown schema type: %s", s.Type)
}

func (r *jsonReader) lit(p int) numLit { return numLit(r.b[p:skipValue(r.b, p)]) }

// long is JsonNode.longValue(): 0 for anything but a number.
func (r *jsonReader) long(p int) int64 {
	if !isNumber(r.b, p) {
		return 0
	}
	return r.lit(p).long()
}

func (r *jsonReader) bytes(p int) (any, error) {
	if r.b[p] != '"' {
		r.lenientNull = true
		return nil, nil
	}
	v, err := decodeBase64(javajson.StringAt(r.b, p))
	if err != nil {
		return nil, &DataError{Msg: "Invalid bytes field", Err: err}
	}
	return v, nil
}

func (r *jsonReader) schemaless(p int) (any, error) {
	if p < 0 {
		return nil, nil
	}
	switch r.b[p] {
	case 'n':
		return nil, nil
	case 't', 'f':
		return r.b[p] == 't', nil
	case '"':
		return javajson.StringAt(r.b, p), nil
	case '[':
		return r.array(nil, p)
	case '{':
		return r.object(nil, p)
	}
	n := r.lit(p)
	if n.isInteger() {
		return n.long(), nil
	}
	return n.double(), nil
}

// array reads a list. Like Jackson's iteration, an object yields its member
// values and a scalar yields nothing.
func (r *jsonReader) array(s *plugin.Schema, p int) (any, error) {
	var elem *plugin.Schema
	if s != nil {
		elem = s.Value
	}
	if r.b[p] != '[' && r.b[p] != '{' {
		return []any{}, nil
	}
	obj := r.b[p] == '{'
	out := make([]any, 0, count(r.b, p))
	for e := firstElem(r.b, p); e >= 0; {
		v := e
		if obj {
			v = memberValue(r.b, e)
		}
		x, err := r.value(elem, v)
		if err != nil {
			return nil, atIndex(err, len(out))
		}
		out = append(out, x)
		e = nextElem(r.b, v)
	}
	return out, nil
}

func (r *jsonReader) mapValue(s *plugin.Schema, p int) (any, error) {
	if s.Key.Type == plugin.String {
		if r.b[p] != '{' {
			return nil, dataErr("Maps with string fields should be encoded as JSON objects, but found %s", nodeType(r.b, p))
		}
		return r.object(s.Value, p)
	}
	if r.b[p] != '[' {
		return nil, dataErr("Maps with non-string fields should be encoded as JSON array of tuples, but found %s", nodeType(r.b, p))
	}
	m := &plugin.MapValue{}
	for e, i := firstElem(r.b, p), 0; e >= 0; e, i = nextElem(r.b, e), i+1 {
		k, v, err := r.pair(s, e)
		if err != nil {
			return nil, atIndex(err, i)
		}
		m.Put(k, v)
	}
	return m, nil
}

// pair reads one [key, value] entry of a map with non-string keys.
func (r *jsonReader) pair(s *plugin.Schema, e int) (any, any, error) {
	if r.b[e] != '[' {
		return nil, nil, dataErr("Found invalid map entry instead of array tuple: %s", nodeType(r.b, e))
	}
	var at [2]int
	n := 0
	for x := firstElem(r.b, e); x >= 0; x = nextElem(r.b, x) {
		if n < 2 {
			at[n] = x
		}
		n++
	}
	if n != 2 {
		return nil, nil, dataErr("Found invalid map entry, expected length 2 but found :%d", n)
	}
	k, err := r.value(s.Key, at[0])
	if err != nil {
		return nil, nil, err
	}
	v, err := r.value(s.Value, at[1])
	return k, v, err
}

// object reads a JSON object as a map with string keys, values read with
// schema vs (nil: schemaless). A repeated name keeps its first position and
// its last value, as Jackson's ObjectNode does; only that value is read.
func (r *jsonReader) object(vs *plugin.Schema, p int) (any, error) {
	n := count(r.b, p)
	m := &plugin.MapValue{Entries: make([]plugin.MapEntry, 0, n)}
	var small [16]int
	at := small[:0]
	if n > len(small) {
		at = make([]int, 0, n)
	}
	var index map[string]int
	for k := firstElem(r.b, p); k >= 0; {
		v := memberValue(r.b, k)
		key := javajson.StringAt(r.b, k)
		if index == nil && len(m.Entries) >= 16 {
			index = make(map[string]int, 2*len(m.Entries))
			for i, e := range m.Entries {
				index[e.Key.(string)] = i
			}
		}
		if i, dup := findKey(m, index, key); dup {
			at[i] = v
		} else {
			if index != nil {
				index[key] = len(m.Entries)
			}
			m.Entries = append(m.Entries, plugin.MapEntry{Key: key})
			at = append(at, v)
		}
		k = nextElem(r.b, v)
	}
	for i := range m.Entries {
		x, err := r.value(vs, at[i])
		if err != nil {
			return nil, atKey(err, m.Entries[i].Key)
		}
		m.Entries[i].Value = x
	}
	return m, nil
}

// count is the number of elements or members of the array or object at p.
func count(b []byte, p int) int {
	n := 0
	for e := firstElem(b, p); e >= 0; e = nextElem(b, e) {
		if b[p] == '{' {
			e = memberValue(b, e)
		}
		n++
	}
	return n
}

func findKey(m *plugin.MapValue, index map[string]int, key string) (int, bool) {
	if index != nil {
		i, ok := index[key]
		return i, ok
	}
	for i := range m.Entries {
		if m.Entries[i].Key == key {
			return i, true
		}
	}
	return 0, false
}

// structValue reads the members named after s's fields; others are ignored,
// a repeated one counts with its last value.
func (r *jsonReader) structValue(s *plugin.Schema, p int) (any, error) {
	if r.b[p] != '{' {
		return nil, dataErr("Structs should be encoded as JSON objects, but found %s", nodeType(r.b, p))
	}
	var small [16]int
	at := small[:0]
	for range s.Fields {
		at = append(at, -1)
	}
	i := 0
	for k := firstElem(r.b, p); k >= 0; i++ {
		v := memberValue(r.b, k)
		// Members usually come in field order; try that field first.
		if i < len(s.Fields) && nameIs(r.b, k, s.Fields[i].Name) {
			at[i] = v
		} else if f := fieldIndex(r.b, k, s); f >= 0 {
			at[f] = v
		}
		k = nextElem(r.b, v)
	}
	out := plugin.NewStruct(s)
	for i, f := range s.Fields {
		v, err := r.value(f.Schema, at[i])
		if err != nil {
			return nil, atField(err, f.Name)
		}
		if err := r.checkPut(f, v); err != nil {
			return nil, atField(err, f.Name)
		}
		out.Values[i] = v
	}
	return out, nil
}

func fieldIndex(b []byte, k int, s *plugin.Schema) int {
	for i := range s.Fields {
		if nameIs(b, k, s.Fields[i].Name) {
			return i
		}
	}
	return -1
}

// checkPut is the null check of Java's Struct.put.
func (r *jsonReader) checkPut(f plugin.Field, v any) error {
	if v == nil && !f.Schema.Optional {
		return dataErr("Invalid value: null used for required field: %q, schema type: %s", f.Name, f.Schema.Type.JavaName())
	}
	if r.lenientNull {
		return checkNulls(f.Schema, v, strconv.Quote(f.Name))
	}
	return nil
}

// checkNulls finds nulls in required places inside v, as
// ConnectSchema.validateValue does; the values themselves always have the
// right types when they come from the reader.
func checkNulls(s *plugin.Schema, v any, where string) error {
	if v == nil {
		if !s.Optional {
			return dataErr("Invalid value: null used for required %s, schema type: %s", where, s.Type.JavaName())
		}
		return nil
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := checkNulls(s.Value, e, "element of array "+where); err != nil {
				return err
			}
		}
	case *plugin.MapValue:
		for _, e := range x.Entries {
			if err := checkNulls(s.Key, e.Key, "key of map "+where); err != nil {
				return err
			}
			if err := checkNulls(s.Value, e.Value, "value of map "+where); err != nil {
				return err
			}
		}
	case *plugin.StructValue:
		for i, f := range x.Schema.Fields {
			if err := checkNulls(f.Schema, x.Values[i], "field: "+strconv.Quote(f.Name)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *jsonReader) decimal(s *plugin.Schema, p int) (any, error) {
	if isNumber(r.b, p) {
		u, scale := r.lit(p).decimal()
		return plugin.Decimal{Unscaled: u, Scale: scale}, nil
	}
	if r.b[p] != '"' {
		return nil, dataErr("Invalid type for Decimal, underlying representation should be numeric or bytes but was %s", nodeType(r.b, p))
	}
	b, err := decodeBase64(javajson.StringAt(r.b, p))
	if err == nil && len(b) == 0 {
		err = errZeroLength
	}
	var scale int32
	if err == nil {
		scale, err = decimalScale(s)
	}
	if err != nil {
		return nil, &DataError{Msg: "Invalid bytes for Decimal field", Err: err}
	}
	return plugin.Decimal{Unscaled: fromTwosComplement(b), Scale: scale}, nil
}

func (r *jsonReader) temporal(s *plugin.Schema, p int) (any, error) {
	kind := s.Name[len("org.apache.kafka.connect.data."):]
	if s.Name == plugin.TimestampName {
		if !isNumber(r.b, p) || !r.lit(p).isInteger() {
			return nil, dataErr("Invalid type for Timestamp, underlying representation should be integral but was %s", nodeType(r.b, p))
		}
		return time.UnixMilli(r.lit(p).long()).UTC(), nil
	}
	if !isNumber(r.b, p) || !r.lit(p).isInt() {
		return nil, dataErr("Invalid type for %s, underlying representation should be integer but was %s", kind, nodeType(r.b, p))
	}
	v := r.lit(p).long()
	if s.Name == plugin.DateName {
		return time.UnixMilli(v * msPerDay).UTC(), nil
	}
	if v < 0 || v > msPerDay {
		return nil, dataErr("Time values must use number of milliseconds greater than 0 and less than 86400000")
	}
	return time.UnixMilli(v).UTC(), nil
}

// schema reads a schema in JsonConverter's JSON form (nil for JSON null),
// with the checks and error messages of JsonConverter.asConnectSchema.
func (r *jsonReader) schema(p int) (*plugin.Schema, error) {
	if r.b[p] == 'n' {
		return nil, nil
	}
	return r.schemaOf(r.members(p))
}

func (r *jsonReader) schemaOf(m schemaMembers) (*plugin.Schema, error) {
	if m.typ < 0 || r.b[m.typ] != '"' {
		return nil, dataErr("Schema must contain 'type' field")
	}
	s := &plugin.Schema{Type: plugin.Type(javajson.StringAt(r.b, m.typ))}
	if err := r.schemaChildren(s, &m); err != nil {
		return nil, err
	}
	s.Optional = m.optional >= 0 && r.b[m.optional] == 't'
	if m.name >= 0 && r.b[m.name] == '"' {
		s.Name = javajson.StringAt(r.b, m.name)
	}
	if isNumber(r.b, m.version) && r.lit(m.version).isInteger() {
		version := int32(r.lit(m.version).long())
		s.Version = &version
	}
	if m.doc >= 0 && r.b[m.doc] == '"' {
		s.Doc = javajson.StringAt(r.b, m.doc)
	}
	if err := r.parameters(s, m.parameters); err != nil {
		return nil, err
	}
	if m.dflt >= 0 {
		return s, r.schemaDefault(s, m.dflt)
	}
	return s, nil
}

// schemaMembers locates the members asConnectSchema looks at (the last of
// repeated ones); -1 when absent.
type schemaMembers struct {
	typ, items, keys, values, fields, field        int
	optional, name, version, doc, parameters, dflt int
}

// members finds a schema's members; a non-object has none.
func (r *jsonReader) members(p int) schemaMembers {
	m := schemaMembers{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	if r.b[p] != '{' {
		return m
	}
	for k := firstElem(r.b, p); k >= 0; {
		v := memberValue(r.b, k)
		if slot := m.slot(r.name(k)); slot != nil {
			*slot = v
		}
		k = nextElem(r.b, v)
	}
	return m
}

// name returns the name at k, without copying it when it needs no decoding.
func (r *jsonReader) name(k int) []byte {
	end := skipString(r.b, k) - 1
	raw := r.b[k+1 : end]
	for _, c := range raw {
		if c == '\\' || c >= 0x80 {
			return []byte(javajson.StringAt(r.b, k))
		}
	}
	return raw
}

func (m *schemaMembers) slot(name []byte) *int {
	switch string(name) {
	case "type":
		return &m.typ
	case "items":
		return &m.items
	case "keys":
		return &m.keys
	case "values":
		return &m.values
	case "fields":
		return &m.fields
	case "field":
		return &m.field
	case "optional":
		return &m.optional
	case "name":
		return &m.name
	case "version":
		return &m.version
	case "doc":
		return &m.doc
	case "parameters":
		return &m.parameters
	case "default":
		return &m.dflt
	}
	return nil
}

func (r *jsonReader) schemaChildren(s *plugin.Schema, m *schemaMembers) error {
	var err error
	switch s.Type {
	case plugin.Boolean, plugin.Int8, plugin.Int16, plugin.Int32, plugin.Int64,
		plugin.Float32, plugin.Float64, plugin.Bytes, plugin.String:
		return nil
	case plugin.Array:
		if m.items < 0 || r.b[m.items] == 'n' {
			return dataErr("Array schema did not specify the element type")
		}
		s.Value, err = r.schema(m.items)
		return err
	case plugin.Map:
		return r.mapSchema(s, m)
	case plugin.Struct:
		return r.structSchema(s, m.fields)
	}
	return dataErr("Unknown schema type: %s", s.Type)
}

func (r *jsonReader) mapSchema(s *plugin.Schema, m *schemaMembers) error {
	if m.keys < 0 {
		return dataErr("Map schema did not specify the key type")
	}
	if m.values < 0 {
		return dataErr("Map schema did not specify the value type")
	}
	var err error
	if s.Key, err = r.schema(m.keys); err != nil {
		return err
	}
	if s.Value, err = r.schema(m.values); err != nil {
		return err
	}
	if s.Key == nil {
		return dataErr("keySchema cannot be null.")
	}
	if s.Value == nil {
		return dataErr("valueSchema cannot be null.")
	}
	return nil
}

func (r *jsonReader) structSchema(s *plugin.Schema, p int) error {
	if p < 0 || r.b[p] != '[' {
		return dataErr("Struct schema's \"fields\" argument is not an array.")
	}
	for e := firstElem(r.b, p); e >= 0; e = nextElem(r.b, e) {
		m := r.members(e)
		if m.field < 0 || r.b[m.field] != '"' {
			return dataErr("Struct schema's field name not specified properly")
		}
		fs, err := r.schemaOf(m)
		if err != nil {
			return err
		}
		f := plugin.Field{Name: javajson.StringAt(r.b, m.field), Index: len(s.Fields), Schema: fs}
		switch {
		case f.Name == "":
			return dataErr("fieldName cannot be null.")
		case s.FieldByName(f.Name) != nil:
			return dataErr("Cannot create field because of field name duplication %s", f.Name)
		}
		s.Fields = append(s.Fields, f)
	}
	return nil
}

func (r *jsonReader) parameters(s *plugin.Schema, p int) error {
	if p < 0 || r.b[p] != '{' {
		return nil
	}
	for k := firstElem(r.b, p); k >= 0; {
		v := memberValue(r.b, k)
		if r.b[v] != '"' {
			return dataErr("Schema parameters must have string values.")
		}
		if s.Parameters == nil {
			s.Parameters = map[string]string{}
		}
		s.Parameters[javajson.StringAt(r.b, k)] = javajson.StringAt(r.b, v)
		k = nextElem(r.b, v)
	}
	return nil
}

// schemaDefault reads the default the way SchemaBuilder.defaultValue takes
// it: converted with the schema so far, then checked. Java can never accept
// a struct default (its check compares the builder with a built schema), so
// neither does this.
func (r *jsonReader) schemaDefault(s *plugin.Schema, p int) error {
	v, err := r.value(s, p)
	switch {
	case err != nil:
		return err
	case v == nil && !s.Optional:
		err = dataErr("null used for a required value")
	case v != nil && s.Type == plugin.Struct:
		err = dataErr("Struct schemas do not match.")
	case v != nil:
		err = checkNulls(s, v, "value")
	}
	if err != nil {
		return &DataError{Msg: "Invalid default value", Err: err}
	}
	s.Default, s.HasDefault = v, v != nil
	return nil
}

// decimalScale reads the scale parameter of a Decimal schema.
func decimalScale(s *plugin.Schema) (int32, error) {
	v, ok := s.Parameters[plugin.DecimalScale]
	if !ok {
		return 0, errNoScale
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, &DataError{Msg: "Invalid scale parameter found in Decimal schema", Err: err}
	}
	return int32(n), nil
}

var (
	errNoScale     = dataErr("Invalid Decimal schema: scale parameter not found.")
	errZeroLength  = dataErr("Zero length BigInteger")
	errNotAnObject = dataErr("JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields." +
		" If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.")
)

// envelope finds the schema and payload of a schemas.enable=true record,
// which must be an object with exactly these two members.
func envelope(b []byte, root int) (schema, payload int, err error) {
	if root < 0 || b[root] != '{' {
		return 0, 0, errNotAnObject
	}
	schema, payload = -1, -1
	for k := firstElem(b, root); k >= 0; {
		v := memberValue(b, k)
		switch {
		case nameIs(b, k, "schema"):
			schema = v
		case nameIs(b, k, "payload"):
			payload = v
		default:
			return 0, 0, errNotAnObject
		}
		k = nextElem(b, v)
	}
	if schema < 0 || payload < 0 {
		return 0, 0, errNotAnObject
	}
	return schema, payload, nil
}
