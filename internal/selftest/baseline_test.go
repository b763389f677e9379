package selftest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/cli"
	"github.com/casecert/casecert/reports"
)

// The baseline (ci.md) against reference-server faults, and casecert diff over the same
// reports. Fault A fails one must requirement whatever the seed; fault B another.
const (
	faultA, reqA = "readonly-written", "PATCH-READONLY"
	faultB, reqB = "mixed-null-ignored", "PATCH-MIXED"
)

// fullRun runs the whole suite with the given seed and extra flags, and returns its exit
// code, report and the path of its report.json.
func fullRun(t *testing.T, dir, seed string, extra ...string) (cli.ExitCode, reports.Run, string, string) {
	t.Helper()
	args := append([]string{"run", "--report-dir", dir, "--format", "json", "--seed", seed, "--concurrency", "4"}, extra...)
	code, run, out := runReport(t, dir, args...)
	return code, run, filepath.Join(dir, "report.json"), out
}

func failedOf(fs []reports.BaselineFailure) []string {
	var out []string
	for _, f := range fs {
		if !slices.Contains(out, f.Requirement) {
			out = append(out, f.Requirement)
		}
	}
	return out
}

func TestBaselineAndDiffAgainstFaults(t *testing.T) {
	t.Parallel()
	code, faulty, faultyPath, out := fullRun(t, t.TempDir(), "11", "--fault", faultA)
	require.Equal(t, cli.ExitNonConformant, code, out)
	require.Equal(t, []string{reqA}, faulty.FailedIDs(""), "fault A fails its requirement alone")

	baseline := filepath.Join(t.TempDir(), "baseline.yaml")
	code, stdout, stderr := casecert(t, "baseline", "-o", baseline, faultyPath)
	require.Equal(t, cli.ExitConformant, code, stdout+stderr)
	data, err := os.ReadFile(baseline)
	require.NoError(t, err)
	assert.Contains(t, string(data), "requirement: "+reqA)
	assert.Contains(t, string(data), "reason: TODO")

	var other reports.Run
	var clean reports.Run
	var otherPath, cleanPath string
	otherDir, cleanDir := t.TempDir(), t.TempDir()
	t.Run("runs", func(t *testing.T) {
		t.Run("fault A, another seed: every failure known, exit 0, still non-conformant", func(t *testing.T) {
			t.Parallel()
			var code cli.ExitCode
			var out string
			code, other, otherPath, out = fullRun(t, otherDir, "12", "--fault", faultA, "--baseline", baseline)
			assert.Equal(t, cli.ExitConformant, code, out)
			assert.Equal(t, reports.VerdictNonConformant, other.Verdict, "the report keeps the verdict as observed")
			require.NotNil(t, other.Baseline)
			assert.Equal(t, []string{reqA}, failedOf(other.Baseline.Known))
			assert.Empty(t, other.Baseline.New)
			assert.Empty(t, other.Baseline.Stale)
			assert.Contains(t, out, "not a certification")
		})
		t.Run("no fault: the entry is stale, exit 1", func(t *testing.T) {
			t.Parallel()
			var code cli.ExitCode
			var out string
			code, clean, cleanPath, out = fullRun(t, cleanDir, "12", "--baseline", baseline)
			assert.Equal(t, cli.ExitNonConformant, code, out)
			assert.Equal(t, reports.VerdictConformant, clean.Verdict)
			require.NotNil(t, clean.Baseline)
			require.Len(t, clean.Baseline.Stale, 1)
			assert.Equal(t, reqA, clean.Baseline.Stale[0].Requirement)
			assert.Contains(t, out, "stale")
			assert.Contains(t, out, "casecert baseline --prune "+baseline)
		})
		t.Run("fault A and fault B: B's requirement is new, exit 1", func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			code, run, out := runReport(t, dir, "run", "--report-dir", dir, "--format", "json", "--seed", "13", "--concurrency", "4",
				"--fault", faultA, "--fault", faultB, "--tags", "@"+reqA+",@"+reqB, "--baseline", baseline)
			assert.Equal(t, cli.ExitNonConformant, code, out)
			require.NotNil(t, run.Baseline)
			assert.Equal(t, []string{reqB}, failedOf(run.Baseline.New))
			assert.Equal(t, []string{reqA}, failedOf(run.Baseline.Known))
			assert.Contains(t, out, "new failure not in the baseline: "+reqB)
		})
		t.Run("an expired entry that still matches: exit 1", func(t *testing.T) {
			t.Parallel()
			expired := filepath.Join(t.TempDir(), "expired.yaml")
			require.NoError(t, os.WriteFile(expired, []byte("schema: casecert.baseline/v1\nentries:\n  - requirement: "+reqA+
				"\n    reason: vendor ticket\n    expires: 2020-01-31\n"), 0o644))
			dir := t.TempDir()
			code, run, out := runReport(t, dir, "run", "--report-dir", dir, "--format", "json", "--seed", "13", "--concurrency", "4",
				"--fault", faultA, "--tags", "@"+reqA+",@"+reqB, "--baseline", expired)
			assert.Equal(t, cli.ExitNonConformant, code, out)
			require.NotNil(t, run.Baseline)
			assert.Equal(t, []string{reqA}, failedOf(run.Baseline.Expired))
			assert.Empty(t, run.Baseline.Known)
		})
	})
	require.NotEmpty(t, cleanPath)
	require.NotEmpty(t, otherPath)

	diff := func(a, b string, args ...string) (cli.ExitCode, string) {
		code, stdout, stderr := casecert(t, append(append([]string{"diff"}, args...), a, b)...)
		return code, stdout + stderr
	}
	t.Run("diff clean -> faulty: exactly the fault's requirement regressed", func(t *testing.T) {
		code, out := diff(cleanPath, faultyPath)
		assert.Equal(t, cli.ExitNonConformant, code, out)
		assert.Contains(t, out, "regressions (1)\n  "+reqA+" (must): passed -> failed\n")
		assert.Contains(t, out, "scenarios added (0)")
		assert.Contains(t, out, "scenarios removed (0)")
		d := reports.CompareRuns(clean, faulty)
		var ids []string
		for _, c := range d.Regressions {
			ids = append(ids, c.ID)
		}
		assert.Equal(t, []string{reqA}, ids)
		assert.Len(t, d.Regressions[0].Scenarios, countFailed(faulty), "every failed scenario, each once")
	})
	t.Run("diff faulty -> clean: a fix, exit 0", func(t *testing.T) {
		code, out := diff(faultyPath, cleanPath, "--format", "md")
		assert.Equal(t, cli.ExitConformant, code, out)
		assert.Contains(t, out, "No regression")
		assert.Contains(t, out, "### Fixes (1)")
		assert.Contains(t, out, "`"+reqA+"`")
	})
	t.Run("diff across seeds matches every scenario", func(t *testing.T) {
		d := reports.CompareRuns(faulty, other)
		assert.Empty(t, d.Added)
		assert.Empty(t, d.Removed)
		assert.Empty(t, d.Regressions)
		assert.Empty(t, d.Fixes)
		require.Len(t, d.StillFailing, 1)
		assert.Equal(t, reqA, d.StillFailing[0].ID)
	})
	t.Run("verify says a baseline run is not a certification", func(t *testing.T) {
		code, stdout, _ := casecert(t, "verify", otherPath)
		assert.Equal(t, cli.ExitConformant, code, stdout)
		assert.Contains(t, stdout, "not a certification: it was judged with a baseline")
		code, stdout, _ = casecert(t, "verify", "--certification", otherPath)
		assert.Equal(t, cli.ExitNonConformant, code, stdout)
		code, stdout, _ = casecert(t, "verify", "--certification", faultyPath)
		assert.Equal(t, cli.ExitConformant, code, stdout)
	})
	t.Run("prune drops the stale entry", func(t *testing.T) {
		code, stdout, stderr := casecert(t, "baseline", "--prune", baseline, cleanPath)
		require.Equal(t, cli.ExitConformant, code, stdout+stderr)
		assert.Contains(t, stdout, "dropped "+reqA)
		data, err := os.ReadFile(baseline)
		require.NoError(t, err)
		assert.NotContains(t, string(data), reqA)
		assert.True(t, strings.HasPrefix(string(data), "# casecert baseline"), "comments are kept:\n%s", data)
	})
}

// countFailed counts the failed scenarios of a report.
func countFailed(r reports.Run) int {
	n := 0
	for _, sc := range r.Scenarios {
		if sc.Status == reports.StatusFailed {
			n++
		}
	}
	return n
}
