package reports

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/casecert/casecert/internal/brief"
)

// CatalogEntry is a requirement as the catalog defines it, before judging.
type CatalogEntry struct {
	ID    string
	Level string
	Title string
}

// Judge fills in every requirement's status from its scenarios, then the summary, the
// verdict and its reason. Requirements come from the catalog in its order; scenarios are
// matched by the requirement IDs they carry. run.Run.Stopped marks a run that stopped
// early (its verdict is error unless a must had already failed).
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
		req.Partly = partlyJudged(c.Level, req.Status, scs)
		if len(scs) == 0 {
			req.Reason = notSelectedReason(run)
		}
		run.Requirements = append(run.Requirements, req)
	}
	run.Summary = Summarize(run.Requirements, run.Scenarios)
	// A shard, or a merge that lacks shards, judged part of every requirement's scenarios.
	partial := run.Suite.Shard != "" || len(run.Suite.MissingShards) > 0
	run.Verdict = FoldVerdict(run.Summary, run.Run.Stopped != "", partial)
	run.VerdictReason = VerdictReason(*run)
}

// notSelectedReason says why a requirement has no scenario in this run.
func notSelectedReason(run *Run) string {
	var by []string
	if run.Run.Tags != "" {
		by = append(by, fmt.Sprintf("--tags %q", run.Run.Tags))
	}
	if run.Suite.Shard != "" {
		by = append(by, "--shard "+run.Suite.Shard)
	}
	if len(by) == 0 {
		return "not judged: no scenario of this requirement applies to the profile"
	}
	return "not judged: no scenario of this requirement ran (left out by " + strings.Join(by, " and ") + ", or none applies to the profile)"
}

// judgeRequirement folds a requirement's scenarios into its status. A must or should
// requirement fails when any scenario failed, passes when every scenario passed or was
// skipped and at least one passed; otherwise it is error when a scenario could not judge
// it (error, not-run) and skipped when none applied. An info requirement is observed only
// when something was observed.
func judgeRequirement(level string, scs []*Scenario) (Status, string) {
	if len(scs) == 0 {
		return StatusSkipped, ""
	}
	var skipped, unjudged, observed []string
	var failed, flaky []*Scenario
	passed := 0
	firstProblem := ""
	for _, sc := range scs {
		switch sc.Status {
		case StatusFailed:
			failed = append(failed, sc)
			if level == LevelInfo { // an info scenario that broke observed nothing
				unjudged = append(unjudged, sc.Name)
				firstProblem = cmp.Or(firstProblem, brief.FirstLine(sc.Error, 0))
			}
		case StatusSkipped:
			skipped = append(skipped, sc.SkipReason)
		case StatusPassed:
			passed++
		case StatusFlaky:
			// A violation was observed, then not seen again on a rerun. An info
			// scenario's rerun observed what it observes.
			flaky = append(flaky, sc)
			if level == LevelInfo {
				passed++
			}
		default: // error, not-run, or a status this version does not know: not judged
			unjudged = append(unjudged, sc.Name)
			firstProblem = cmp.Or(firstProblem, brief.FirstLine(sc.Error, 0))
		}
		if sc.Observed != "" {
			observed = append(observed, sc.Observed)
		}
	}
	notJudged := func() (Status, string) {
		if len(unjudged) > 0 {
			return StatusError, fmt.Sprintf("not judged: %d of %s could not judge it: %s", len(unjudged), plural(len(scs), "scenario"), firstProblem)
		}
		return StatusSkipped, firstNonEmpty(skipped)
	}
	if level == LevelInfo {
		if len(observed) > 0 {
			return StatusObserved, strings.Join(dedupe(observed), "; ")
		}
		return notJudged()
	}
	switch {
	case len(failed) > 0:
		return StatusFailed, failedReason(failed, len(scs))
	case len(unjudged) > 0 || passed == 0 && len(flaky) == 0:
		// A flaky scenario beside one that could not judge: the requirement was not
		// judged whole, whatever the reruns showed.
		return notJudged()
	case len(flaky) > 0:
		return StatusFlaky, flakyReason(flaky, len(scs))
	case len(skipped) > 0:
		return StatusPassed, fmt.Sprintf("%d of %s skipped: %s", len(skipped), plural(len(scs), "scenario"), firstNonEmpty(skipped))
	}
	return StatusPassed, ""
}

// partlyJudged is what completes a must or should requirement that passed with some of
// its scenarios skipped for want of a flag or profile key (AUTH-INVALID without
// --expired-token): how many, and each distinct reason, which names what they lacked. A scenario that cannot
// apply to the target whatever is given (Inapplicable: an opaque token has no signature
// to alter) leaves the requirement wholly judged. "" when it was wholly judged.
func partlyJudged(level string, status Status, scs []*Scenario) string {
	if status != StatusPassed || level == LevelInfo {
		return ""
	}
	var reasons []string
	for _, sc := range scs {
		if sc.Status == StatusSkipped && !sc.Inapplicable {
			reasons = append(reasons, cmp.Or(sc.SkipReason, "skipped"))
		}
	}
	if len(reasons) == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d scenarios skipped: %s", len(reasons), len(scs), strings.Join(dedupe(reasons), "; "))
}

