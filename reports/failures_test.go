package reports

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFailuresNameEachFailedRequirementFirst(t *testing.T) {
	r := mixedRun()
	fs := Failures(&r)
	require.Len(t, fs, 2)
	assert.Equal(t, "PATCH-NULL", fs[0].ID, "must before should")
	assert.Equal(t, "PATCH-OWNER-NULL", fs[1].ID)
	f := fs[0]
	assert.Equal(t, `PATCH-NULL: field description: sent null, expected null or absent, observed "abc"`, f.Evidence, "the first line of the first failing scenario")
	assert.Equal(t, "patch-semantics;null-clears-description", f.Scenario)
	assert.Equal(t, 1, f.Failed)
	assert.Equal(t, 2, f.Scenarios)
	require.Len(t, f.Reproduce, 3)
	assert.Equal(t, `casecert run --base-url `+fixtureBase+` --token "$CASECERT_TOKEN" --profile PROFILE.yaml --tags @PATCH-NULL --seed 42`, f.Reproduce[0].Command,
		"a report that does not record its flags: the target and a placeholder for the profile")
	assert.Equal(t, ReproduceCurl, f.Reproduce[1].Kind)
	assert.Equal(t, patchExchange(`{"description":null}`, 200, "").Curl, f.Reproduce[1].Command, "the judged request: the PATCH")
	assert.Equal(t, ReproduceCurl, f.Reproduce[2].Kind)
	assert.Contains(t, f.Reproduce[2].Command, "curl -sS -X GET ", "then its read-back, which shows the defect")
	assert.Contains(t, f.Reproduce[2].Note, "read-back")
}

func TestFailuresOfAFaultRunStartTheServerFirst(t *testing.T) {
	r := mixedRun()
	const runBase = "http://127.0.0.1:41234/services/apexrest/ThinkLP"
	r.Target = Target{BaseURL: runBase, Profile: "reference", Reference: true, Fault: "null-ignored"}
	for i := range r.Scenarios {
		for j := range r.Scenarios[i].Exchanges {
			ex := &r.Scenarios[i].Exchanges[j]
			ex.Curl = strings.ReplaceAll(ex.Curl, fixtureBase, runBase)
		}
	}
	f := Failures(&r)[0]
	require.Len(t, f.Reproduce, 4)
	assert.Equal(t, "casecert run --fault null-ignored --tags @PATCH-NULL --seed 42", f.Reproduce[0].Command, "the rerun starts its own server with the fault")
	assert.Equal(t, "casecert serve --fault null-ignored", f.Reproduce[1].Command)
	assert.Contains(t, f.Reproduce[1].Note, "first")
	for _, rp := range f.Reproduce[2:] {
		assert.Contains(t, rp.Command, `'http://127.0.0.1:8080/services/apexrest/ThinkLP/v1/cases/'"$CASE_ID"`, "the curl lines point at casecert serve, on a case of its own")
		assert.NotContains(t, rp.Command, "41234")
	}
	assert.Contains(t, f.Reproduce[2].Note, "the run's case 500Dn00000AbCdEIAZ existed only in the run's in-process reference server")

	page := string(render(t, WriteHTML, r))
	assert.Contains(t, page, `the requests as curl (start <code>casecert serve --fault null-ignored</code> first)`)
}

// manyFailures: PATCH-NULL fails in five scenarios.
func manyFailures() Run {
	r := mixedRun()
	var more []Scenario
	for i := 1; i <= 4; i++ {
		sc := r.Scenarios[2] // the failing PATCH-NULL scenario
		sc.ID = fmt.Sprintf("patch-semantics;null-clears-field-%d", i)
		sc.Name = fmt.Sprintf("null clears field %d", i)
		sc.Error = fmt.Sprintf("PATCH-NULL: field f%d: sent null, expected null, observed \"x\"", i)
		more = append(more, sc)
	}
	r.Scenarios = append(r.Scenarios, more...)
	return judged(r, fixtureCatalog)
}

func TestHTMLFirstScreenAndFailingSection(t *testing.T) {
	page := string(render(t, WriteHTML, manyFailures()))
	first, run := strings.Index(page, `<section id="first-failures">`), strings.Index(page, `<section id="run">`)
	require.Positive(t, first)
	assert.Less(t, first, run, "what failed comes before the run's details")
	head := page[first:run]
	assert.Contains(t, head, `data-requirement="PATCH-NULL"`)
	assert.Contains(t, head, `data-requirement="PATCH-OWNER-NULL"`)
	assert.Contains(t, head, "PATCH-NULL: field description: sent null, expected null or absent, observed &#34;abc&#34;")
	assert.Contains(t, head, "5 of 6 scenarios failed")
	assert.Contains(t, head, "<pre class=\"curl\"># the request\ncurl -sS -X PATCH", "the PATCH under its note")
	assert.Contains(t, head, "\n# its read-back: what was judged\ncurl -sS -X GET", "then its read-back")
	assert.Contains(t, head, `reproduce: <code>casecert run --base-url`)

	failing := page[strings.Index(page, `<section id="failing">`):strings.Index(page, `<section id="details">`)]
	group := failing[strings.Index(failing, `id="fail-req-PATCH-NULL"`):strings.Index(failing, `id="fail-req-PATCH-OWNER-NULL"`)]
	assert.Equal(t, 3, strings.Count(group, `<details class="scenario failed`), "the first three in full")
	assert.Equal(t, 2, strings.Count(group, `<li class="row failed"`), "the rest one line each")
	assert.Contains(t, group, `2 more failing scenarios, one line each; their exchanges are in <a href="report.json">report.json</a>`)
	assert.Contains(t, group, `PATCH-NULL: field f4: sent null, expected null, observed &#34;x&#34;`)
	assert.NotContains(t, page[strings.Index(page, `<section id="details">`):], "<details class=\"scenario", "the details section is one line per scenario")
}

