package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// merge --baseline of the shards of a run gives the answers of the whole run with the
// same baseline: the same exit code and the same known, new and stale failures.
func TestMergeWithBaselineAnswersAsOneRun(t *testing.T) {
	t.Parallel()
	baseline := filepath.Join(t.TempDir(), "baseline.yaml")
	require.NoError(t, os.WriteFile(baseline, []byte("schema: casecert.baseline/v1\nentries:\n"+
		"  - requirement: PATCH-NULL\n    reason: vendor ticket\n    ticket: T-1\n"+
		"  - requirement: FMT-TIME\n    reason: fixed since\n"), 0o644))
	args := []string{"--fault", "null-ignored", "--tags", "@PATCH-NULL,@FMT-TIME,@PATCH-SET", "--seed", "5", "--format", "json", "--concurrency", "4"}
	run := func(extra ...string) (ExitCode, string, string) {
		dir := t.TempDir()
		env, stdout, stderr := testEnv(t, append(append([]string{"run", "--report-dir", dir}, args...), extra...)...)
		code := Main(env)
		return code, filepath.Join(dir, "report.json"), stdout.String() + stderr.String()
	}
	wholeCode, wholePath, out := run("--baseline", baseline)
	assert.Equal(t, ExitNonConformant, wholeCode, "FMT-TIME's entry is stale\n"+out)
	_, whole := readReport(t, filepath.Dir(wholePath))
	require.NotNil(t, whole.Baseline)
	assert.NotEmpty(t, whole.Baseline.Known)
	require.Len(t, whole.Baseline.Stale, 1)
	assert.Equal(t, "FMT-TIME", whole.Baseline.Stale[0].Requirement)

	_, one, _ := run("--shard", "1/2")
	_, two, _ := run("--shard", "2/2")
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "merge", "-o", dir, "--baseline", baseline, one, two)
	assert.Equal(t, wholeCode, Main(env), stdout.String()+stderr.String())
	_, merged := readReport(t, dir)
	require.NotNil(t, merged.Baseline)
	assert.Equal(t, whole.Baseline.Known, merged.Baseline.Known)
	assert.Equal(t, whole.Baseline.New, merged.Baseline.New)
	assert.Equal(t, whole.Baseline.Stale, merged.Baseline.Stale)
	assert.Equal(t, whole.Baseline.Expired, merged.Baseline.Expired)
	assert.Contains(t, stdout.String(), "not a certification")

	t.Run("a bad baseline is a usage error before any request", func(t *testing.T) {
		for name, body := range map[string]string{
			"no reason":           "schema: casecert.baseline/v1\nentries:\n  - requirement: PATCH-NULL\n",
			"unknown requirement": "schema: casecert.baseline/v1\nentries:\n  - requirement: PATCH-NUL\n    reason: typo\n",
			"bad date":            "schema: casecert.baseline/v1\nentries:\n  - requirement: PATCH-NULL\n    reason: x\n    expires: 31/01/2027\n",
			"wrong schema":        "schema: other\nentries: []\n",
		} {
			path := filepath.Join(t.TempDir(), "b.yaml")
			require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
			env, stdout, stderr := testEnv(t, "run", "--baseline", path, "--report-dir", t.TempDir())
			assert.Equal(t, ExitUsage, Main(env), name+"\n"+stdout.String()+stderr.String())
			assert.Contains(t, stderr.String(), "--baseline", name)
		}
	})
	t.Run("verify --certification refuses a tagged run and a shard", func(t *testing.T) {
		for _, path := range []string{one, wholePath} {
			env, stdout, _ := testEnv(t, "verify", "--certification", path)
			assert.Equal(t, ExitNonConformant, Main(env), stdout.String())
			assert.Contains(t, stdout.String(), "NOT A CERTIFICATION")
		}
	})
	t.Run("diff of a 2-shard merge and the whole run matches every scenario", func(t *testing.T) {
		env, stdout, stderr := testEnv(t, "diff", wholePath, filepath.Join(dir, "report.json"))
		assert.Equal(t, ExitConformant, Main(env), stdout.String()+stderr.String())
		assert.Contains(t, stdout.String(), "regressions (0)")
		assert.Contains(t, stdout.String(), "scenarios added (0)")
		assert.Contains(t, stdout.String(), "scenarios removed (0)")
	})
	t.Run("diff of unreadable input exits 2", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "report.json")
		require.NoError(t, os.WriteFile(bad, []byte("{not json"), 0o644))
		for _, pair := range [][]string{{bad, wholePath}, {wholePath, filepath.Join(t.TempDir(), "none.json")}} {
			env, _, _ := testEnv(t, append([]string{"diff"}, pair...)...)
			assert.Equal(t, ExitUsage, Main(env))
		}
	})
}
