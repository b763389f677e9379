package refserver

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/casecert/casecert/fixtures"
)

// OpenAPIPath is where the server publishes its contract: an OpenAPI 3.1 description of
// the Case API it serves, generated from its profile, answered without a token.
const OpenAPIPath = "/openapi.json"

// obj is a JSON object that keeps its keys in the order they were added.
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (s *Server) serveOpenAPI(w http.ResponseWriter) error {
	body, err := json.MarshalIndent(OpenAPI(s.served, s.base), "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	return nil
}

// OpenAPI describes the Case API of a profile served under base: the update's body
// from the fields (types, limits, picklists, null), the read from the read-only fields
// and nested kinds, every path. What OpenAPI has no word for (the marker field, linked
// fields, fixture ids as examples) is said in x-casecert keys.
func OpenAPI(p *fixtures.Profile, base string) obj {
	update := obj{{"type", "object"}, {"properties", updateProperties(p)}}
	read := obj{}
	for _, name := range p.ReadOnly {
		read = append(read, kv{name, obj{{"type", []string{"string", "number", "null"}}, {"readOnly", true}}})
	}
	for _, kind := range p.Nested {
		read = append(read, kv{kind, obj{{"type", "array"}, {"readOnly", true}, {"items", obj{{"type", "object"}}}}})
	}
	caseRead := obj{{"allOf", []any{ref("CaseUpdate"), obj{{"type", "object"}, {"properties", read}}}}}
	version := obj{{"name", "API-Version"}, {"in", "header"}, {"schema", obj{{"type", "string"}, {"default", p.APIVersion}}}}
	idParam := obj{{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", obj{{"type", "string"}}}}
	jsonBody := func(schema any) obj {
		return obj{{"content", obj{{"application/json", obj{{"schema", schema}}}}}}
	}
	answer := func(code, what string, schema any) obj {
		r := obj{{"description", what}}
		if schema != nil {
			r = append(r, jsonBody(schema)...)
		}
		return obj{{code, r}}
	}
	operation := func(id string, params []any, body any, resp obj) obj {
		o := obj{{"operationId", id}, {"parameters", params}}
		if body != nil {
			o = append(o, kv{"requestBody", append(obj{{"required", true}}, jsonBody(body)...)})
		}
		return append(o, kv{"responses", resp})
	}
	paths := pathSet{}
	pv := []any{version}
	ipv := []any{idParam, version}
	paths.add(p.Paths.Create, "post", operation("createCase", pv, ref("CaseUpdate"), answer("201", "created", nil)))
	paths.add(p.Paths.List, "get", operation("listCases", pv, nil, answer("200", "the cases", obj{{"type", "array"}, {"items", ref("Case")}})))
	paths.add(p.Paths.Read, "get", operation("getCase", ipv, nil, answer("200", "the case", ref("Case"))))
	paths.add(p.Paths.Update, "patch", operation("updateCase", ipv, ref("CaseUpdate"), answer("200", "updated", nil)))
	if p.Paths.Delete != "" {
		paths.add(p.Paths.Delete, "delete", operation("deleteCase", ipv, nil, answer("204", "deleted", nil)))
	}
	for _, kind := range sortedKinds(p.Paths.Children) {
		path := p.Paths.Children[kind]
		child := obj{{"type", "object"}}
		paths.add(path, "get", append(operation("list_"+kind, ipv, nil, answer("200", "the "+kind, obj{{"type", "array"}, {"items", child}})), kv{"x-casecert-child", kind}))
		paths.add(path, "post", append(operation("add_"+kind, ipv, child, answer("201", "added", nil)), kv{"x-casecert-child", kind}))
	}
	ext := obj{{"name", p.Name}, {"platform", p.Platform}, {"datetime_precision", p.DateTimePrecision},
		{"marker_field", p.MarkerField}, {"record_type_field", p.RecordTypeField},
		{"audit_created", p.AuditFields.Created}, {"audit_last_modified", p.AuditFields.LastModified},
		{"linked_fields", nonNil(p.LinkedFields)}, {"local_date_time_pairs", nonNil(p.DateTimePairs)}}
	if len(p.NestedSamples) > 0 {
		ext = append(ext, kv{"nested_samples", p.NestedSamples})
	}
	return obj{
		{"openapi", "3.1.0"},
		{"info", obj{{"title", "Case API (casecert reference server, profile " + p.Name + ")"}, {"version", p.APIVersion}}},
		{"servers", []any{obj{{"url", base}}}},
		{"paths", paths.obj},
		{"components", obj{{"schemas", obj{{"CaseUpdate", update}, {"Case", caseRead}}}}},
		{"x-casecert", ext},
	}
}

func nonNil(g [][]string) [][]string {
	if g == nil {
		return [][]string{}
	}
	return g
}

func ref(name string) obj { return obj{{"$ref", "#/components/schemas/" + name}} }

// pathSet gathers operations by path, in the order paths are first given.
type pathSet struct{ obj obj }

func (ps *pathSet) add(path, method string, op obj) {
	if path == "" {
		return
	}
	for i := range ps.obj {
		if ps.obj[i].k == path {
			ps.obj[i].v = append(ps.obj[i].v.(obj), kv{method, op})
			return
		}
	}
	ps.obj = append(ps.obj, kv{path, obj{{method, op}}})
}

// updateProperties are the update's body fields, in profile order.
func updateProperties(p *fixtures.Profile) obj {
	props := obj{}
	for _, f := range p.Fields {
		typ := f.Type
		s := obj{}
		switch f.Type {
		case fixtures.TypeDate, fixtures.TypeDateTime:
			typ = "string"
			s = append(s, kv{"format", f.Type})
		case fixtures.TypeLocalTime:
			typ = "string"
			s = append(s, kv{"pattern", `^\d{2}:\d{2}:\d{2}([:.]\d{1,3})?$`},
				kv{"description", "Local time in HH:MM:SS with optional milliseconds separated by a colon"})
		case fixtures.TypeSFID:
			typ = "string"
			s = append(s, kv{"pattern", "^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"})
		}
		if f.IsNullable() {
			s = append(obj{{"type", []string{typ, "null"}}}, s...)
		} else {
			s = append(obj{{"type", typ}}, s...)
		}
		if f.MaxLength > 0 {
			s = append(s, kv{"maxLength", f.MaxLength})
		}
		if len(f.Values) > 0 {
			s = append(s, kv{"enum", f.Values})
		}
		if f.WriteOnly {
			s = append(s, kv{"writeOnly", true})
		}
		if f.Null == fixtures.NullFalse && !p.Host().CheckboxNullFalse() {
			s = append(s, kv{"x-casecert-null", f.Null})
		}
		if f.Ref != "" {
			s = append(s, kv{"x-casecert-ref", f.Ref})
		}
		if ex := fixtureExamples(p, f); len(ex) > 0 {
			s = append(s, kv{"examples", ex})
		}
		props = append(props, kv{f.Name, s})
	}
	return props
}

// fixtureExamples are the records the server seeds, as examples of the fields that
// take them: the integration user first, then the other owners; locations in order.
func fixtureExamples(p *fixtures.Profile, f fixtures.Field) []string {
	var out []string
	switch {
	case f.Ref == fixtures.RefOwner:
		out = append([]string{p.Fixtures.IntegrationUser}, p.Fixtures.Owners...)
	case f.Ref == fixtures.RefLocation:
		for _, l := range p.Fixtures.Locations {
			if f.Type == fixtures.TypeSFID {
				out = append(out, l.ID)
			} else {
				out = append(out, l.Number)
			}
		}
	}
	return out
}

func sortedKinds(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
