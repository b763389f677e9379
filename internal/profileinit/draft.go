// Package profileinit drafts a profile (profile.md) from what a vendor already has: an
// OpenAPI description of the Case API, or a live case's JSON. What it cannot establish
// it writes anyway, with a "# TODO:" comment on that line saying what to check, so the
// draft always loads and `profile check` can say what it lets casecert judge.
package profileinit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/platform"
)

// Draft is a profile being written, and the notes on what it could not establish, by
// profile key path ("api_version", "fields[3]", "fixtures.owners").
type Draft struct {
	Profile fixtures.Profile
	TODO    map[string]string
	// Header is said in comments above the profile (where it came from, the base URL).
	Header []string

	records records
}

func newDraft() *Draft {
	return &Draft{Profile: fixtures.Profile{Schema: fixtures.ProfileSchema}, TODO: map[string]string{}, records: records{examples: map[string][]any{}}}
}

func (d *Draft) todo(key, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if prev, ok := d.TODO[key]; ok && !strings.Contains(prev, msg) {
		msg = prev + "; " + msg
	}
	d.TODO[key] = msg
}

// TODOs is the number of lines that carry a TODO.
func (d *Draft) TODOs() int { return len(d.TODO) }

// YAML renders the draft as a profile file, each line's TODO as a comment on it.
func (d *Draft) YAML() []byte {
	p := d.Profile
	var b strings.Builder
	line := func(key, text string) {
		if note, ok := d.TODO[key]; ok {
			text += "  # TODO: " + note
		}
		b.WriteString(text + "\n")
	}
	for _, h := range d.Header {
		b.WriteString("# " + h + "\n")
	}
	line("schema", "schema: "+p.Schema)
	line("name", "name: "+quote(p.Name))
	if p.Platform != "" && p.Platform != platform.GenericName {
		line("platform", "platform: "+p.Platform)
	}
	if p.DateTimePrecision != "" && p.DateTimePrecision != fixtures.PrecisionMillisecond {
		line("datetime_precision", "datetime_precision: "+p.DateTimePrecision)
	}
	line("api_version", "api_version: "+strconv.Quote(p.APIVersion))
	line("paths", "paths:")
	for _, kv := range [][2]string{{"create", p.Paths.Create}, {"read", p.Paths.Read}, {"update", p.Paths.Update}, {"list", p.Paths.List}, {"delete", p.Paths.Delete}} {
		line("paths."+kv[0], "  "+kv[0]+": "+quote(kv[1]))
	}
	if len(p.Paths.Children) > 0 {
		line("paths.children", "  children:")
		for _, kind := range sortedKeys(p.Paths.Children) {
			line("paths.children."+kind, "    "+kind+": "+quote(p.Paths.Children[kind]))
		}
	}
	line("marker_field", "marker_field: "+quote(p.MarkerField))
	if p.RecordTypeField != "" {
		line("record_type_field", "record_type_field: "+quote(p.RecordTypeField))
	}
	if p.AuditFields.Created != "" || p.AuditFields.LastModified != "" {
		line("audit_fields", "audit_fields:")
		if p.AuditFields.Created != "" {
			line("audit_fields.created", "  created: "+quote(p.AuditFields.Created))
		}
		if p.AuditFields.LastModified != "" {
			line("audit_fields.last_modified", "  last_modified: "+quote(p.AuditFields.LastModified))
		}
	}
	line("fields", "fields:")
	for i, f := range p.Fields {
		line(fmt.Sprintf("fields[%d]", i), "  - "+fieldYAML(f))
	}
	line("read_only", "read_only: "+list(p.ReadOnly))
	line("nested", "nested: "+list(p.Nested))
	if len(p.NestedSamples) > 0 {
		line("nested_samples", "nested_samples:")
		for _, kind := range sortedKeys(p.NestedSamples) {
			line("nested_samples."+kind, "  "+kind+": "+sampleYAML(p.NestedSamples[kind]))
		}
	}
	if len(p.LinkedFields) > 0 {
		line("linked_fields", "linked_fields:")
		for i, g := range p.LinkedFields {
			line(fmt.Sprintf("linked_fields[%d]", i), "  - "+list(g))
		}
	}
	if len(p.DateTimePairs) > 0 {
		line("local_date_time_pairs", "local_date_time_pairs:")
		for i, g := range p.DateTimePairs {
			line(fmt.Sprintf("local_date_time_pairs[%d]", i), "  - "+list(g))
		}
	}
	line("fixtures", "fixtures:")
	line("fixtures.integration_user", "  integration_user: "+quote(p.Fixtures.IntegrationUser))
	line("fixtures.owners", "  owners: "+list(p.Fixtures.Owners))
	if len(p.Fixtures.Locations) == 0 {
		line("fixtures.locations", "  locations: []")
	} else {
		line("fixtures.locations", "  locations:")
		for i, l := range p.Fixtures.Locations {
			line(fmt.Sprintf("fixtures.locations[%d]", i), fmt.Sprintf("    - {number: %s, id: %s}", quote(l.Number), quote(l.ID)))
		}
	}
	return []byte(b.String())
}

func fieldYAML(f fixtures.Field) string {
	parts := []string{"name: " + quote(f.Name), "type: " + f.Type}
	if f.MaxLength > 0 {
		parts = append(parts, fmt.Sprintf("max_length: %d", f.MaxLength))
	}
	if f.Nullable != nil {
		parts = append(parts, fmt.Sprintf("nullable: %t", *f.Nullable))
	}
	if f.WriteOnly {
		parts = append(parts, "write_only: true")
	}
	if f.Ref != "" {
		parts = append(parts, "ref: "+f.Ref)
	}
	if len(f.Values) > 0 {
		parts = append(parts, "values: "+list(f.Values))
	}
	if f.Null != "" && f.Null != fixtures.NullClears && f.Null != fixtures.NullRefused {
		parts = append(parts, `"null": `+quote(f.Null))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func sampleYAML(s fixtures.Sample) string {
	var parts []string
	for _, k := range sortedKeys(s) {
		var v string
		switch x := s[k].(type) {
		case string:
			v = quote(x)
		case nil:
			v = "null"
		default:
			v = fmt.Sprint(x)
		}
		parts = append(parts, quote(k)+": "+v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func list(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

var plain = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_./{}-]*$`)

// quote writes a string as a YAML scalar that reads back as that string, in a flow
// collection too: plain when it is safe, double-quoted otherwise.
func quote(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~":
		return strconv.Quote(s)
	}
	if plain.MatchString(s) && !strings.ContainsAny(s, "{}") {
		return s
	}
	if strings.HasPrefix(s, "/") && !strings.ContainsAny(s, ",[]:#") {
		return s // a path: its braces are plain in a block mapping
	}
	return strconv.Quote(s)
}
