package profileinit

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/casecert/casecert/fixtures"
)

// prop is one property of an object schema, its allOf parts merged.
type prop struct {
	name                          string
	line                          int
	types                         []string
	format, pattern, desc         string
	maxLength, minLength          int
	enum                          []string
	nullable, readOnly, writeOnly bool
	items                         *openapi3.Schema
	examples                      []any
	ext                           map[string]any
}

// properties lists an object schema's properties in the order the document gives them,
// through allOf (a later part refines an earlier one's property).
func properties(s *openapi3.Schema) []prop {
	var out []prop
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 16 {
			return
		}
		for _, part := range s.AllOf {
			walk(part.Value, depth+1)
		}
		names := sortedKeys(s.Properties)
		slices.SortStableFunc(names, func(a, b string) int { return lineOf(s.Properties[a]) - lineOf(s.Properties[b]) })
		for _, n := range names {
			p := view(s.Properties[n])
			p.name = n
			if i := slices.IndexFunc(out, func(q prop) bool { return q.name == n }); i >= 0 {
				out[i] = merge(out[i], p)
				continue
			}
			out = append(out, p)
		}
	}
	walk(s, 0)
	return out
}

func lineOf(ref *openapi3.SchemaRef) int {
	if ref.Origin != nil && ref.Origin.Key != nil {
		return ref.Origin.Key.Line
	}
	if ref.Value != nil && ref.Value.Origin != nil && ref.Value.Origin.Key != nil {
		return ref.Value.Origin.Key.Line
	}
	return 0
}

// view reads a property's schema, its allOf parts and a 3.1 anyOf/oneOf with null merged.
func view(ref *openapi3.SchemaRef) prop {
	p := prop{line: lineOf(ref)}
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 16 {
			return
		}
		for _, t := range s.Type.Slice() {
			if t == openapi3.TypeNull {
				p.nullable = true
			} else if !slices.Contains(p.types, t) {
				p.types = append(p.types, t)
			}
		}
		p.nullable = p.nullable || s.Nullable
		p.readOnly = p.readOnly || s.ReadOnly
		p.writeOnly = p.writeOnly || s.WriteOnly
		p.format = first(p.format, s.Format)
		p.pattern = first(p.pattern, s.Pattern)
		p.desc = first(p.desc, s.Description, s.Title)
		if s.MaxLength != nil && p.maxLength == 0 {
			p.maxLength = int(*s.MaxLength)
		}
		if s.MinLength > 0 && p.minLength == 0 {
			p.minLength = int(s.MinLength)
		}
		for _, e := range s.Enum {
			if e == nil {
				p.nullable = true
			} else if v := fmt.Sprint(e); !slices.Contains(p.enum, v) {
				p.enum = append(p.enum, v)
			}
		}
		if s.Items != nil && p.items == nil {
			p.items = s.Items.Value
		}
		// A field's default comes first: an owner's is the integration user.
		if s.Default != nil {
			p.examples = append(p.examples, s.Default)
		}
		if s.Example != nil {
			p.examples = append(p.examples, s.Example)
		}
		p.examples = append(p.examples, s.Examples...)
		for k, v := range s.Extensions {
			if p.ext == nil {
				p.ext = map[string]any{}
			}
			if _, ok := p.ext[k]; !ok {
				p.ext[k] = v
			}
		}
		for _, part := range s.AllOf {
			walk(part.Value, depth+1)
		}
		for _, alts := range []openapi3.SchemaRefs{s.AnyOf, s.OneOf} {
			for _, part := range alts {
				walk(part.Value, depth+1)
			}
		}
	}
	walk(ref.Value, 0)
	return p
}

