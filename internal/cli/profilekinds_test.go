package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
)

// TestProfileKeysNameFieldsOfTheirKind: a key that names a field must name one of the right
// kind (profile.md), or both profile check and run refuse the profile with exit 2 and the
// key's line, before any request; before, these passed the check and then raised false
// alarms (PATCH-AUDIT, PATCH-RECORDTYPE "failed" on a correct target).
func TestProfileKeysNameFieldsOfTheirKind(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name, old, new string
		line           int
		want           string
	}{
		{"audit-not-a-field", "  last_modified: last_modified_date", "  last_modified: lastModified", 21, `audit_fields.last_modified "lastModified" is not a read-only field`},
		{"audit-writable", "  created: created_date", "  created: incident_date_time", 20, `audit_fields.created "incident_date_time" is a writable field`},
		{"record-type-writable", "record_type_field: record_type", "record_type_field: description", 18, `record_type_field "description" is a writable field`},
		{"marker-not-text", "marker_field: external_reference", "marker_field: police_involved", 17, `marker_field "police_involved" is not a writable text field`},
		{"marker-write-only", "marker_field: external_reference", "marker_field: stage", 17, `marker_field "stage" is not a writable text field`},
		{"pair-wrong-kind", "  - [incident_end_local_date, incident_end_local_time]", "  - [incident_end_local_date, incident_date_time]", 65, `local_date_time_pairs entry "incident_date_time" is of type "date-time", not local-time`},
	}
	for _, tc := range cases {
		y := string(fixtures.DefaultYAML())
		require.Contains(t, y, tc.old)
		path := filepath.Join(dir, tc.name+".yaml")
		require.NoError(t, os.WriteFile(path, []byte(strings.Replace(y, tc.old, tc.new, 1)), 0o644))
		for _, args := range [][]string{{"profile", "check", "--profile", path}, {"run", "--profile", path, "--report-dir", filepath.Join(dir, "r")}} {
			t.Run(tc.name+" "+args[0], func(t *testing.T) {
				env, stdout, stderr := testEnv(t, args...)
				assert.Equal(t, ExitUsage, Main(env), stdout.String())
				assert.Contains(t, stderr.String(), fmt.Sprintf("%s:%d: %s", path, tc.line, tc.want))
				assert.Contains(t, stderr.String(), "(fix: ")
			})
		}
	}
}

// TestProfileCheckHintSaysWhatIsMissing: with date fields but no local-time field,
// PATCH-DATE-KEEPS-TIME is not judged because no date has a paired local time, not because
// "no field is of type date".
func TestProfileCheckHintSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	y := strings.NewReplacer(
		"  - {name: incident_local_time, type: local-time}\n", "",
		"  - {name: incident_end_local_time, type: local-time}\n", "",
		"local_date_time_pairs:\n  - [incident_local_date, incident_local_time]\n  - [incident_end_local_date, incident_end_local_time]\n", "",
	).Replace(string(fixtures.DefaultYAML()))
	require.NotContains(t, y, "local-time")
	path := filepath.Join(t.TempDir(), "no-times.yaml")
	require.NoError(t, os.WriteFile(path, []byte(y), 0o644))
	env, stdout, stderr := testEnv(t, "profile", "check", "--profile", path)
	require.Equal(t, ExitNonConformant, Main(env), stderr.String())
	out := stdout.String()
	assert.Regexp(t, `PATCH-DATE-KEEPS-TIME\s+must\s+NO\s+0\s+no local date is paired with a local time; to judge it: add local_date_time_pairs`, out)
	assert.NotContains(t, out, "no field is of type date;")
}