// failedReason says what the failed scenarios of a requirement saw: what the first one
// observed (the status and message of the answer, when its error says "observed"), and
// how many of them saw the same.
func failedReason(failed []*Scenario, of int) string {
	first, same := sameSeen(failed)
	msg := fmt.Sprintf("%d of %s failed; the first (%s): %s", len(failed), plural(of, "scenario"), failed[0].Name, first)
	if len(failed) > 1 {
		msg += fmt.Sprintf("; %d of the %d saw the same", same, len(failed))
	}
	return msg
}

// flakyReason says what the flaky scenarios of a requirement saw: how many, and what the
// first one observed before a rerun passed.
func flakyReason(flaky []*Scenario, of int) string {
	first, _ := sameSeen(flaky)
	n := 0
	if a := flaky[0].PassedAttempt(); a != nil {
		n = a.Attempt
	}
	return fmt.Sprintf("%d of %s flaky (failed, then passed when run again); the first (%s) failed: %s, and passed on attempt %d", len(flaky), plural(of, "scenario"), flaky[0].Name, first, n)
}

// sameSeen is what the first failed scenario observed, and how many of failed observed
// the same.
func sameSeen(failed []*Scenario) (first string, same int) {
	seen := func(sc *Scenario) string {
		line := brief.FirstLine(sc.Error, 0)
		if i := strings.LastIndex(line, "; observed "); i >= 0 {
			seen, _, _ := strings.Cut(line[i+2:], "; sent ") // what was sent differs by scenario
			return seen
		}
		if id, rest, ok := strings.Cut(line, ": "); ok && slices.Contains(sc.Requirements, id) {
			return rest
		}
		return line
	}
	first = seen(failed[0])
	for _, sc := range failed {
		if seen(sc) == first {
			same++
		}
	}
	return first, same
}

// Summarize counts requirements by level and status, and scenarios by status.
func Summarize(reqs []Requirement, scenarios []Scenario) Summary {
	var s Summary
	for _, r := range reqs {
		if r.Level == LevelInfo {
			switch r.Status {
			case StatusObserved:
				s.Info.Observed++
			case StatusSkipped:
				s.Info.Skipped++
			default:
				s.Info.Error++
			}
			continue
		}
		var c *Counts
		switch r.Level {
		case LevelMust:
			c = &s.Must
		case LevelShould:
			c = &s.Should
		default:
			continue
		}
		switch {
		case r.Status == StatusPassed && r.Partly != "":
			c.Partly++
		case r.Status == StatusPassed:
			c.Passed++
		case r.Status == StatusFailed:
			c.Failed++
		case r.Status == StatusFlaky:
			c.Flaky++
		case r.Status == StatusSkipped:
			c.Skipped++
		default:
			c.Error++
		}
	}
	for _, sc := range scenarios {
		switch sc.Status {
		case StatusPassed:
			s.Scenarios.Passed++
		case StatusFailed:
			s.Scenarios.Failed++
		case StatusFlaky:
			s.Scenarios.Flaky++
		case StatusSkipped:
			s.Scenarios.Skipped++
		case StatusNotRun:
			s.Scenarios.NotRun++
		default:
			s.Scenarios.Error++
		}
	}
	return s
}

// FoldVerdict is the one function that turns a summary into a verdict
// (cli-and-report.md, "Outcomes and the verdict"): a failed must is non-conformant
// whatever else happened; a run that stopped early, or that judged nothing at all, is an
// error; a must not judged (skipped, error, left out) or only partly judged (passed with
// scenarios skipped that a flag or key would let run), or a partial run (one shard, or a
// merge lacking shards: its musts are judged on part of their scenarios), is incomplete;
// a failed should, or a flaky requirement (a violation observed, then not again), gives
// warnings; else conformant.
func FoldVerdict(s Summary, stopped, partial bool) Verdict {
	judged := s.Must.Passed + s.Must.Partly + s.Must.Flaky + s.Should.Passed + s.Should.Partly + s.Should.Failed + s.Should.Flaky + s.Info.Observed
	switch {
	case s.Must.Failed > 0:
		return VerdictNonConformant
	case stopped || judged == 0:
		return VerdictError
	case s.Must.NotJudged() > 0 || s.Must.Partly > 0 || partial:
		return VerdictIncomplete
	case s.Should.Failed > 0 || s.Must.Flaky > 0 || s.Should.Flaky > 0:
		return VerdictWarnings
	default:
		return VerdictConformant
	}
}