// merge refines a property with what a later definition of it says.
func merge(a, b prop) prop {
	a.readOnly = a.readOnly || b.readOnly
	a.writeOnly = a.writeOnly || b.writeOnly
	a.nullable = a.nullable || b.nullable
	if len(a.types) == 0 {
		a.types = b.types
	}
	a.format, a.pattern, a.desc = first(a.format, b.format), first(a.pattern, b.pattern), first(a.desc, b.desc)
	if a.maxLength == 0 {
		a.maxLength = b.maxLength
	}
	if len(a.enum) == 0 {
		a.enum = b.enum
	}
	if a.items == nil {
		a.items = b.items
	}
	a.examples = append(a.examples, b.examples...)
	for k, v := range b.ext {
		if a.ext == nil {
			a.ext = map[string]any{}
		}
		a.ext[k] = v
	}
	return a
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

var (
	localTimeWords = regexp.MustCompile(`(?i)HH:MM:SS|local time|time of day`)
	sfidWords      = regexp.MustCompile(`(?i)15\s*/\s*18|15 or 18|salesforce (record )?id`)
)

// fieldType is the profile type of a property, and a TODO when it is a guess.
func fieldType(p prop) (string, string) {
	if t, ok := p.ext["x-casecert-type"].(string); ok {
		return t, ""
	}
	t := ""
	if len(p.types) > 0 {
		t = p.types[0]
	}
	switch t {
	case "number", "integer":
		return fixtures.TypeNumber, ""
	case "boolean":
		return fixtures.TypeBoolean, ""
	case "string":
	case "":
		return fixtures.TypeString, "the document gives no type: check it"
	default:
		return fixtures.TypeString, fmt.Sprintf("the document's type %s is not a profile type: check it", t)
	}
	switch {
	case p.format == "date":
		return fixtures.TypeDate, ""
	case p.format == "date-time":
		return fixtures.TypeDateTime, ""
	case p.format == "time" || localTimeWords.MatchString(p.desc) || strings.Contains(p.pattern, ":") && strings.Contains(p.pattern, `\d{2}`):
		return fixtures.TypeLocalTime, ""
	case strings.Contains(p.pattern, "15") && strings.Contains(p.pattern, "18") || strings.Contains(p.pattern, "{15}") ||
		p.minLength == 15 && p.maxLength == 18 || sfidWords.MatchString(p.desc) || p.format == "sfid":
		return fixtures.TypeSFID, ""
	}
	return fixtures.TypeString, ""
}

// fields fills fields, read_only and nested from the update's body and the read schema.
func (r *reader) fields(body, read *openapi3.Schema) {
	p := &r.d.Profile
	readProps := properties(read)
	roInRead := map[string]bool{}
	for _, rp := range readProps {
		if rp.readOnly {
			roInRead[rp.name] = true
		}
	}
	nested := func(q prop) bool {
		return slices.Contains(q.types, "array") && q.items != nil && (q.items.Type.Is("object") || len(q.items.Properties) > 0 || len(q.items.AllOf) > 0)
	}
	for _, q := range properties(body) {
		switch {
		case nested(q):
			p.Nested = appendNew(p.Nested, q.name)
			continue
		case q.readOnly || roInRead[q.name]:
			p.ReadOnly = appendNew(p.ReadOnly, q.name)
			continue
		}
		f := fixtures.Field{Name: q.name}
		var note string
		f.Type, note = fieldType(q)
		if f.Type == fixtures.TypeString && q.maxLength > 0 {
			f.MaxLength = q.maxLength
		}
		f.Values = q.enum
		f.WriteOnly = q.writeOnly
		if !q.nullable {
			no := false
			f.Nullable = &no
		}
		if v, ok := q.ext["x-casecert-null"].(string); ok {
			f.Null = v
			f.Nullable = nil
		}
		if v, ok := q.ext["x-casecert-ref"].(string); ok {
			f.Ref = v
		}
		key := fmt.Sprintf("fields[%d]", len(p.Fields))
		if note != "" {
			r.d.todo(key, "%s", note)
		}
		if len(q.examples) > 0 {
			r.examples[q.name] = append(r.examples[q.name], q.examples...)
		}
		p.Fields = append(p.Fields, f)
	}
	for _, rp := range readProps {
		switch {
		case nested(rp):
			p.Nested = appendNew(p.Nested, rp.name)
		case slices.ContainsFunc(p.Fields, func(f fixtures.Field) bool { return f.Name == rp.name }):
		default:
			p.ReadOnly = appendNew(p.ReadOnly, rp.name)
			if !rp.readOnly {
				r.d.todo("read_only", "%s is in the read but not the update, without readOnly: check that the update cannot set it", rp.name)
			}
		}
	}
	if read == nil {
		r.d.todo("read_only", "the document has no schema of the read (GET of a case): list the fields the target sets itself")
	}
	r.docExtensions()
}

// docExtensions reads what a document may say in x-casecert (the reference server's
// /openapi.json does): the profile keys OpenAPI has no word for.
func (r *reader) docExtensions() {
	ext, _ := r.doc.Extensions["x-casecert"].(map[string]any)
	if ext == nil {
		return
	}
	p := &r.d.Profile
	str := func(k string) string { s, _ := ext[k].(string); return s }
	p.Name = str("name")
	p.Platform, p.DateTimePrecision = str("platform"), str("datetime_precision")
	p.MarkerField, p.RecordTypeField = str("marker_field"), str("record_type_field")
	p.AuditFields.Created, p.AuditFields.LastModified = str("audit_created"), str("audit_last_modified")
	p.LinkedFields = groups(ext["linked_fields"])
	p.DateTimePairs = groups(ext["local_date_time_pairs"])
	if s, ok := ext["nested_samples"].(map[string]any); ok {
		p.NestedSamples = map[string]fixtures.Sample{}
		for k, v := range s {
			if m, ok := v.(map[string]any); ok {
				p.NestedSamples[k] = m
			}
		}
	}
}

func groups(v any) [][]string {
	var out [][]string
	list, _ := v.([]any)
	for _, g := range list {
		items, _ := g.([]any)
		var names []string
		for _, n := range items {
			names = append(names, fmt.Sprint(n))
		}
		out = append(out, names)
	}
	return out
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
