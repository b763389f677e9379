package cli

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// existingCase starts a reference server with the given faults and creates one case
// with a few fields set and the rest null, as a case on a staging org would be.
func existingCase(t *testing.T, faults ...string) (base, token, id string, read func() gjson.Result) {
	t.Helper()
	return existingCaseBehind(t, func(h http.Handler) http.Handler { return h }, faults...)
}

// existingCaseBehind is existingCase with the reference server behind wrap.
func existingCaseBehind(t *testing.T, wrap func(http.Handler) http.Handler, faults ...string) (base, token, id string, read func() gjson.Result) {
	t.Helper()
	srv, err := refserver.New(refserver.Options{Faults: faults})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(wrap(srv))
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
		"location_id": "a0L000000000002EAA", "owner_id": "005000000000003AAA", "persons": [{"first_name": "Alex"}], "vehicles": [{"make": "Ford"}],
		"items": [{"name": "Drill", "estimated_value": 120.5}]}`))
	id = created.Get("id").String()
	require.NotEmpty(t, id)
	return base, token, id, func() gjson.Result { return do(http.MethodGet, "/incidents/"+id, nil) }
}

// A run on an existing case changes it scenario after scenario and puts every readable
// field back at the end.
func TestCaseIDRunRestoresTheCase(t *testing.T) {
	t.Parallel()
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

// When the case cannot be put back as it was (here its child records, which a PATCH
// replaced), the report says the case was not restored. (A target that ignores null is
// found before the run writes anything: TestCaseIDProbesTheRestoreFirst.)
func TestCaseIDRunReportsAFailedRestore(t *testing.T) {
	t.Parallel()
	base, token, id, _ := existingCase(t, "nested-updated")
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", base, "--token", token, "--case-id", id, "--report-dir", dir,
		"--format", "json", "--tags", "@PATCH-NESTED")
	Main(env)
	_, run := readReport(t, dir)
	assert.False(t, run.Cleanup.Restored)
	assert.Contains(t, run.Cleanup.Detail, "not restored: ")
	assert.Contains(t, stdout.String()+stderr.String(), "not restored")
}

func TestCaseIDRefusesConcurrency(t *testing.T) {
	t.Parallel()
	env, _, stderr := testEnv(t, "run", "--base-url", "http://127.0.0.1:1", "--token", "x", "--case-id", "500000000000001AAA", "--concurrency", "4")
	assert.Equal(t, ExitUsage, Main(env))
	assert.Contains(t, stderr.String(), "--case-id runs one scenario at a time")
}

// stageWrites records every write whose body names the write-only field stage.
type stageWrites struct {
	mu     sync.Mutex
	bodies []string
}

func (s *stageWrites) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodGet && gjson.GetBytes(body, "stage").Exists() {
			s.mu.Lock()
			s.bodies = append(s.bodies, string(body))
			s.mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}

func (s *stageWrites) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bodies)
}

// A run on an existing case never sends a write-only field, which it could not read back
// to restore: the scenarios about one are skipped, saying how to allow them. With
// --restore FIELD=VALUE they run, and the value given is written back at the end.
func TestCaseIDNeverSendsWriteOnlyFields(t *testing.T) {
	t.Parallel()
	const tags = "@FMT-TYPES,@PATCH-OMIT"
	var seen stageWrites
	base, token, id, _ := existingCaseBehind(t, seen.wrap)
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", base, "--token", token, "--case-id", id, "--report-dir", dir,
		"--format", "json", "--tags", tags)
	code := Main(env)
	require.Contains(t, []ExitCode{ExitConformant, ExitIncomplete}, code, stdout.String()+stderr.String())
	assert.Empty(t, seen.list(), "no write may name stage")
	_, run := readReport(t, dir)
	skipped := 0
	for _, sc := range run.Scenarios {
		if strings.Contains(sc.Name, "stage") {
			assert.Equal(t, reports.StatusSkipped, sc.Status, sc.Name)
			assert.Contains(t, sc.SkipReason, "--restore stage=VALUE", sc.Name)
			skipped++
		}
	}
	assert.Equal(t, 4, skipped, "the four FMT-TYPES scenarios of stage")
	assert.True(t, run.Cleanup.Restored, run.Cleanup.Detail)
	assert.Contains(t, run.Cleanup.Detail, "write-only stage never sent")

	var given stageWrites
	base, token, id, _ = existingCaseBehind(t, given.wrap)
	dir = t.TempDir()
	env, stdout, stderr = testEnv(t, "run", "--base-url", base, "--token", token, "--case-id", id, "--report-dir", dir,
		"--format", "json", "--tags", tags, "--restore", "stage=Intake")
	code = Main(env)
	require.Contains(t, []ExitCode{ExitConformant, ExitIncomplete}, code, stdout.String()+stderr.String())
	bodies := given.list()
	require.NotEmpty(t, bodies)
	assert.Equal(t, "Intake", gjson.Get(bodies[len(bodies)-1], "stage").String(), "the last write puts back the value given")
	_, run = readReport(t, dir)
	for _, sc := range run.Scenarios {
		if strings.Contains(sc.Name, "stage") {
			assert.NotEqual(t, reports.StatusSkipped, sc.Status, sc.Name)
		}
	}
	assert.True(t, run.Cleanup.Restored, run.Cleanup.Detail)
	assert.Contains(t, run.Cleanup.Detail, "write-only stage written back with the value given by --restore")
}

// The restore report names what the run could not put back, and is then not "restored":
// here child records that a faulty target replaced when a PATCH carried them.
func TestCaseIDRestoreListsChildRecordsItCannotRestore(t *testing.T) {
	t.Parallel()
	base, token, id, _ := existingCase(t, "nested-updated")
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", base, "--token", token, "--case-id", id, "--report-dir", dir,
		"--format", "json", "--tags", "@PATCH-NESTED")
	Main(env)
	_, run := readReport(t, dir)
	assert.False(t, run.Cleanup.Restored, run.Cleanup.Detail)
	assert.Contains(t, run.Cleanup.Detail, "persons are ")
	assert.Contains(t, run.Cleanup.Detail, "the run cannot write child records back")
	assert.Contains(t, stdout.String()+stderr.String(), "not restored")
}

func TestRestoreFlagIsChecked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--restore", "stage=Intake"}, "--restore applies to a --case-id run only"},
		{[]string{"--case-id", "500000000000001AAA", "--restore", "description=x"}, "description is readable"},
		{[]string{"--case-id", "500000000000001AAA", "--restore", "stage"}, "write FIELD=VALUE"},
		{[]string{"--case-id", "500000000000001AAA", "--restore", "nope=1"}, `has no field "nope"`},
	} {
		env, _, stderr := testEnv(t, append([]string{"run", "--base-url", "http://127.0.0.1:1", "--token", "x"}, tc.args...)...)
		assert.Equal(t, ExitUsage, Main(env), tc.args)
		assert.Contains(t, stderr.String(), tc.want, tc.args)
	}
}
