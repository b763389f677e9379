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
	t.Run("a scenario in two shards", func(t *testing.T) {
		a := shard(full, "1/2", func(i int) bool { return i < 5 }, 1, "", "", 0)
		b := shard(full, "2/2", func(i int) bool { return i >= 4 }, 1, "", "", 0)
		_, err := Merge([]Run{a, b})
		assert.ErrorContains(t, err, "scenario patch-semantics;empty-body-is-a-no-op is in report 1 (shard 1/2) and in report 2 (shard 2/2): the inputs overlap")
	})
	t.Run("a shard and the whole run", func(t *testing.T) {
		a := shard(full, "1/2", func(i int) bool { return i%2 == 0 }, 1, "", "", 0)
		_, err := Merge([]Run{a, full})
		assert.ErrorContains(t, err, "report 2 is a whole run (no --shard) and the others are shards")
	})
	t.Run("the whole run twice", func(t *testing.T) {
		_, err := Merge([]Run{full, full})
		assert.ErrorContains(t, err, "the inputs overlap")
	})
	t.Run("shards of different splits", func(t *testing.T) {
		a := shard(full, "1/2", func(i int) bool { return i%2 == 0 }, 1, "", "", 0)
		b := shard(full, "2/3", func(i int) bool { return i%2 == 1 }, 1, "", "", 0)
		_, err := Merge([]Run{a, b})
		assert.ErrorContains(t, err, "report 2 is shard 2/3 but the reports before are shards of 2")
	})
	t.Run("other profile", func(t *testing.T) {
		a := shard(full, "1/2", func(i int) bool { return i%2 == 0 }, 1, "", "", 0)
		b := shard(full, "2/2", func(i int) bool { return i%2 == 1 }, 1, "", "", 0)
		b.Target.Profile = "vendor"
		_, err := Merge([]Run{a, b})
		assert.ErrorContains(t, err, "profile vendor")
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

// A set that lacks a shard merges, but says which shard is missing, keeps the shards it
// joins, and is incomplete: its requirements were judged on part of their scenarios.
func TestMergeMissingShardIsIncomplete(t *testing.T) {
	full := mixedRun()
	// Shard 2/2 alone holds no failed must (the PATCH-NULL failure is in shard 1/2).
	b := shard(full, "2/2", func(i int) bool { return i%2 == 1 }, 1, "", "", 0)
	got, err := Merge([]Run{b})
	require.NoError(t, err)
	assert.Equal(t, VerdictIncomplete, got.Verdict)
	assert.Equal(t, []string{"2/2"}, got.Suite.Shards)
	assert.Equal(t, []string{"1/2"}, got.Suite.MissingShards)
	assert.Contains(t, MissingShardsReason(got.Suite), "merge lacks shard 1/2 (it joins 2/2 only)")
	assert.Contains(t, got.VerdictReason, "merge lacks shard 1/2")
	assert.Contains(t, got.Run.Warnings, MissingShardsReason(got.Suite))

	res, err := Verify(render(t, WriteJSON, got), fixtureSuite)
	require.NoError(t, err)
	assert.True(t, res.OK(), res.Problems)

	// Dropping the marker of the missing shard is an edit that verify catches.
	doc := render(t, WriteJSON, got)
	doc = edit(t, doc, `"missing_shards": [
      "1/2"
    ]`, `"missing_shards": []`)
	res, err = Verify(redigest(t, doc), fixtureSuite)
	require.NoError(t, err)
	assert.False(t, res.CountsOK, "an incomplete verdict without missing shards does not follow")

	// A failed must is non-conformant whatever is missing.
	a := shard(full, "1/2", func(i int) bool { return i%2 == 0 }, 1, "", "", 0)
	got, err = Merge([]Run{a})
	require.NoError(t, err)
	assert.Equal(t, VerdictNonConformant, got.Verdict)
	assert.Equal(t, []string{"2/2"}, got.Suite.MissingShards)

	// The merge of a partial merge and the missing shard is the whole run.
	partial, err := Merge([]Run{b})
	require.NoError(t, err)
	whole, err := Merge([]Run{partial, a})
	require.NoError(t, err)
	assert.Empty(t, whole.Suite.MissingShards)
	assert.Equal(t, []string{"1/2", "2/2"}, whole.Suite.Shards)
	assert.Equal(t, full.Verdict, whole.Verdict)
	assert.Equal(t, full.Requirements, whole.Requirements)
}

// Each shard judges the run-wide checks over its own exchanges; merged, they are one
// result per check, failed if any shard failed it.
func TestMergeFoldsRunWideChecks(t *testing.T) {
	catalog := append(append([]CatalogEntry{}, fixtureCatalog...), CatalogEntry{ID: "REQ-NO-5XX", Level: LevelMust, Title: "No 5xx."})
	check := func(name string, status Status, problem string, exchanges ...Exchange) Scenario {
		return Scenario{ID: "run-wide;no-request-got-a-5xx", Name: "no request got a 5xx" + name, Feature: RunWideFeature,
			Requirements: []string{"REQ-NO-5XX"}, Level: LevelMust, Status: status, Error: problem, Exchanges: exchanges}
	}
	full := mixedRun()
	split := func(name string, keep func(int) bool, rw Scenario) Run {
		r := full
		r.Scenarios = nil
		for i, sc := range full.Scenarios {
			if keep(i) {
				r.Scenarios = append(r.Scenarios, sc)
			}
		}
		r.Scenarios = append(r.Scenarios, rw)
		r.Suite.Shard = name
		return judged(r, catalog)
	}
	bad := patchExchange(`{}`, 503, ``)
	a := split("1/2", func(i int) bool { return i%2 == 0 }, check(" (shard 1 of 2)", StatusPassed, ""))
	b := split("2/2", func(i int) bool { return i%2 == 1 }, check(" (shard 2 of 2)", StatusFailed, "REQ-NO-5XX: observed 1 of 9", bad))
	got, err := Merge([]Run{a, b})
	require.NoError(t, err)
	var folded []Scenario
	for _, sc := range got.Scenarios {
		if sc.Feature == RunWideFeature {
			folded = append(folded, sc)
		}
	}
	require.Len(t, folded, 1, "one result per run-wide check")
	assert.Equal(t, "no request got a 5xx", folded[0].Name)
	assert.Equal(t, StatusFailed, folded[0].Status)
	assert.Equal(t, "shard 2/2: REQ-NO-5XX: observed 1 of 9", folded[0].Error)
	assert.Equal(t, []Exchange{bad}, folded[0].Exchanges)
	assert.Equal(t, StatusFailed, got.Requirements[len(got.Requirements)-1].Status)

	res, err := Verify(render(t, WriteJSON, got), fixtureSuite)
	require.NoError(t, err)
	assert.True(t, res.OK(), res.Problems)
}

// redigest recomputes report_digest over an edited document, as a forger would.
func redigest(t *testing.T, doc []byte) []byte {
	t.Helper()
	d, err := ReportDigest(doc)
	require.NoError(t, err)
	out, err := setDigest(doc, d)
	require.NoError(t, err)
	return out
}
