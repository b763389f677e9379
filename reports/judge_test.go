package reports

import (
	"fmt"
	"strings"
	"testing"
)

// TestFoldVerdictTruthTable enumerates every combination of the inputs the verdict depends
// on and checks each against the rule of cli-and-report.md, written out independently.
func TestFoldVerdictTruthTable(t *testing.T) {
	type in struct {
		mustPassed, mustFailed, mustSkipped, mustError int
		mustPartly                                     int
		shouldPassed, shouldFailed                     int
		infoObserved                                   int
		stopped, shard                                 bool
	}
	want := func(c in) Verdict {
		if c.mustFailed > 0 {
			return VerdictNonConformant // whatever else happened
		}
		if c.stopped {
			return VerdictError
		}
		if c.mustPassed+c.mustPartly+c.shouldPassed+c.shouldFailed+c.infoObserved == 0 {
			return VerdictError // nothing was judged
		}
		if c.mustSkipped > 0 || c.mustError > 0 || c.mustPartly > 0 || c.shard {
			return VerdictIncomplete // a must partly judged is never conformant
		}
		if c.shouldFailed > 0 {
			return VerdictWarnings
		}
		return VerdictConformant
	}
	rows := 0
	seen := map[Verdict]bool{}
	for bits := 0; bits < 1<<10; bits++ {
		b := func(i int) int { return bits >> i & 1 }
		c := in{b(0), b(1), b(2), b(3), b(9), b(4), b(5), b(6), b(7) == 1, b(8) == 1}
		s := Summary{
			Must:   Counts{Passed: c.mustPassed, Failed: c.mustFailed, Skipped: c.mustSkipped, Error: c.mustError, Partly: c.mustPartly},
			Should: Counts{Passed: c.shouldPassed, Failed: c.shouldFailed},
			Info:   InfoCounts{Observed: c.infoObserved},
		}
		got := FoldVerdict(s, c.stopped, c.shard)
		if got != want(c) {
			t.Errorf("%+v: verdict %s, want %s", c, got, want(c))
		}
		seen[got] = true
		rows++
	}
	if rows != 1024 || len(seen) != len(Verdicts) {
		t.Fatalf("the table covers %d rows and %d verdicts, want 1024 and %d", rows, len(seen), len(Verdicts))
	}
}

// Spot rows of the table that the issue names, spelled out.
func TestFoldVerdictNamedCases(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       Summary
		stopped bool
		shard   bool
		want    Verdict
		exit    int
	}{
		{"all musts passed", Summary{Must: Counts{Passed: 30}}, false, false, VerdictConformant, 0},
		{"a should failed", Summary{Must: Counts{Passed: 30}, Should: Counts{Failed: 1}}, false, false, VerdictWarnings, 0},
		{"a must failed", Summary{Must: Counts{Passed: 29, Failed: 1}}, false, false, VerdictNonConformant, 1},
		{"--tags @PATCH-NULL: 3 passed, 27 skipped", Summary{Must: Counts{Passed: 3, Skipped: 27}}, false, false, VerdictIncomplete, 4},
		{"a must errored", Summary{Must: Counts{Passed: 29, Error: 1}}, false, false, VerdictIncomplete, 4},
		{"AUTH-INVALID without an expired token: partly judged", Summary{Must: Counts{Passed: 29, Partly: 1}}, false, false, VerdictIncomplete, 4},
		{"one shard, every must passed", Summary{Must: Counts{Passed: 30}}, false, true, VerdictIncomplete, 4},
		{"one shard, a must failed", Summary{Must: Counts{Passed: 29, Failed: 1}}, false, true, VerdictNonConformant, 1},
		{"stopped, no must failed", Summary{Must: Counts{Passed: 10, Error: 20}}, true, false, VerdictError, 3},
		{"stopped after a must failed", Summary{Must: Counts{Passed: 9, Failed: 1, Error: 20}}, true, false, VerdictNonConformant, 1},
		{"nothing judged", Summary{Must: Counts{Error: 30}}, false, false, VerdictError, 3},
		{"a must flaky", Summary{Must: Counts{Passed: 29, Flaky: 1}}, false, false, VerdictWarnings, 0},
		{"a should flaky", Summary{Must: Counts{Passed: 30}, Should: Counts{Flaky: 1}}, false, false, VerdictWarnings, 0},
		{"a must flaky, another failed", Summary{Must: Counts{Passed: 28, Flaky: 1, Failed: 1}}, false, false, VerdictNonConformant, 1},
		{"a must flaky, another not judged", Summary{Must: Counts{Passed: 28, Flaky: 1, Error: 1}}, false, false, VerdictIncomplete, 4},
		{"every must flaky", Summary{Must: Counts{Flaky: 30}}, false, false, VerdictWarnings, 0},
		{"one shard, a must flaky", Summary{Must: Counts{Passed: 29, Flaky: 1}}, false, true, VerdictIncomplete, 4},
	} {
		got := FoldVerdict(tc.s, tc.stopped, tc.shard)
		if got != tc.want || got.ExitCode() != tc.exit {
			t.Errorf("%s: %s (exit %d), want %s (exit %d)", tc.name, got, got.ExitCode(), tc.want, tc.exit)
		}
	}
}

