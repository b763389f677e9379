package refserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every format rule, through PATCH: accepted values read back as their normal form;
// refused values get 400 with the field named, and the case is left exactly as it was
// even though the body also carries a valid change.
func TestValidation(t *testing.T) {
	s := newTS(t)
	id := s.create(full())
	e := strings.Repeat("é", 25)
	cases := []struct {
		field string
		value any
		ok    bool
		want  string // raw JSON read back when ok; "" = value as sent
	}{
		// local time
		{"incident_local_time", "14:30:00", true, `"14:30:00"`},
		{"incident_local_time", "14:30:00:123", true, `"14:30:00:123"`},
		{"incident_local_time", "00:00:00", true, `"00:00:00"`},
		{"incident_local_time", "23:59:59:999", true, `"23:59:59:999"`},
		{"incident_local_time", "14:30:00:000", true, `"14:30:00"`},
		{"incident_end_local_time", "24:00:00", false, ""},
		{"incident_local_time", "12:60:00", false, ""},
		{"incident_local_time", "12:00:60", false, ""},
		{"incident_local_time", "1:02:03", false, ""},
		{"incident_local_time", "12:00", false, ""},
		{"incident_local_time", "12:00:00Z", false, ""},
		{"incident_local_time", "12:00:00+02:00", false, ""},
		{"incident_local_time", "12:00:00:1234", false, ""},
		{"incident_local_time", "12:00:00:12", false, ""},
		{"incident_local_time", "12:00:00.123", false, ""},
		{"incident_local_time", "noon", false, ""},
		{"incident_local_time", "", false, ""},
		// date
		{"incident_local_date", "2024-02-29", true, `"2024-02-29"`},
		{"incident_end_local_date", "2025-12-31", true, `"2025-12-31"`},
		{"incident_local_date", "2023-02-29", false, ""},
		{"incident_local_date", "2025-13-01", false, ""},
		{"incident_local_date", "2025-00-10", false, ""},
		{"incident_local_date", "2025-04-31", false, ""},
		{"incident_local_date", "2025-1-5", false, ""},
		{"incident_local_date", "2025/01/05", false, ""},
		{"incident_local_date", "05-01-2025", false, ""},
		{"incident_local_date", "2025-01-05T00:00:00Z", false, ""},
		// date-time
		{"incident_date_time", "2025-01-01T10:00:00Z", true, `"2025-01-01T10:00:00.000Z"`},
		{"incident_date_time", "2025-01-01T10:00:00+05:30", true, `"2025-01-01T04:30:00.000Z"`},
		{"reported_date_time", "2025-01-01T10:00:00-08:00", true, `"2025-01-01T18:00:00.000Z"`},
		{"closed_date_time", "2025-01-01T10:00:00.123456Z", true, `"2025-01-01T10:00:00.123Z"`},
		{"incident_date_time", "2025-01-01T10:00:00", false, ""},
		{"incident_date_time", "2025-01-01", false, ""},
		{"incident_date_time", "2025-01-01 10:00:00Z", false, ""},
		{"incident_date_time", "2025-02-30T10:00:00Z", false, ""},
		{"incident_date_time", "2025-01-01T25:00:00Z", false, ""},
		{"incident_date_time", "2025-01-01t10:00:00z", false, ""},
		// lengths in characters
		{"police_report_number", strings.Repeat("x", 25), true, ""},
		{"police_report_number", e, true, ""},
		{"police_report_number", strings.Repeat("x", 26), false, ""},
		{"police_agency", strings.Repeat("é", 100), true, ""},
		{"police_agency", strings.Repeat("x", 101), false, ""},
		{"police_officer", strings.Repeat("x", 50), true, ""},
		{"police_officer", strings.Repeat("x", 51), false, ""},
		{"description", strings.Repeat("d", 32000), true, ""},
		{"description", strings.Repeat("d", 32001), false, ""},
		{"summary", strings.Repeat("s", 5000), true, ""},
		// JSON types
		{"summary", 12, false, ""},
		{"summary", true, false, ""},
		{"summary", map[string]any{}, false, ""},
		{"summary", []any{"a"}, false, ""},
		{"incident_local_date", 20250101, false, ""},
		{"initial_case_value", "12.5", false, ""},
		{"initial_case_value", true, false, ""},
		{"civil_recovery_amount", 0, true, `0`},
		{"police_involved", "true", false, ""},
		{"police_involved", 1, false, ""},
		{"police_involved", true, true, `true`},
		{"owner_id", 5, false, ""},
		// Salesforce ids
		{"owner_id", owner3, true, `"` + owner3 + `"`},
		{"owner_id", owner3[:15], true, `"` + owner3 + `"`},
		{"owner_id", owner3[:14], false, ""},
		{"owner_id", owner3[:16], false, ""},
		{"owner_id", owner3[:17], false, ""},
		{"owner_id", owner3 + "A", false, ""},
		{"owner_id", owner3[:15] + "ZZZ", false, ""},
		{"owner_id", "00500000000000-", false, ""},
		{"owner_id", "005000000000099", false, ""},
		{"owner_id", loc1ID, false, ""},
		{"location_id", loc3ID[:15], true, `"` + loc3ID + `"`},
		{"location_id", loc3ID[:15] + "ZZZ", false, ""},
		{"location_id", owner2, false, ""},
	}
	for _, tc := range cases {
		name := tc.field + "=" + mustJSON(t, tc.value)
		if len(name) > 70 {
			name = name[:70]
		}
		t.Run(name, func(t *testing.T) {
			before := readable(s.read(id))
			companion := "summary"
			if tc.field == "summary" {
				companion = "status"
			}
			r := s.patch(id, map[string]any{tc.field: tc.value, companion: "changed-" + name})
			if !tc.ok {
				require.Equal(t, http.StatusBadRequest, r.code, r.body)
				assert.Equal(t, "application/json", r.header.Get("Content-Type"))
				assert.Equal(t, "INVALID_FIELD", r.get("errorCode").String())
				assert.Contains(t, r.get("message").String(), tc.field)
				assert.Equal(t, tc.field, r.get("fields.0").String())
				assert.Equal(t, before, readable(s.read(id)), "a refused PATCH changes nothing")
				return
			}
			require.Equal(t, http.StatusOK, r.code, r.body)
			want := tc.want
			if want == "" {
				want = mustJSON(t, tc.value)
			}
			assert.Equal(t, want, s.read(id).Get(tc.field).Raw)
		})
	}
}

