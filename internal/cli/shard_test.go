package cli

import (
	"bytes"
	"os"
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
	t.Parallel()
	tags := "@PATCH-NULL,@FMT-TIME,@ID-FORMS,@VER-DEFAULT"
	runWith := func(extra ...string) (string, reports.Run) {
		dir := t.TempDir()
		env, stdout, stderr := testEnv(t, append([]string{"run", "--tags", tags, "--seed", "3", "--report-dir", dir, "--format", "json"}, extra...)...)
		require.Equal(t, ExitIncomplete, Main(env), "--tags leaves musts out\n"+stdout.String()+stderr.String())
		_, run := readReport(t, dir)
		return dir, run
	}
	wholeDir, whole := runWith()
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
	require.Equal(t, ExitIncomplete, Main(env), "the tagged run's verdict, incomplete\n"+stdout.String()+stderr.String())
	_, merged := readReport(t, out)
	assert.Equal(t, whole.Verdict, merged.Verdict)
	// The shards' run-wide checks fold into one result each: the summary is the whole run's.
	assert.Equal(t, whole.Summary, merged.Summary)
	assert.Equal(t, whole.Summary.Info, merged.Summary.Info)
	for i, r := range whole.Requirements {
		assert.Equal(t, r.Status, merged.Requirements[i].Status, r.ID)
	}

	// The run-wide checks of the shards fold into one result each, with the whole run's id.
	runWideIDs := func(r reports.Run) []string {
		var out []string
		for _, sc := range r.Scenarios {
			if sc.Feature == reports.RunWideFeature {
				out = append(out, sc.ID)
			}
		}
		return out
	}
	assert.NotEmpty(t, runWideIDs(merged))
	assert.Equal(t, runWideIDs(whole), runWideIDs(merged))
	assert.Equal(t, []string{"1/2", "2/2"}, merged.Suite.Shards)

	mergeCode := func(inputs ...string) (ExitCode, string) {
		env, stdout, stderr := testEnv(t, append([]string{"merge", "-o", t.TempDir()}, inputs...)...)
		code := Main(env)
		return code, stdout.String() + stderr.String()
	}
	shard1, shard2 := filepath.Join(dir1, "report.json"), filepath.Join(dir2, "report.json")

	t.Run("one shard of two is incomplete and names the missing shard", func(t *testing.T) {
		code, out := mergeCode(shard2)
		assert.Equal(t, ExitIncomplete, code, out)
		assert.Contains(t, out, "verdict: INCOMPLETE: no must requirement failed, but the merge lacks shard 1/2 (it joins 2/2 only)")
	})
	t.Run("an edited shard is refused", func(t *testing.T) {
		doc, err := os.ReadFile(shard2)
		require.NoError(t, err)
		edited := filepath.Join(t.TempDir(), "report.json")
		require.NoError(t, os.WriteFile(edited, bytes.Replace(doc, []byte(`"status": "passed"`), []byte(`"status": "failed"`), 1), 0o644))
		code, out := mergeCode(shard1, edited)
		assert.Equal(t, ExitUsage, code, out)
		assert.Contains(t, out, edited+" does not verify")
	})
	t.Run("a shard and the whole run are refused", func(t *testing.T) {
		code, out := mergeCode(shard1, filepath.Join(wholeDir, "report.json"))
		assert.Equal(t, ExitUsage, code, out)
		assert.Contains(t, out, "is a whole run (no --shard) and the others are shards")
	})
	t.Run("the same shard twice is refused", func(t *testing.T) {
		code, out := mergeCode(shard1, shard1)
		assert.Equal(t, ExitUsage, code, out)
		assert.Contains(t, out, "both shard 1/2")
	})

	env, _, stderr = testEnv(t, "run", "--shard", "3/2")
	assert.Equal(t, ExitUsage, Main(env))
	assert.Contains(t, stderr.String(), "not I/N")
}
