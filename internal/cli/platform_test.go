package cli

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// lockingOrg is a reference server behaving as an org whose row lock refuses writers:
// the first attempt of every PATCH body, and every attempt that sets refuseAlways, with
// UNABLE_TO_LOCK_ROW and status (default 400).
type lockingOrg struct {
	next         http.Handler
	refuseAlways string
	status       int
	mu           sync.Mutex
	seen         map[string]bool
	refused      int
}

func (o *lockingOrg) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPatch {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		o.mu.Lock()
		first := !o.seen[string(body)]
		o.seen[string(body)] = true
		refuse := first || o.refuseAlways != "" && strings.Contains(string(body), `"`+o.refuseAlways+`"`)
		if refuse {
			o.refused++
		}
		o.mu.Unlock()
		if refuse {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			w.WriteHeader(cmp.Or(o.status, http.StatusBadRequest))
			io.WriteString(w, `[{"message":"unable to obtain exclusive access to this record or 1 records","errorCode":"UNABLE_TO_LOCK_ROW"}]`)
			return
		}
	}
	o.next.ServeHTTP(w, r)
}

func writeProfile(t *testing.T, platform string) string {
	t.Helper()
	y := fixtures.DefaultYAML()
	if platform != "" {
		y = bytes.Replace(y, []byte("\nname: reference\n"), []byte("\nname: org\nplatform: "+platform+"\n"), 1)
	}
	file := filepath.Join(t.TempDir(), "profile.yaml")
	require.NoError(t, os.WriteFile(file, y, 0o600))
	return file
}

// Row 8 of salesforce.md: on an org, concurrent writers refused with UNABLE_TO_LOCK_ROW
// are sent again (bounded), and only accepted writes are judged; a generic target gets
// no such leniency. The report records the protocol the target answered in.
func TestConcurrentWritersRefusedAsLocked(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Options{DBPath: ":memory:", Platform: platform.SalesforceName})
	require.NoError(t, err)
	defer srv.Close()
	token, err := srv.MintToken(time.Hour)
	require.NoError(t, err)

	for _, tc := range []struct {
		name, platform, refuseAlways string
		want                         reports.Status
	}{
		{"retried", "salesforce", "", reports.StatusPassed},
		{"one writer never gets the lock", "salesforce", "department", reports.StatusPassed},
		{"generic target", "", "", reports.StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			org := &lockingOrg{next: srv, refuseAlways: tc.refuseAlways, seen: map[string]bool{}}
			hs := httptest.NewServer(org)
			defer hs.Close()
			dir := t.TempDir()
			env, stdout, stderr := testEnv(t, "run", "--base-url", hs.URL+refserver.DefaultBasePath, "--token", token,
				"--profile", writeProfile(t, tc.platform), "--tags", "@PATCH-CONCURRENT", "--report-dir", dir, "--format", "json")
			Main(env)
			_, run := readReport(t, dir)
			var status reports.Status
			for _, r := range run.Requirements {
				if r.ID == "PATCH-CONCURRENT" {
					status = r.Status
				}
			}
			assert.Equal(t, tc.want, status, stdout.String()+stderr.String())
			assert.Positive(t, org.refused)
			assert.Equal(t, "HTTP/1.1", run.Target.Protocol)
			if tc.platform != "" {
				assert.Equal(t, "salesforce", run.Target.Platform)
			}
		})
	}
}

// Row 8's amendment of REQ-NO-5XX: the org's 500 UNABLE_TO_LOCK_ROW is its lock timeout,
// not the service's code: on salesforce REQ-NO-5XX does not count it (and says how many
// it saw), while a generic target answering the same 500 fails REQ-NO-5XX.
func TestNo5xxLeavesOutTheOrgsLockTimeout(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Options{DBPath: ":memory:", Platform: platform.SalesforceName})
	require.NoError(t, err)
	defer srv.Close()
	token, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	for _, tc := range []struct {
		name, platform string
		want           reports.Status
	}{
		{"salesforce", "salesforce", reports.StatusPassed},
		{"generic target", "", reports.StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			org := &lockingOrg{next: srv, status: http.StatusInternalServerError, seen: map[string]bool{}}
			hs := httptest.NewServer(org)
			defer hs.Close()
			dir := t.TempDir()
			env, stdout, stderr := testEnv(t, "run", "--base-url", hs.URL+refserver.DefaultBasePath, "--token", token,
				"--profile", writeProfile(t, tc.platform), "--tags", "@PATCH-CONCURRENT", "--report-dir", dir, "--format", "json")
			Main(env)
			_, run := readReport(t, dir)
			require.Positive(t, org.refused)
			var no5xx *reports.Scenario
			for i, sc := range run.Scenarios {
				if slices.Contains(sc.Requirements, "REQ-NO-5XX") {
					no5xx = &run.Scenarios[i]
				}
			}
			require.NotNil(t, no5xx, stdout.String()+stderr.String())
			assert.Equal(t, tc.want, no5xx.Status, no5xx.Error)
			if tc.platform != "" {
				assert.Contains(t, no5xx.Observed, fmt.Sprintf("%d not counted", org.refused))
				assert.Contains(t, no5xx.Observed, "UNABLE_TO_LOCK_ROW")
			} else {
				assert.Contains(t, no5xx.Error, fmt.Sprintf("observed %d of", org.refused))
			}
		})
	}
}

