package selftest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/cli"
	"github.com/casecert/casecert/reports"
)

// disruptiveSubset is a cheap slice of the suite for the multi-seed runs: the disruptive
// requirements and the ones a target broken mid-run failed on json-server (issue 18).
const disruptiveSubset = "@REQ-NO-5XX,@PATCH-CONCURRENT,@PATCH-OMIT,@PATCH-NULL,@PATCH-SET,@FMT-TIME,@ID-UNKNOWN,@ID-MALFORMED,@LOC-PRECEDENCE,@VER-CURRENT"

// certifySeeds runs the subset against the reference server with the faults under seeds
// 1 to 5, at once, and returns the runs by seed.
func certifySeeds(t *testing.T, faults ...string) map[int]reports.Run {
	t.Helper()
	var mu sync.Mutex
	runs := map[int]reports.Run{}
	var wg sync.WaitGroup
	for seed := 1; seed <= 5; seed++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir := t.TempDir()
			args := []string{"run", "--report-dir", dir, "--format", "json", "--seed", fmt.Sprint(seed), "--tags", disruptiveSubset}
			for _, f := range faults {
				args = append(args, "--fault", f)
			}
			_, run, _ := runReport(t, dir, args...)
			mu.Lock()
			runs[seed] = run
			mu.Unlock()
		}()
	}
	wg.Wait()
	require.Len(t, runs, 5)
	return runs
}

// table is a run's requirement table: each requirement's status.
func table(run reports.Run) map[string]reports.Status {
	out := map[string]reports.Status{}
	for _, r := range run.Requirements {
		out[r.ID] = r.Status
	}
	return out
}

// A target that behaves like json-server 0.17 (a body nested 10000 deep is stored, and
// every write answers 500 from then on) fails REQ-NO-5XX and nothing else, under any
// seed: the abuse runs after every other scenario, and the health probe after it names
// it. The reference server's table is the same under every seed too.
func TestDisruptiveScenarioBreaksOnlyItsRequirementUnderAnySeed(t *testing.T) {
	t.Parallel()
	const nested = `"an abusive request, JSON nested 10000 deep, gets no 5xx answer"`
	t.Run("deep-json-poisons", func(t *testing.T) {
		t.Parallel()
		runs := certifySeeds(t, "deep-json-poisons")
		for seed, run := range runs {
			assert.Equal(t, []string{"REQ-NO-5XX"}, run.FailedIDs(""), "seed %d: %s", seed, run.VerdictReason)
			assert.Contains(t, run.Run.Stopped, nested, "seed %d", seed)
			assert.Contains(t, run.VerdictReason, "RangeError: Maximum call stack size exceeded", "seed %d", seed)
			for _, r := range run.Requirements {
				if r.ID == "REQ-NO-5XX" {
					assert.Contains(t, r.Reason, "JSON nested 10000 deep", "seed %d: the reason names the scenario", seed)
					assert.Contains(t, r.Reason, "observed 500", "seed %d: the reason names the answer", seed)
				}
			}
			for _, sc := range run.Scenarios {
				if sc.Status == reports.StatusNotRun {
					assert.Equal(t, []string{"REQ-NO-5XX"}, sc.Requirements, "seed %d: only disruptive scenarios after the break are not run", seed)
				}
			}
			assert.Equal(t, table(runs[1]), table(run), "seed %d: the table changed with the seed", seed)
		}
	})
	t.Run("reference", func(t *testing.T) {
		t.Parallel()
		runs := certifySeeds(t)
		for seed, run := range runs {
			assert.Equal(t, reports.VerdictIncomplete, run.Verdict, "seed %d: a tag subset leaves musts unjudged", seed)
			assert.Empty(t, run.FailedIDs(""), "seed %d", seed)
			// The phase is measured: its 7 scenarios (6 abuses, the burst), a health probe
			// (a read and a write) before the first and after each.
			if assert.NotNil(t, run.Run.Disruptive, "seed %d", seed) {
				assert.Equal(t, 7, run.Run.Disruptive.Scenarios, "seed %d", seed)
				assert.GreaterOrEqual(t, run.Run.Disruptive.Requests, 6+8+2*(7+1), "seed %d", seed)
			}
			assert.Equal(t, table(runs[1]), table(run), "seed %d: the table changed with the seed", seed)
		}
	})
}

