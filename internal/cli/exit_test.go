package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/reports"
)

// exitCode is the only mapping from outcomes to exit codes; wrapping keeps the type.
func TestExitCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want ExitCode
	}{
		{nil, ExitConformant},
		{usagef("bad flag"), ExitUsage},
		{fmt.Errorf("context: %w", usagef("bad flag")), ExitUsage},
		{&failedError{"verdict non-conformant"}, ExitNonConformant},
		{&targetError{errors.New("connection refused")}, ExitUnreachable},
		{fmt.Errorf("context: %w", &targetError{errors.New("x")}), ExitUnreachable},
		{errors.New("something unforeseen"), ExitUnreachable}, // could not judge, never "failed"
		{&reportWriteError{errors.New("writing report.json: is a directory")}, ExitUsage},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, exitCode(tc.err), "%v", tc.err)
	}
}

// Each verdict of a finished run gives its exit code (cli-and-report.md, "Exit codes").
func TestVerdictExitCodes(t *testing.T) {
	t.Parallel()
	want := map[reports.Verdict]ExitCode{
		reports.VerdictConformant:    ExitConformant,
		reports.VerdictWarnings:      ExitConformant,
		reports.VerdictNonConformant: ExitNonConformant,
		reports.VerdictError:         ExitUnreachable,
		reports.VerdictIncomplete:    ExitIncomplete,
	}
	require.Len(t, want, len(reports.Verdicts), "every verdict has its exit code")
	for _, verdict := range reports.Verdicts {
		err := verdictOutcome(reports.Run{Verdict: verdict})
		assert.Equal(t, want[verdict], exitCode(err), verdict)
		if err != nil {
			assert.Equal(t, want[verdict], exitCode(fmt.Errorf("wrapped: %w", err)), verdict)
		}
	}
}

// An unknown fault switch is a usage error (exit 2), like any other bad flag value, and
// the message names it.
func TestUnknownFaultIsAUsageError(t *testing.T) {
	t.Parallel()
	env, stdout, stderr := testEnv(t, "run", "--fault", "bogus", "--report-dir", t.TempDir())
	assert.Equal(t, ExitUsage, Main(env))
	assert.Contains(t, stdout.String()+stderr.String(), "bogus")
}

// merge writes every registered format, and the cucumber.json it writes is the run's own.
func TestMergeWritesEveryFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	env, stdout, stderr := testEnv(t, "run", "--report-dir", run, "--seed", "7", "--concurrency", "4", "--tags", "@PATCH-NULL,@PATCH-OMIT")
	require.Equal(t, ExitIncomplete, Main(env), stdout.String()+stderr.String())

	merged := filepath.Join(dir, "merged")
	env, stdout, stderr = testEnv(t, "merge", "-o", merged, filepath.Join(run, "report.json"))
	require.Equal(t, ExitIncomplete, Main(env), "merge exits with its verdict's code, like the run\n"+stdout.String()+stderr.String())
	for _, f := range reports.Formats() {
		assert.FileExists(t, filepath.Join(run, f.File), "run writes %s", f.Name)
		assert.FileExists(t, filepath.Join(merged, f.File), "merge writes %s", f.Name)
	}
	want, err := os.ReadFile(filepath.Join(run, "cucumber.json"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(merged, "cucumber.json"))
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
}
