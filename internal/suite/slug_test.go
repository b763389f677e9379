package suite

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// slug gives the scenario ids of every report: it must keep answering what the regexp
// [^a-z0-9]+ -> "-" (trimmed) answered, or ids, baselines and merges would change.
func TestSlugMatchesTheRegexpItReplaced(t *testing.T) {
	nonSlug := regexp.MustCompile(`[^a-z0-9]+`)
	for _, s := range []string{
		"", "-", "---", "abc", "ABC", " a  b ", "--a--b--", "PATCH null clears: owner_name (string)",
		"x1 — y2", "Ünïcødé Straße", "K\u212a", "tab\there", "semi;colon", "a.b/c_d", "9 to 5",
	} {
		want := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
		assert.Equal(t, want, slug(s), "%q", s)
	}
}
