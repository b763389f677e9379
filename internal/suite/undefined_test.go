package suite

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
)

// Issue 17 item 13: a step no phrase matches is the suite's mistake, found when the suite
// loads: each one named at its line in the file as written (after an Examples table the
// profile expanded, too), with the closest phrase.
func TestUndefinedStepIsASuiteErrorWithItsLine(t *testing.T) {
	feature := `Feature: x

  @PATCH-NULL @must
  Scenario Outline: null clears <field>
    Given a case with every field populated
    When I PATCH "<field>" to null
    Then "<field>" reads back as nul

    @fields:null:clears,readable
    Examples:
      | field |

  @PATCH-NULL @must
  Scenario: a typo after the expanded table
    Given a case with every field populated
    When I PATCH "description" to null
    Then the PATCH succeds
`
	fsys := fstest.MapFS{
		"requirements.yaml": {Data: []byte("requirements:\n  - {id: PATCH-NULL, level: must, title: t}\n")},
		"x.feature":         {Data: []byte(feature)},
	}
	_, err := Load(fsys, fixtures.Default())
	require.Error(t, err)
	var se *StepError
	require.ErrorAs(t, err, &se)
	assert.ErrorContains(t, err, `x.feature:7: undefined step "Then \"<field>\" reads back as nul": no phrase matches it; did you mean "\"department\" reads back as null"?`)
	assert.ErrorContains(t, err, `x.feature:17: undefined step "Then the PATCH succeds": no phrase matches it; did you mean "the PATCH succeeds"?`)
	assert.Equal(t, 1, strings.Count(err.Error(), "x.feature:7:"), "the outline's step is reported once, not once per expanded row")
}
