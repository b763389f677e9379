package refserver

import (
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
)

// newProfileTS serves the shape of a test profile of the fixtures package.
func newProfileTS(t *testing.T, file string, faults ...string) (*tsrv, *fixtures.Profile) {
	t.Helper()
	data, err := os.ReadFile("../../fixtures/testdata/" + file)
	require.NoError(t, err)
	p, err := fixtures.Parse(file, data)
	require.NoError(t, err)
	srv, err := New(Options{DBPath: ":memory:", Faults: faults, Profile: p})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	tok, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	return &tsrv{t: t, srv: srv, token: tok}, p
}

// The default profile yields the server of the documented catalog: every body field
// and read-only field under its documented name, the fixtures of the default profile.
func TestDefaultProfileSchema(t *testing.T) {
	sc, err := newSchema(fixtures.Default())
	require.NoError(t, err)
	assert.Len(t, sc.fields, 31)
	assert.Equal(t, []string{"owner_id"}, sc.owners)
	assert.Equal(t, "location_id", sc.locID)
	assert.Equal(t, "location_number", sc.locNumber)
	assert.Equal(t, [][2]string{{"incident_local_date", "incident_local_time"}, {"incident_end_local_date", "incident_end_local_time"}}, sc.datePairs)
	assert.Equal(t, []string{"items", "persons", "vehicles"}, sc.kinds)
	assert.Equal(t, "items", sc.itemsKind)
	assert.Equal(t, "record_type", sc.recordType)
	assert.Equal(t, integrationUser, sc.integrationUser)
	for _, ro := range sc.readOnly {
		assert.Equal(t, ro.name, ro.col, "read-only %s keeps its documented column", ro.name)
	}
	s := newTS(t)
	doc := s.read(s.create(nil))
	var keys []string
	doc.ForEach(func(k, _ gjson.Result) bool { keys = append(keys, k.String()); return true })
	assert.Equal(t, []string{"id", "incident_number", "record_type"}, keys[:3])
	assert.Len(t, keys, 3+30+6, "id, number, record type, 30 readable body fields, 6 other read-only fields")
}

// A profile with other names, other paths and other fixtures is served as it says.
func TestProfileShapeIsServed(t *testing.T) {
	s, p := newProfileTS(t, "salesforce-names.yaml")
	base := DefaultBasePath + "/cases"
	r := s.do("POST", base, mustJSON(t, map[string]any{
		"ThinkLP__Summary__c": "first", "ThinkLP__Location_Number__c": "LP-0102",
		"ThinkLP__Incident_Local_Date__c": "2025-03-01", "persons": []any{map[string]any{"first_name": "A"}},
	}))
	require.Equal(t, http.StatusCreated, r.code, r.body)
	id := r.get("id").String()
	assert.Equal(t, base+"/"+id, r.header.Get("Location"))

	doc := s.do("GET", base+"/"+id, "")
	require.Equal(t, http.StatusOK, doc.code, doc.body)
	assert.Equal(t, id, doc.get("Id").String())
	assert.Equal(t, "C-000001", doc.get("CaseNumber").String())
	assert.Equal(t, "first", doc.get("ThinkLP__Summary__c").String())
	assert.Equal(t, "a1L00000000000MEAQ", doc.get("ThinkLP__Location__c").String(), "the number sets the linked id")
	assert.Equal(t, "00:00:00", doc.get("ThinkLP__Incident_Local_Time__c").String(), "a date alone on create means midnight (pair inferred from the names)")
	assert.Equal(t, p.Fixtures.IntegrationUser, doc.get("OwnerId").String(), "the profile's integration user owns a new case")
	for _, ro := range p.ReadOnly {
		assert.True(t, doc.get(ro).Exists(), "read-only %s is shown", ro)
	}
	for _, key := range []string{"id", "incident_number", "summary", "record_type"} {
		assert.False(t, doc.get(key).Exists(), "no default name %q in another profile's case", key)
	}
	people := s.do("GET", base+"/"+id+"/people", "")
	assert.Equal(t, http.StatusOK, people.code)
	assert.Equal(t, "A", people.get("0.first_name").String())
	assert.Equal(t, http.StatusNotFound, s.do("GET", incidents, "").code, "the default paths are not served")

	modified := doc.get("LastModifiedDate").String()
	time.Sleep(2 * time.Millisecond)
	up := s.do("PATCH", base+"/"+id, `{"OwnerId": "00G00000000000DEAQ", "CreatedDate": "2001-01-01T00:00:00Z"}`)
	require.Equal(t, http.StatusOK, up.code, up.body)
	after := s.do("GET", base+"/"+id, "")
	assert.Equal(t, "00G00000000000DEAQ", after.get("OwnerId").String(), "a queue of the profile's fixtures may own a case")
	assert.NotEqual(t, modified, after.get("LastModifiedDate").String())
	assert.Equal(t, doc.get("CreatedDate").String(), after.get("CreatedDate").String())
	bad := s.do("PATCH", base+"/"+id, `{"OwnerId": "005000000000002AAA"}`)
	assert.Equal(t, http.StatusBadRequest, bad.code, "the default fixtures are not seeded")
}

