package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/casecert/casecert/reports"
)

// The reference server passes every must and should requirement. The self-certification
// with every fault switch lives in internal/selftest, which runs without -race; this run
// keeps the concurrent code of a whole run with default settings (scenarios in parallel,
// the case pool and its shared read-backs, PATCH-CONCURRENT, the client's limiter, the
// server's single connection) under the race detector. It is frugal: at most 2 requests
// per result, and a few cases per request in flight.
func TestReferenceServerIsConformant(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--report-dir", dir, "--format", "json", "--seed", "7")
	code := Main(env)
	_, run := readReport(t, dir)
	out := stdout.String() + stderr.String()
	assert.Equal(t, ExitConformant, code, out)
	assert.Equal(t, reports.VerdictConformant, run.Verdict)
	assert.Empty(t, run.FailedIDs(""), "no requirement may fail against the reference server")
	for _, s := range run.Scenarios {
		if s.Status == reports.StatusFailed {
			t.Errorf("%s: %s", s.ID, s.Error)
		}
	}
	assert.LessOrEqual(t, float64(run.Run.Requests)/float64(len(run.Scenarios)), 2.0, "requests per result")
	assert.LessOrEqual(t, len(run.Cleanup.CreatedCaseIDs), 2*run.Run.Concurrency+10, "cases created")
}
