package rest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fetchDoc reads GET /openapi.json.
func fetchDoc(t *testing.T, e *testEnv) map[string]any {
	t.Helper()
	r := e.do("GET", "/openapi.json", "")
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json = %d %s", r.status, r.header.Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAPIMatchesRoutes fails when a public route has no path in the
// document or the document has a path no route serves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t, newFakeHerder(), nil)
	doc := fetchDoc(t, e)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi %q", v)
	}
	paths := doc["paths"].(map[string]any)
	served := map[string]bool{}
	ids := map[string]bool{}
	for _, r := range e.server.routes {
		key := strings.ToLower(r.method) + " " + r.path
		if r.access == internal {
			if item, ok := paths[r.path].(map[string]any); ok && item[strings.ToLower(r.method)] != nil {
				t.Errorf("internal route %s is documented", key)
			}
			continue
		}
		served[key] = true
		item, _ := paths[r.path].(map[string]any)
		o, _ := item[strings.ToLower(r.method)].(map[string]any)
		if o == nil {
			t.Errorf("route %s is not in the document", key)
			continue
		}
		id, _ := o["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s: operationId %q missing or repeated", key, id)
		}
		ids[id] = true
		if s, _ := o["summary"].(string); s == "" {
			t.Errorf("%s: no summary", key)
		}
		resps, _ := o["responses"].(map[string]any)
		if resps[strconv.Itoa(r.status)] == nil || resps["default"] == nil {
			t.Errorf("%s: responses %v lack %d or default", key, slices.Collect(maps.Keys(resps)), r.status)
		}
		for _, sg := range r.segs {
			if strings.HasPrefix(sg, "{") && !hasParam(o, sg[1:len(sg)-1]) {
				t.Errorf("%s: path parameter %s not documented", key, sg)
			}
		}
	}
	for p, item := range paths {
		for m := range item.(map[string]any) {
			if !served[m+" "+p] {
				t.Errorf("document has %s %s, which no route serves", m, p)
			}
		}
	}
	// Every reference resolves.
	comps := doc["components"].(map[string]any)
	walkRefs(doc, func(ref string) {
		parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
		var cur any = doc
		for _, p := range parts {
			m, _ := cur.(map[string]any)
			cur = m[p]
		}
		if cur == nil {
			t.Errorf("unresolved $ref %s", ref)
		}
	})
	for _, ty := range componentTypes {
		if comps["schemas"].(map[string]any)[componentName(ty)] == nil {
			t.Errorf("component %s missing", componentName(ty))
		}
	}
}

func hasParam(o map[string]any, name string) bool {
	ps, _ := o["parameters"].([]any)
	for _, p := range ps {
		if m := p.(map[string]any); m["name"] == name && m["in"] == "path" && m["required"] == true {
			return true
		}
	}
	return false
}

func walkRefs(v any, f func(string)) {
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["$ref"].(string); ok {
			f(r)
		}
		for _, c := range x {
			walkRefs(c, f)
		}
	case []any:
		for _, c := range x {
			walkRefs(c, f)
		}
	}
}

// TestOpenAPIComponentsMatchEntities: an entity's schema lists the keys its
// JSON has, and requires those that are always written.
func TestOpenAPIComponentsMatchEntities(t *testing.T) {
	doc := fetchDoc(t, newEnv(t, newFakeHerder(), nil))
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, ty := range componentTypes {
		s := schemas[componentName(ty)].(map[string]any)
		props := s["properties"].(map[string]any)
		b, err := json.Marshal(reflect.New(ty).Elem().Interface())
		if err != nil {
			t.Fatal(err)
		}
		var zero map[string]any
		_ = json.Unmarshal(b, &zero)
		var required []string
		req, _ := s["required"].([]any)
		for _, r := range req {
			required = append(required, r.(string))
		}
		written := slices.Collect(maps.Keys(zero))
		sort.Strings(required)
		sort.Strings(written)
		if !slices.Equal(required, written) {
			t.Errorf("%s: required %v, but always written %v", componentName(ty), required, written)
		}
		for k := range zero {
			if props[k] == nil {
				t.Errorf("%s: %s is written but not documented", componentName(ty), k)
			}
		}
	}
}

var (
	docOnce sync.Once
	docJSON map[string]any
)

