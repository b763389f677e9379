package cli

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/reports"
)

func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	y := strings.Replace(string(fixtures.DefaultYAML()), "{name: department, type: string}", "{name: department, type: text}", 1)
	require.NoError(t, os.WriteFile(broken, []byte(y), 0o644))
	noFixtures := filepath.Join(dir, "no-fixtures.yaml")
	y = string(fixtures.DefaultYAML())
	require.NoError(t, os.WriteFile(noFixtures, []byte(y[:strings.Index(y, "fixtures:")]), 0o644))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{}, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"run", "--concurrency", "0"}, "--concurrency must be at least 1"},
		{[]string{"run", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"run", "--format", "pdf"}, `unknown format "pdf"`},
		{[]string{"run", "--tags", "@must and @should"}, "is not valid"},
		{[]string{"run", "--tags", "@must,"}, "is not valid"},
		{[]string{"run", "--tags", "@NO-SUCH-TAG"}, "selects no scenario"},
		{[]string{"run", "--profile", broken}, broken + `:29: field "department" has unknown type "text" (fix: use one of`},
		{[]string{"run", "--profile", filepath.Join(dir, "missing.yaml")}, "no such file"},
		{[]string{"run", "--profile", noFixtures}, noFixtures + `:27: field "location_number" takes a location (ref: location), but fixtures names no locations (fix: add fixtures: locations:`},
		{[]string{"serve", "--profile", noFixtures}, noFixtures + ":27: "},
		{[]string{"run", "--base-url", "http://127.0.0.1:1"}, "a target needs a token"},
		{[]string{"run", "--fault", "no-such-fault"}, "no-such-fault"},
		{[]string{"run", "--base-url", "http://127.0.0.1:1", "--token", "t", "--fault", "null-ignored"}, "--fault applies to the built-in reference server only"},
		{[]string{"verify"}, "usage: casecert verify"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			env, stdout, stderr := testEnv(t, tc.args...)
			assert.Equal(t, ExitUsage, Main(env))
			assert.Contains(t, stdout.String()+stderr.String(), tc.want)
		})
	}
}

func TestUnreachableTargetsExit3(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedAddr := ln.Addr().String()
	ln.Close()

	hang := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(hang)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer refusing.Close()

	cases := map[string]struct{ url, want string }{
		"connection refused": {"http://" + closedAddr, "cannot be reached"},
		"server hangs":       {hanging.URL, "cannot be reached"},
		"token refused":      {refusing.URL, "refused the token"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			env, stdout, stderr := testEnv(t, "run", "--base-url", tc.url, "--token", "casecert-secret-token-123", "--timeout", "300ms", "--retries", "0", "--report-dir", t.TempDir())
			start := time.Now()
			assert.Equal(t, ExitUnreachable, Main(env))
			out := stdout.String() + stderr.String()
			assert.Contains(t, out, tc.want)
			assert.NotContains(t, out, "casecert-secret-token-123")
			assert.Less(t, time.Since(start), 20*time.Second, "a bad target never hangs the run")
		})
	}
}

// A target that answers garbage to everything is not the Case API: the preflight says so
// (exit 3), and casecert never crashes.
func TestGarbageTargetCannotBeJudged(t *testing.T) {
	t.Parallel()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id": [1, 2`))
	}))
	defer garbage.Close()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", garbage.URL, "--token", "t0ken-abc", "--report-dir", dir, "--tags", "@PATCH-NULL,@PATCH-OMIT")
	assert.Equal(t, ExitUnreachable, Main(env), stdout.String()+stderr.String())
	assert.Contains(t, stdout.String(), "verdict: ERROR: the run stopped early: the preflight failed: this is not the Case API at this URL")
	assert.FileExists(t, filepath.Join(dir, "report.json"))
}

func TestListNamesEveryRequirement(t *testing.T) {
	t.Parallel()
	env, stdout, _ := testEnv(t, "list")
	require.Equal(t, ExitConformant, Main(env))
	out := stdout.String()
	for _, id := range []string{"PATCH-OMIT", "PATCH-NULL", "FMT-TIME", "AUTH-CHALLENGE", "VER-UNSUPPORTED"} {
		assert.Contains(t, out, id)
	}
}

func TestDryRunPrintsExpandedFeatures(t *testing.T) {
	t.Parallel()
	env, stdout, _ := testEnv(t, "run", "--dry-run")
	require.Equal(t, ExitConformant, Main(env))
	assert.Contains(t, stdout.String(), "| incident_local_time     | 14:30:00:123 |")
	assert.NotContains(t, stdout.String(), "@fields:local-time\n    Examples:\n      | value")
}

func TestVersionAndProfile(t *testing.T) {
	t.Parallel()
	env, stdout, _ := testEnv(t, "version")
	require.Equal(t, ExitConformant, Main(env))
	assert.Contains(t, stdout.String(), "casecert "+Version)
	env, stdout, _ = testEnv(t, "profile")
	require.Equal(t, ExitConformant, Main(env))
	_, err := fixtures.Parse("printed", stdout.Bytes())
	assert.NoError(t, err, "the printed profile loads as it is")
}

// A requirement that cannot apply to the target is skipped with its reason, never passed.
func TestInapplicableRequirementIsSkipped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	y := string(fixtures.DefaultYAML())
	y = y[:strings.Index(y, "  locations:")] + "  locations: [{number: STORE-0001, id: a0L000000000001EAA}]\n"
	profile := filepath.Join(dir, "one-location.yaml")
	require.NoError(t, os.WriteFile(profile, []byte(y), 0o644))
	env, stdout, stderr := testEnv(t, "run", "--profile", profile, "--report-dir", dir, "--format", "json",
		"--tags", "@LOC-PRECEDENCE,@PATCH-NULL")
	require.Equal(t, ExitIncomplete, Main(env), stdout.String()+stderr.String())
	_, run := readReport(t, dir)
	for _, r := range run.Requirements {
		switch r.ID {
		case "LOC-PRECEDENCE":
			assert.Equal(t, reports.StatusSkipped, r.Status)
			assert.Contains(t, r.Reason, "fewer than two locations")
		case "PATCH-NULL":
			assert.Equal(t, reports.StatusPassed, r.Status)
		case "PATCH-OMIT":
			assert.Equal(t, reports.StatusSkipped, r.Status, "not selected by --tags")
		}
	}
}

// A target that answers with an endless body is cut off by the driver's cap; the run
// still ends, with a clear verdict (an answer cut off judges nothing), and never buffers
// the whole body. The target passes the preflight first, then floods.
func TestHugeBodiesAreCapped(t *testing.T) {
	t.Parallel()
	tg := startSwitchboard(t)
	tg.after = 3 // the preflight: read an unknown id, create, read back
	tg.misbehave = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id": "`))
		chunk := []byte(strings.Repeat("x", 64<<10))
		for i := 0; i < 1024 && r.Context().Err() == nil; i++ { // up to 64 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", tg.base, "--token", tg.token, "--report-dir", dir, "--tags", "@PATCH-NULL")
	// Every scenario is error (an answer cut off judges nothing); only the run-wide checks
	// were judged, so the musts of PATCH-NULL are not: incomplete.
	assert.Equal(t, ExitIncomplete, Main(env), stdout.String()+stderr.String())
	assert.Contains(t, stdout.String(), "PATCH-NULL (error)")
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	assert.Less(t, len(data), 8<<20, "the report holds capped bodies, not the target's 64 MiB each")
	assert.True(t, strings.Contains(string(data), "longer than 4194304 bytes"), "the error says the body was cut off")
	assert.True(t, strings.Contains(string(data), "more bytes not kept in the report"))
}
