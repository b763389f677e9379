package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/hostile"
	"github.com/casecert/casecert/reports"
	"github.com/casecert/casecert/steps"
)

// hostileRun runs the whole suite against a hostile target of the given kind, calm for
// its first calm requests, and returns the exit code, the console output and the report.
func hostileRun(t *testing.T, kind hostile.Kind, calm int) (ExitCode, string, reports.Run) {
	code, out, run, _ := hostileRunIn(t, kind, calm)
	return code, out, run
}

// hostileRunIn is hostileRun that also returns the report directory.
func hostileRunIn(t *testing.T, kind hostile.Kind, calm int) (ExitCode, string, reports.Run, string) {
	t.Helper()
	srv, err := hostile.StartAfter(kind, calm)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", srv.URL, "--token", "t0ken-abc", "--timeout", "3s",
		"--report-dir", dir, "--format", "json", "--seed", "7")
	code := Main(env)
	out := stdout.String() + stderr.String()
	_, run := readReport(t, dir)
	return code, out, run, dir
}

// verdictLine is the first line of the console's verdict block.
func verdictLine(out string) string {
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "verdict") || strings.HasPrefix(line, "VERDICT") {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// A target whose reads of one case answer another (a proxy or cache keyed wrongly) is not
// judged on the other case's fields: the preflight's read-back stops it, and so does a run
// of such reads during the suite (the target was right through the preflight), exit 3
// either way, the first line naming the mismatch, no PATCH requirement failed.
func TestAnotherCasesAnswerIsNotJudged(t *testing.T) {
	t.Parallel()
	for name, calm := range map[string]int{"from the preflight": 0, "after the preflight": 3} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, out, run := hostileRun(t, hostile.OtherCase, calm)
			require.Equal(t, ExitUnreachable, code, out)
			first := verdictLine(out)
			t.Log(first)
			assert.Regexp(t, `the target answered the read of \w+ with case \w+`, first, out)
			for _, id := range run.FailedIDs("") {
				assert.False(t, strings.HasPrefix(id, "PATCH-"), "%s failed on another case's fields", id)
			}
			if calm > 0 {
				errored := 0
				for _, sc := range run.Scenarios {
					if strings.Contains(sc.Error, "the target answered the read of") {
						// error, or not-run when the stop came while it ran
						assert.Contains(t, []reports.Status{reports.StatusError, reports.StatusNotRun}, sc.Status, sc.Name)
						if sc.Status == reports.StatusError {
							errored++
						}
					}
				}
				assert.Positive(t, errored, "the scenarios that read another case are errors, saying so")
			}
		})
	}
}

// A target behind a cache that answers the first read after a PATCH with the state before
// it: every PATCH scenario that fails says it saw a stale read (a second read showed the
// write), not "observed the old value"; the verdict block says it once.
func TestStaleReadsAreNamed(t *testing.T) {
	t.Parallel()
	code, out, run := hostileRun(t, hostile.StaleReads, 0)
	t.Log(out)
	assert.Equal(t, ExitNonConformant, code)
	failedPatch := 0
	for _, sc := range run.Scenarios {
		if sc.Status != reports.StatusFailed || !slices.ContainsFunc(sc.Requirements, func(id string) bool { return strings.HasPrefix(id, "PATCH-") }) {
			continue
		}
		failedPatch++
		assert.Contains(t, sc.Error, steps.StaleReads, sc.Name)
	}
	assert.Positive(t, failedPatch)
	block := out[strings.Index(out, "\nverdict: "):]
	assert.Equal(t, 1, strings.Count(block, steps.StaleReads), block)
}

// The whole suite against a target whose every answer carries 2.6 MB of headers ends in a
// defined verdict (the header cap makes them transport errors, so it stops as a target
// that stopped answering) with a small report. Its time and peak RSS are figures of
// BenchmarkHostileTargets (internal/hostile), not asserted here.
func TestHugeHeadersEndInAVerdict(t *testing.T) {
	t.Parallel()
	code, out, _, dir := hostileRunIn(t, hostile.HugeHeaders, 3)
	assert.Contains(t, []ExitCode{ExitUnreachable, ExitConformant, ExitNonConformant, ExitIncomplete}, code, out)
	assert.Less(t, dirSize(t, dir), int64(25<<20), "report directory")
}
