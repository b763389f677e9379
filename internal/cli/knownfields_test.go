package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/reports"
)

// camelProfile is the default profile with every field and read-only name in camelCase
// (police_agency -> policeAgency): a correct profile of a target that names them so.
func camelProfile(t *testing.T) string {
	t.Helper()
	p := fixtures.Default()
	names := append([]string{p.RecordTypeField}, p.ReadOnly...)
	for _, f := range p.Fields {
		names = append(names, f.Name)
	}
	y := string(fixtures.DefaultYAML())
	for _, name := range names {
		camel := regexp.MustCompile(`_([a-z])`).ReplaceAllStringFunc(name, func(s string) string { return strings.ToUpper(s[1:]) })
		y = regexp.MustCompile(`\b`+name+`\b`).ReplaceAllString(y, camel)
	}
	require.Contains(t, y, "{name: policeAgency, type: string")
	path := filepath.Join(t.TempDir(), "camel.yaml")
	require.NoError(t, os.WriteFile(path, []byte(y), 0o644))
	return path
}

// TestPreflightNamesFieldsTheTargetDoesNotKnow: a profile field whose key the read-back
// of the preflight's case does not hold stops the run with exit 2, naming the field, its
// line and the closest key the target returned; before, it ran and blamed the target
// (PATCH-SET, FMT-LENGTH "failed", hundreds of scenarios in error).
func TestPreflightNamesFieldsTheTargetDoesNotKnow(t *testing.T) {
	t.Parallel()
	base, token, stop := startServe(t)
	defer stop()

	misspelt := filepath.Join(t.TempDir(), "misspelt.yaml")
	y := strings.Replace(string(fixtures.DefaultYAML()), "{name: police_agency,", "{name: police_agncy,", 1)
	require.NoError(t, os.WriteFile(misspelt, []byte(y), 0o644))
	o := runCasecert(t, nil, "--base-url", base, "--token", token, "--profile", misspelt)
	assertOutcome(t, o, ExitUsage, reports.VerdictError, "the target does not know 1 field(s) of the profile")
	assert.Contains(t, o.String(), `field "police_agncy" (`+misspelt+`:35): did you mean police_agency?`)
	assert.Zero(t, o.report.Summary.Scenarios.Failed, "no scenario blames the target")

	camel := camelProfile(t)
	o = runCasecert(t, nil, "--base-url", base, "--token", token, "--profile", camel)
	assertOutcome(t, o, ExitUsage, reports.VerdictError, "field(s) of the profile")
	assert.Contains(t, o.String(), `field "policeAgency" (`+camel+`:35): did you mean police_agency?`)
	assert.Contains(t, o.String(), `field "incidentLocalDate" (`+camel+`:`)
	assert.NotContains(t, o.String(), `"stage"`, "a write-only field is never read back")
}

// TestPreflightKnowsCorrectProfiles: no false alarm for a correct camelCase profile
// against serve --profile of it, nor for a Salesforce profile against serve --platform
// salesforce (a subset of the scenarios: the preflight is the same for every run).
func TestPreflightKnowsCorrectProfiles(t *testing.T) {
	t.Parallel()
	camel := camelProfile(t)
	sf := writeProfile(t, "salesforce")
	for _, tc := range []struct {
		name    string
		serve   []string
		profile string
	}{
		{"camelCase", []string{"--profile", camel}, camel},
		{"salesforce", []string{"--platform", "salesforce"}, sf},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, token, stop := startServe(t, tc.serve...)
			defer stop()
			o := runCasecert(t, nil, "--base-url", base, "--token", token, "--profile", tc.profile, "--tags", "@PATCH-SET,@FMT-LENGTH")
			assertOutcome(t, o, ExitIncomplete, reports.VerdictIncomplete, "")
			assert.NotContains(t, o.String(), "does not know")
			assert.Zero(t, o.report.Summary.Scenarios.Failed+o.report.Summary.Scenarios.Error, o.String())
			assert.Positive(t, o.report.Summary.Scenarios.Passed)
		})
	}
}