// Creates follow the same rules, and a refused create stores nothing.
func TestCreateValidation(t *testing.T) {
	s := newTS(t)
	cases := []map[string]any{
		{"incident_local_time": "24:00:00"},
		{"incident_local_date": "2023-02-29"},
		{"incident_date_time": "2025-01-01T10:00:00"},
		{"police_officer": strings.Repeat("x", 51)},
		{"initial_case_value": "1"},
		{"owner_id": nil},
		{"owner_id": "005000000000099"},
		{"location_number": "STORE-9999"},
	}
	for _, body := range cases {
		body["summary"] = "valid"
		r := s.do("POST", incidents, mustJSON(t, body))
		assert.Equal(t, http.StatusBadRequest, r.code, "%v: %s", body, r.body)
	}
	assert.Equal(t, "[]", s.do("GET", incidents, "").body)
}

func TestCodecLenientParsers(t *testing.T) {
	// The lenient parsers back the format faults; check they normalize as they claim.
	for in, want := range map[string]string{"24:00:00": "00:00:00:000", "1:02:03": "01:02:03:000", "12:00": "12:00:00:000",
		"12:00:00Z": "12:00:00:000", "12:00:00+02:00": "12:00:00:000", "12:00:00:1234": "12:00:00:123"} {
		got, err := lenientTime(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, want := range map[string]string{"2023-02-29": "2023-03-01", "2025-1-5": "2025-01-05", "2025/01/05": "2025-01-05",
		"2025-01-05T00:00:00Z": "2025-01-05"} {
		got, err := lenientDate(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, want := range map[string]string{"2025-01-01T10:00:00": "2025-01-01T10:00:00.000Z", "2025-01-01": "2025-01-01T00:00:00.000Z",
		"2025-01-01 10:00:00Z": "2025-01-01T10:00:00.000Z", "2025-02-30T10:00:00Z": "2025-03-02T10:00:00.000Z",
		"2025-01-01T10:00:00+01:00": "2025-01-01T09:00:00.000Z"} {
		got, err := lenientDateTime(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}
