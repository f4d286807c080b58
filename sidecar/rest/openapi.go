package rest

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
)

// schema is a piece of an OpenAPI 3.0 document.
type schema = map[string]any

func ref(name string) schema { return schema{"$ref": "#/components/schemas/" + name} }

// componentTypes are the entities named in the document. Their schemas
// are derived from the Go types by reflection, so a field added to an
// entity shows up in the document without anyone remembering to.
var componentTypes = []reflect.Type{
	typeOf[ServerInfo](), typeOf[health.Status](), typeOf[ErrorMessage](),
	typeOf[ConnectorInfo](), typeOf[ConnectorTaskID](), typeOf[ConnectorStateInfo](), typeOf[ConnectorState](),
	typeOf[TaskState](), typeOf[TaskInfo](), typeOf[ConnectorExpansion](), typeOf[CreateConnectorRequest](),
	typeOf[ConfigInfos](), typeOf[ConfigInfo](), typeOf[ConfigKeyInfo](), typeOf[ConfigValueInfo](),
	typeOf[PluginInfo](), typeOf[LoggerLevel](), typeOf[ConnectorOffsets](), typeOf[ConnectorOffset](),
	typeOf[Message](), typeOf[ActiveTopicsInfo](),
}

// enums lists the values of string types that have a fixed set.
var enums = map[reflect.Type][]string{
	typeOf[ConnectorType](): {string(TypeSource), string(TypeSink), string(TypeUnknown)},
}

// namePattern is what a new connector's name may be: not blank, not "."
// or "..", without '/' and without control characters (checkNewName).
const namePattern = `^(?!\.\.?$)[^/\u0000-\u001f\u007f-\u009f]*[^\s/\u0000-\u001f\u007f-\u009f][^/\u0000-\u001f\u007f-\u009f]*$`

// fieldSchemas replace the reflected schema of some fields, by
// "Component.json_name": request fields that Connect reads more loosely
// or more strictly than their Go type says.
var fieldSchemas = map[string]schema{
	"CreateConnectorRequest.name": {"anyOf": []schema{{"type": "string", "pattern": namePattern}, {"type": "number"}, {"type": "boolean"}},
		"description": "trimmed; numbers and booleans are read as their text"},
	"CreateConnectorRequest.config": configBodySchema(false),
	"CreateConnectorRequest.initial_state": {"type": "string", "nullable": true, "enum": []any{"RUNNING", "PAUSED", "STOPPED", "running", "paused", "stopped", nil},
		"description": "RUNNING (the default), PAUSED or STOPPED, in any case"},
}

// componentExtras add to the schema of some components.
var componentExtras = map[string]schema{
	"CreateConnectorRequest": {"additionalProperties": false},
}

// componentName is the type's name, prefixed by its package outside this
// one (health.Status is HealthStatus).
func componentName(t reflect.Type) string {
	if t.PkgPath() == typeOf[ServerInfo]().PkgPath() {
		return t.Name()
	}
	pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
	return strings.ToUpper(pkg[:1]) + pkg[1:] + t.Name()
}

type schemaGen struct{ comps map[string]schema }

func (g *schemaGen) of(t reflect.Type) schema {
	if vals, ok := enums[t]; ok {
		return schema{"type": "string", "enum": vals}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.of(t.Elem())
	case reflect.Struct:
		name := componentName(t)
		if _, ok := g.comps[name]; !ok {
			g.comps[name] = nil // placeholder against recursion
			g.comps[name] = g.structSchema(t)
		}
		return ref(name)
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return schema{"type": "object"}
		}
		return schema{"type": "object", "additionalProperties": g.of(t.Elem())}
	case reflect.Slice:
		return schema{"type": "array", "items": g.of(t.Elem())}
	case reflect.String:
		return schema{"type": "string"}
	case reflect.Int, reflect.Int32:
		return schema{"type": "integer", "format": "int32"}
	case reflect.Int64:
		return schema{"type": "integer", "format": "int64"}
	case reflect.Bool:
		return schema{"type": "boolean"}
	case reflect.Interface:
		return schema{}
	}
	panic(fmt.Sprintf("openapi: no schema for %v", t))
}

