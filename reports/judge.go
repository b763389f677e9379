package reports

import (
	"fmt"
	"sort"
	"strings"
)

// CatalogEntry is a requirement as the catalog defines it, before judging.
type CatalogEntry struct {
	ID    string
	Level string
	Title string
}

// Judge fills in every requirement's status from its scenarios, then the summary and the
// verdict. Requirements come from the catalog in its order; scenarios are matched by the
// requirement IDs they carry. A must or should requirement passes only when all its
// scenarios passed and at least one ran; it is skipped when none applied. Info
// requirements are observed (with what was seen) unless every scenario was skipped.
func Judge(run *Run, catalog []CatalogEntry) {
	byReq := map[string][]*Scenario{}
	for i := range run.Scenarios {
		sc := &run.Scenarios[i]
		for _, id := range sc.Requirements {
			byReq[id] = append(byReq[id], sc)
		}
	}
	run.Requirements = run.Requirements[:0:0]
	for _, c := range catalog {
		req := Requirement{ID: c.ID, Level: c.Level, Title: c.Title, Scenarios: []string{}}
		scs := byReq[c.ID]
		sort.Slice(scs, func(i, j int) bool { return scs[i].ID < scs[j].ID })
		for _, sc := range scs {
			req.Scenarios = append(req.Scenarios, sc.ID)
		}
		req.Status, req.Reason = judgeRequirement(c.Level, scs)
		run.Requirements = append(run.Requirements, req)
	}
	run.Summary = Summarize(run.Requirements)
	run.Verdict = Verdict(run.Summary)
}

func judgeRequirement(level string, scs []*Scenario) (status, reason string) {
	if len(scs) == 0 {
		return StatusSkipped, "no scenario of this requirement applies to the profile or was selected"
	}
	var failed, skipped []string
	var observed []string
	firstError := ""
	ran := 0
	for _, sc := range scs {
		switch sc.Status {
		case StatusFailed:
			failed = append(failed, sc.Name)
			if firstError == "" {
				firstError = sc.Error
			}
		case StatusSkipped:
			skipped = append(skipped, sc.SkipReason)
		default:
			ran++
		}
		if sc.Observed != "" {
			observed = append(observed, sc.Observed)
		}
	}
	if level == LevelInfo {
		if ran == 0 && len(failed) == 0 {
			return StatusSkipped, firstNonEmpty(skipped)
		}
		if len(observed) == 0 && len(failed) > 0 {
			return StatusObserved, "could not observe: " + firstError
		}
		return StatusObserved, strings.Join(dedupe(observed), "; ")
	}
	if len(failed) > 0 {
		return StatusFailed, fmt.Sprintf("%d of %d scenarios failed", len(failed), len(scs))
	}
	if ran == 0 {
		return StatusSkipped, firstNonEmpty(skipped)
	}
	if len(skipped) > 0 {
		return StatusPassed, fmt.Sprintf("%d of %d scenarios skipped: %s", len(skipped), len(scs), firstNonEmpty(skipped))
	}
	return StatusPassed, ""
}

// Summarize counts requirements by level and status.
func Summarize(reqs []Requirement) Summary {
	var s Summary
	for _, r := range reqs {
		var c *Counts
		switch r.Level {
		case LevelMust:
			c = &s.Must
		case LevelShould:
			c = &s.Should
		case LevelInfo:
			if r.Status == StatusSkipped {
				s.Info.Skipped++
			} else {
				s.Info.Observed++
			}
			continue
		default:
			continue
		}
		switch r.Status {
		case StatusPassed:
			c.Passed++
		case StatusFailed:
			c.Failed++
		default:
			c.Skipped++
		}
	}
	return s
}

// Verdict maps a summary to the run's verdict: any failed must is non-conformant, any failed
// should gives warnings, and a run where no must requirement ran at all is an error rather
// than a pass (a filter that matched nothing certifies nothing).
func Verdict(s Summary) string {
	switch {
	case s.Must.Failed > 0:
		return VerdictNonConformant
	case s.Must.Passed == 0 && s.Should.Passed == 0 && s.Should.Failed == 0 && s.Info.Observed == 0:
		return VerdictError
	case s.Should.Failed > 0:
		return VerdictWarnings
	default:
		return VerdictConformant
	}
}

func firstNonEmpty(ss []string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return "skipped"
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