// A target one abuse breaks for good ends as a run that stops early, naming the
// scenario, after every requirement that is not disruptive was judged.
func TestAbuseThatBreaksTheTargetStopsTheRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, run, out := runReport(t, dir, "run", "--report-dir", dir, "--seed", "7", "--fault", "abuse-breaks-for-good")
	assert.Equal(t, cli.ExitNonConformant, code, out)
	const big = `"an abusive request, a body over 1 MiB, gets no 5xx answer"`
	assert.Contains(t, run.Run.Stopped, big)
	assert.Equal(t, []string{"REQ-NO-5XX"}, run.FailedIDs(""))
	for _, r := range run.Requirements {
		if r.ID != "REQ-NO-5XX" {
			assert.Contains(t, []reports.Status{reports.StatusPassed, reports.StatusObserved}, r.Status, "%s was not judged: %s", r.ID, r.Reason)
		}
	}
	notRun := 0
	for _, sc := range run.Scenarios {
		if sc.Status == reports.StatusNotRun {
			notRun++
			assert.Equal(t, []string{"REQ-NO-5XX"}, sc.Requirements, sc.Name)
		}
	}
	assert.Equal(t, 5, notRun, "the abuses after the one that broke the target")
	if assert.NotNil(t, run.Run.Disruptive) {
		assert.Equal(t, 2, run.Run.Disruptive.Scenarios, "PATCH-CONCURRENT's burst, then the abuse that broke the target")
	}
	// The reason is on the first line of the verdict block and of every report.
	assert.Contains(t, firstLineWith(out, "verdict:"), big)
	for _, name := range []string{"summary.md", "report.html", "junit.xml"} {
		assert.Contains(t, readReport(t, dir, name), "a body over 1 MiB, gets no 5xx answer", name)
	}
	assert.Contains(t, strings.SplitN(readReport(t, dir, "summary.md"), "\n", 2)[0], "a body over 1 MiB")
}

// The disruptive scenarios can be left out ('~@disruptive', for a shared staging that
// must not be hurt): the musts they hold are then not judged, and the run is incomplete.
func TestLeavingOutDisruptiveScenariosIsIncomplete(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, run, out := runReport(t, dir, "run", "--report-dir", dir, "--format", "json", "--tags", "~@disruptive && @patch")
	assert.Equal(t, cli.ExitIncomplete, code, out)
	assert.Equal(t, reports.VerdictIncomplete, run.Verdict)
	st := table(run)
	assert.NotEqual(t, reports.StatusPassed, st["PATCH-CONCURRENT"])
	assert.NotEqual(t, reports.StatusPassed, st["REQ-NO-5XX"])
	assert.Equal(t, reports.StatusPassed, st["PATCH-OMIT"])
	assert.Contains(t, run.VerdictReason, "PATCH-CONCURRENT")
	assert.Nil(t, run.Run.Disruptive, "no disruptive phase ran")
}

// firstLineWith is the first line of out that contains s ("" when none does).
func firstLineWith(out, s string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// readReport reads one report file of dir.
func readReport(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(data)
}

// Each disruptive scenario and the health probe use up a case: at --concurrency 1 the
// default --max-cases still leaves one for each of them, so they are judged, not left as
// errors for want of a case.
func TestLowConcurrencyLeavesACaseForEachDisruptiveScenario(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, run, out := runReport(t, dir, "run", "--report-dir", dir, "--format", "json", "--concurrency", "1", "--seed", "3",
		"--tags", "@REQ-NO-5XX,@PATCH-CONCURRENT,@PATCH-NULL")
	st := table(run)
	for _, id := range []string{"REQ-NO-5XX", "PATCH-CONCURRENT", "PATCH-NULL"} {
		assert.Equal(t, reports.StatusPassed, st[id], "%s\n%s", id, out)
	}
	if assert.NotNil(t, run.Run.Disruptive) {
		assert.Equal(t, 7, run.Run.Disruptive.Scenarios)
	}
}
