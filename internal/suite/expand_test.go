package suite

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/features"
	"github.com/casecert/casecert/fixtures"
)

const outline = `Feature: demo

  @PATCH-NULL @must
  Scenario Outline: null clears <field>
    When I PATCH "<field>" to null

    @fields:nullable,readable,!sfid,bounded
    Examples:
      | field |

  @FMT-TIME @must
  Scenario Outline: <field> accepts <value>
    When I PATCH "<field>" with "<value>"

    @fields:local-time
    Examples:
      | value        |
      | 14:30:00     |
      | 14:30:00:123 |

  @PATCH-EMPTY @should
  Scenario: plain
    When I PATCH an empty object
`

func TestExpandFillsRowsFromTheProfile(t *testing.T) {
	out, err := Expand("demo.feature", []byte(outline), fixtures.Default())
	require.NoError(t, err)
	s := string(out)
	for _, row := range []string{
		"| description          |", "| police_report_number |", "| police_agency        |", "| police_officer       |",
		"| field                   | value        |",
		"| incident_local_time     | 14:30:00     |", "| incident_end_local_time | 14:30:00:123 |",
	} {
		assert.Contains(t, s, row)
	}
	assert.NotContains(t, s, "| summary")
	assert.Contains(t, s, "Scenario: plain", "text outside the tables is kept")

	st := &Suite{Profile: fixtures.Default(), Catalog: []Requirement{{ID: "PATCH-NULL", Level: "must"}, {ID: "FMT-TIME", Level: "must"}, {ID: "PATCH-EMPTY", Level: "should"}}}
	require.NoError(t, st.addFeature("demo.feature", out))
	assert.Equal(t, map[string]int{"PATCH-NULL": 4, "FMT-TIME": 4, "PATCH-EMPTY": 1}, st.ScenarioCount())
	assert.Equal(t, "demo;null-clears-description", st.Pickles[0].ID)
}

func TestSelectFields(t *testing.T) {
	p := fixtures.Default()
	got, err := SelectFields(p, "!nullable")
	require.NoError(t, err)
	assert.Equal(t, []string{"owner_id"}, got)
	got, _ = SelectFields(p, "date,paired")
	assert.Equal(t, []string{"incident_local_date", "incident_end_local_date"}, got)
	got, _ = SelectFields(p, "nested")
	assert.Equal(t, []string{"persons", "vehicles", "items"}, got)
	_, err = SelectFields(p, "nullable,bogus")
	assert.ErrorContains(t, err, `unknown field selector "bogus"`)
}

// A vendor whose fields have other names gets scenarios named after its fields.
func TestExpandFollowsAVendorProfile(t *testing.T) {
	y := strings.ReplaceAll(string(fixtures.DefaultYAML()), "police_officer", "officer_name")
	p, err := fixtures.Parse("vendor.yaml", []byte(y))
	require.NoError(t, err)
	out, err := Expand("demo.feature", []byte(outline), p)
	require.NoError(t, err)
	assert.Contains(t, string(out), "| officer_name")
	assert.NotContains(t, string(out), "police_officer")
}

func TestLoadChecksTags(t *testing.T) {
	catalog, _ := features.FS.ReadFile("requirements.yaml")
	bad := fstest.MapFS{
		"requirements.yaml": {Data: catalog},
		"x.feature":         {Data: []byte("Feature: x\n\n  @PATCH-NULL @should\n  Scenario: s\n    When I PATCH an empty object\n")},
	}
	_, err := Load(bad, fixtures.Default())
	assert.ErrorContains(t, err, "tagged @should but PATCH-NULL is must")

	st, err := Load(features.FS, fixtures.Default())
	require.NoError(t, err)
	assert.NotEmpty(t, st.Pickles)
	assert.True(t, strings.HasPrefix(st.Digest, "sha256:"))
	again, _ := Load(features.FS, fixtures.Default())
	assert.Equal(t, st.Digest, again.Digest, "the digest is deterministic")
}

func TestTags(t *testing.T) {
	assert.NoError(t, ValidateTags("@must && ~@AUTH-MISSING"))
	assert.NoError(t, ValidateTags("@a,@b"))
	for _, bad := range []string{"@a,", "@a and @b", "must", "@a && ", "~"} {
		assert.Error(t, ValidateTags(bad), bad)
	}
	tags := []string{"@PATCH-NULL", "@must"}
	assert.True(t, MatchTags("@must && ~@AUTH-MISSING", tags))
	assert.False(t, MatchTags("@should", tags))
	assert.True(t, MatchTags("@should,@PATCH-NULL", tags))
	assert.True(t, MatchTags("", tags))
}
