package profileinit

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/sfid"
)

var (
	dateValue      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	dateTimeValue  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}`)
	localTimeValue = regexp.MustCompile(`^\d{2}:\d{2}:\d{2}([:.]\d{1,3})?Z?$`)
	readOnlyNames  = []string{"id", "number", "casenumber", "incidentnumber", "createddate", "lastmodifieddate", "createdbyid", "lastmodifiedbyid", "systemmodstamp"}
)

// FromCase drafts a profile from one live case's JSON (the read of --case-id): field
// names, and types from the values. A value cannot show limits, picklists or which
// fields are read-only: those lines carry TODOs. paths are the default profile's.
func FromCase(source string, body []byte) (*Draft, error) {
	var c map[string]json.RawMessage
	if err := json.Unmarshal(body, &c); err != nil || c == nil {
		return nil, &Problem{Where: source, What: "the case's read is not a JSON object"}
	}
	d := newDraft()
	p := &d.Profile
	def := fixtures.Default()
	p.Name, p.APIVersion, p.Paths = "drafted-from-case", def.APIVersion, def.Paths
	d.todo("paths", "the default profile's paths: check them against the target")
	d.todo("api_version", "check what the target expects")
	var order []string
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.Token()
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		order = append(order, fmt.Sprint(t))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	sample := map[string]any{}
	for _, name := range order {
		var v any
		json.Unmarshal(c[name], &v)
		sample[name] = v
		if _, isList := v.([]any); isList {
			p.Nested = append(p.Nested, name)
			continue
		}
		if slices.Contains(readOnlyNames, fixtures.FoldName(name)) || name == "attributes" {
			p.ReadOnly = append(p.ReadOnly, name)
			continue
		}
		if _, isObj := v.(map[string]any); isObj {
			p.ReadOnly = append(p.ReadOnly, name)
			d.todo("read_only", "%s holds an object: check that it is read-only", name)
			continue
		}
		f := fixtures.Field{Name: name, Type: valueType(v)}
		key := fmt.Sprintf("fields[%d]", len(p.Fields))
		switch {
		case v == nil:
			d.todo(key, "its value was null: check its type, max length, picklist and whether the update can set it")
		default:
			d.todo(key, "type from the value %s: check it, its max length, picklist, and whether the update can set it", short(c[name]))
		}
		p.Fields = append(p.Fields, f)
	}
	d.todo("read_only", "named from the case's keys: add every field the target sets itself")
	d.Header = append(d.Header, "Drafted by casecert profile init from the case "+source+".")
	d.records.samples, d.records.from = []map[string]any{sample}, "the case read"
	finish(d)
	return d, nil
}

func valueType(v any) string {
	switch x := v.(type) {
	case float64:
		return fixtures.TypeNumber
	case bool:
		return fixtures.TypeBoolean
	case string:
		switch {
		case dateValue.MatchString(x):
			return fixtures.TypeDate
		case dateTimeValue.MatchString(x):
			return fixtures.TypeDateTime
		case localTimeValue.MatchString(x):
			return fixtures.TypeLocalTime
		case (len(x) == 15 || len(x) == 18) && sfid.Valid(x):
			return fixtures.TypeSFID
		}
	}
	return fixtures.TypeString
}

func short(raw json.RawMessage) string {
	s := string(raw)
	if len(s) > 30 {
		s = s[:27] + "..."
	}
	return s
}

// Harvest fills the fixtures from the target's existing cases (the list's answer): the
// owners and location id/number pairs they name are records that exist there.
func (d *Draft) Harvest(source string, list []byte) error {
	var cases []map[string]any
	if err := json.Unmarshal(list, &cases); err != nil {
		var wrapped map[string]json.RawMessage
		if json.Unmarshal(list, &wrapped) != nil {
			return &Problem{Where: source, What: "the list of cases is not a JSON array"}
		}
		for _, k := range []string{"records", "cases", "items", "data", "results"} {
			if json.Unmarshal(wrapped[k], &cases) == nil && cases != nil {
				break
			}
		}
	}
	if len(cases) == 0 {
		return nil
	}
	d.records.live, d.records.liveFrom = cases, fmt.Sprintf("%d existing cases of %s", len(cases), source)
	fixturesFrom(d)
	return nil
}