// Row 7: before the suite, an org whose Sforce-Limit-Info leaves fewer calls than twice
// the run's estimate gets a warning, on the console and in the report.
func TestQuotaWarningBeforeTheSuite(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Options{DBPath: ":memory:", Platform: platform.SalesforceName})
	require.NoError(t, err)
	defer srv.Close()
	token, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	for usage, warn := range map[string]bool{"api-usage=14998/15000": true, "api-usage=120/15000": false} {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Sforce-Limit-Info", usage+", per-app-api-usage=3/250(appName=casecert)")
			srv.ServeHTTP(w, r)
		}))
		dir := t.TempDir()
		env, stdout, stderr := testEnv(t, "run", "--base-url", hs.URL+refserver.DefaultBasePath, "--token", token,
			"--profile", writeProfile(t, "salesforce"), "--tags", "@PATCH-EMPTY", "--report-dir", dir, "--format", "json")
		Main(env) // a tag subset: verdict incomplete
		_, run := readReport(t, dir)
		assert.Empty(t, run.FailedIDs(""), stdout.String()+stderr.String())
		if warn {
			assert.Contains(t, stderr.String(), "WARNING: the target reports "+usage+" (Sforce-Limit-Info): 2 calls left", usage)
			assert.Len(t, run.Run.Warnings, 1)
		} else {
			assert.NotContains(t, stderr.String(), "Sforce-Limit-Info", usage)
			assert.Empty(t, run.Run.Warnings)
		}
		hs.Close()
	}
}

// Rows 1 and 2: an org that keeps whole seconds and spells date-times with +0000 and
// times as HH:MM:SS.mmmZ passes FMT-DATETIME and FMT-TIME under a salesforce profile; the
// same answers under a generic profile are reported (the fraction the org dropped).
func TestWholeSecondRoundingIsNotReported(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Options{DBPath: ":memory:", Platform: platform.SalesforceName})
	require.NoError(t, err)
	defer srv.Close()
	token, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	var mu sync.Mutex
	var reads []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		if r.Method == http.MethodGet {
			mu.Lock()
			reads = append(reads, rec.Body.String())
			mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer hs.Close()
	status := func(platform string) map[string]reports.Status {
		dir := t.TempDir()
		env, _, _ := testEnv(t, "run", "--base-url", hs.URL+refserver.DefaultBasePath, "--token", token,
			"--profile", writeProfile(t, platform), "--tags", "@FMT-DATETIME,@FMT-TIME", "--report-dir", dir, "--format", "json")
		Main(env)
		_, run := readReport(t, dir)
		out := map[string]reports.Status{}
		for _, r := range run.Requirements {
			out[r.ID] = r.Status
		}
		return out
	}
	sf := status("salesforce")
	assert.Equal(t, reports.StatusPassed, sf["FMT-DATETIME"])
	assert.Equal(t, reports.StatusPassed, sf["FMT-TIME"])
	all := strings.Join(reads, "\n")
	assert.Contains(t, all, `"2025-03-01T10:00:00.000+0000"`, "the .123Z sent read back at whole seconds")
	assert.Contains(t, all, `"14:30:00.123Z"`, "a time read back in Apex's spelling")

	generic := status("")
	assert.Equal(t, reports.StatusFailed, generic["FMT-DATETIME"], "to the millisecond, the dropped fraction is a violation")
	assert.Equal(t, reports.StatusPassed, generic["FMT-TIME"], "Apex's time spelling is read by meaning on every target")
}