// Faults refer to fields by role, so they break their rule under any profile.
func TestFaultsFollowTheProfile(t *testing.T) {
	base := DefaultBasePath + "/cases"
	t.Run("location-number-wins", func(t *testing.T) {
		s, _ := newProfileTS(t, "salesforce-names.yaml", "location-number-wins")
		r := s.do("POST", base, `{"ThinkLP__Location__c": "a1L00000000000LEAQ", "ThinkLP__Location_Number__c": "LP-0102"}`)
		require.Equal(t, http.StatusCreated, r.code, r.body)
		assert.Equal(t, "LP-0102", s.do("GET", base+"/"+r.get("id").String(), "").get("ThinkLP__Location_Number__c").String())
	})
	t.Run("owner-reset", func(t *testing.T) {
		s, p := newProfileTS(t, "salesforce-names.yaml", "owner-reset")
		r := s.do("POST", base, `{"OwnerId": "00500000000000CAAQ"}`)
		id := r.get("id").String()
		s.do("PATCH", base+"/"+id, `{"ThinkLP__Summary__c": "x"}`)
		assert.Equal(t, p.Fixtures.IntegrationUser, s.do("GET", base+"/"+id, "").get("OwnerId").String())
	})
	t.Run("set-dropped", func(t *testing.T) {
		s, _ := newProfileTS(t, "salesforce-names.yaml", "set-dropped")
		sc := s.srv.sc
		require.Equal(t, "ThinkLP__Reported_By__c", sc.dropped, "the last unbounded free-text field")
		r := s.do("POST", base, `{}`)
		id := r.get("id").String()
		s.do("PATCH", base+"/"+id, `{"ThinkLP__Reported_By__c": "x"}`)
		assert.NotEqual(t, "x", s.do("GET", base+"/"+id, "").get("ThinkLP__Reported_By__c").String())
	})
	t.Run("readonly-written", func(t *testing.T) {
		s, _ := newProfileTS(t, "salesforce-names.yaml", "readonly-written")
		id := s.do("POST", base, `{}`).get("id").String()
		s.do("PATCH", base+"/"+id, `{"CaseNumber": "C-999999", "LastModifiedDate": "2001-01-01T00:00:00Z"}`)
		doc := s.do("GET", base+"/"+id, "")
		assert.Equal(t, "C-999999", doc.get("CaseNumber").String())
		assert.Equal(t, "2001-01-01T00:00:00.000Z", doc.get("LastModifiedDate").String())
	})
}

// A profile the server cannot serve is refused with a reason.
func TestUnservableProfiles(t *testing.T) {
	p := fixtures.Default()
	p.Paths.List = "/other"
	_, err := New(Options{DBPath: ":memory:", Profile: p})
	assert.ErrorContains(t, err, "paths.create (/incidents) and paths.list (/other) must be the same")

	p = fixtures.Default()
	p.Fields = append(slices.Clone(p.Fields), fixtures.Field{Name: "Seq", Type: fixtures.TypeString})
	_, err = New(Options{DBPath: ":memory:", Profile: p})
	assert.ErrorContains(t, err, `cannot serve a body field of that name`)
}
