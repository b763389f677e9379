package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/casecert/casecert/reports"
)

// The reference server passes every must and should requirement. The self-certification
// with every fault switch lives in internal/selftest, which runs without -race; this run
// keeps the concurrent code of a whole run (scenarios in parallel, PATCH-CONCURRENT, the
// client's limiter, the server's single connection) under the race detector.
func TestReferenceServerIsConformant(t *testing.T) {
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--report-dir", dir, "--format", "json", "--seed", "7", "--concurrency", "4")
	code := Main(env)
	_, run := readReport(t, dir)
	out := stdout.String() + stderr.String()
	assert.Equal(t, ExitConformant, code, out)
	assert.Equal(t, reports.VerdictConformant, run.Verdict)
	assert.Empty(t, failed(run, ""), "no requirement may fail against the reference server")
	for _, s := range run.Scenarios {
		if s.Status == reports.StatusFailed {
			t.Errorf("%s: %s", s.ID, s.Error)
		}
	}
}