// structSchema follows the json tags: omitempty fields are optional, the
// others required; pointers and fields tagged nullable:"true" that are not
// omitempty may be null.
func (g *schemaGen) structSchema(t reflect.Type) schema {
	props := schema{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		omit := strings.Contains(opts, "omitempty")
		s := g.of(f.Type)
		nullable := !omit && (f.Tag.Get("nullable") == "true" || f.Type.Kind() == reflect.Pointer)
		if nullable {
			if _, isRef := s["$ref"]; isRef {
				s = schema{"allOf": []schema{s}}
			}
			s["nullable"] = true
		}
		if fs, ok := fieldSchemas[componentName(t)+"."+name]; ok {
			s = maps.Clone(fs)
		}
		props[name] = s
		if !omit {
			required = append(required, name)
		}
	}
	out := schema{"type": "object", "properties": props}
	for k, v := range componentExtras[componentName(t)] {
		out[k] = v
	}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

// openAPIDocument describes every route that is not internal.
func openAPIDocument(routes []*route, sec Security) ([]byte, error) {
	g := &schemaGen{comps: map[string]schema{}}
	for _, t := range componentTypes {
		g.of(t)
	}
	paths := schema{}
	for _, r := range routes {
		if r.access == internal {
			continue
		}
		item, _ := paths[r.path].(schema)
		if item == nil {
			item = schema{}
			paths[r.path] = item
		}
		item[strings.ToLower(r.method)] = g.operation(r, sec)
	}
	comps := schema{
		"schemas": g.comps,
		"responses": schema{"Error": schema{
			"description": "Connect's error body; error_code is the HTTP status, except on errors passed back from another worker",
			"content":     schema{"application/json": schema{"schema": ref("ErrorMessage")}},
		}},
	}
	doc := schema{
		"openapi": "3.0.3",
		"info": schema{
			"title":       "Kafka Connect REST API (connect-sidecar)",
			"version":     buildinfo.ConnectVersion,
			"description": "Kafka Connect's REST API as served by connect-sidecar. Internal endpoints for other workers are left out.",
		},
		"paths":      paths,
		"components": comps,
	}
	if schemes := securitySchemes(sec); len(schemes) > 0 {
		comps["securitySchemes"] = schemes
		var alts []schema
		for _, name := range sortedKeys(schemes) {
			alts = append(alts, schema{name: []string{}})
		}
		doc["security"] = alts
	}
	return marshal(doc)
}

func securitySchemes(sec Security) schema {
	s := schema{}
	if sec.BearerToken != "" {
		s["bearerAuth"] = schema{"type": "http", "scheme": "bearer"}
	}
	if sec.BasicUser != "" {
		s["basicAuth"] = schema{"type": "http", "scheme": "basic"}
	}
	return s
}

func (g *schemaGen) operation(r *route, sec Security) schema {
	o := schema{"operationId": r.doc.id, "summary": r.doc.summary, "tags": []string{r.doc.tag}}
	var params []schema
	for _, sg := range r.segs {
		if !strings.HasPrefix(sg, "{") {
			continue
		}
		name := sg[1 : len(sg)-1]
		ps := schema{"type": "string", "minLength": 1}
		switch {
		case name == "task":
			ps = schema{"type": "integer", "format": "int32", "minimum": 0, "maximum": 1<<31 - 1}
		case name == "connector" && r.method == http.MethodPut && strings.HasSuffix(r.path, "/config"):
			ps["pattern"] = namePattern
		}
		params = append(params, schema{"name": name, "in": "path", "required": true, "schema": ps})
	}
	for _, q := range r.doc.query {
		p := schema{"name": q.name, "in": "query", "required": false, "description": q.desc, "schema": q.schema}
		if q.schema["type"] == "array" {
			p["style"], p["explode"] = "form", true
		}
		params = append(params, p)
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if r.doc.body != nil {
		o["requestBody"] = schema{"required": true, "content": schema{"application/json": schema{"schema": r.doc.body}}}
	}
	resps := schema{"default": schema{"$ref": "#/components/responses/Error"}}
	body := r.doc.respSchema
	if body == nil && r.doc.resp != nil {
		body = g.of(r.doc.resp)
	}
	resps[strconv.Itoa(r.status)] = responseDoc(r.status, body)
	for st, s := range r.doc.more {
		resps[strconv.Itoa(st)] = responseDoc(st, s)
	}
	o["responses"] = resps
	if r.access == open && sec.authEnabled() {
		o["security"] = []schema{}
	}
	return o
}

func responseDoc(status int, body schema) schema {
	out := schema{"description": http.StatusText(status)}
	if status == http.StatusCreated {
		out["headers"] = schema{"Location": schema{"description": "the new connector's URL", "schema": schema{"type": "string"}}}
	}
	if body != nil {
		out["content"] = schema{"application/json": schema{"schema": body}}
	}
	return out
}
