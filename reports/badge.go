package reports

import (
	"fmt"
	"html"
	"io"
	"unicode/utf8"
)

func init() {
	register(Format{Name: "badge", File: "badge.svg", Write: WriteBadge,
		Description: "a self-contained SVG badge of the verdict and the must count, coloured by verdict, for a README"})
}

// badgeColors are shields.io's colours, by verdict.
var badgeColors = map[Verdict]string{
	VerdictConformant:    "#4c1",
	VerdictWarnings:      "#dfb317",
	VerdictNonConformant: "#e05d44",
	VerdictIncomplete:    "#9f9f9f",
	VerdictError:         "#000",
}

// badgeText is the right half of the badge: the verdict and the must count.
func badgeText(r Run) string {
	m := r.Summary.Must
	total := m.Passed + m.Partly + m.Failed + m.Flaky + m.NotJudged()
	text := string(r.Verdict)
	switch r.Verdict {
	case VerdictNonConformant:
		text += fmt.Sprintf(" · %d/%d must failed", m.Failed, total)
	case VerdictIncomplete, VerdictError:
		text += fmt.Sprintf(" · %d/%d must judged", m.Passed+m.Failed+m.Flaky, total)
	default:
		text += fmt.Sprintf(" · %d/%d must", m.Passed, total)
	}
	if n := m.Flaky + r.Summary.Should.Flaky; n > 0 {
		text += fmt.Sprintf(" · %d flaky", n)
	}
	if r.Baseline != nil {
		text += " · baseline"
	}
	return text
}

// WriteBadge writes badge.svg in the flat shields.io style: no font, image or script
// from outside, text widths estimated at 7 px a character (Verdana 11 px).
func WriteBadge(w io.Writer, r Run) error {
	label, text := "casecert", cleanText(badgeText(r))
	color, ok := badgeColors[r.Verdict]
	if !ok {
		color = "#555"
	}
	lw := 10 + 7*utf8.RuneCountInString(label)
	tw := 10 + 7*utf8.RuneCountInString(text)
	e := html.EscapeString
	_, err := fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%[1]d" height="20" role="img" aria-label="%[2]s: %[3]s">
<title>%[2]s: %[3]s</title>
<linearGradient id="s" x2="0" y2="100%%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="%[1]d" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="%[4]d" height="20" fill="#555"/><rect x="%[4]d" width="%[5]d" height="20" fill="%[6]s"/><rect width="%[1]d" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="%[7]d" y="15" fill="#010101" fill-opacity=".3">%[2]s</text><text x="%[7]d" y="14">%[2]s</text>
<text x="%[8]d" y="15" fill="#010101" fill-opacity=".3">%[3]s</text><text x="%[8]d" y="14">%[3]s</text>
</g>
</svg>
`, lw+tw, e(label), e(text), lw, tw, color, lw/2, lw+tw/2)
	return err
}
