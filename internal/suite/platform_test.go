package suite

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/features"
	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/reports"
)

func salesforceProfile(t *testing.T) *fixtures.Profile {
	t.Helper()
	y := strings.Replace(string(fixtures.DefaultYAML()), "\nname: reference\n", "\nname: org\nplatform: salesforce\n", 1)
	p, err := fixtures.Parse("sf.yaml", []byte(y))
	require.NoError(t, err)
	return p
}

// Row 4 of salesforce.md: AUTH-CHALLENGE is info on a Salesforce org, with the reason
// "platform-owned"; on a generic target it stays should. The scenarios keep their tags.
func TestPlatformAmendsTheCatalog(t *testing.T) {
	level := func(st *Suite, id string) (string, string) {
		for _, r := range st.Catalog {
			if r.ID == id {
				return r.Level, r.Amended
			}
		}
		return "", ""
	}
	generic, err := Load(features.FS, fixtures.Default())
	require.NoError(t, err)
	lvl, why := level(generic, "AUTH-CHALLENGE")
	assert.Equal(t, reports.LevelShould, lvl)
	assert.Empty(t, why)

	sf, err := Load(features.FS, salesforceProfile(t))
	require.NoError(t, err)
	lvl, why = level(sf, "AUTH-CHALLENGE")
	assert.Equal(t, reports.LevelInfo, lvl)
	assert.True(t, strings.HasPrefix(why, "platform-owned"), why)
	n := 0
	for _, p := range sf.Pickles {
		if p.Requirements[0] == "AUTH-CHALLENGE" {
			n++
			assert.Equal(t, reports.LevelInfo, p.Level)
			assert.Equal(t, why, p.Amended)
			assert.Contains(t, p.Tags, "@should", "the feature file is unchanged")
		} else {
			assert.Empty(t, p.Amended, p.ID)
		}
	}
	assert.Equal(t, 2, n)
	for _, e := range sf.CatalogEntries() {
		if e.ID == "AUTH-CHALLENGE" {
			assert.Equal(t, reports.LevelInfo, e.Level, "judged as info")
		}
	}
	lvl, _ = level(sf, "AUTH-INVALID")
	assert.Equal(t, reports.LevelMust, lvl, "nothing else changes")
}

func TestLoadRefusesAnIncompleteAmendment(t *testing.T) {
	bad := fstest.MapFS{
		"requirements.yaml": {Data: []byte("requirements:\n  - {id: AUTH-CHALLENGE, level: should, title: t, platforms: {salesforce: {level: info}}}\n")},
		"x.feature":         {Data: []byte("Feature: x\n\n  @AUTH-CHALLENGE @should\n  Scenario: s\n    When I PATCH an empty object\n")},
	}
	_, err := Load(bad, fixtures.Default())
	assert.ErrorContains(t, err, "AUTH-CHALLENGE: the salesforce amendment needs a level")
}

// An amendment names a platform that internal/platform describes.
func TestLoadRefusesAnAmendmentOfAnUnknownPlatform(t *testing.T) {
	bad := fstest.MapFS{
		"requirements.yaml": {Data: []byte("requirements:\n  - {id: AUTH-CHALLENGE, level: should, title: t, platforms: {apex: {level: info, reason: r}}}\n")},
		"x.feature":         {Data: []byte("Feature: x\n\n  @AUTH-CHALLENGE @should\n  Scenario: s\n    When I PATCH an empty object\n")},
	}
	_, err := Load(bad, fixtures.Default())
	assert.ErrorContains(t, err, `AUTH-CHALLENGE: unknown platform "apex"; valid platforms: `)
}

// Row 3: a checkbox that stores false for null gets its own PATCH-NULL scenario and no
// PATCH-OWNER-NULL one; fields that clear keep the plain PATCH-NULL scenario.
func TestCheckboxNullScenarios(t *testing.T) {
	sf := salesforceProfile(t)
	clears, err := SelectFields(sf, "null:clears,readable")
	require.NoError(t, err)
	assert.NotContains(t, clears, "police_involved")
	assert.Contains(t, clears, "summary")
	falses, _ := SelectFields(sf, "null:false,readable")
	assert.Equal(t, []string{"police_involved"}, falses)
	refused, _ := SelectFields(sf, "!nullable")
	assert.Equal(t, []string{"owner_id"}, refused)

	generic := fixtures.Default()
	falses, _ = SelectFields(generic, "null:false")
	assert.Empty(t, falses)
	clears, _ = SelectFields(generic, "null:clears")
	assert.Contains(t, clears, "police_involved")

	st, err := Load(features.FS, sf)
	require.NoError(t, err)
	var names []string
	for _, p := range st.Pickles {
		if strings.Contains(p.Name, "police_involved") && (p.Requirements[0] == "PATCH-NULL" || p.Requirements[0] == "PATCH-OWNER-NULL") {
			names = append(names, p.Name)
		}
	}
	assert.Equal(t, []string{"null stores false in police_involved, a checkbox that cannot hold null"}, names)
}
