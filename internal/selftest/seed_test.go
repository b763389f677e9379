package selftest

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --seed repeats a run (issue 17 item 4): two whole runs with the same seed, one at
// --concurrency 1 and one at 8, send every scenario the same body, whatever the
// scheduling and whichever case each scenario was lent. A scenario's kept write is its
// last (report.json keeps one exchange of a passing scenario). Left out of the
// comparison: a setup write (the populated body, which carries the run's marker: whether
// a lent case needs one depends on what the case went through before) and
// PATCH-CONCURRENT's burst (its writes go out together; which one the target finishes
// last is the target's doing, not a generated value). Both runs are conformant: at
// --concurrency 1 too, the default --max-cases leaves a case for each disruptive
// scenario.
func TestSeedRepeatsTheBodiesSent(t *testing.T) {
	t.Parallel()
	const seed = "1234"
	marker := `"external_reference":"casecert-` + seed + `"`
	lastWrites := map[string]map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, conc := range []string{"1", "8"} {
		wg.Go(func() {
			dir := t.TempDir()
			_, run, out := runReport(t, dir, "run", "--report-dir", dir, "--format", "json", "--seed", seed,
				"--concurrency", conc)
			assert.Equal(t, "conformant", string(run.Verdict), out)
			bodies := map[string]string{}
			for _, sc := range run.Scenarios {
				if strings.HasPrefix(sc.Name, "concurrent PATCHes") {
					continue
				}
				for _, ex := range sc.Exchanges {
					if ex.Method != http.MethodGet && !strings.Contains(ex.RequestBody, marker) {
						bodies[sc.ID] = ex.RequestBody
					}
				}
			}
			require.NotEmpty(t, bodies, out)
			mu.Lock()
			lastWrites[conc] = bodies
			mu.Unlock()
		})
	}
	wg.Wait()
	one, eight := lastWrites["1"], lastWrites["8"]
	differ := 0
	for id, body := range eight {
		if _, ok := one[id]; !ok {
			differ++
			t.Errorf("%s sent %s at --concurrency 8 and nothing at 1", id, body)
		}
	}
	for id, body := range one {
		if eight[id] != body {
			differ++
			t.Errorf("%s sent %s at --concurrency 1 and %s at 8", id, body, eight[id])
		}
	}
	assert.Zero(t, differ, "of %d scenarios", len(one))
	assert.Greater(t, len(one), 300, "most scenarios write")
}
