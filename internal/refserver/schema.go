package refserver

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/casecert/casecert/fixtures"
)

// schema is the shape of the cases the server keeps, derived from a profile: the body
// fields, the read-only fields and the part each plays, the linked location pair, the
// local date/time pairs, the nested kinds, the paths and the seeded fixtures. Rules and
// fault switches refer to fields through it, by role, never by a default name.
type schema struct {
	fields     []field   // body fields, in profile order
	readOnly   []roField // in profile order
	recordType string    // the key of the record type, "" when the profile names none
	owners     []string  // fields that name an owner (ref: owner)
	locID      string    // the location id field (sfid, ref: location), "" when none
	locNumber  string    // the location number field (string, ref or linked), "" when none
	datePairs  [][2]string
	kinds      []string          // nested child kinds, sorted
	prefixes   map[string]string // kind -> key prefix of its child ids
	itemsKind  string            // the kind whose children carry estimated/recovered values
	// dropped is the field the set-dropped fault drops values of: the last unbounded
	// free-text field (a bounded one would also break its length checks).
	dropped string
	routes  routes

	integrationUser string
	seedOwners      [][2]string // id, "user" or "queue"
	seedLocations   [][2]string // number, id
}

// roField is a read-only field: the name the profile gives it and the internal column
// that holds it ("" for a field the server knows no role of: always null).
type roField struct {
	name, col string
	kind      kind
}

// Internal columns of a case. Body fields are kept under their profile names; a profile
// whose body field takes one of these names cannot be served.
const (
	colSeq        = "seq"
	colID         = "id"
	colNumber     = "incident_number"
	colRecordType = "record_type"
	colTotalEst   = "total_estimated_value"
	colTotalRec   = "total_recovered_value"
	colCreated    = "created_date"
	colCreatedBy  = "created_by_id"
	colModified   = "last_modified_date"
	colModifiedBy = "last_modified_by_id"
)

var internalColumns = []column{
	{colSeq, kindNumber}, {colID, kindString}, {colNumber, kindString}, {colRecordType, kindString},
	{colTotalEst, kindNumber}, {colTotalRec, kindNumber}, {colCreated, kindDateTime}, {colCreatedBy, kindSfid},
	{colModified, kindDateTime}, {colModifiedBy, kindSfid},
}

// knownPrefixes are the id prefixes of the default child kinds.
var knownPrefixes = map[string]string{"persons": "003", "vehicles": "a0V", "items": "a0I"}

var kinds = map[string]kind{
	fixtures.TypeString: kindString, fixtures.TypeDate: kindDate, fixtures.TypeLocalTime: kindLocalTime,
	fixtures.TypeDateTime: kindDateTime, fixtures.TypeNumber: kindNumber, fixtures.TypeBoolean: kindBool, fixtures.TypeSFID: kindSfid,
}

// newSchema derives the served shape from a (validated) profile.
func newSchema(p *fixtures.Profile) (*schema, error) {
	s := &schema{recordType: p.RecordTypeField, prefixes: map[string]string{}, integrationUser: p.Fixtures.IntegrationUser}
	taken := map[string]bool{}
	for _, c := range internalColumns {
		taken[c.name] = true
	}
	for _, f := range p.Fields {
		if taken[strings.ToLower(f.Name)] {
			return nil, fmt.Errorf("the reference server keeps %q itself: it cannot serve a body field of that name", f.Name)
		}
		taken[strings.ToLower(f.Name)] = true
		s.fields = append(s.fields, field{name: f.Name, kind: kinds[f.Type], max: f.MaxLength, ref: f.Ref,
			notNull: !f.IsNullable(), nullFalse: f.Null == fixtures.NullFalse, writeOnly: f.WriteOnly})
		if f.Ref == fixtures.RefOwner {
			s.owners = append(s.owners, f.Name)
		}
		if f.IsFreeText() && f.Readable() && f.MaxLength == 0 && f.Name != p.MarkerField {
			s.dropped = f.Name
		}
	}
	s.locID, s.locNumber = p.LocationFields()
	for _, pair := range p.DateTimePairs {
		s.datePairs = append(s.datePairs, [2]string{pair[0], pair[1]})
	}
	s.readOnly = readOnlyRoles(p)
	for i, kind := range p.Nested {
		s.kinds = append(s.kinds, kind)
		prefix, ok := knownPrefixes[kind]
		if !ok {
			prefix = fmt.Sprintf("a1%c", 'A'+i%26)
		}
		s.prefixes[kind] = prefix
		if s.itemsKind == "" && strings.Contains(strings.ToLower(kind), "item") {
			s.itemsKind = kind
		}
	}
	sort.Strings(s.kinds)
	var err error
	if s.routes, err = newRoutes(p); err != nil {
		return nil, err
	}
	if s.integrationUser == "" && len(p.Fixtures.Owners) > 0 {
		s.integrationUser = p.Fixtures.Owners[0]
	}
	for _, id := range append([]string{s.integrationUser}, p.Fixtures.Owners...) {
		kind := "user"
		if strings.HasPrefix(id, "00G") {
			kind = "queue"
		}
		if id != "" && !slices.ContainsFunc(s.seedOwners, func(o [2]string) bool { return o[0] == id }) {
			s.seedOwners = append(s.seedOwners, [2]string{id, kind})
		}
	}
	for _, l := range p.Fixtures.Locations {
		s.seedLocations = append(s.seedLocations, [2]string{l.Number, l.ID})
	}
	return s, nil
}

