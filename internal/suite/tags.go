package suite

import "strings"

// MatchTags evaluates a validated godog tag expression against a scenario's tags: a
// comma-separated list of alternatives, each an "&&" of tags, each maybe negated by "~".
func MatchTags(expr string, tags []string) bool {
	if strings.TrimSpace(expr) == "" {
		return true
	}
	has := map[string]bool{}
	for _, t := range tags {
		has[t] = true
	}
	for _, alt := range strings.Split(expr, ",") {
		all := true
		for _, term := range strings.Split(alt, "&&") {
			term = strings.TrimSpace(term)
			neg := strings.HasPrefix(term, "~")
			if has[strings.TrimPrefix(term, "~")] == neg {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// Selected returns the pickles a tag expression selects.
func (s *Suite) Selected(expr string) []Pickle {
	var out []Pickle
	for _, p := range s.Pickles {
		if MatchTags(expr, p.Tags) {
			out = append(out, p)
		}
	}
	return out
}
