package cli

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/features"
)

// TestUndefinedStepInFeaturesExits2AtLoad (issue 17 item 13): a --features file with a
// step no phrase matches is a suite error: exit 2 before any request, naming the file,
// the line and the closest phrase (it was each scenario's error, and exit 4).
func TestUndefinedStepInFeaturesExits2AtLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"requirements.yaml", "requests.feature"} {
		src, err := fs.ReadFile(features.FS, name)
		require.NoError(t, err)
		if name == "requests.feature" {
			require.Contains(t, string(src), "    Then the answer is 400 or 404\n")
			src = []byte(strings.Replace(string(src), "    Then the answer is 400 or 404\n", "    Then the answr is 400 or 404\n", 1))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), src, 0o600))
	}
	line := 1 + strings.Count(strings.Split(mustRead(t, filepath.Join(dir, "requests.feature")), "the answr is")[0], "\n")
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer srv.Close()
	env, stdout, stderr := testEnv(t, "run", "--features", dir, "--base-url", srv.URL, "--token", "t", "--report-dir", filepath.Join(t.TempDir(), "r"))
	assert.Equal(t, ExitUsage, Main(env), stdout.String()+stderr.String())
	want := filepath.Join(dir, "requests.feature") + ":" + strconv.Itoa(line) + `: undefined step "Then the answr is 400 or 404": no phrase matches it; did you mean "the answer is 400 or 404"?`
	assert.Contains(t, stderr.String(), want)
	assert.Zero(t, requests.Load(), "a suite error sends nothing")
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// TestConsoleCountsAgree (issue 17 item 16): the first line and the summary count the
// same results (scenarios and run-wide checks, named apart: it was "420 scenarios" then
// "422 scenarios"); `list` counts a requirement's results as the report lists them
// (REQ-NO-5XX: its scenarios and its run-wide check); one scenario is "1 scenario"; and the
// level lines count skipped and error as the not judged they are, not beside them.
func TestConsoleCountsAgree(t *testing.T) {
	t.Parallel()
	env, stdout, _ := testEnv(t, "list")
	require.Equal(t, ExitConformant, Main(env))
	listed := ""
	for _, line := range strings.Split(stdout.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "REQ-NO-5XX" {
			listed = f[2]
		}
	}
	assert.Contains(t, stdout.String(), "48 requirements: 420 scenarios and 2 run-wide checks")

	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--tags", "@REQ-NO-5XX", "--report-dir", dir)
	Main(env)
	assert.Contains(t, stderr.String(), "(profile reference, 6 scenarios and 2 run-wide checks, seed ")
	assert.Contains(t, stdout.String(), "\n  6 scenarios and 2 run-wide checks (8 passed, ")
	_, run := readReport(t, dir)
	for _, r := range run.Requirements {
		if r.ID == "REQ-NO-5XX" {
			assert.Equal(t, listed, strconv.Itoa(len(r.Scenarios)), "list and the report count REQ-NO-5XX's results alike")
		}
	}
	assert.Regexp(t, `\n  must:   2 passed, 0 failed, 28 not judged \(28 skipped, 0 error\)\n`, stdout.String())

	env, stdout, stderr = testEnv(t, "run", "--tags", "@PATCH-OWNER-KEPT", "--report-dir", t.TempDir())
	Main(env)
	assert.Contains(t, stderr.String(), "(profile reference, 1 scenario and 2 run-wide checks, seed ")
	assert.Contains(t, stdout.String(), "\n  1 scenario and 2 run-wide checks (3 passed, ")
	assert.NotContains(t, stdout.String()+stderr.String(), " 1 scenarios")
}
