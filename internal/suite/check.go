package suite

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/casecert/casecert/fixtures"
)

// noteSelectors records, per requirement, the @fields: selectors of its scenarios, read
// from a feature before expansion (a requirement whose selectors pick no field has no
// scenario afterwards, and its selectors say what the profile lacks).
func (s *Suite) noteSelectors(name string, src []byte) error {
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), (&messages.Incrementing{}).NewId)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if doc.Feature == nil {
		return nil
	}
	for _, sc := range allScenarios(doc.Feature) {
		var selectors []string
		for _, ex := range sc.Examples {
			selectors = append(selectors, fieldSelectors(ex.Tags)...)
		}
		for _, t := range sc.Tags {
			i := slices.IndexFunc(s.Catalog, func(r Requirement) bool { return "@"+r.ID == t.Name })
			if i < 0 {
				continue
			}
			for _, sel := range selectors {
				if !slices.Contains(s.Catalog[i].Selectors, sel) {
					s.Catalog[i].Selectors = append(s.Catalog[i].Selectors, sel)
				}
			}
		}
	}
	return nil
}

// ProfileCheck is what a run with the suite's profile will make of one requirement.
type ProfileCheck struct {
	ID, Level string
	Scenarios int
	Judged    bool
	Uses      []fixtures.Inference // inferred keys it relies on
	Notes     []string             // how it is judged without an optional key
	Missing   []string             // why (some of) its scenarios will be skipped
	Fix       []string             // what to add to the profile
}

// selectorHints say what a profile lacks when a selector picks no field, and the fix.
var selectorHints = map[string][2]string{
	"bounded":    {"no text field has a max_length", "give each text field of limited length its max_length"},
	"local-time": {"no field is of type local-time", "list the local-time fields with type: local-time"},
	"date":       {"no field is of type date", "list the date fields with type: date"},
	"date-time":  {"no field is of type date-time", "list the date-time fields with type: date-time"},
	"number":     {"no field is of type number", "list the number fields with type: number"},
	"boolean":    {"no field is of type boolean", "list the checkbox fields with type: boolean"},
	"sfid":       {"no field is of type sfid", "list the id fields with type: sfid and their ref"},
	"string":     {"no field is of type string", "list the text fields with type: string"},
	"paired":     {"no local date is paired with a local time", "add local_date_time_pairs: [[date_field, time_field]] (or name them x_local_date and x_local_time)"},
	"nested":     {"the profile lists no nested child kinds", "list the child collections under nested, with paths.children"},
	"read-only":  {"the profile lists no read-only fields", "list the fields the target returns but never writes under read_only"},
	"!nullable":  {"no field is marked nullable: false", "mark each field that cannot be null with nullable: false"},
	"nullable":   {"no field can be null", "list the fields that can be cleared (nullable is the default)"},
	"readable":   {"every field is write-only", "list the fields that are read back without write_only"},
}

// selectorHint is the hint of the first term of a selector that alone picks no field of
// the profile: what is really missing ("date,paired" on a profile with dates but no local
// time lacks the pairing, not the dates).
func selectorHint(p *fixtures.Profile, selector string) ([2]string, bool) {
	for _, term := range strings.Split(selector, ",") {
		h, ok := selectorHints[term]
		if !ok {
			continue
		}
		if names, err := SelectFields(p, term); err == nil && len(names) == 0 {
			return h, true
		}
	}
	return [2]string{}, false
}

// CheckProfile tells, per requirement of the catalog, whether a run with the suite's
// profile judges it, which inferred keys it relies on, and what to add when it does not.
func (s *Suite) CheckProfile() []ProfileCheck {
	p := s.Profile
	counts := s.ScenarioCount()
	var out []ProfileCheck
	for _, r := range s.Catalog {
		c := ProfileCheck{ID: r.ID, Level: r.Level, Scenarios: counts[r.ID], Judged: counts[r.ID] > 0}
		addUses := func(inf ...fixtures.Inference) {
			for _, i := range inf {
				if !slices.Contains(c.Uses, i) {
					c.Uses = append(c.Uses, i)
				}
			}
		}
		if c.Scenarios == 0 {
			for _, sel := range r.Selectors {
				if h, ok := selectorHint(p, sel); ok {
					c.Missing = append(c.Missing, h[0])
					c.Fix = append(c.Fix, h[1])
				}
			}
			if len(c.Missing) == 0 {
				c.Missing = append(c.Missing, "no scenario of it fits the profile")
			}
		}
		for _, name := range r.Needs {
			n, _ := fixtures.LookupNeed(name)
			if reason := p.Lacks(name); reason != "" {
				c.Judged = false
				c.Missing, c.Fix = append(c.Missing, reason), append(c.Fix, n.Fix)
				continue
			}
			addUses(p.Uses(n)...)
		}
		for _, name := range r.PartlyNeeds {
			n, _ := fixtures.LookupNeed(name)
			if reason := p.Lacks(name); reason != "" {
				c.Missing, c.Fix = append(c.Missing, "some scenarios: "+reason), append(c.Fix, n.Fix)
			}
		}
		for _, f := range r.PartlyFlags {
			c.Missing = append(c.Missing, "some scenarios are judged only with run "+f.Flag)
			c.Fix = append(c.Fix, f.Gives)
		}
		for _, sel := range r.Selectors {
			names, err := SelectFields(p, sel)
			if err != nil {
				continue
			}
			for _, name := range names {
				addUses(p.InferredKey("fields." + name)...)
			}
			if strings.Contains(sel, "paired") {
				addUses(p.InferredKey("local_date_time_pairs")...)
			}
			if sel == "nested" && c.Scenarios > 0 && len(p.NestedSamples) < len(p.Nested) {
				c.Notes = append(c.Notes, "without nested_samples: judged on a case without children of those kinds (a PATCH must create none); add nested_samples to also judge that existing children are kept")
			}
			if sel == "read-only" && c.Scenarios > 0 {
				c.Notes = append(c.Notes, "read-only fields the target changes on every update are learned from it (a control PATCH per case) and judged by \"the value sent was not stored\"")
			}
		}
		out = append(out, c)
	}
	return out
}
