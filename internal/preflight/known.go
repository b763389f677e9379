package preflight

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
)

// unknownFields compares the keys the preflight's create sent with the keys of its
// read-back: a readable field sent with a value whose key the read-back does not hold
// (the key itself: a null is a key) is one the target does not know, a profile error.
// Without this, every scenario about the field ends in error or as a false failure
// (a misspelt police_agency, a camelCase profile against a snake_case target). Only a
// field that comes back under its own name counts as known.
func unknownFields(p *fixtures.Profile, body map[string]any, read client.Exchange) error {
	doc := read.JSON()
	held := map[string]bool{}
	doc.ForEach(func(k, _ gjson.Result) bool {
		held[k.String()] = true
		return true
	})
	var unknown []fixtures.Field
	for _, f := range p.Fields {
		if v, sent := body[f.Name]; !sent || v == nil || !f.Readable() || held[f.Name] {
			continue
		}
		unknown = append(unknown, f)
	}
	if len(unknown) == 0 {
		return nil
	}
	var extra []string // keys the target returned that the profile does not name
	for k := range held {
		if _, ok := p.Field(k); !ok && !slices.Contains(p.ReadOnly, k) && !slices.Contains(p.Nested, k) && k != p.RecordTypeField {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	file := p.Source
	if file == "" {
		file = "the embedded profile"
	}
	lines := make([]string, 0, len(unknown))
	for _, f := range unknown {
		line := fmt.Sprintf("  field %q (%s:%d)", f.Name, file, f.Line())
		if near := nearestKey(f.Name, extra); near != "" {
			line += fmt.Sprintf(": did you mean %s?", near)
		}
		lines = append(lines, line)
	}
	return &Error{Profile: true, Msg: fmt.Sprintf("the target does not know %d field(s) of the profile: the preflight created a case with them, and its read-back (%s %s) has no such key:\n%s\n"+
		"Fix the profile: name each field as the target returns it, or remove the fields the target does not have",
		len(unknown), read.Method, read.URL, strings.Join(lines, "\n"))}
}

// nearestKey is the key among keys that is closest to name, compared without case and
// separators (policeAgency is police_agency) and then by edit distance, when it is close
// enough to be the same field misspelt; "" when none is.
func nearestKey(name string, keys []string) string {
	want := foldKey(name)
	best, bestD := "", max(2, len(want)/4)+1
	for _, k := range keys {
		if d := fixtures.EditDistance(want, foldKey(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func foldKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(s))
}
