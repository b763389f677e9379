package suite

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/reports"
)

// The run-wide checks' side of a run: every exchange is observed once, counted, and
// judged by each check of checks.go; runWide turns the tallies into results.

// Recorder sees every exchange of the run, whichever scenario made it, for the run-wide
// checks. Give its Observe to client.Config.OnExchange. The zero value judges a generic
// target; NewRecorder one on a platform.
type Recorder struct {
	host      platform.Platform // nil: generic
	mu        sync.Mutex
	requests  int
	protocols []string          // the protocols answers came in, sorted
	checks    map[string]*tally // by check name
	// usage is the last API usage an answer reported (Sforce-Limit-Info): used, allowed.
	usage *[2]int
}

// NewRecorder returns a recorder of a run against a target on host (the profile's
// platform), whose own answers the run-wide checks do not count against the service.
func NewRecorder(host platform.Platform) *Recorder { return &Recorder{host: host} }

// platform is the target's platform.
func (r *Recorder) platform() platform.Platform {
	if r.host == nil {
		return platform.Generic{}
	}
	return r.host
}

// APIUsage is the last API usage the target reported (a Salesforce org's
// Sforce-Limit-Info): calls used and allowed; ok is false when none was reported.
func (r *Recorder) APIUsage() (used, limit int, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.usage == nil {
		return 0, 0, false
	}
	return r.usage[0], r.usage[1], true
}

// totals is the number of requests the run made and the protocols answers came in.
func (r *Recorder) totals() (requests int, protocols []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, slices.Clone(r.protocols)
}

// Observe records one exchange.
func (r *Recorder) Observe(ex client.Exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if used, limit, ok := client.APIUsage(ex); ok {
		r.usage = &[2]int{used, limit}
	}
	if ex.Proto != "" && !slices.Contains(r.protocols, ex.Proto) {
		r.protocols = append(r.protocols, ex.Proto)
		slices.Sort(r.protocols)
	}
	if r.checks == nil {
		r.checks = map[string]*tally{}
	}
	for _, c := range runWideChecks {
		t := r.checks[c.Name]
		if t == nil {
			t = &tally{}
			r.checks[c.Name] = t
		}
		if !c.Applies(ex) {
			continue
		}
		t.seen++
		switch {
		case c.Holds(ex):
		case c.Owned != nil && c.Owned(r.platform(), ex) != "":
			t.own(c.Owned(r.platform(), ex))
		default:
			t.add(ex)
		}
	}
}

// tally counts the exchanges a run-wide check looked at and those that broke it, and keeps
// the first few of those, already capped for the report.
type tally struct {
	seen, count int
	kept        []reports.Exchange
	owned       map[string]int // the platform's own answers that broke the check, by why
}

const keptEvidence = 50

func (t *tally) add(ex client.Exchange) {
	t.count++
	if len(t.kept) < keptEvidence {
		t.kept = append(t.kept, toReport(ex.Evidence(client.MaxEvidenceBody), client.MaxEvidenceBody))
	}
}

// own counts an exchange that broke the check with the platform's own answer.
func (t *tally) own(why string) {
	if t.owned == nil {
		t.owned = map[string]int{}
	}
	t.owned[why]++
}

// ownedNote says how many of the platform's own answers the check did not count, and why.
func (t *tally) ownedNote() string {
	var notes []string
	for _, why := range slices.Sorted(maps.Keys(t.owned)) {
		notes = append(notes, fmt.Sprintf("%d not counted: %s", t.owned[why], why))
	}
	return strings.Join(notes, "; ")
}

// Size is the number of results a full run of the suite gives: its scenarios and the
// run-wide checks the catalog asks for.
func (s *Suite) Size() int { return len(s.Pickles) + s.RunWideChecks() }

// RunWideChecks is the number of run-wide results every run gives (one per requirement
// that names a check), whatever --tags and --shard select.
func (s *Suite) RunWideChecks() int {
	n := 0
	for _, r := range s.Catalog {
		if r.RunWide != "" {
			n++
		}
	}
	return n
}

// runWide judges the catalog's run-wide checks over what the recorder saw.
func runWide(s *Suite, rec *Recorder, sh Shard, leftOut map[string]int) []reports.Scenario {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	// Each shard judges its own exchanges; merged, any shard's failure fails the requirement.
	suffix := ""
	if sh.N > 0 {
		suffix = fmt.Sprintf(" (shard %d of %d)", sh.I, sh.N)
	}
	var out []reports.Scenario
	for _, r := range s.Catalog {
		c, ok := lookupCheck(r.RunWide)
		if !ok {
			continue
		}
		t := rec.checks[c.Name]
		if t == nil {
			t = &tally{}
		}
		sc := runWideScenario(r, c.Passed, suffix, *t,
			fmt.Sprintf("expected %s; observed %d of %d %s", c.Expected, t.count, t.seen, c.Counted))
		if n := leftOut[r.ID]; n > 0 && sc.Status == reports.StatusPassed {
			// The exchanges seen hold none of the requests the requirement is about.
			sc.Status = reports.StatusError
			sc.Error = fmt.Sprintf("%s: not judged: the tags left out its %d disruptive scenarios (%s), whose requests this check is about", r.ID, n, DisruptiveTag)
		}
		out = append(out, sc)
	}
	return out
}

// runWideScenario is the result of a run-wide check, failed when bad holds any exchange.
// Its id is the check's in every shard (the suffix names the shard only), so that merge
// folds the shards' results into one.
func runWideScenario(r Requirement, name, suffix string, bad tally, problem string) reports.Scenario {
	sc := reports.Scenario{
		ID: "run-wide;" + slug(name), Name: name + suffix, Feature: reports.RunWideFeature,
		Requirements: []string{r.ID}, Level: r.Level, Status: reports.StatusPassed, Exchanges: []reports.Exchange{},
	}
	if bad.seen == 0 {
		// Nothing the check applies to was observed: it judged nothing, so it did not pass.
		sc.Status = reports.StatusError
		sc.Error = fmt.Sprintf("%s: could not judge: the run observed no exchange this check applies to (%s)", r.ID, problem)
		return sc
	}
	if bad.count > 0 {
		sc.Status = reports.StatusFailed
		var lines []string
		for i, ex := range bad.kept {
			if i < 10 {
				lines = append(lines, fmt.Sprintf("%s %s -> %d", ex.Method, ex.URL, ex.Status))
			}
		}
		sc.Exchanges = bad.kept
		sc.ExchangesOmitted = bad.count - len(bad.kept)
		sc.Error = fmt.Sprintf("%s: %s:\n%s", r.ID, problem, strings.Join(lines, "\n"))
	}
	// The platform's own answers were observed, not judged: the result says so either way.
	sc.Observed = bad.ownedNote()
	return sc
}