// readOnlyRoles tells what each read-only field of the profile is, by its name: the id,
// the case number, the item totals, the audit dates (as the profile names or infers
// them) and who created and last changed the case.
func readOnlyRoles(p *fixtures.Profile) []roField {
	var out []roField
	used := map[string]bool{}
	for _, name := range p.ReadOnly {
		n := fixtures.FoldName(name)
		col, k := "", kindString
		switch {
		case n == "id":
			col, k = colID, kindSfid
		case name == p.AuditFields.Created:
			col, k = colCreated, kindDateTime
		case name == p.AuditFields.LastModified:
			col, k = colModified, kindDateTime
		case slices.Contains([]string{"createdbyid", "createdby"}, n):
			col, k = colCreatedBy, kindSfid
		case slices.Contains([]string{"lastmodifiedbyid", "lastmodifiedby", "modifiedbyid", "modifiedby", "updatedbyid", "updatedby"}, n):
			col, k = colModifiedBy, kindSfid
		case strings.Contains(n, "estimated"):
			col, k = colTotalEst, kindNumber
		case strings.Contains(n, "recovered"):
			col, k = colTotalRec, kindNumber
		case strings.Contains(n, "number") || n == "name":
			col = colNumber
		}
		if used[col] {
			col = ""
		}
		used[col] = col != ""
		out = append(out, roField{name: name, col: col, kind: k})
	}
	return out
}

// checkboxesStoreFalse makes every boolean field store false for null, as every
// checkbox on a Salesforce org does, whatever the profile says of it.
func (s *schema) checkboxesStoreFalse() {
	for i := range s.fields {
		if s.fields[i].kind == kindBool {
			s.fields[i].nullFalse = true
		}
	}
}

// field returns the body field of that name.
func (s *schema) field(name string) (field, bool) {
	for _, f := range s.fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// routes are the paths of the profile, split into segments; "{id}" matches any one.
type routes struct {
	collection, item []string
	children         map[string][]string
	read             string // the read path template, for the URLs of cases
}

func newRoutes(p *fixtures.Profile) (routes, error) {
	if p.Paths.Create != p.Paths.List {
		return routes{}, fmt.Errorf("the reference server serves one collection: paths.create (%s) and paths.list (%s) must be the same", p.Paths.Create, p.Paths.List)
	}
	if p.Paths.Read != p.Paths.Update {
		return routes{}, fmt.Errorf("the reference server serves one case path: paths.read (%s) and paths.update (%s) must be the same", p.Paths.Read, p.Paths.Update)
	}
	r := routes{collection: segments(p.Paths.Create), item: segments(p.Paths.Read), children: map[string][]string{}, read: p.Paths.Read}
	for _, kind := range p.Nested {
		r.children[kind] = segments(p.Paths.Children[kind])
	}
	return r, nil
}

func segments(path string) []string {
	return strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
}

// match tells which route a path (below the base path) is: "collection", "item" or
// "child" (with the child kind), and the case id it names.
func (r routes) match(parts []string) (what, id, kind string) {
	fits := func(tmpl []string) (string, bool) {
		if len(tmpl) != len(parts) {
			return "", false
		}
		id := ""
		for i, t := range tmpl {
			switch {
			case t == "{id}":
				id = parts[i]
			case t != parts[i]:
				return "", false
			}
		}
		return id, true
	}
	if _, ok := fits(r.collection); ok {
		return "collection", "", ""
	}
	if id, ok := fits(r.item); ok {
		return "item", id, ""
	}
	for kind, tmpl := range r.children {
		if id, ok := fits(tmpl); ok {
			return "child", id, kind
		}
	}
	return "", "", ""
}
