package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// profile check says, per requirement, whether a run judges it, with which inferred keys,
// and what to add when it does not; exit 1 when a must requirement is not judged, 2 for a
// profile error.
func TestProfileCheck(t *testing.T) {
	t.Parallel()
	env, stdout, stderr := testEnv(t, "profile", "check", "--profile", "../../fixtures/testdata/example.yaml")
	require.Equal(t, ExitConformant, Main(env), stderr.String())
	out := stdout.String()
	assert.Contains(t, out, "local_date_time_pairs = [incident_local_date, incident_local_time] (the names of a date and a local-time field)")
	assert.Regexp(t, `PATCH-DATE-KEEPS-TIME\s+must\s+yes\s+2\s+uses inferred local_date_time_pairs`, out)
	assert.Regexp(t, `PATCH-NESTED\s+must\s+yes\s+3\s+without nested_samples`, out)
	assert.Regexp(t, `LOC-PRECEDENCE\s+must\s+yes\s+1\s+uses inferred fields.location_number.ref = location`, out)
	assert.Regexp(t, `PATCH-AUDIT\s+should\s+yes\s+1\s+uses inferred audit_fields.created = created_date`, out)
	assert.Regexp(t, `PATCH-RECORDTYPE\s+should\s+NO\s+1\s+the profile names no record_type_field; to judge it: add record_type_field`, out)
	assert.Contains(t, out, "every must requirement is judged")

	dir := t.TempDir()
	data, err := os.ReadFile("../../fixtures/testdata/example.yaml")
	require.NoError(t, err)
	y := strings.NewReplacer(
		"  - {name: incident_date_time, type: date-time}\n", "",
		"  - {name: reported_date_time, type: date-time}\n", "",
		"  - {name: closed_date_time, type: date-time}\n", "",
		"owners: [005000000000002AAA, 00G000000000001EAA]", "owners: [005000000000001AAA]",
	).Replace(string(data))
	poor := filepath.Join(dir, "poor.yaml")
	require.NoError(t, os.WriteFile(poor, []byte(y), 0o644))
	env, stdout, stderr = testEnv(t, "profile", "check", "--profile", poor)
	require.Equal(t, ExitNonConformant, Main(env), stderr.String())
	out = stdout.String()
	assert.Regexp(t, `FMT-DATETIME\s+must\s+NO\s+0\s+no field is of type date-time; to judge it: list the date-time fields`, out)
	assert.Regexp(t, `PATCH-OWNER-KEPT\s+must\s+NO\s+1\s+the profile's fixtures name no owner other than the integration user; to judge it: set fixtures.integration_user and add`, out)
	assert.Contains(t, out, "must requirements NOT judged")

	broken := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte(strings.Replace(string(data), "marker_field:", "marker_feild:", 1)), 0o644))
	env, _, stderr = testEnv(t, "profile", "check", "--profile", broken)
	require.Equal(t, ExitUsage, Main(env))
	assert.Contains(t, stderr.String(), broken+`:18: unknown key "marker_feild" at the top level (fix: did you mean "marker_field"?`)
}
