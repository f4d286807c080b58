package transforms

import (
	"fmt"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// fieldSyntaxVersion is the field.syntax.version setting that ExtractField
// shares with Java: V1 names a top-level field; V2 reads dotted paths, with
// backticks around names that hold dots (`a.b`.c).
func fieldSyntaxVersion() configdef.Key {
	return configdef.Optional("field.syntax.version", plugin.TypeString, "V1", plugin.High,
		"How field names are read: V1 names a top-level field; V2 takes a dotted path to a nested field, "+
			"with backticks around names that contain dots (`foo.bar`.baz).").
		Checked(configdef.InIgnoringCase("V1", "V2"))
}

// fieldPath is Java's SingleFieldPath: the steps to a (possibly nested)
// field.
type fieldPath struct {
	steps []string
}

func newFieldPath(path, version string) (fieldPath, error) {
	if strings.EqualFold(version, "V1") {
		return fieldPath{steps: []string{path}}, nil
	}
	steps, err := splitPathV2(path)
	return fieldPath{steps: steps}, err
}

// splitPathV2 is SingleFieldPath.buildFieldPathV2. A backtick opens a
// quoted name only at the start of a step; it closes at a backtick that
// ends the path or is followed by a dot, and \` keeps a backtick.
func splitPathV2(path string) ([]string, error) {
	var steps []string
	i := 0
	for i < len(path) {
		if path[i] != '`' {
			end := strings.IndexByte(path[i:], '.')
			if end < 0 {
				steps = append(steps, path[i:])
				break
			}
			steps = append(steps, path[i:i+end])
			i += end + 1
			continue
		}
		step, next, err := quotedStep(path, i)
		if err != nil {
			return nil, err
		}
		steps = append(steps, step)
		i = next
	}
	if strings.HasSuffix(path, ".") {
		steps = append(steps, "")
	}
	return steps, nil
}

// quotedStep reads a backticked step starting at open; it returns the
// step and where the next one starts.
func quotedStep(path string, open int) (string, int, error) {
	var name strings.Builder
	start, i := open+1, open+1
	for {
		end := strings.IndexByte(path[i:], '`')
		if end < 0 {
			return "", 0, incompleteBacktick(path, open)
		}
		i += end
		escaped := path[i-1] == '\\'
		switch {
		case i >= len(path)-1:
			if escaped {
				return "", 0, incompleteBacktick(path, open)
			}
			name.WriteString(path[start:i])
			return name.String(), i + 1, nil
		case path[i+1] != '.':
			i++ // a backtick inside the name
		case escaped:
			name.WriteString(path[start : i-1])
			name.WriteByte('`')
			i++
			start = i
		default:
			name.WriteString(path[start:i])
			return name.String(), i + 2, nil
		}
	}
}

func incompleteBacktick(path string, at int) error {
	return configdef.Exception("", fmt.Sprintf("Incomplete backtick pair in path: [%s], consider adding a backslash before backtick at position %d to escape it", path, at))
}

func (p fieldPath) last() string { return p.steps[len(p.steps)-1] }

// parents are the steps before the last. An empty V2 path has no steps
// at all, which Java only finds out when it is used.
func (p fieldPath) parents() ([]string, error) {
	if len(p.steps) == 0 {
		return nil, dataErr("fromIndex(0) > toIndex(-1)")
	}
	return p.steps[:len(p.steps)-1], nil
}

// fieldFrom is SingleFieldPath.fieldFrom: the field's schema, or nil.
func (p fieldPath) fieldFrom(s *plugin.Schema) (*plugin.Field, error) {
	parents, err := p.parents()
	if err != nil {
		return nil, err
	}
	cur := s
	for _, step := range parents {
		f, err := field(cur, step)
		if err != nil || f == nil {
			return nil, err
		}
		cur = f.Schema
	}
	return field(cur, p.last())
}

// valueFromStruct is SingleFieldPath.valueFrom(Struct): nil when a step
// is missing or null.
func (p fieldPath) valueFromStruct(st *plugin.StructValue, withDefault bool) (any, error) {
	parents, err := p.parents()
	if err != nil {
		return nil, err
	}
	cur := st
	for _, step := range parents {
		f := cur.Schema.FieldByName(step)
		if f == nil {
			return nil, nil
		}
		next, err := requireStructOrNull(fieldValue(cur, f, true), "nested field access")
		if err != nil || next == nil {
			return nil, err
		}
		cur = next
	}
	f := cur.Schema.FieldByName(p.last())
	if f == nil {
		return nil, nil
	}
	return fieldValue(cur, f, withDefault), nil
}

// valueFromMap is SingleFieldPath.valueFrom(Map).
func (p fieldPath) valueFromMap(m *plugin.MapValue) (any, error) {
	parents, err := p.parents()
	if err != nil {
		return nil, err
	}
	cur := m
	for _, step := range parents {
		next, err := requireMapOrNull(mapGet(cur, step), "nested field access")
		if err != nil || next == nil {
			return nil, err
		}
		cur = next
	}
	return mapGet(cur, p.last()), nil
}