// VerdictReason says in one line why a judged run has its verdict: what failed, what was
// not judged, why the run stopped.
func VerdictReason(r Run) string {
	s := r.Summary
	stopped := ""
	if r.Run.Stopped != "" {
		stopped = "the run stopped early: " + r.Run.Stopped
		if n := s.Scenarios.NotRun; n > 0 {
			stopped += fmt.Sprintf(" (%s not run)", plural(n, "scenario"))
		}
	}
	switch r.Verdict {
	case VerdictNonConformant:
		msg := fmt.Sprintf("%s failed: %s", plural(s.Must.Failed, "must requirement"), requirementList(r, LevelMust, StatusFailed))
		if stopped != "" {
			msg += "; " + stopped
		}
		return msg
	case VerdictError:
		if stopped != "" {
			return stopped
		}
		return "no requirement could be judged" + firstReason(r)
	case VerdictIncomplete:
		if missing := MissingShardsReason(r.Suite); missing != "" {
			return "no must requirement failed, but the " + missing
		}
		if s.Must.NotJudged() == 0 && s.Must.Partly == 0 {
			return fmt.Sprintf("no must requirement failed, but this is shard %s of the suite: merge the reports of every shard (casecert merge) for a verdict", r.Suite.Shard)
		}
		total := s.Must.Passed + s.Must.Partly + s.Must.Flaky + s.Must.NotJudged()
		var parts []string
		if n := s.Must.NotJudged(); n > 0 {
			parts = append(parts, fmt.Sprintf("%d of %d were not judged: %s", n, total, requirementList(r, LevelMust, StatusError, StatusSkipped)))
		}
		if n := s.Must.Partly; n > 0 {
			verb := "were"
			if n == 1 {
				verb = "was"
			}
			parts = append(parts, fmt.Sprintf("%d of %d %s only partly judged: %s", n, total, verb, partlyList(r, LevelMust)))
		}
		msg := "no must requirement failed, but " + strings.Join(parts, "; ")
		if r.Suite.Shard != "" {
			msg += " (shard " + r.Suite.Shard + " of the suite)"
		}
		return msg
	case VerdictWarnings:
		return warningsReason(r)
	case VerdictConformant:
		return fmt.Sprintf("every must requirement (%d) was judged and passed", s.Must.Passed)
	}
	return ""
}

// warningsReason says why a run is conformant with warnings: the flaky musts first (a
// violation was observed on each), then the failed shoulds, then the flaky ones.
func warningsReason(r Run) string {
	s := r.Summary
	var parts []string
	if s.Must.Flaky > 0 {
		parts = append(parts, fmt.Sprintf("%s flaky (failed, then passed when run again): %s; the other %d passed",
			plural(s.Must.Flaky, "must requirement"), requirementList(r, LevelMust, StatusFlaky), s.Must.Passed))
	} else {
		parts = append(parts, fmt.Sprintf("every must requirement (%d) passed", s.Must.Passed))
	}
	if s.Should.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%s failed: %s", plural(s.Should.Failed, "should requirement"), requirementList(r, LevelShould, StatusFailed)))
	}
	if s.Should.Flaky > 0 {
		parts = append(parts, fmt.Sprintf("%s flaky: %s", plural(s.Should.Flaky, "should requirement"), requirementList(r, LevelShould, StatusFlaky)))
	}
	return strings.Join(parts, "; ")
}

// requirementList names the requirements of a level with one of the statuses, the
// not-judged ones with their status, at most six.
func requirementList(r Run, level string, statuses ...Status) string {
	var names []string
	for _, req := range r.Requirements {
		if req.Level != level || !containsStatus(statuses, req.Status) {
			continue
		}
		name := req.ID
		if len(statuses) > 1 {
			name += " (" + string(req.Status) + ")"
		}
		names = append(names, name)
	}
	const shown = 6
	if len(names) > shown {
		return strings.Join(names[:shown], ", ") + fmt.Sprintf(" and %d more", len(names)-shown)
	}
	return strings.Join(names, ", ")
}

// partlyList names the partly judged requirements of a level, each with what its
// skipped scenarios lacked (the flag or profile key that completes it), at most three.
func partlyList(r Run, level string) string {
	var names []string
	for _, req := range r.Requirements {
		if req.Level == level && req.Partly != "" {
			names = append(names, fmt.Sprintf("%s (%s)", req.ID, req.Partly))
		}
	}
	const shown = 3
	if len(names) > shown {
		return strings.Join(names[:shown], ", ") + fmt.Sprintf(" and %d more", len(names)-shown)
	}
	return strings.Join(names, ", ")
}

// firstReason is ": <the first requirement's reason>" of a requirement not judged.
func firstReason(r Run) string {
	for _, req := range r.Requirements {
		if req.Status == StatusError && req.Reason != "" {
			return ": " + req.Reason
		}
	}
	return ""
}

func containsStatus(ss []Status, s Status) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
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
