package suite

import (
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/features"
	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/reports"
)

// Every row of the run-wide check table is complete, and the embedded catalog names each
// check (a check no requirement names is never judged).
func TestRunWideCheckTable(t *testing.T) {
	st, err := Load(features.FS, fixtures.Default())
	require.NoError(t, err)
	named := map[string]string{}
	for _, r := range st.Catalog {
		if r.RunWide != "" {
			named[r.RunWide] = r.ID
		}
	}
	seen := map[string]bool{}
	for _, c := range runWideChecks {
		assert.False(t, seen[c.Name], "check %s is declared twice", c.Name)
		seen[c.Name] = true
		assert.NotEmpty(t, c.Description, c.Name)
		assert.NotNil(t, c.Applies, c.Name)
		assert.NotNil(t, c.Holds, c.Name)
		assert.NotEmpty(t, c.Passed+c.Expected+c.Counted, c.Name)
		assert.Contains(t, named, c.Name, "no requirement of features/requirements.yaml names run-wide check %s", c.Name)
	}
}

// Load refuses a catalog naming a check that does not exist, and lists the ones that do.
func TestLoadRefusesAnUnknownRunWideCheck(t *testing.T) {
	fsys := fstest.MapFS{
		"requirements.yaml": {Data: []byte("requirements:\n  - {id: X, level: must, title: x, run_wide: no-such-check}\n")},
		"x.feature":         {Data: []byte("Feature: x\n\n  @X @must\n  Scenario: s\n    When I PATCH an empty object\n")},
	}
	_, err := Load(fsys, fixtures.Default())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown run_wide check "no-such-check"`)
	for _, c := range runWideChecks {
		assert.Contains(t, err.Error(), c.Name)
	}
}

// The recorder judges each exchange with every check; runWide reports one result per
// requirement naming a check, with the bad exchanges as evidence.
func TestRunWideChecksJudgeEveryExchange(t *testing.T) {
	st := &Suite{Catalog: []Requirement{
		{ID: "REQ-NO-5XX", Level: reports.LevelMust, RunWide: "no-5xx"},
		{ID: "RES-ERROR", Level: reports.LevelMust, RunWide: "json-error-message"},
		{ID: "PATCH-NULL", Level: reports.LevelMust},
	}}
	rec := &Recorder{}
	for _, ex := range []client.Exchange{
		{Method: "GET", URL: "/a", Status: 200},
		{Method: "PATCH", URL: "/b", Status: 400, ResponseBody: `{"message": "bad"}`},
		{Method: "PATCH", URL: "/c", Status: 404, ResponseBody: `<html>`},
		{Method: "PATCH", URL: "/d", Status: 503},
	} {
		rec.Observe(ex)
	}
	got := map[string]reports.Scenario{}
	for _, sc := range runWide(st, rec, Shard{}, nil) {
		got[sc.Requirements[0]] = sc
	}
	require.Len(t, got, 2)
	assert.Equal(t, reports.StatusFailed, got["REQ-NO-5XX"].Status)
	assert.Contains(t, got["REQ-NO-5XX"].Error, "observed 1 of 4 requests answered 5xx")
	assert.Equal(t, "/d", got["REQ-NO-5XX"].Exchanges[0].URL)
	assert.Equal(t, reports.StatusFailed, got["RES-ERROR"].Status)
	assert.Contains(t, got["RES-ERROR"].Error, "observed 1 of 2 refusals without one")
	assert.Len(t, got["RES-ERROR"].Exchanges, 1)

	good := &Recorder{}
	good.Observe(client.Exchange{Method: "PATCH", URL: "/e", Status: 400, ResponseBody: `{"message": "bad"}`})
	for _, sc := range runWide(st, good, Shard{I: 2, N: 3}, nil) {
		assert.Equal(t, reports.StatusPassed, sc.Status, fmt.Sprint(sc))
		assert.Contains(t, sc.Name, "(shard 2 of 3)")
	}

	// A check that saw nothing it applies to judged nothing: an exchange without an answer
	// is not a 5xx, nor a refusal with a message.
	silent := &Recorder{}
	silent.Observe(client.Exchange{Method: "PATCH", URL: "/f", Err: "connection refused"})
	for _, sc := range runWide(st, silent, Shard{}, nil) {
		assert.Equal(t, reports.StatusError, sc.Status, fmt.Sprint(sc))
		assert.Contains(t, sc.Error, "could not judge")
	}
}

// The platform amendment of REQ-NO-5XX (salesforce.md row 8): on salesforce the org's
// 500 UNABLE_TO_LOCK_ROW is its lock timeout, not the service's code, so it is not
// counted (the result says how many there were); any other 500 still is, and on a generic
// target the same 500 fails the check.
func TestNo5xxDoesNotCountThePlatformsOwn(t *testing.T) {
	st := &Suite{Catalog: []Requirement{{ID: "REQ-NO-5XX", Level: reports.LevelMust, RunWide: "no-5xx"}}}
	lock := client.Exchange{Method: "PATCH", URL: "/a", Status: 500,
		ResponseBody: `[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]`}
	ok := client.Exchange{Method: "GET", URL: "/b", Status: 200}
	judge := func(rec *Recorder, exs ...client.Exchange) reports.Scenario {
		for _, ex := range exs {
			rec.Observe(ex)
		}
		scs := runWide(st, rec, Shard{}, nil)
		require.Len(t, scs, 1)
		return scs[0]
	}

	sf := judge(NewRecorder(platform.Of(platform.SalesforceName)), ok, lock, lock)
	assert.Equal(t, reports.StatusPassed, sf.Status, sf.Error)
	assert.Contains(t, sf.Observed, "2 not counted")
	assert.Contains(t, sf.Observed, "UNABLE_TO_LOCK_ROW")

	other := lock
	other.ResponseBody = `[{"message":"boom","errorCode":"APEX_ERROR"}]`
	sfOther := judge(NewRecorder(platform.Of(platform.SalesforceName)), lock, other)
	assert.Equal(t, reports.StatusFailed, sfOther.Status)
	assert.Contains(t, sfOther.Error, "observed 1 of 2 requests answered 5xx")
	assert.Contains(t, sfOther.Observed, "1 not counted")

	for name, rec := range map[string]*Recorder{"zero": {}, "generic": NewRecorder(platform.Generic{})} {
		g := judge(rec, ok, lock)
		assert.Equal(t, reports.StatusFailed, g.Status, name)
		assert.Contains(t, g.Error, "observed 1 of 2 requests answered 5xx", name)
		assert.Empty(t, g.Observed, name)
	}
}
