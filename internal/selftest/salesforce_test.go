package selftest

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// The salesforce mode's profile is the default profile plus platform: salesforce, so
// that mode differs from the primary one by the platform alone.
func TestSalesforceProfileIsTheDefaultOnAnOrg(t *testing.T) {
	data, err := os.ReadFile("testdata/salesforce.yaml")
	require.NoError(t, err)
	body := data[bytes.Index(data, []byte("# The default casecert profile")):]
	want := bytes.Replace(fixtures.DefaultYAML(), []byte("\nname: reference\n"), []byte("\nname: reference-salesforce\nplatform: salesforce\n"), 1)
	assert.Equal(t, string(want), string(body), "regenerate testdata/salesforce.yaml from fixtures/default.yaml")
}

// The salesforce mode still catches the defects its amendments could hide: a date-time
// off by hours, milliseconds dropped from a time, a null ignored (TestModesCatchEveryFault
// runs each of them there, against the requirement named here).
func TestSalesforceModeKeepsTheDefectsItCouldHide(t *testing.T) {
	want := map[string]string{"datetime-offset-dropped": "FMT-DATETIME", "time-ms-dropped": "FMT-TIME", "null-ignored": "PATCH-NULL"}
	for _, f := range refserver.Faults() {
		req, ok := want[f.Name]
		if !ok {
			continue
		}
		delete(want, f.Name)
		applies, why := f.AppliesOn(platform.SalesforceName)
		assert.True(t, applies, "%s must apply on salesforce (%s)", f.Name, why)
		assert.Contains(t, f.Fails, req, f.Name)
	}
	assert.Empty(t, want, "faults missing from the table")
}

// salesforceReadBacksWereNotReported checks, in a conformant salesforce run, that the
// scenarios whose read-backs the org spells its own way (whole seconds with +0000,
// HH:MM:SS.mmmZ) passed, and that AUTH-CHALLENGE was observed as platform-owned. That
// the org does spell them so is internal/cli's TestWholeSecondRoundingIsNotReported.
func salesforceReadBacksWereNotReported(t *testing.T, run reports.Run) {
	t.Helper()
	var rounded, apexTime int
	for _, s := range run.Scenarios {
		switch {
		case strings.Contains(s.Name, "10:00:00.123Z"):
			rounded++
			assert.Equal(t, reports.StatusPassed, s.Status, s.Name)
		case strings.Contains(s.Name, "14:30:00:123"):
			apexTime++
			assert.Equal(t, reports.StatusPassed, s.Status, s.Name)
		}
	}
	opaque := 0
	for _, s := range run.Scenarios {
		if slices.Contains(s.Requirements, "AUTH-INVALID") && s.Status == reports.StatusSkipped {
			opaque++
			assert.Contains(t, s.SkipReason, "opaque token", s.Name)
		}
	}
	assert.Equal(t, 2, opaque, "the JWT signature and payload rows are skipped for the org's opaque session id")
	assert.Positive(t, rounded, "a date-time sent with milliseconds")
	assert.Positive(t, apexTime, "a local time sent with milliseconds")
	seen := false
	for _, r := range run.Requirements {
		if r.ID == "AUTH-CHALLENGE" {
			seen = true
			assert.Equal(t, reports.LevelInfo, r.Level)
			assert.Equal(t, reports.StatusObserved, r.Status)
			assert.Contains(t, r.Reason, "platform-owned")
		}
	}
	assert.True(t, seen, "AUTH-CHALLENGE is in the report")
}
