package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// A must judged on only some of its scenarios is partly judged in every summary (issue 17
// item 8): AUTH-INVALID against a served reference server, 4 of 5 rows without an expired
// token, 1 of 5 with an OAuth token source. Each summary names it and the flag that
// completes it, and the verdict is incomplete; with --token and --expired-token it is
// wholly judged. `profile check` says "partly".
func TestPartlyJudgedMustIsNamedInEverySummary(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Options{DBPath: ":memory:"})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := srv.MintToken(time.Hour)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 3600})
	}))
	t.Cleanup(tokens.Close)
	token, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	expired, err := srv.MintToken(-time.Hour)
	require.NoError(t, err)
	base := hs.URL + refserver.DefaultBasePath

	for _, tc := range []struct {
		name    string
		args    []string
		partly  string // "" when wholly judged
		skipped int
	}{
		{"without an expired token", []string{"--token", token}, "--expired-token", 1},
		{"with an OAuth token source", []string{"--token-url", tokens.URL, "--client-id", "c", "--client-secret", "s"}, "--token", 4},
		{"with both tokens", []string{"--token", token, "--expired-token", expired}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := append([]string{"run", "--base-url", base, "--report-dir", dir, "--tags", "@AUTH-INVALID", "--seed", "8"}, tc.args...)
			env, stdout, stderr := testEnv(t, args...)
			require.Equal(t, ExitIncomplete, Main(env), "the other musts are left out by --tags\n%s", stdout.String()+stderr.String())
			_, run := readReport(t, dir)
			var req reports.Requirement
			for _, r := range run.Requirements {
				if r.ID == "AUTH-INVALID" {
					req = r
				}
			}
			require.Equal(t, reports.StatusPassed, req.Status, req.Reason)
			files := map[string]string{"console": stdout.String()}
			for _, f := range []string{"summary.md", "report.html", "junit.xml", "report.json"} {
				data, err := os.ReadFile(filepath.Join(dir, f))
				require.NoError(t, err)
				files[f] = string(data)
			}
			if tc.partly == "" {
				assert.Empty(t, req.Partly)
				assert.Zero(t, run.Summary.Must.Partly)
				for name, text := range files {
					assert.NotContains(t, text, "partly", name)
				}
				return
			}
			assert.Equal(t, 1, run.Summary.Must.Partly, "json summary")
			assert.Contains(t, req.Partly, "of 5 scenarios skipped")
			assert.Contains(t, req.Partly, tc.partly)
			assert.Contains(t, run.VerdictReason, "only partly judged: AUTH-INVALID")
			assert.Regexp(t, `must: +\d+ passed, 1 partly judged, 0 failed`, files["console"])
			assert.Contains(t, files["console"], "partly judged: AUTH-INVALID (must), "+req.Partly)
			assert.Contains(t, files["summary.md"], "1 partly judged")
			assert.Contains(t, files["summary.md"], "Partly judged: `AUTH-INVALID`")
			assert.Contains(t, files["report.html"], "partly judged</small>")
			assert.Contains(t, files["junit.xml"], `<property name="partly.AUTH-INVALID"`)
			for name, text := range files {
				assert.Contains(t, text, tc.partly, "%s names the flag that completes it", name)
			}
			skipped := 0
			for _, sc := range run.Scenarios {
				if sc.Status == reports.StatusSkipped {
					skipped++
				}
			}
			assert.Equal(t, tc.skipped, skipped)
			verify, vout, verr := testEnv(t, "verify", filepath.Join(dir, "report.json"))
			assert.Equal(t, ExitConformant, Main(verify), "the counts follow from the scenarios: %s%s", vout, verr)
		})
	}

	env, stdout, stderr := testEnv(t, "profile", "check")
	require.Equal(t, ExitConformant, Main(env), stderr.String())
	assert.Regexp(t, `AUTH-INVALID\s+must\s+partly\s+5\s+some scenarios are judged only with run --expired-token`, stdout.String())
}
