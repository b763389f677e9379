package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerifyUntouched(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			res, err := Verify(render(t, WriteJSON, fx.run()), fixtureSuite)
			require.NoError(t, err)
			assert.True(t, res.ReportDigestOK)
			assert.True(t, res.CountsOK)
			assert.True(t, res.SuiteDigestMatches)
			assert.True(t, res.OK())
			assert.Empty(t, res.Problems)
		})
	}
}

// edit replaces exactly one occurrence of old in doc, so a test fails loudly when the
// fixture's text moves instead of silently editing nothing.
func edit(t *testing.T, doc []byte, old, new string) []byte {
	t.Helper()
	require.Equal(t, 1, bytes.Count(doc, []byte(old)), "want exactly one %q in the report", old)
	return bytes.Replace(doc, []byte(old), []byte(new), 1)
}

func TestVerifyDetectsARequirementFlip(t *testing.T) {
	doc := render(t, WriteJSON, mixedRun())
	// PATCH-NULL failed; claim it passed.
	doc = edit(t, doc, `"title": "null clears a field.",
      "status": "failed"`, `"title": "null clears a field.",
      "status": "passed"`)
	res, err := Verify(doc, fixtureSuite)
	require.NoError(t, err)
	assert.False(t, res.ReportDigestOK)
	assert.False(t, res.CountsOK, "the summary still counts the failure and the scenario still failed")
	assert.False(t, res.OK())
	assert.True(t, hasProblem(res, "requirement PATCH-NULL is \"passed\" but its scenarios make it \"failed\""), res.Problems)
	assert.True(t, hasProblem(res, "summary.must.passed is 2 but the requirements give 3"), res.Problems)
}

func TestVerifyDetectsAScenarioFlip(t *testing.T) {
	doc := render(t, WriteJSON, mixedRun())
	// The failing PATCH-NULL scenario claims it passed: requirement, summary and verdict
	// no longer follow from it.
	doc = edit(t, doc, `"line": 31,
      "requirements": [
        "PATCH-NULL"
      ],
      "level": "must",
      "status": "failed"`, `"line": 31,
      "requirements": [
        "PATCH-NULL"
      ],
      "level": "must",
      "status": "passed"`)
	res, err := Verify(doc, fixtureSuite)
	require.NoError(t, err)
	assert.False(t, res.ReportDigestOK)
	assert.False(t, res.CountsOK)
	assert.True(t, hasProblem(res, "requirement PATCH-NULL is \"failed\" but its scenarios make it \"passed\""), res.Problems)
	assert.True(t, hasProblem(res, `verdict is "non-conformant" but the requirements give "incomplete"`), res.Problems)
}

func TestVerifyDetectsAChangedCount(t *testing.T) {
	doc := render(t, WriteJSON, mixedRun())
	doc = edit(t, doc, `"must": {
      "passed": 2,
      "failed": 1,`, `"must": {
      "passed": 3,
      "failed": 0,`)
	res, err := Verify(doc, fixtureSuite)
	require.NoError(t, err)
	assert.False(t, res.ReportDigestOK)
	assert.False(t, res.CountsOK)
	assert.True(t, hasProblem(res, "summary.must.passed is 3 but the requirements give 2"), res.Problems)
	assert.True(t, hasProblem(res, "summary.must.failed is 0 but the requirements give 1"), res.Problems)
}

func TestVerifyDigestOnlyChange(t *testing.T) {
	// A change that keeps the counts consistent is still caught by the digest.
	doc := edit(t, render(t, WriteJSON, mixedRun()), `"seed": 42`, `"seed": 43`)
	res, err := Verify(doc, fixtureSuite)
	require.NoError(t, err)
	assert.False(t, res.ReportDigestOK)
	assert.True(t, res.CountsOK)
	assert.False(t, res.OK())
}

func TestVerifyOtherSuite(t *testing.T) {
	res, err := Verify(render(t, WriteJSON, mixedRun()), "sha256:other")
	require.NoError(t, err)
	assert.False(t, res.SuiteDigestMatches)
	assert.True(t, res.OK(), "another suite (a custom profile) is not tampering")
	assert.True(t, hasProblem(res, "sha256:other"), res.Problems)
}

func TestVerifyVerdictFollowsTheFold(t *testing.T) {
	// An error verdict comes from a run that stopped early (run.stopped), never by hand.
	r := mixedRun()
	r.Verdict = VerdictError
	res, err := Verify(render(t, WriteJSON, r), fixtureSuite)
	require.NoError(t, err)
	assert.False(t, res.OK())
	assert.True(t, hasProblem(res, `verdict is "error" but the requirements give "non-conformant"`), res.Problems)

	r = fixtureBaseRun()
	r.Scenarios = []Scenario{passed("a;b", "b", "F", "PATCH-OMIT")}
	r.Run.Stopped = "interrupted"
	Judge(&r, fixtureCatalog)
	require.Equal(t, VerdictError, r.Verdict)
	res, err = Verify(render(t, WriteJSON, r), fixtureSuite)
	require.NoError(t, err)
	assert.True(t, res.OK(), res.Problems)
}

func TestVerifyRefusesUnknownStatuses(t *testing.T) {
	doc := edit(t, render(t, WriteJSON, mixedRun()), `"verdict": "non-conformant"`, `"verdict": "mostly-fine"`)
	res, err := Verify(doc, fixtureSuite)
	require.NoError(t, err)
	assert.True(t, hasProblem(res, `verdict "mostly-fine" is not one of`), res.Problems)
}

func TestVerifyUnreadable(t *testing.T) {
	_, err := Verify([]byte("not json"), fixtureSuite)
	assert.Error(t, err)
	_, err = Verify([]byte(`{"schema": "casecert.report/v1"}`), fixtureSuite)
	assert.ErrorContains(t, err, "report_digest")
}

func hasProblem(res VerifyResult, text string) bool {
	for _, p := range res.Problems {
		if strings.Contains(p, text) {
			return true
		}
	}
	return false
}
