package reports

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/casecert/casecert/internal/brief"
)

// What report.html shows of failures, so that it opens fast and says what broke first:
// the first screen names every failed requirement with its first evidence line and how
// to reproduce it; the failing section shows the first fullScenarios failing scenarios of
// each failed requirement in full and the rest one line each (their evidence is in
// report.json); everything else is one line per scenario.

// fullScenarios is how many failing scenarios of a requirement are shown in full.
const fullScenarios = 3

// firstScreenFailures is how many failed requirements get their evidence and reproduce
// lines on the first screen; the others are named there in one line.
const firstScreenFailures = 6

// maxHTMLBody caps each body shown in report.html; report.json keeps more.
const maxHTMLBody = 4 << 10

type htmlFailure struct {
	ID, Anchor, Level, Badge string
	Title                    template.HTML
	Evidence                 string
	Counts                   string // "3 of 12 scenarios failed"
	Rerun, Serve, Curl       string // the reproduce lines (see Reproduce); the curl sequence collapsed
}

type htmlFailGroup struct {
	ID, Anchor, Level, Title string
	Full                     []*htmlScenario
	Brief                    []*htmlScenario
}

// htmlFailures builds the first screen's failures and the failing section's groups, and
// returns the IDs of the scenarios listed there.
func htmlFailures(r *Run, ix index) (first []htmlFailure, more []htmlLink, groups []htmlFailGroup, listed map[string]bool) {
	c := cleanText
	listed = map[string]bool{}
	for i, f := range Failures(r) {
		anchor := reqAnchor(f.ID)
		if i < firstScreenFailures {
			hf := htmlFailure{
				ID: c(f.ID), Anchor: anchor, Level: c(f.Level), Title: codeSpans(c(f.Title)),
				Badge: badgeClass(StatusFailed, f.Level), Evidence: c(f.Evidence),
				Counts: FailedCounts(f),
			}
			if sc := ix.scenarios[f.Scenario]; sc != nil {
				if note := ix.knownNote(sc); note != "" {
					hf.Counts += "; " + c(note)
				}
			}
			for _, rp := range f.Reproduce {
				switch rp.Kind {
				case ReproduceRerun:
					hf.Rerun = c(rp.Command)
				case ReproduceServe:
					hf.Serve = c(rp.Command)
				case ReproduceCurl: // a sequence: each line under its note, as a shell comment
					if hf.Curl != "" {
						hf.Curl += "\n"
					}
					hf.Curl += c("# " + rp.Note + "\n" + rp.Command)
				}
			}
			first = append(first, hf)
		} else {
			more = append(more, htmlLink{c(f.ID), anchor})
		}
		g := htmlFailGroup{ID: c(f.ID), Anchor: anchor, Level: c(f.Level), Title: c(f.Title)}
		req := ix.reqs[f.ID]
		for _, id := range req.Scenarios {
			sc, ok := ix.scenarios[id]
			if !ok || string(sc.Status) != string(StatusFailed) {
				continue
			}
			switch {
			case len(g.Full) < fullScenarios && !listed[sc.ID]:
				hv := newHTMLScenario(ix, sc)
				hv.Open, hv.Anchor = true, scenarioAnchor(sc.ID)
				g.Full = append(g.Full, hv)
			default:
				g.Brief = append(g.Brief, briefScenario(ix, sc, findFull(groups, sc.ID)))
			}
			listed[sc.ID] = true
		}
		groups = append(groups, g)
	}
	return first, more, groups, listed
}

// findFull says the scenario is shown in full in one of groups.
func findFull(groups []htmlFailGroup, id string) bool {
	anchor := scenarioAnchor(id)
	for _, g := range groups {
		for _, hv := range g.Full {
			if hv.Anchor == anchor {
				return true
			}
		}
	}
	return false
}

// briefScenario is a scenario as one line: status, name, what it found, and its one kept
// exchange; the full record is in report.json (or, when shown in full, in the failing
// section).
func briefScenario(ix index, sc *Scenario, shownInFull bool) *htmlScenario {
	c := cleanText
	level := ix.level(sc)
	hv := &htmlScenario{
		ID: c(sc.ID), Name: c(sc.Name), Feature: c(sc.Feature),
		Status: c(string(sc.Status)), Level: c(level), Badge: badgeClass(sc.Status, level),
		Duration: formatDuration(sc.DurationMS), Omitted: sc.ExchangesOmitted,
	}
	if shownInFull {
		hv.Anchor = scenarioAnchor(sc.ID)
	}
	for _, id := range sc.Requirements {
		hv.Requirements = append(hv.Requirements, htmlLink{c(id), reqAnchor(id)})
	}
	switch {
	case sc.Error != "":
		hv.Brief = c(brief.FirstLine(sc.Error, maxEvidenceLine))
	case sc.SkipReason != "":
		hv.Brief = c(brief.FirstLine(sc.SkipReason, maxEvidenceLine))
	case sc.Observed != "":
		hv.Brief = c(brief.FirstLine(sc.Observed, maxEvidenceLine))
	}
	var lines []string
	for _, ex := range sc.Exchanges {
		lines = append(lines, fmt.Sprintf("%s %s → %s", ex.Method, ex.URL, exchangeStatus(ex)))
	}
	if len(lines) > 3 {
		lines = append(lines[:3:3], fmt.Sprintf("… %d more", len(lines)-3))
	}
	hv.ExchangeLine = c(strings.Join(lines, " · "))
	return hv
}

// scenarioAnchor is the fragment of a scenario shown in full.
func scenarioAnchor(id string) string { return "sc-" + strings.TrimPrefix(reqAnchor(id), "req-") }

// htmlBody is a body as report.html shows it: indented JSON, cut at maxHTMLBody.
func htmlBody(body string) string {
	if len(body) > maxHTMLBody {
		cut := maxHTMLBody
		for cut > 0 && body[cut]&0xC0 == 0x80 {
			cut--
		}
		return cleanText(body[:cut]) + fmt.Sprintf("\n[%d more bytes in report.json]", len(body)-cut)
	}
	return prettyBody(body)
}