// TestJudgeRequirementTruthTable folds every multiset of up to three scenario outcomes for
// each level and checks the requirement's status against the spec's rule.
func TestJudgeRequirementTruthTable(t *testing.T) {
	want := func(level string, sts []Status, observedAny bool) Status {
		has := func(s Status) bool { return containsStatus(sts, s) }
		if len(sts) == 0 {
			return StatusSkipped
		}
		if level == LevelInfo {
			switch {
			case observedAny:
				return StatusObserved
			case has(StatusError) || has(StatusNotRun) || has(StatusFailed):
				return StatusError
			}
			return StatusSkipped
		}
		switch {
		case has(StatusFailed):
			return StatusFailed
		case has(StatusError) || has(StatusNotRun):
			return StatusError
		case has(StatusFlaky): // a violation observed, then not seen again on a rerun
			return StatusFlaky
		case has(StatusPassed):
			return StatusPassed
		}
		return StatusSkipped
	}
	var combos [][]Status
	var grow func(prefix []Status, from int)
	grow = func(prefix []Status, from int) {
		combos = append(combos, append([]Status(nil), prefix...))
		if len(prefix) == 3 {
			return
		}
		for i := from; i < len(ScenarioStatuses); i++ {
			grow(append(prefix, ScenarioStatuses[i]), i)
		}
	}
	grow(nil, 0)
	for _, level := range []string{LevelMust, LevelShould, LevelInfo} {
		for _, sts := range combos {
			var scs []*Scenario
			observedAny := false
			for i, st := range sts {
				sc := &Scenario{ID: fmt.Sprint(i), Name: fmt.Sprint("s", i), Status: st, SkipReason: "why", Error: "what"}
				if level == LevelInfo && (st == StatusPassed || st == StatusFlaky) { // a flaky one observed on its passing rerun
					sc.Observed, observedAny = "seen", true
				}
				scs = append(scs, sc)
			}
			got, reason := judgeRequirement(level, scs)
			if w := want(level, sts, observedAny); got != w {
				t.Errorf("%s %v: %s, want %s", level, sts, got, w)
			}
			if got == StatusError && !strings.HasPrefix(reason, "not judged") {
				t.Errorf("%s %v: error without a reason that says so: %q", level, sts, reason)
			}
		}
	}
}