func TestHTMLFirstScreenListsManyFailuresCompactly(t *testing.T) {
	r := fixtureBaseRun()
	var catalog []CatalogEntry
	for i := 1; i <= 9; i++ {
		id := fmt.Sprintf("REQ-%d", i)
		catalog = append(catalog, CatalogEntry{ID: id, Level: LevelMust, Title: "requirement " + id})
		r.Scenarios = append(r.Scenarios, Scenario{ID: "f;" + id, Name: id, Requirements: []string{id},
			Status: StatusFailed, Error: id + ": sent a; expected b; observed c"})
	}
	page := string(render(t, WriteHTML, judged(r, catalog)))
	head := page[strings.Index(page, `<section id="first-failures">`):strings.Index(page, `<section id="run">`)]
	for i := 1; i <= 9; i++ {
		assert.Contains(t, head, fmt.Sprintf(`data-requirement="REQ-%d"`, i), "every failed requirement is named on the first screen")
	}
	assert.Equal(t, firstScreenFailures, strings.Count(head, `<p class="ev"`))
	assert.Contains(t, head, `Also failed: <a href="#fail-req-REQ-7"`)
}

func TestHTMLBodiesAreCut(t *testing.T) {
	r := mixedRun()
	big := `{"description":"` + strings.Repeat("d", 20<<10) + `"}`
	r.Scenarios[2].Exchanges[1].ResponseBody = big
	page := string(render(t, WriteHTML, r))
	assert.NotContains(t, page, strings.Repeat("d", maxHTMLBody+1))
	assert.Contains(t, page, fmt.Sprintf("[%d more bytes in report.json]", len(big)-maxHTMLBody))
}

// issue 17 item 5: the rerun line is the run's own flags (Run.Command) with the
// requirement's tags and the seed; the serve line serves the run's profile, as given, on
// its platform.
func TestServeLineCarriesTheRunsProfileAndPlatform(t *testing.T) {
	r := mixedRun()
	r.Target = Target{BaseURL: "http://127.0.0.1:41234/services/apexrest/ThinkLP", Profile: "my-org", Reference: true, Fault: "null-ignored", Platform: "salesforce"}
	r.Run.Command, r.Run.ProfilePath = "--fault null-ignored --profile 'sf org.yaml'", "sf org.yaml"
	f := Failures(&r)[0]
	require.GreaterOrEqual(t, len(f.Reproduce), 2)
	assert.Equal(t, "casecert run --fault null-ignored --profile 'sf org.yaml' --tags @PATCH-NULL --seed 42", f.Reproduce[0].Command)
	assert.Equal(t, "casecert serve --fault null-ignored --profile 'sf org.yaml' --platform salesforce", f.Reproduce[1].Command)
}

// issue 17 item 6: a case the run deleted at its end is $CASE_ID in the curl lines, and
// the note says why; a case that is still there keeps its id.
func TestCurlOfADeletedCaseNamesItCaseID(t *testing.T) {
	r := mixedRun()
	f := Failures(&r)[0]
	require.Len(t, f.Reproduce, 3)
	assert.Contains(t, f.Reproduce[1].Command, "/v1/cases/500Dn00000AbCdEIAZ'", "the case is still on the target")
	assert.Equal(t, "the request", f.Reproduce[1].Note)

	r.Cleanup.DeletedCaseIDs = []string{"500Dn00000AbCdEIAZ"}
	f = Failures(&r)[0]
	for _, rp := range f.Reproduce[1:] {
		assert.Contains(t, rp.Command, `/v1/cases/'"$CASE_ID"`)
	}
	assert.Contains(t, f.Reproduce[1].Note, "the run deleted its case 500Dn00000AbCdEIAZ at its end")
}

// A redacted header of a curl line is a $VARIABLE named after it.
func TestSecretHeadersBecomeVariables(t *testing.T) {
	assert.Equal(t, `curl -sS -X PATCH 'u' -H "X-Api-Key: $X_API_KEY" -H 'A: b' -H "Cookie: $COOKIE"`,
		secretHeaders(`curl -sS -X PATCH 'u' -H 'X-Api-Key: [REDACTED]' -H 'A: b' -H 'Cookie: [REDACTED]'`))
}
