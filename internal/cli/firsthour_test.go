package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/reports"
)

// The first hour's mistakes (issue 17 items 9-12): what a new user's run says on the
// console when the report, the API version or the OAuth settings go wrong. Each run is a
// one-scenario tag subset of the built-in reference server.

const oneScenario = "@VER-CURRENT"

// A report file that cannot be written (report.json is a directory) hides neither the
// verdict nor the other files: the verdict block is printed, every other writer writes,
// and the run exits 2 naming the file.
func TestUnwritableReportFileStillGivesTheVerdict(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(dir, "report.json")
	require.NoError(t, os.MkdirAll(filepath.Join(blocker, "keep"), 0o755))
	env, stdout, stderr := testEnv(t, "run", "--report-dir", dir, "--tags", oneScenario, "--seed", "3")
	code := Main(env)
	console := stdout.String() + stderr.String()
	assert.Equal(t, ExitUsage, code, console)
	assert.Contains(t, stdout.String(), "verdict: INCOMPLETE", "the verdict is printed")
	assert.Contains(t, stderr.String(), blocker, "the file is named")
	for _, f := range []string{"report.html", "summary.md", "junit.xml", "cucumber.json", "badge.svg"} {
		assert.FileExists(t, filepath.Join(dir, f), "every writer that can write does")
		assert.Contains(t, stdout.String(), filepath.Join(dir, f))
	}
	assert.NotContains(t, stdout.String(), "report: "+blocker, "a file not written is not listed as written")
}

// A report directory holds one run's report: --format md into the directory of an
// earlier full run removes its report.json and report.html (the README and --help say
// so), and leaves files that are not casecert's alone. The second run also sends an API
// version the target refuses: the header is dropped, and the console says so (item 11).
func TestReportDirHoldsOneRunsReportAndWarningsReachTheConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--report-dir", dir, "--tags", oneScenario, "--seed", "3", "--format", "json,html,md")
	require.Equal(t, ExitIncomplete, Main(env), stdout.String()+stderr.String())
	require.FileExists(t, filepath.Join(dir, "report.html"))
	notes := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notes, []byte("mine"), 0o644))

	env, stdout, stderr = testEnv(t, "run", "--report-dir", dir, "--tags", oneScenario, "--seed", "3", "--format", "md", "--api-version", "99.0")
	require.Equal(t, ExitIncomplete, Main(env), stdout.String()+stderr.String())
	assert.FileExists(t, filepath.Join(dir, "summary.md"))
	assert.NoFileExists(t, filepath.Join(dir, "report.html"), "an earlier run's report.html is not left beside this run's summary")
	assert.NoFileExists(t, filepath.Join(dir, "report.json"))
	assert.FileExists(t, notes, "only report files are removed")

	assert.Contains(t, stderr.String(), `WARNING: the target refuses API-Version "99.0"`, "said when it happens")
	assert.Contains(t, stdout.String(), `warning: the target refuses API-Version "99.0"`, "and in the verdict block")
	assert.Contains(t, stdout.String(), "the run sent no API-Version header")

	env, stdout, stderr = testEnv(t, "run", "-h")
	require.Equal(t, ExitConformant, Main(env))
	assert.Contains(t, stdout.String()+stderr.String(), "files of formats left out of --format are removed", "run -h states the rule")
}

// A token endpoint that refuses the client credentials is named, with its OAuth error
// code: the target was never asked, so "cannot be reached" would send the user to the
// wrong place. The secret the endpoint echoes is not shown.
func TestRefusedTokenRequestNamesTheTokenEndpoint(t *testing.T) {
	t.Parallel()
	const secret = "wrong-secret-of-the-client"
	var targetAsked atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { targetAsked.Store(true) }))
	t.Cleanup(target.Close)
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"invalid_client","error_description":"client authentication failed for secret %s"}`, r.PostForm.Get("client_secret"))
	}))
	t.Cleanup(tokens.Close)
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", target.URL, "--token-url", tokens.URL+"/oauth/token",
		"--client-id", "casecert", "--client-secret", secret, "--report-dir", dir, "--tags", oneScenario)
	code := Main(env)
	console := stdout.String() + stderr.String()
	assert.Equal(t, ExitUnreachable, code, console)
	assert.Contains(t, stderr.String(), "the OAuth token endpoint "+tokens.URL+"/oauth/token refused the client credentials: it answered 401 invalid_client")
	assert.Contains(t, stderr.String(), "--client-secret")
	assert.NotContains(t, console, "cannot be reached")
	assert.NotContains(t, console, secret)
	assert.False(t, targetAsked.Load(), "the target is not asked without a token")
}

// At --concurrency 1 the default --max-cases (4) ran out before the last of the seven
// disruptive scenarios, each of which takes a case no scenario gets after it: REQ-NO-5XX
// was not judged and a whole run incomplete. The default now leaves one for each.
func TestLowConcurrencyLeavesACaseForEachDisruptiveScenario(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--report-dir", dir, "--format", "json", "--concurrency", "1",
		"--tags", "@REQ-NO-5XX,@PATCH-CONCURRENT", "--seed", "3")
	Main(env)
	_, run := readReport(t, dir)
	for _, r := range run.Requirements {
		if r.ID == "REQ-NO-5XX" || r.ID == "PATCH-CONCURRENT" {
			assert.Equal(t, reports.StatusPassed, r.Status, "%s: %s\n%s%s", r.ID, r.Reason, stdout, stderr)
		}
	}
}
