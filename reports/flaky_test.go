package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flakyMustRun is a run of the first four must requirements and one should, in which
// PATCH-NULL's scenario failed, then passed on its second rerun.
func flakyMustRun() Run {
	r := fixtureBaseRun()
	r.Run.RerunFailed = 2
	r.Scenarios = []Scenario{
		{ID: "omit", Name: "omit", Requirements: []string{"PATCH-OMIT"}, Level: LevelMust, Status: StatusPassed},
		{ID: "null", Name: "null clears", Requirements: []string{"PATCH-NULL"}, Level: LevelMust, Status: StatusFlaky,
			Error: `PATCH-NULL: field "region": sent null; observed "North"`, Exchanges: []Exchange{{Method: "PATCH", URL: fixtureBase + "/incidents/1", Status: 200}},
			Reruns: []Attempt{
				{Attempt: 2, Status: StatusFailed, Error: `PATCH-NULL: field "region": sent null; observed "North"`, Exchanges: []Exchange{{Method: "PATCH", Status: 200}}},
				{Attempt: 3, Status: StatusPassed, Exchanges: []Exchange{{Method: "PATCH", Status: 200}, {Method: "GET", Status: 200}}},
			}},
		{ID: "set", Name: "set", Requirements: []string{"PATCH-SET"}, Level: LevelMust, Status: StatusPassed},
		{ID: "loc", Name: "loc", Requirements: []string{"LOC-PRECEDENCE"}, Level: LevelMust, Status: StatusPassed},
		{ID: "empty", Name: "empty", Requirements: []string{"PATCH-EMPTY"}, Level: LevelShould, Status: StatusPassed},
	}
	Judge(&r, fixtureCatalog[:5])
	return r
}

// A flaky must is a warning, never conformant: named first in the verdict, exit 0, exit
// 1 with --fail-on-flaky.
func TestFlakyMustIsAWarning(t *testing.T) {
	r := flakyMustRun()
	require.Equal(t, VerdictWarnings, r.Verdict)
	assert.Equal(t, StatusFlaky, r.Requirements[1].Status)
	assert.Contains(t, r.Requirements[1].Reason, "passed on attempt 3")
	assert.True(t, strings.HasPrefix(r.VerdictReason, "1 must requirement flaky (failed, then passed when run again): PATCH-NULL; the other 3 passed"), r.VerdictReason)
	assert.Equal(t, Counts{Passed: 3, Flaky: 1}, r.Summary.Must)
	assert.Equal(t, 1, r.Summary.Scenarios.Flaky)
	assert.Equal(t, 0, r.ExitCode())
	assert.Contains(t, FlakyWarning(r), "PATCH-NULL")
	assert.Empty(t, FlakyGateReason(r))

	junit, err := renderBytes(WriteJUnit, r)
	require.NoError(t, err)
	assert.NotContains(t, string(junit), "<failure ", "a flaky must that exits 0 is no <failure>")

	r.Run.FailOnFlaky = true
	assert.Equal(t, 1, r.ExitCode())
	assert.Equal(t, VerdictWarnings, r.Verdict, "--fail-on-flaky gates the exit code, not the verdict")
	junit, err = renderBytes(WriteJUnit, r)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(junit), `type="casecert.flaky"`), "with --fail-on-flaky junit.xml fails as the exit code does")
	assert.Equal(t, "exit 1 with --fail-on-flaky: flaky: PATCH-NULL", FlakyGateReason(r))
	assert.Empty(t, FlakyWarning(r))

	// A failed must makes it non-conformant whatever is flaky; --fail-on-flaky keeps 1.
	r.Scenarios[0].Status, r.Scenarios[0].Error = StatusFailed, "PATCH-OMIT: lost"
	Judge(&r, fixtureCatalog[:5])
	assert.Equal(t, VerdictNonConformant, r.Verdict)
	assert.Equal(t, 1, r.ExitCode())
	assert.Empty(t, FlakyGateReason(r), "the verdict's own exit 1 is not the flaky gate's")

	// A flaky should beside a failed should: the failed one first, then the flaky one.
	r = flakyMustRun()
	r.Scenarios[1].Requirements, r.Scenarios[1].Level = []string{"PATCH-EMPTY"}, LevelShould
	r.Scenarios[4].Requirements = []string{"PATCH-NULL"}
	Judge(&r, fixtureCatalog[:5])
	assert.Equal(t, VerdictWarnings, r.Verdict)
	assert.Equal(t, "every must requirement (4) passed; 1 should requirement flaky: PATCH-EMPTY", r.VerdictReason)
}

// verify recomputes a flaky report's statuses and counts as the run wrote them.
func TestVerifyAcceptsAFlakyReport(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, flakyMustRun()))
	res, err := Verify(buf.Bytes(), fixtureSuite)
	require.NoError(t, err)
	assert.True(t, res.OK(), "%v", res.Problems)
	assert.Empty(t, res.Problems)
}

// A flaky requirement is not a failure for a baseline: no entry is written for it, an
// entry naming it is neither known nor stale, and the run still exits 0.
func TestBaselineLeavesFlakyAlone(t *testing.T) {
	r := flakyMustRun()
	assert.Empty(t, NewBaseline(r).Entries, "baseline -o writes entries for failures only")
	b := Baseline{Entries: []BaselineEntry{{Requirement: "PATCH-NULL", Reason: "vendor ticket"}}}
	require.NoError(t, ApplyBaseline(&r, b, "baseline.yaml", "sha256:x", time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)))
	assert.Empty(t, r.Baseline.Known)
	assert.Empty(t, r.Baseline.New)
	assert.Empty(t, r.Baseline.Stale, "a flaky requirement did not pass: its entry is not stale")
	assert.Equal(t, 0, r.ExitCode())
	r.Run.FailOnFlaky = true
	assert.Equal(t, 1, r.ExitCode(), "--fail-on-flaky gates under a baseline too")
}

// diff: passed -> flaky and flaky -> failed are regressions, flaky -> passed a fix.
func TestDiffOfFlaky(t *testing.T) {
	clean := flakyMustRun()
	clean.Scenarios[1].Status, clean.Scenarios[1].Error, clean.Scenarios[1].Reruns = StatusPassed, "", nil
	Judge(&clean, fixtureCatalog[:5])
	flaky := flakyMustRun()
	failed := flakyMustRun()
	failed.Scenarios[1].Status = StatusFailed
	Judge(&failed, fixtureCatalog[:5])

	d := CompareRuns(clean, flaky)
	require.Len(t, d.Regressions, 1)
	assert.Equal(t, ReqChange{ID: "PATCH-NULL", Level: LevelMust, Old: StatusPassed, New: StatusFlaky, Scenarios: []string{"null"}}, d.Regressions[0])
	d = CompareRuns(flaky, failed)
	require.Len(t, d.Regressions, 1)
	assert.Equal(t, []string{"null"}, d.Regressions[0].Scenarios)
	d = CompareRuns(flaky, clean)
	assert.False(t, d.Regressed())
	require.Len(t, d.Fixes, 1)
	assert.Equal(t, StatusFlaky, d.Fixes[0].Old)
	d = CompareRuns(failed, flaky)
	assert.False(t, d.Regressed())
	require.Len(t, d.StillFailing, 1)
}

// Every report format shows that a requirement is flaky (the goldens of the flaky
// fixture hold how).
func TestWritersShowFlaky(t *testing.T) {
	for _, f := range Formats() {
		out, err := renderBytes(f.Write, flakyRun())
		require.NoError(t, err, f.Name)
		assert.Contains(t, string(out), "flaky", "%s says nothing of the flaky requirements", f.File)
	}
}
