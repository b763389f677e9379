package suite

import (
	"fmt"

	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/reports"
)

// runID is written into the profile's marker field of every case a run creates.
func runID(seed int64) string { return fmt.Sprintf("casecert-%d", seed) }

// SetupBody is the body the scenarios of a run with this seed create their cases with;
// the preflight creates one case with it before the suite starts.
func (s *Suite) SetupBody(seed int64) map[string]any {
	return cases.SetupBody(s.Profile, seed, runID(seed))
}

// NotRun lists the scenarios a run with these tags and shard would have run, each
// not-run for reason: the results of a run that stopped before the suite started (the
// preflight found the target is not the Case API, or refuses the profile).
func (s *Suite) NotRun(tags string, sh Shard, reason string) []reports.Scenario {
	inShard := s.InShard(sh)
	var out []reports.Scenario
	for _, p := range s.Selected(tags) {
		if inShard[p.ID] {
			out = append(out, notRun(p, reason))
		}
	}
	return out
}

// notRun is the result of a pickle the run never judged.
func notRun(p Pickle, reason string) reports.Scenario {
	reqs := p.Requirements
	if reqs == nil {
		reqs = []string{}
	}
	return reports.Scenario{
		ID: p.ID, Name: p.Name, Feature: p.Feature, URI: p.URI, Line: p.Line,
		Requirements: reqs, Level: p.Level, Status: reports.StatusNotRun,
		Error: "not run: " + reason, Exchanges: []reports.Exchange{},
	}
}
