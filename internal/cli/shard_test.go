package cli

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/reports"
)

// Shards of one run split the scenarios without gap or overlap, and merged they give the
// requirements and verdict of the unsharded run.
func TestShardsMergeIntoTheWholeRun(t *testing.T) {
	tags := "@PATCH-NULL,@FMT-TIME,@ID-FORMS,@VER-DEFAULT"
	runWith := func(extra ...string) (string, reports.Run) {
		dir := t.TempDir()
		env, stdout, stderr := testEnv(t, append([]string{"run", "--tags", tags, "--seed", "3", "--report-dir", dir, "--format", "json"}, extra...)...)
		require.Equal(t, ExitIncomplete, Main(env), "--tags leaves musts out\n"+stdout.String()+stderr.String())
		_, run := readReport(t, dir)
		return dir, run
	}
	_, whole := runWith()
	dir1, one := runWith("--shard", "1/2")
	dir2, two := runWith("--shard", "2/2")
	assert.Equal(t, "1/2", one.Suite.Shard)

	ids := func(runs ...reports.Run) []string {
		var out []string
		for _, r := range runs {
			for _, s := range r.Scenarios {
				if !strings.HasPrefix(s.ID, "run-wide;") {
					out = append(out, s.ID)
				}
			}
		}
		sort.Strings(out)
		return out
	}
	assert.Equal(t, ids(whole), ids(one, two), "the shards together run every scenario exactly once")
	assert.NotEmpty(t, ids(one))
	assert.NotEmpty(t, ids(two))

	out := t.TempDir()
	env, stdout, stderr := testEnv(t, "merge", "-o", out, filepath.Join(dir1, "report.json"), filepath.Join(dir2, "report.json"))
	require.Equal(t, ExitConformant, Main(env), stdout.String()+stderr.String())
	_, merged := readReport(t, out)
	assert.Equal(t, whole.Verdict, merged.Verdict)
	// Requirements fold alike; scenario counts differ by the run-wide checks each shard ran.
	assert.Equal(t, whole.Summary.Must, merged.Summary.Must)
	assert.Equal(t, whole.Summary.Should, merged.Summary.Should)
	assert.Equal(t, whole.Summary.Info, merged.Summary.Info)
	for i, r := range whole.Requirements {
		assert.Equal(t, r.Status, merged.Requirements[i].Status, r.ID)
	}

	env, _, stderr = testEnv(t, "run", "--shard", "3/2")
	assert.Equal(t, ExitUsage, Main(env))
	assert.Contains(t, stderr.String(), "not I/N")
}
