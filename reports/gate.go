package reports

import (
	"fmt"
	"strings"
)

// ExitCode is the exit code of a run: its verdict's, or, when it was judged with a
// baseline (ci.md), the code of the run with its known failures accepted: 1 on a new
// failure of a must requirement, a stale entry or an expired one that still matches;
// else the verdict folded with the known failures counted as passed (so a baseline never
// turns incomplete or error into 0). A new failure of a should requirement gives a
// warning, as it does without a baseline. With --fail-on-flaky, a run that would exit 0
// exits 1 when a requirement is flaky.
func (r Run) ExitCode() int {
	code := r.baselineCode()
	if code == 0 && r.Run.FailOnFlaky && len(r.FlakyIDs("")) > 0 {
		return 1
	}
	return code
}

// FlakyGateReason says why a run exits 1 for its flaky requirements (--fail-on-flaky);
// "" when it does not.
func FlakyGateReason(r Run) string {
	if r.baselineCode() != 0 || r.ExitCode() == 0 {
		return ""
	}
	return "exit 1 with --fail-on-flaky: flaky: " + strings.Join(r.FlakyIDs(""), ", ")
}

// FlakyWarning is the console's warning of a run with flaky requirements that exits 0; ""
// when there are none or they fail the exit code.
func FlakyWarning(r Run) string {
	ids := r.FlakyIDs("")
	if len(ids) == 0 || r.ExitCode() != 0 {
		return ""
	}
	return fmt.Sprintf("%s flaky (failed, then passed when run again): %s; --fail-on-flaky makes this exit 1",
		plural(len(ids), "requirement"), strings.Join(ids, ", "))
}

// baselineCode is the exit code of the verdict, gated by the baseline when there is one.
func (r Run) baselineCode() int {
	b := r.Baseline
	if b == nil {
		return r.Verdict.ExitCode()
	}
	for _, f := range b.New {
		if f.Level == LevelMust {
			return 1
		}
	}
	if len(b.Stale) > 0 || len(b.Expired) > 0 {
		return 1
	}
	return acceptedVerdict(r).ExitCode()
}

// acceptedVerdict is the verdict the run would have if its known failures had passed.
func acceptedVerdict(r Run) Verdict {
	reqs := append([]Requirement(nil), r.Requirements...)
	for i, req := range reqs {
		if req.Status == StatusFailed && req.Level != LevelInfo && allKnown(r.Baseline, req.ID) {
			reqs[i].Status = StatusPassed
		}
	}
	partial := r.Suite.Shard != "" || len(r.Suite.MissingShards) > 0
	return FoldVerdict(Summarize(reqs, r.Scenarios), r.Run.Stopped != "", partial)
}

// allKnown says every failure of the requirement is known.
func allKnown(b *BaselineResult, id string) bool {
	for _, f := range b.New {
		if f.Requirement == id {
			return false
		}
	}
	for _, f := range b.Expired {
		if f.Requirement == id {
			return false
		}
	}
	return true
}

// GateReason says in one line why a run judged with a baseline exits as it does; ""
// without a baseline.
func GateReason(r Run) string {
	b := r.Baseline
	if b == nil {
		return ""
	}
	var parts []string
	if n := len(b.New); n > 0 {
		parts = append(parts, fmt.Sprintf("%s not in the baseline: %s", plural(n, "new failure"), failureList(b.New)))
	}
	if n := len(b.Expired); n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed with only an expired entry naming it: %s", n, failureList(b.Expired)))
	}
	if len(b.Stale) > 0 {
		var ids []string
		for _, e := range b.Stale {
			ids = append(ids, entryName(e))
		}
		parts = append(parts, fmt.Sprintf("stale (its failure passes now): %s (prune: casecert baseline --prune %s REPORT.json)",
			strings.Join(ids, ", "), b.File))
	}
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("every failure is known (%d), no entry stale or expired", len(b.Known)))
	}
	return fmt.Sprintf("exit %d with baseline %s: %s", r.ExitCode(), b.File, strings.Join(parts, "; "))
}

// NotCertificationLine is the note that opens every report made with a baseline (""
// without one): the exit code was gated by accepted failures.
func NotCertificationLine(r Run) string {
	if r.Baseline == nil {
		return ""
	}
	return fmt.Sprintf("not a certification: judged with a baseline of known failures (%s, %d known, %d new, %d stale, %d expired)",
		r.Baseline.File, len(r.Baseline.Known), len(r.Baseline.New), len(r.Baseline.Stale), len(r.Baseline.Expired))
}

func failureList(fs []BaselineFailure) string {
	var ids []string
	for _, f := range fs {
		name := f.Requirement + " (" + f.Level + ")"
		found := false
		for _, id := range ids {
			found = found || id == name
		}
		if !found {
			ids = append(ids, name)
		}
	}
	return strings.Join(ids, ", ")
}

func entryName(e BaselineEntry) string {
	if e.Scenario != "" {
		return e.Requirement + " (" + e.Scenario + ")"
	}
	return e.Requirement
}

// NotCertification lists why a report is not a certification run (ci.md): it was judged
// with a baseline, filtered by --tags, is one shard (or a merge lacking shards), or
// reran failed scenarios. Empty for a certification.
func NotCertification(r Run) []string {
	var out []string
	if r.Baseline != nil {
		out = append(out, "it was judged with a baseline of known failures ("+r.Baseline.File+")")
	}
	if r.Run.Tags != "" {
		out = append(out, fmt.Sprintf("it ran a part of the suite (--tags %q)", r.Run.Tags))
	}
	if r.Suite.Shard != "" {
		out = append(out, "it is shard "+r.Suite.Shard+" alone (merge every shard: casecert merge)")
	}
	if len(r.Suite.MissingShards) > 0 {
		out = append(out, "it is a merge lacking shard "+strings.Join(r.Suite.MissingShards, ", "))
	}
	if r.Run.RerunFailed > 0 {
		out = append(out, fmt.Sprintf("it reran failed scenarios (--rerun-failed %d)", r.Run.RerunFailed))
	}
	return out
}
