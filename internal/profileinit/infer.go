package profileinit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/sfid"
)

// Placeholders with valid checksums, written (with a TODO) when no record is known.
var (
	placeholderUser      = "005000000000001AAA"
	placeholderOwners    = []string{"005000000000002AAA", "005000000000003AAA"}
	placeholderLocations = []fixtures.Location{{Number: "STORE-0001", ID: "a0L000000000001EAA"}, {Number: "STORE-0002", ID: "a0L000000000002EAA"}}
)

// records are what fixtures come from: records seen on a live target (they exist), then
// a document's or a case's (to confirm).
type records struct {
	live     []map[string]any
	liveFrom string
	samples  []map[string]any
	examples map[string][]any
	from     string
}

// finish works out what the draft's source left out, by the profile's own rules where
// it has them (profile.md): refs and linked fields from the names, the marker field,
// and fixtures from the records seen (samples: whole bodies; examples: values by field).
func finish(d *Draft) {
	p := &d.Profile
	inferRefs(p)
	inferLinks(p)
	if p.MarkerField == "" {
		inferMarker(d)
	}
	fixturesFrom(d)
}

func inferRefs(p *fixtures.Profile) {
	for i := range p.Fields {
		f := &p.Fields[i]
		if f.Ref != "" || f.Type != fixtures.TypeSFID {
			continue
		}
		switch n := fixtures.FoldName(f.Name); {
		case n == "ownerid" || n == "owner":
			f.Ref = fixtures.RefOwner
		case strings.Contains(n, "location") && !slices.ContainsFunc(p.Fields, func(g fixtures.Field) bool { return g.Ref == fixtures.RefLocation }):
			f.Ref = fixtures.RefLocation
		}
	}
}

// inferLinks links the location id with the location number field, which names the same
// location.
func inferLinks(p *fixtures.Profile) {
	if len(p.LinkedFields) > 0 {
		return
	}
	loc := p.FieldsWithRef(fixtures.RefLocation)
	if len(loc) == 0 {
		return
	}
	for _, f := range p.Fields {
		n := fixtures.FoldName(f.Name)
		if f.Type == fixtures.TypeString && f.Name != loc[0].Name && strings.Contains(n, "location") &&
			(strings.Contains(n, "number") || strings.Contains(n, "num") || strings.Contains(n, "code")) {
			p.LinkedFields = [][]string{{loc[0].Name, f.Name}}
			return
		}
	}
}

var markerNames = []string{"externalreference", "externalref", "externalid", "reference", "externalkey"}

// inferMarker picks the writable text field where a run writes its run id: one named
// like an external reference, else the first free-text field, with a TODO.
func inferMarker(d *Draft) {
	p := &d.Profile
	free := func(f fixtures.Field) bool {
		return f.Type == fixtures.TypeString && !f.WriteOnly && len(f.Values) == 0 && f.Ref == "" && (f.MaxLength == 0 || f.MaxLength >= 40)
	}
	for _, want := range markerNames {
		for _, f := range p.Fields {
			if free(f) && strings.Contains(fixtures.FoldName(f.Name), want) {
				p.MarkerField = f.Name
				return
			}
		}
	}
	for _, f := range p.Fields {
		if free(f) {
			p.MarkerField = f.Name
			d.todo("marker_field", "a text field where a run may write its run id on the cases it creates: check that %s is one", f.Name)
			return
		}
	}
	d.todo("marker_field", "name a writable text field where a run may write its run id")
}

// fixturesFrom fills the fixtures with the owner ids and location id/number pairs of the
// records seen, live ones first, then placeholders up to what the requirements need (two
// owners besides the integration user, two locations); each line says what to confirm.
func fixturesFrom(d *Draft) {
	p := &d.Profile
	rec := d.records
	p.Fixtures = fixtures.Fixtures{}
	for k := range d.TODO {
		if strings.HasPrefix(k, "fixtures.") {
			delete(d.TODO, k)
		}
	}
	number := ""
	for _, g := range p.LinkedFields {
		for _, n := range g {
			if f, ok := p.Field(n); ok && f.Type == fixtures.TypeString {
				number = n
			}
		}
	}
	var locID []fixtures.Field
	for _, f := range p.FieldsWithRef(fixtures.RefLocation) {
		if f.Type == fixtures.TypeSFID {
			locID = append(locID, f)
		} else if number == "" {
			number = f.Name
		}
	}
	live := 0
	var owners []string
	for _, f := range p.FieldsWithRef(fixtures.RefOwner) {
		for _, s := range rec.live {
			owners = appendID(owners, s[f.Name])
		}
	}
	live = len(owners)
	for _, f := range p.FieldsWithRef(fixtures.RefOwner) {
		for _, v := range rec.examples[f.Name] {
			owners = appendID(owners, v)
		}
		for _, s := range rec.samples {
			owners = appendID(owners, s[f.Name])
		}
	}
	confirm := func(i, live int) string {
		if i < live {
			return "seen on the target (" + rec.liveFrom + ")"
		}
		return "confirm this record exists on the target (from " + rec.from + ")"
	}
	switch {
	case len(owners) > 0:
		p.Fixtures.IntegrationUser = owners[0]
		d.todo("fixtures.integration_user", "%s; check it is the user the run's token acts as: the default owner of a created case", confirm(0, live))
	default:
		p.Fixtures.IntegrationUser = placeholderUser
		d.todo("fixtures.integration_user", "a placeholder: give the id of the user the run's token acts as")
	}
	if len(owners) > 1 {
		p.Fixtures.Owners = owners[1:]
		d.todo("fixtures.owners", "%s", confirm(1, live))
	}
	for _, o := range placeholderOwners {
		if len(p.Fixtures.Owners) < 2 && !slices.Contains(owners, o) {
			p.Fixtures.Owners = append(p.Fixtures.Owners, o)
			d.todo("fixtures.owners", "placeholders: give ids of users or queues (other than the integration user) that may own a case")
		}
	}
	if len(locID) == 0 {
		return
	}
	id := locID[0].Name
	add := func(idv, num any) {
		ids := appendID(nil, idv)
		if len(ids) == 0 || slices.ContainsFunc(p.Fixtures.Locations, func(l fixtures.Location) bool { return l.ID == ids[0] }) {
			return
		}
		n, _ := num.(string)
		p.Fixtures.Locations = append(p.Fixtures.Locations, fixtures.Location{ID: ids[0], Number: n})
	}
	for _, s := range rec.live {
		add(s[id], s[number])
	}
	liveLocs := len(p.Fixtures.Locations)
	for _, s := range rec.samples {
		add(s[id], s[number])
	}
	for i, v := range rec.examples[id] {
		var num any
		if i < len(rec.examples[number]) {
			num = rec.examples[number][i]
		}
		add(v, num)
	}
	for i, l := range p.Fixtures.Locations {
		note := confirm(i, liveLocs)
		if l.Number == "" && number != "" {
			note += fmt.Sprintf("; give its %s", number)
		}
		d.todo(fmt.Sprintf("fixtures.locations[%d]", i), "%s", note)
	}
	for _, l := range placeholderLocations {
		if len(p.Fixtures.Locations) < 2 && !slices.ContainsFunc(p.Fixtures.Locations, func(x fixtures.Location) bool { return x.ID == l.ID }) {
			d.todo(fmt.Sprintf("fixtures.locations[%d]", len(p.Fixtures.Locations)), "a placeholder: give the id and number of a location that exists on the target")
			p.Fixtures.Locations = append(p.Fixtures.Locations, l)
		}
	}
}

func appendID(list []string, v any) []string {
	s, ok := v.(string)
	if !ok || !sfid.Valid(s) || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
