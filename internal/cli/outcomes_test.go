package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// The done-when tests of issue 12: each run ends with the exit code and verdict of
// cli-and-report.md and says why on the first line of the console's verdict block.

// target is the reference server behind a switchboard that counts requests and, after a
// given number, starts misbehaving.
type switchboard struct {
	ref      *refserver.Server
	requests atomic.Int64
	// after this many requests (0: never) misbehave answers instead of the server.
	after     int64
	misbehave func(w http.ResponseWriter, r *http.Request)
	// onRequest sees the number of every request.
	onRequest func(n int64)
	base      string
	token     string
}

func startSwitchboard(t *testing.T, faults ...string) *switchboard {
	t.Helper()
	ref, err := refserver.New(refserver.Options{Faults: faults})
	require.NoError(t, err)
	tg := &switchboard{ref: ref}
	hs := httptest.NewServer(tg)
	t.Cleanup(func() { hs.Close(); ref.Close() })
	tg.base = hs.URL + refserver.DefaultBasePath
	tg.token, err = ref.MintToken(time.Hour)
	require.NoError(t, err)
	return tg
}

func (tg *switchboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := tg.requests.Add(1)
	if tg.onRequest != nil {
		tg.onRequest(n)
	}
	if tg.after > 0 && n > tg.after {
		tg.misbehave(w, r)
		return
	}
	tg.ref.ServeHTTP(w, r)
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func quotaExceeded(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprint(w, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`)
}

// outcome is what one casecert run left.
type outcome struct {
	code    ExitCode
	stdout  string
	stderr  string
	dir     string
	verdict string // the first line of the console's verdict block
	report  *reports.Run
}

func runCasecert(t *testing.T, ctx context.Context, args ...string) outcome {
	t.Helper()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, append([]string{"run", "--report-dir", dir, "--seed", "5"}, args...)...)
	if ctx != nil {
		env.Context = ctx
	}
	o := outcome{code: Main(env), stdout: stdout.String(), stderr: stderr.String(), dir: dir}
	for _, line := range strings.Split(o.stdout, "\n") {
		if strings.HasPrefix(line, "verdict: ") {
			o.verdict = line
			break
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "report.json")); err == nil {
		o.report = &reports.Run{}
		require.NoError(t, json.Unmarshal(data, o.report))
	}
	return o
}

func (o outcome) String() string { return o.stdout + o.stderr }

// assertOutcome checks the exit code, the verdict of the console and of report.json, and
// the first line of the verdict block.
func assertOutcome(t *testing.T, o outcome, code ExitCode, verdict reports.Verdict, why string) {
	t.Helper()
	t.Logf("exit %d, %s", o.code, o.verdict)
	assert.Equal(t, code, o.code, "exit code\n%s", o)
	assert.True(t, strings.HasPrefix(o.verdict, "verdict: "+strings.ToUpper(string(verdict))+": "), "verdict line %q, want %s", o.verdict, verdict)
	assert.Contains(t, o.verdict, why)
	if assert.NotNil(t, o.report, "report.json is written") {
		assert.Equal(t, verdict, o.report.Verdict)
		assert.Contains(t, o.report.VerdictReason, why)
	}
}

func TestNotTheCaseAPIExit3(t *testing.T) {
	t.Parallel()
	tg := startSwitchboard(t)
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><body><form action=/login>Sign in</form></body></html>")
	}))
	defer html.Close()
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	defer loop.Close()
	wrong := strings.TrimSuffix(tg.base, refserver.DefaultBasePath) + "/services/apexrest/Wrong"
	for name, tc := range map[string]struct{ base, want string }{
		"wrong base path": {wrong, "this is not the Case API at this URL: POST " + wrong + "/incidents answered no such resource (404"},
		"HTML login page": {html.URL, `this is not the Case API at this URL: GET ` + html.URL + `/incidents/500000000000000AAA answered an HTML page (200, Content-Type "text/html; charset=utf-8")`},
		"redirect loop":   {loop.URL, `answered a redirect (302, Content-Type "text/html; charset=utf-8", Location "/incidents/500000000000000AAA")`},
	} {
		t.Run(name, func(t *testing.T) {
			o := runCasecert(t, nil, "--base-url", tc.base, "--token", tg.token)
			assertOutcome(t, o, ExitUnreachable, reports.VerdictError, tc.want)
			assert.Zero(t, o.report.Summary.Scenarios.Failed, "nothing was judged")
		})
	}
}

func TestCreateRefusedBecauseOfOneFieldExit2(t *testing.T) {
	t.Parallel()
	tg := startSwitchboard(t)
	y := strings.Replace(string(fixtures.DefaultYAML()), "{name: police_involved, type: boolean}", "{name: police_involved, type: string}", 1)
	profile := filepath.Join(t.TempDir(), "vendor.yaml")
	require.NoError(t, os.WriteFile(profile, []byte(y), 0o644))
	o := runCasecert(t, nil, "--base-url", tg.base, "--token", tg.token, "--profile", profile)
	assertOutcome(t, o, ExitUsage, reports.VerdictError, `because of field "police_involved" (`+profile+`:`)
	assert.Contains(t, o.verdict, "Fix the profile: check the type (string)")
	assert.NotEmpty(t, o.report.Cleanup.CreatedCaseIDs, "the cases the preflight created are listed")
}

func TestUnwritableReportDirSendsNothing(t *testing.T) {
	t.Parallel()
	tg := startSwitchboard(t)
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	env, stdout, stderr := testEnv(t, "run", "--base-url", tg.base, "--token", tg.token, "--report-dir", filepath.Join(file, "report"))
	assert.Equal(t, ExitUsage, Main(env), stdout.String()+stderr.String())
	assert.Contains(t, stderr.String(), "cannot be written (nothing was sent to the target)")
	assert.Zero(t, tg.requests.Load(), "no request before the report directory is known to be writable")
}

func TestTagsSelectingPartOfTheMustsIsIncomplete(t *testing.T) {
	t.Parallel()
	o := runCasecert(t, nil, "--tags", "@PATCH-NULL", "--format", "json")
	assertOutcome(t, o, 4, reports.VerdictIncomplete, "no must requirement failed, but")
	assert.Contains(t, o.verdict, "PATCH-OMIT (skipped)")
}

func TestOneShardIsIncomplete(t *testing.T) {
	t.Parallel()
	o := runCasecert(t, nil, "--shard", "2/8", "--format", "json")
	assertOutcome(t, o, 4, reports.VerdictIncomplete, "no must requirement failed, but")
	assert.Contains(t, o.verdict, "shard 2/8")
}

func TestTargetDyingMidRun(t *testing.T) {
	t.Parallel()
	t.Run("no must failed before", func(t *testing.T) {
		tg := startSwitchboard(t)
		tg.after, tg.misbehave = 80, hangUp
		o := runCasecert(t, nil, "--base-url", tg.base, "--token", tg.token, "--format", "json,junit")
		assertOutcome(t, o, ExitUnreachable, reports.VerdictError, "the run stopped early: the target stopped answering: 5 requests in a row got no answer")
		s := o.report.Summary.Scenarios
		assert.Zero(t, s.Failed, "no answer is never a violation")
		assert.Positive(t, s.NotRun)
		assert.Positive(t, s.Error)
		assert.NotEmpty(t, o.report.Cleanup.CreatedCaseIDs)
		t.Logf("the target hung up from request 81 on; it got %d requests", tg.requests.Load())
		assert.Less(t, tg.requests.Load(), int64(80+40), "the run stops promptly")
		junit, err := os.ReadFile(filepath.Join(o.dir, "junit.xml"))
		require.NoError(t, err)
		assert.Contains(t, string(junit), `failures="0"`)
	})
	t.Run("a must failed before", func(t *testing.T) {
		tg := startSwitchboard(t, "null-ignored")
		tg.after, tg.misbehave = 30, hangUp // mid-run: cases are reused, so a scenario takes about 2 requests
		o := runCasecert(t, nil, "--base-url", tg.base, "--token", tg.token, "--tags", "@PATCH-NULL", "--concurrency", "1", "--format", "json")
		assertOutcome(t, o, ExitNonConformant, reports.VerdictNonConformant, "1 must requirement failed: PATCH-NULL; the run stopped early: the target stopped answering")
		assert.Positive(t, o.report.Summary.Scenarios.NotRun)
	})
}

func TestQuotaExceededStopsWithinSixteenRequests(t *testing.T) {
	t.Parallel()
	const n = 50
	tg := startSwitchboard(t)
	tg.after, tg.misbehave = n, quotaExceeded
	o := runCasecert(t, nil, "--base-url", tg.base, "--token", tg.token, "--format", "json")
	assertOutcome(t, o, ExitUnreachable, reports.VerdictError, "the run stopped early: the target's request quota is exhausted")
	t.Logf("the target answered REQUEST_LIMIT_EXCEEDED from request %d on; it got %d requests", n+1, tg.requests.Load())
	assert.LessOrEqual(t, tg.requests.Load(), int64(n+16))
	assert.Zero(t, o.report.Summary.Scenarios.Failed)
}

func TestCtrlCLeavesTheRestNotRun(t *testing.T) {
	t.Parallel()
	tg := startSwitchboard(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tg.onRequest = func(n int64) {
		if n == 60 {
			cancel()
		}
	}
	o := runCasecert(t, ctx, "--base-url", tg.base, "--token", tg.token, "--format", "json,junit")
	assertOutcome(t, o, ExitUnreachable, reports.VerdictError, "the run stopped early: interrupted")
	s := o.report.Summary.Scenarios
	assert.Zero(t, s.Failed)
	assert.Positive(t, s.NotRun)
	junit, err := os.ReadFile(filepath.Join(o.dir, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `failures="0"`)
	assert.True(t, bytes.Contains(junit, []byte("<skipped")))
}

// A target that throttles everything (429 with Retry-After) ends the run once the
// run-wide retry budget (4 x --timeout) is spent, instead of waiting for hours.
func TestThrottledRunStopsOnItsRetryBudget(t *testing.T) {
	t.Parallel()
	tg := startSwitchboard(t)
	tg.after = 3
	tg.misbehave = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `[{"message":"slow down","errorCode":"TOO_MANY_REQUESTS"}]`)
	}
	start := time.Now()
	o := runCasecert(t, nil, "--base-url", tg.base, "--token", tg.token, "--timeout", "1s", "--format", "json")
	assertOutcome(t, o, ExitUnreachable, reports.VerdictError, "the run stopped early: the target keeps asking to retry later")
	assert.Contains(t, o.verdict, "retry budget of 4s")
	assert.Less(t, time.Since(start), 30*time.Second)
	assert.Zero(t, o.report.Summary.Scenarios.Failed, "a throttled answer judges nothing")
}
