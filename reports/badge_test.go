package reports

import (
	"encoding/xml"
	"strings"
	"testing"
)

// badge.svg is well-formed, self-contained (nothing fetched from elsewhere) and coloured
// by verdict, one colour each.
func TestBadgeColouredByVerdict(t *testing.T) {
	seen := map[string]Verdict{}
	for _, v := range Verdicts {
		r := mixedRun()
		r.Verdict = v
		svg := string(render(t, WriteBadge, r))
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Errorf("%s: badge.svg is not well-formed XML: %v", v, err)
		}
		if strings.Contains(strings.ReplaceAll(svg, `xmlns="http://www.w3.org/2000/svg"`, ""), "http") || strings.Contains(svg, "href") {
			t.Errorf("%s: badge.svg refers to something outside itself", v)
		}
		if !strings.Contains(svg, string(v)+" · ") || !strings.Contains(svg, "must") {
			t.Errorf("%s: badge.svg does not show the verdict and the must count:\n%s", v, svg)
		}
		color := badgeColors[v]
		if color == "" || !strings.Contains(svg, `fill="`+color+`"`) {
			t.Errorf("%s: badge.svg is not coloured %q", v, color)
		}
		if other, dup := seen[color]; dup {
			t.Errorf("%s and %s share the colour %s", v, other, color)
		}
		seen[color] = v
	}
}
