package cli

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/internal/refserver"
)

// existingCase starts a reference server with the given faults and creates one case
// with a few fields set and the rest null, as a case on a staging org would be.
func existingCase(t *testing.T, faults ...string) (base, token, id string, read func() gjson.Result) {
	t.Helper()
	srv, err := refserver.New(refserver.Options{Faults: faults})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	token, err = srv.MintToken(time.Hour)
	require.NoError(t, err)
	base = hs.URL + refserver.DefaultBasePath
	do := func(method, path string, body []byte) gjson.Result {
		_, resp := call(t, method, base+path, token, string(body))
		return gjson.Parse(resp)
	}
	created := do(http.MethodPost, "/incidents", []byte(`{"description": "shoplifting at the north entrance", "status": "Open",
		"incident_local_date": "2025-03-01", "incident_local_time": "14:30:00", "initial_case_value": 120.5,
		"location_id": "a0L000000000002EAA", "owner_id": "005000000000003AAA", "persons": [{"first_name": "Alex"}]}`))
	id = created.Get("id").String()
	require.NotEmpty(t, id)
	return base, token, id, func() gjson.Result { return do(http.MethodGet, "/incidents/"+id, nil) }
}

// A run on an existing case changes it scenario after scenario and puts every readable
// field back at the end.
func TestCaseIDRunRestoresTheCase(t *testing.T) {
	base, token, id, read := existingCase(t)
	before := read()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", base, "--token", token, "--case-id", id, "--report-dir", dir,
		"--format", "json", "--tags", "@PATCH-NULL,@PATCH-OMIT,@PATCH-NESTED,@AUTH-MISSING,@FMT-TIME-INVALID")
	// --tags leaves most musts out: incomplete, whatever the case.
	require.Equal(t, ExitIncomplete, Main(env), stdout.String()+stderr.String())
	_, run := readReport(t, dir)
	assert.Equal(t, "existing-case", run.Target.Mode)
	assert.Equal(t, 1, run.Run.Concurrency)
	assert.True(t, run.Cleanup.Restored, run.Cleanup.Detail)
	assert.Empty(t, run.Cleanup.CreatedCaseIDs)
	after := read()
	for _, k := range []string{"description", "status", "incident_local_date", "incident_local_time", "initial_case_value",
		"location_id", "location_number", "owner_id", "summary", "region", "police_involved", "external_reference"} {
		assert.Equal(t, before.Get(k).Raw, after.Get(k).Raw, k)
	}
}

// When the target will not take the old values back, the report says the case was not restored.
func TestCaseIDRunReportsAFailedRestore(t *testing.T) {
	base, token, id, _ := existingCase(t, "null-ignored")
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", base, "--token", token, "--case-id", id, "--report-dir", dir,
		"--format", "json", "--tags", "@PATCH-SET")
	Main(env)
	_, run := readReport(t, dir)
	assert.False(t, run.Cleanup.Restored)
	assert.Contains(t, run.Cleanup.Detail, "not restored: ")
	assert.Contains(t, stdout.String()+stderr.String(), "not restored")
}

func TestCaseIDRefusesConcurrency(t *testing.T) {
	env, _, stderr := testEnv(t, "run", "--base-url", "http://127.0.0.1:1", "--token", "x", "--case-id", "500000000000001AAA", "--concurrency", "4")
	assert.Equal(t, ExitUsage, Main(env))
	assert.Contains(t, stderr.String(), "--case-id runs one scenario at a time")
}
