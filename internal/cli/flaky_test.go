package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/reports"
)

// --rerun-failed under -race, on a tag subset: the fault that fails PATCH-READONLY once
// makes it flaky, with the first attempt's evidence and the rerun's (the whole-suite runs
// and their exit codes are internal/selftest's TestFlakyFaultIsFlakyWhenRerun).
func TestRerunFailedMakesAFirstTimeFailureFlaky(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--fault", "readonly-written-once", "--tags", "@PATCH-READONLY", "--rerun-failed", "2",
		"--report-dir", dir, "--format", "json", "--seed", "3", "--concurrency", "4")
	require.Equal(t, ExitIncomplete, Main(env), stdout.String()+stderr.String())
	_, run := readReport(t, dir)
	assert.Equal(t, []string{"PATCH-READONLY"}, run.FlakyIDs(""))
	assert.Empty(t, run.FailedIDs(""))
	for _, sc := range run.Scenarios {
		if sc.Status == reports.StatusFlaky {
			assert.NotEmpty(t, sc.Error)
			require.Len(t, sc.Reruns, 1)
			assert.Equal(t, reports.StatusPassed, sc.Reruns[0].Status)
			assert.NotEmpty(t, sc.Reruns[0].Exchanges)
		}
	}
	assert.Contains(t, stdout.String(), "flaky: PATCH-READONLY (must)")
}

// --rerun-failed takes a count of reruns, and a case of its own for each: a negative
// count, or a --case-id run (one case), is a usage error.
func TestRerunFailedFlagErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"run", "--rerun-failed", "-1"},
		{"run", "--rerun-failed", "x"},
		{"run", "--base-url", "http://127.0.0.1:1", "--token", "t", "--case-id", "500000000000001AAA", "--rerun-failed", "1"},
	} {
		env, stdout, stderr := testEnv(t, args...)
		assert.Equal(t, ExitUsage, Main(env), "%v: %s", args, stdout.String()+stderr.String())
		assert.Contains(t, stderr.String(), "rerun-failed", "%v", args)
	}
}

// The disruptive phase's reruns under -race: PATCH-CONCURRENT against lost-update fails
// every attempt, each rerun one at a time after the phase, with the health probe.
func TestRerunFailedInTheDisruptivePhase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--fault", "lost-update", "--tags", "@PATCH-CONCURRENT", "--rerun-failed", "1",
		"--report-dir", dir, "--format", "json", "--seed", "3", "--concurrency", "4")
	require.Equal(t, ExitNonConformant, Main(env), stdout.String()+stderr.String())
	_, run := readReport(t, dir)
	assert.Equal(t, []string{"PATCH-CONCURRENT"}, run.FailedIDs(""))
	assert.Empty(t, run.Run.Stopped, "the reruns did not break the target")
	for _, sc := range run.Scenarios {
		if sc.Status == reports.StatusFailed {
			require.Len(t, sc.Reruns, 1, sc.ID)
			assert.Equal(t, reports.StatusFailed, sc.Reruns[0].Status)
		}
	}
}
