package reports

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shard is what `casecert run --shard i/n` reports: the scenarios of its slice, judged
// against the whole catalog.
func shard(full Run, name string, keep func(i int) bool, requests int, started, finished string, ms int64) Run {
	r := full
	r.Scenarios = nil
	for i, sc := range full.Scenarios {
		if keep(i) {
			r.Scenarios = append(r.Scenarios, sc)
		}
	}
	r.Suite.Shard = name
	r.Run.Requests = requests
	r.Run.StartedAt, r.Run.FinishedAt, r.Run.DurationMS = started, finished, ms
	return judged(r, fixtureCatalog)
}

func TestMergeShardsEqualsUnsharded(t *testing.T) {
	full := mixedRun()
	a := shard(full, "1/2", func(i int) bool { return i%2 == 0 }, 30, "2026-11-27T10:00:01Z", "2026-11-27T10:00:05Z", 4000)
	b := shard(full, "2/2", func(i int) bool { return i%2 == 1 }, 27, "2026-11-27T10:00:00Z", "2026-11-27T10:00:06.5Z", 6500)
	a.Cleanup = Cleanup{CreatedCaseIDs: []string{"500B", "500A"}, Restored: true}
	b.Cleanup = Cleanup{CreatedCaseIDs: []string{"500A", "500C"}, Restored: false, Detail: "delete 500C: 403"}
	require.NotEqual(t, full.Requirements, a.Requirements, "a shard alone judges differently")

	got, err := Merge([]Run{a, b})
	require.NoError(t, err)
	assert.Equal(t, full.Requirements, got.Requirements)
	assert.Equal(t, full.Summary, got.Summary)
	assert.Equal(t, full.Verdict, got.Verdict)
	assert.Len(t, got.Scenarios, len(full.Scenarios))
	assert.IsIncreasing(t, scenarioIDs(got))
	assert.Empty(t, got.Suite.Shard)
	assert.Equal(t, fixtureSuite, got.Suite.Digest)
	assert.Equal(t, 57, got.Run.Requests)
	assert.Equal(t, "2026-11-27T10:00:00Z", got.Run.StartedAt)
	assert.Equal(t, "2026-11-27T10:00:06.5Z", got.Run.FinishedAt)
	assert.Equal(t, int64(10500), got.Run.DurationMS, "duration is the sum of the shards' durations")
	assert.Equal(t, []string{"500A", "500B", "500C"}, got.Cleanup.CreatedCaseIDs)
	assert.False(t, got.Cleanup.Restored)
	assert.Equal(t, "delete 500C: 403", got.Cleanup.Detail)

	// The merged report verifies like any other.
	res, err := Verify(render(t, WriteJSON, got), fixtureSuite)
	require.NoError(t, err)
	assert.True(t, res.OK(), res.Problems)
}

func TestMergeRefusesDifferentSuites(t *testing.T) {
	a, b := mixedRun(), mixedRun()
	b.Suite.Digest = "sha256:other"
	_, err := Merge([]Run{a, b})
	require.Error(t, err)
	assert.ErrorContains(t, err, fixtureSuite)
	assert.ErrorContains(t, err, "sha256:other")
}

func TestMergeRefusesConflicts(t *testing.T) {
	full := mixedRun()
	t.Run("scenario status differs", func(t *testing.T) {
		a := shard(full, "1/2", func(i int) bool { return i < 5 }, 1, "", "", 0)
		b := shard(full, "2/2", func(i int) bool { return i >= 4 }, 1, "", "", 0)
		b.Scenarios[0].Status = StatusFailed
		_, err := Merge([]Run{a, b})
		assert.ErrorContains(t, err, "patch-semantics;empty-body-is-a-no-op is passed in report 1 and failed in report 2")
	})
	t.Run("same scenario twice, same status", func(t *testing.T) {
		a := shard(full, "1/2", func(i int) bool { return i < 5 }, 1, "", "", 0)
		b := shard(full, "2/2", func(i int) bool { return i >= 4 }, 1, "", "", 0)
		got, err := Merge([]Run{a, b})
		require.NoError(t, err)
		assert.Equal(t, full.Requirements, got.Requirements)
	})
	t.Run("same shard twice", func(t *testing.T) {
		a := shard(full, "1/2", func(int) bool { return true }, 1, "", "", 0)
		_, err := Merge([]Run{a, a})
		assert.ErrorContains(t, err, "both shard 1/2")
	})
	t.Run("other target", func(t *testing.T) {
		a, b := mixedRun(), mixedRun()
		b.Target.BaseURL = "https://prod.example"
		_, err := Merge([]Run{a, b})
		assert.ErrorContains(t, err, "https://prod.example")
	})
	t.Run("nothing", func(t *testing.T) {
		_, err := Merge(nil)
		assert.Error(t, err)
	})
}

func TestMergeKeepsAStoppedShard(t *testing.T) {
	full := mixedRun()
	a := shard(full, "1/2", func(i int) bool { return i%2 == 0 }, 1, "", "", 0)
	b := shard(full, "2/2", func(i int) bool { return i%2 == 1 }, 1, "", "", 0)
	b.Run.Stopped = "interrupted"
	got, err := Merge([]Run{a, b})
	require.NoError(t, err)
	assert.Equal(t, "interrupted", got.Run.Stopped)
	assert.Equal(t, VerdictNonConformant, got.Verdict, "a must had failed: the stop does not hide it")
	assert.Contains(t, got.VerdictReason, "the run stopped early: interrupted")
}

func TestMergeWarnsOnDifferentSeeds(t *testing.T) {
	full := mixedRun()
	a := shard(full, "1/2", func(i int) bool { return i%2 == 0 }, 1, "", "", 0)
	b := shard(full, "2/2", func(i int) bool { return i%2 == 1 }, 1, "", "", 0)
	b.Run.Seed = 7
	got, err := Merge([]Run{a, b})
	require.NoError(t, err)
	assert.Contains(t, got.Run.Warnings, "shards ran with different seeds: 42, 7; the seed shown is the first shard's")
	assert.Equal(t, int64(42), got.Run.Seed)
}

func scenarioIDs(r Run) []string {
	var ids []string
	for _, sc := range r.Scenarios {
		ids = append(ids, sc.ID)
	}
	return ids
}
