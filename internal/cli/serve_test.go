package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// syncBuffer is a bytes.Buffer that serve can write while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServe runs "casecert serve" until the returned stop is called; it returns the
// printed base URL and token once the server listens.
func startServe(t *testing.T, args ...string) (base, token string, stop func() ExitCode) {
	t.Helper()
	base, token, _, stop = startServeBanner(t, args...)
	return base, token, stop
}

// startServeBanner is startServe that also returns what serve printed.
func startServeBanner(t *testing.T, args ...string) (base, token string, banner *syncBuffer, stop func() ExitCode) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env, _, _ := testEnv(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	out := &syncBuffer{}
	env.Stdout, env.Context = out, ctx
	done := make(chan ExitCode, 1)
	go func() { done <- Main(env) }()
	listening := regexp.MustCompile(`listening on (\S+)`)
	tokenLine := regexp.MustCompile(`CASECERT_TOKEN='?([^'\s]+)`)
	deadline := time.Now().Add(time.Second) // serve starts in under a second
	for time.Now().Before(deadline) {
		if m, k := listening.FindStringSubmatch(out.String()), tokenLine.FindStringSubmatch(out.String()); m != nil && k != nil &&
			strings.Contains(out.String(), " --expired-token ") {
			return m[1], k[1], out, func() ExitCode {
				cancel()
				select {
				case code := <-done:
					return code
				case <-time.After(5 * time.Second):
					t.Fatal("serve did not stop within 5s of Ctrl-C")
					return -1
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	t.Fatalf("serve did not print its address within a second:\n%s", out.String())
	return "", "", nil, nil
}

func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("API-Version", "1.0")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// The printed token works as printed, Ctrl-C stops the server cleanly, and with --db the
// cases outlive it.
func TestServeAnswersWithThePrintedTokenAndKeepsCases(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "cases.db")
	base, token, stop := startServe(t, "--db", db, "--token-key", "serve-test-key")
	status, body := call(t, http.MethodPost, base+"/incidents", token, `{"description": "kept across restarts"}`)
	require.Equal(t, http.StatusCreated, status, body)
	id := regexp.MustCompile(`"id":"(\w+)"`).FindStringSubmatch(body)[1]
	status, _ = call(t, http.MethodGet, base+"/incidents", "not-the-token", "")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, ExitConformant, stop())

	base, token, stop = startServe(t, "--db", db, "--token-key", "serve-test-key")
	defer stop()
	status, body = call(t, http.MethodGet, base+"/incidents/"+id, token, "")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "kept across restarts")
}

// Ctrl-C during a run ends it promptly with exit 3 and a partial report marked "error",
// the scenarios left not-run.
func TestInterruptedRunWritesAPartialReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	env, stdout, stderr := testEnv(t, "run", "--report-dir", dir, "--format", "json", "--concurrency", "1")
	progress := &syncBuffer{}
	env.Context, env.Stderr = ctx, progress
	go func() {
		for !strings.Contains(progress.String(), "....") { // a few scenarios in
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	assert.Equal(t, ExitUnreachable, Main(env), stdout.String()+stderr.String())
	assert.Less(t, time.Since(start), 30*time.Second)
	_, run := readReport(t, dir)
	assert.Equal(t, reports.VerdictError, run.Verdict)
	assert.Contains(t, run.Run.Stopped, "interrupted")
	assert.Positive(t, run.Summary.Scenarios.NotRun)
	assert.Zero(t, run.Summary.Scenarios.Failed)
	assert.Contains(t, progress.String(), "interrupted")
}

// serve --profile serves the shape a profile describes: its paths, field names and
// fixtures, and prints how to certify it with the same profile.
func TestServeProfile(t *testing.T) {
	t.Parallel()
	profile := "../../fixtures/testdata/salesforce-names.yaml"
	base, token, stop := startServe(t, "--profile", profile)
	defer stop()
	status, body := call(t, http.MethodPost, base+"/cases", token, `{"ThinkLP__Summary__c": "from the profile", "OwnerId": "00G00000000000DEAQ"}`)
	require.Equal(t, http.StatusCreated, status, body)
	id := regexp.MustCompile(`"id":"(\w+)"`).FindStringSubmatch(body)[1]
	status, body = call(t, http.MethodGet, base+"/cases/"+id, token, "")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `"ThinkLP__Summary__c":"from the profile"`)
	assert.Contains(t, body, `"OwnerId":"00G00000000000DEAQ"`)
	status, _ = call(t, http.MethodGet, base+"/incidents", token, "")
	assert.Equal(t, http.StatusNotFound, status)
}

// serve --platform salesforce behaves as an org: it prints an opaque session id, a
// revoked one for --expired-token and how to revoke; a revoked session gets the
// platform's 401.
func TestServeAsASalesforceOrg(t *testing.T) {
	t.Parallel()
	env, stdout, _ := testEnv(t, "serve", "--platform", "apex")
	assert.Equal(t, ExitUsage, Main(env), stdout.String())

	base, token, stop := startServe(t, "--platform", "salesforce")
	defer stop()
	assert.Regexp(t, `^00D\w{12}!\w+$`, token)
	status, body := call(t, http.MethodGet, base+"/incidents", token, "")
	require.Equal(t, http.StatusOK, status, body)

	host := strings.TrimSuffix(base, refserver.DefaultBasePath)
	resp, err := http.PostForm(host+refserver.RevokePath, url.Values{"token": {token}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	status, body = call(t, http.MethodGet, base+"/incidents", token, "")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.JSONEq(t, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`, body)
}