// checkAgainstDoc validates a response with the schema the document gives
// for its route and status (or the default error response).
func checkAgainstDoc(t *testing.T, method, path string, status int, body []byte) {
	t.Helper()
	docOnce.Do(func() {
		b, err := openAPIDocument(routes(), Security{})
		if err != nil {
			panic(err)
		}
		_ = json.Unmarshal(b, &docJSON)
	})
	u, _ := url.Parse(path)
	rt, _, _ := match(routes(), method, u.EscapedPath())
	if rt == nil || rt.access == internal {
		return
	}
	o := docJSON["paths"].(map[string]any)[rt.path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	resps := o["responses"].(map[string]any)
	resp, ok := resps[strconv.Itoa(status)].(map[string]any)
	if !ok {
		if status < 400 {
			t.Errorf("%s %s: status %d is not documented", method, rt.path, status)
			return
		}
		resp = resolve(resps["default"].(map[string]any))
	}
	content, _ := resp["content"].(map[string]any)
	if content == nil {
		if len(body) > 0 {
			t.Errorf("%s %s: %d documented without a body, got %s", method, rt.path, status, body)
		}
		return
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Errorf("%s %s: body is not JSON: %s", method, rt.path, body)
		return
	}
	sch := content["application/json"].(map[string]any)["schema"].(map[string]any)
	if err := validate(sch, v, "$"); err != nil {
		t.Errorf("%s %s %d: body does not match the document: %v\n%s", method, rt.path, status, err, body)
	}
}

func resolve(s map[string]any) map[string]any {
	for {
		r, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		var cur any = docJSON
		for _, p := range strings.Split(strings.TrimPrefix(r, "#/"), "/") {
			cur = cur.(map[string]any)[p]
		}
		s = cur.(map[string]any)
	}
}

// validate is the part of JSON Schema the document uses.
func validate(s map[string]any, v any, at string) error {
	s = resolve(s)
	if v == nil {
		if s["nullable"] == true {
			return nil
		}
		if _, ok := s["type"]; ok || s["allOf"] != nil {
			return fmt.Errorf("%s: null is not allowed", at)
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			if err := validate(sub.(map[string]any), v, at); err != nil {
				return err
			}
		}
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts, ok := s[k].([]any); ok {
			var errs []string
			for _, sub := range alts {
				err := validate(sub.(map[string]any), v, at)
				if err == nil {
					break
				}
				errs = append(errs, err.Error())
			}
			if len(errs) == len(alts) {
				return fmt.Errorf("%s: no alternative matches: %v", at, errs)
			}
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		return fmt.Errorf("%s: %v not in %v", at, v, enum)
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %T", at, v)
		}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := m[r.(string)]; !ok {
				return fmt.Errorf("%s: %s is required", at, r)
			}
		}
		for k, val := range m {
			if ps, ok := props[k].(map[string]any); ok {
				if err := validate(ps, val, at+"."+k); err != nil {
					return err
				}
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				if err := validate(ap, val, at+"."+k); err != nil {
					return err
				}
			} else if props != nil {
				return fmt.Errorf("%s: %s is not documented", at, k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: want an array, got %T", at, v)
		}
		for i, x := range a {
			if err := validate(s["items"].(map[string]any), x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: want a string, got %T", at, v)
		}
	case "integer":
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			return fmt.Errorf("%s: want an integer, got %v", at, v)
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("%s: want a number, got %T", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: want a boolean, got %T", at, v)
		}
	}
	return nil
}

// TestOpenAPISecuritySchemes: with authentication on, the document says
// so, and leaves the probes open.
func TestOpenAPISecuritySchemes(t *testing.T) {
	e := newEnv(t, newFakeHerder(), func(p *Params) { p.Security = Security{BearerToken: "t", BasicUser: "u", BasicPassword: "p"} })
	r := e.do("GET", "/openapi.json", "", "Authorization", "Bearer t")
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	schemes := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
	if schemes["bearerAuth"] == nil || schemes["basicAuth"] == nil || len(doc["security"].([]any)) != 2 {
		t.Errorf("security %v %v", schemes, doc["security"])
	}
	health := doc["paths"].(map[string]any)["/health"].(map[string]any)["get"].(map[string]any)
	if sec, ok := health["security"].([]any); !ok || len(sec) != 0 {
		t.Errorf("/health security %v", health["security"])
	}
}