func TestJudgeStoppedRunAndReason(t *testing.T) {
	r := fixtureBaseRun()
	r.Run.Stopped = "the target stopped answering: 5 requests in a row got no answer (connection refused)"
	r.Scenarios = []Scenario{
		{ID: "a", Name: "a", Requirements: []string{"PATCH-OMIT"}, Status: StatusPassed},
		{ID: "b", Name: "b", Requirements: []string{"PATCH-NULL"}, Status: StatusError, Error: "no answer"},
		{ID: "c", Name: "c", Requirements: []string{"PATCH-SET"}, Status: StatusNotRun, Error: "not run"},
	}
	Judge(&r, fixtureCatalog[:3])
	if r.Verdict != VerdictError || !strings.HasPrefix(r.VerdictReason, "the run stopped early: the target stopped answering") {
		t.Fatalf("verdict %s (%s)", r.Verdict, r.VerdictReason)
	}
	if r.Summary.Scenarios != (ScenarioCounts{Passed: 1, Error: 1, NotRun: 1}) || r.Summary.Must != (Counts{Passed: 1, Error: 2}) {
		t.Fatalf("summary %+v", r.Summary)
	}
	r.Scenarios[0].Status = StatusFailed
	Judge(&r, fixtureCatalog[:3])
	if r.Verdict != VerdictNonConformant || !strings.Contains(r.VerdictReason, "PATCH-OMIT") || !strings.Contains(r.VerdictReason, "stopped early") {
		t.Fatalf("verdict %s (%s)", r.Verdict, r.VerdictReason)
	}
}

func TestJudgeLeftOutByTagsIsIncomplete(t *testing.T) {
	r := fixtureBaseRun()
	r.Run.Tags = "@PATCH-NULL"
	r.Scenarios = []Scenario{{ID: "a", Name: "a", Requirements: []string{"PATCH-NULL"}, Status: StatusPassed}}
	Judge(&r, fixtureCatalog[:3])
	if r.Verdict != VerdictIncomplete || r.Verdict.ExitCode() != 4 {
		t.Fatalf("verdict %s", r.Verdict)
	}
	if !strings.Contains(r.VerdictReason, "2 of 3 were not judged: PATCH-OMIT (skipped), PATCH-SET (skipped)") {
		t.Fatalf("reason %q", r.VerdictReason)
	}
	if !strings.Contains(r.Requirements[0].Reason, `--tags "@PATCH-NULL"`) {
		t.Fatalf("requirement reason %q", r.Requirements[0].Reason)
	}
}

// A must that passed with a scenario skipped for want of a flag is partly judged: counted
// apart from passed, named with what completes it, and never conformant. A scenario that
// cannot apply whatever is given (an opaque token's signature row) leaves it wholly judged.
func TestJudgePartlyJudged(t *testing.T) {
	catalog := []CatalogEntry{{ID: "AUTH-INVALID", Level: LevelMust}, {ID: "PATCH-NULL", Level: LevelMust}}
	sc := func(id, req string, st Status, reason string, inapplicable bool) Scenario {
		return Scenario{ID: id, Name: id, Requirements: []string{req}, Status: st, SkipReason: reason, Inapplicable: inapplicable}
	}
	run := Run{Scenarios: []Scenario{
		sc("garbage", "AUTH-INVALID", StatusPassed, "", false),
		sc("signature", "AUTH-INVALID", StatusSkipped, "opaque token: no signature", true),
		sc("null", "PATCH-NULL", StatusPassed, "", false),
	}}
	Judge(&run, catalog)
	if run.Verdict != VerdictConformant || run.Summary.Must.Partly != 0 || run.Requirements[0].Partly != "" {
		t.Fatalf("an inapplicable skip: %s, %+v, %q", run.Verdict, run.Summary.Must, run.Requirements[0].Partly)
	}
	run.Scenarios = append(run.Scenarios, sc("expired", "AUTH-INVALID", StatusSkipped, "no expired token: give one with --expired-token", false))
	Judge(&run, catalog)
	req := run.Requirements[0]
	if run.Verdict != VerdictIncomplete || run.Summary.Must != (Counts{Passed: 1, Partly: 1}) || req.Status != StatusPassed {
		t.Fatalf("a skip a flag completes: %s, %+v, %s", run.Verdict, run.Summary.Must, req.Status)
	}
	for _, want := range []string{"1 of 3 scenarios skipped", "--expired-token"} {
		if !strings.Contains(req.Partly, want) || !strings.Contains(run.VerdictReason, want) {
			t.Errorf("partly %q, verdict reason %q: want %q in both", req.Partly, run.VerdictReason, want)
		}
	}
	if !strings.Contains(run.VerdictReason, "1 of 2 was only partly judged: AUTH-INVALID") {
		t.Errorf("verdict reason %q", run.VerdictReason)
	}
}
