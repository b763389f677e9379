package refserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
)

const (
	owner2    = "005000000000002AAA"
	owner3    = "005000000000003AAA"
	queue1    = "00G000000000001EAA"
	loc1ID    = "a0L000000000001EAA"
	loc2ID    = "a0L000000000002EAA"
	loc3ID    = "a0L000000000003EAA"
	incidents = DefaultBasePath + "/incidents"
)

// tsrv is a server under test with a valid token.
type tsrv struct {
	t     *testing.T
	srv   *Server
	token string
}

func newTS(t *testing.T, faults ...string) *tsrv {
	t.Helper()
	srv, err := New(Options{DBPath: ":memory:", Faults: faults})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	tok, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	return &tsrv{t: t, srv: srv, token: tok}
}

// resp is one answer.
type resp struct {
	code   int
	header http.Header
	body   string
}

func (r resp) get(path string) gjson.Result { return gjson.Get(r.body, path) }

// do sends a request. body is sent verbatim; hdr are "Name: value" lines that replace the
// defaults (a "Name:" line with no value removes the header).
func (s *tsrv) do(method, path, body string, hdr ...string) resp {
	s.t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	} else {
		rd = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("API-Version", "1.0")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range hdr {
		name, value, _ := strings.Cut(h, ":")
		value = strings.TrimSpace(value)
		if value == "" {
			req.Header.Del(name)
		} else {
			req.Header.Set(name, value)
		}
	}
	rec := httptest.NewRecorder()
	s.srv.ServeHTTP(rec, req)
	return resp{code: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

// create posts a case and returns its id; the body is extra JSON fields.
func (s *tsrv) create(fields map[string]any) string {
	s.t.Helper()
	if fields == nil {
		fields = map[string]any{}
	}
	r := s.do("POST", incidents, mustJSON(s.t, fields))
	require.Equal(s.t, http.StatusCreated, r.code, r.body)
	id := r.get("id").String()
	require.NotEmpty(s.t, id, r.body)
	return id
}

// read returns the case as JSON.
func (s *tsrv) read(id string) gjson.Result {
	s.t.Helper()
	r := s.do("GET", incidents+"/"+id, "")
	require.Equal(s.t, http.StatusOK, r.code, r.body)
	return gjson.Parse(r.body)
}

func (s *tsrv) patch(id string, fields map[string]any) resp {
	s.t.Helper()
	return s.do("PATCH", incidents+"/"+id, mustJSON(s.t, fields))
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// full is a body setting every writable field.
func full() map[string]any {
	return map[string]any{
		"incident_type": "Theft", "investigation_type": "External Theft", "description": "shoplifting",
		"status": "Open", "location_id": loc1ID, "department": "Electronics",
		"incident_local_date": "2025-01-05", "incident_local_time": "14:30:00",
		"incident_end_local_date": "2025-01-06", "incident_end_local_time": "15:00:00:250",
		"police_report_number": "PR-1", "police_agency": "City PD", "police_officer": "Smith",
		"stage": "Intake", "priority": "High", "source": "CCTV", "resolution": "Pending", "summary": "sum",
		"initial_case_value": 12.5, "civil_recovery_amount": 100,
		"incident_date_time": "2025-01-05T14:30:00Z", "reported_date_time": "2025-01-05T15:00:00.123+02:00",
		"closed_date_time": "2025-01-07T08:00:00-08:00", "external_reference": "ext-1", "police_involved": true,
		"owner_id": owner2, "region": "North", "district": "D1", "reported_by": "Jane", "loss_category": "Merch",
	}
}

// readable drops the fields a GET does not assert: audit stamps and write-only fields.
func readable(doc gjson.Result) map[string]any {
	m := doc.Value().(map[string]any)
	delete(m, "last_modified_date")
	delete(m, "last_modified_by_id")
	return m
}

// integrationUser is the default profile's integration user, which the server seeds.
const integrationUser = "005000000000001AAA"

// catalog is the body fields of the default profile, as the server serves them.
var catalog = func() []field {
	sc, err := newSchema(fixtures.Default())
	if err != nil {
		panic(err)
	}
	return sc.fields
}()
