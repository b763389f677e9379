package cli

import (
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
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// scenariosOf returns the scenarios of run that judge requirement id.
func scenariosOf(run reports.Run, id string) []reports.Scenario {
	var out []reports.Scenario
	for _, s := range run.Scenarios {
		for _, r := range s.Requirements {
			if r == id {
				out = append(out, s)
			}
		}
	}
	return out
}

// A refused PATCH that changes the case anyway (partial-apply) is caught although the
// refusals share cases and read-backs: the shared read-back shows the change, and every
// member is judged again alone, so the other refusals of the batch still pass.
func TestSharedRefusalsSplitBackOnAChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--report-dir", dir, "--format", "json", "--seed", "7",
		"--fault", "partial-apply", "--tags", "@FMT-ATOMIC,@REQ-JSON,@REQ-NOT-OBJECT,@FMT-DATE-INVALID")
	code := Main(env)
	_, run := readReport(t, dir)
	require.Equal(t, ExitNonConformant, code, stdout.String()+stderr.String())
	assert.Equal(t, []string{"FMT-ATOMIC"}, run.FailedIDs(""))
	for _, s := range scenariosOf(run, "FMT-ATOMIC") {
		if s.Status != reports.StatusFailed {
			continue
		}
		patches := 0
		for _, ex := range s.Exchanges {
			if ex.Method == http.MethodPatch {
				patches++
			}
		}
		assert.GreaterOrEqual(t, patches, 2, "%s: its PATCH is sent on the shared case and again alone", s.ID)
		assert.Contains(t, s.Error, "unchanged", s.ID)
	}
	for _, id := range []string{"REQ-JSON", "REQ-NOT-OBJECT", "FMT-DATE-INVALID"} {
		for _, s := range scenariosOf(run, id) {
			assert.Equal(t, reports.StatusPassed, s.Status, "%s: %s", s.ID, s.Error)
		}
	}
}

// --max-cases caps the cases a run creates; a case with children takes one of them, and
// with a cap of one there is none for it.
func TestMaxCasesCapsTheCasesCreated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		max         string
		nestedState reports.Status
	}{{"2", reports.StatusPassed}, {"1", reports.StatusSkipped}} {
		t.Run(tc.max, func(t *testing.T) {
			dir := t.TempDir()
			env, stdout, stderr := testEnv(t, "run", "--report-dir", dir, "--format", "json", "--seed", "7",
				"--max-cases", tc.max, "--tags", "@PATCH-SET,@PATCH-NESTED,@FMT-TYPES")
			Main(env)
			_, run := readReport(t, dir)
			out := stdout.String() + stderr.String()
			assert.LessOrEqual(t, len(run.Cleanup.CreatedCaseIDs), int(tc.max[0]-'0'), out)
			for _, id := range []string{"PATCH-SET", "FMT-TYPES"} {
				for _, s := range scenariosOf(run, id) {
					assert.Equal(t, reports.StatusPassed, s.Status, "%s: %s", s.ID, s.Error)
				}
			}
			for _, s := range scenariosOf(run, "PATCH-NESTED") {
				assert.Equal(t, tc.nestedState, s.Status, "%s: %s %s", s.ID, s.Error, s.SkipReason)
			}
		})
	}
}

// With paths.delete in the profile (here an absolute URL template), the cases a run
// created are deleted at the end and the report says so; none remains.
func TestCreatedCasesAreDeletedWhenTheProfileCan(t *testing.T) {
	t.Parallel()
	served := fixtures.Default()
	served.Paths.Delete = served.Paths.Read // the reference server serves DELETE when its profile names it
	srv, err := refserver.New(refserver.Options{Profile: served})
	require.NoError(t, err)
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	token, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	base := ts.URL + refserver.DefaultBasePath

	profile := filepath.Join(t.TempDir(), "profile.yaml")
	text := string(fixtures.DefaultYAML())
	require.Contains(t, text, `delete: ""`)
	text = strings.Replace(text, `delete: ""`, `delete: "`+base+`/incidents/{id}"`, 1)
	require.NoError(t, os.WriteFile(profile, []byte(text), 0o600))

	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", base, "--token", token, "--profile", profile,
		"--report-dir", dir, "--format", "json", "--seed", "7", "--tags", "@PATCH-SET,@PATCH-NULL,@REQ-JSON")
	code := Main(env)
	_, run := readReport(t, dir)
	require.Equal(t, ExitIncomplete, code, "a part of the suite: no must failed\n"+stdout.String()+stderr.String())
	require.NotEmpty(t, run.Cleanup.CreatedCaseIDs)
	assert.Equal(t, run.Cleanup.CreatedCaseIDs, run.Cleanup.DeletedCaseIDs)
	assert.Empty(t, run.Cleanup.RemainingCaseIDs)
	for _, id := range run.Cleanup.CreatedCaseIDs {
		req, err := http.NewRequest(http.MethodGet, base+"/incidents/"+id, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "case %s is gone", id)
	}
}

// Without paths.delete (the default profile), every created case is listed as remaining.
func TestCreatedCasesRemainWithoutDelete(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, _, _ := testEnv(t, "run", "--report-dir", dir, "--format", "json", "--seed", "7", "--tags", "@PATCH-SET")
	Main(env)
	_, run := readReport(t, dir)
	require.NotEmpty(t, run.Cleanup.CreatedCaseIDs)
	assert.Equal(t, run.Cleanup.CreatedCaseIDs, run.Cleanup.RemainingCaseIDs)
	assert.Empty(t, run.Cleanup.DeletedCaseIDs)
}
