package refserver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/internal/sfid"
)

func TestCreateDefaultsAndReadBack(t *testing.T) {
	s := newTS(t)
	r := s.do("POST", incidents, `{"summary": "first"}`)
	require.Equal(t, http.StatusCreated, r.code, r.body)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	id := r.get("id").String()
	assert.Equal(t, "500000000000001AAA", id)
	assert.True(t, r.get("success").Bool())
	assert.Equal(t, "Case created", r.get("message").String())
	assert.Equal(t, "Case", r.get("attributes.type").String())
	assert.Equal(t, incidents+"/"+id, r.get("attributes.url").String())
	assert.Equal(t, incidents+"/"+id, r.header.Get("Location"))

	doc := s.read(id)
	assert.Equal(t, id, doc.Get("id").String())
	assert.Equal(t, "C-000001", doc.Get("incident_number").String())
	assert.Equal(t, "Loss Prevention", doc.Get("record_type").String())
	assert.Equal(t, integrationUser, doc.Get("owner_id").String(), "omitted owner defaults to the integration user")
	assert.Equal(t, integrationUser, doc.Get("created_by_id").String())
	assert.Equal(t, integrationUser, doc.Get("last_modified_by_id").String())
	assert.Equal(t, 0.0, doc.Get("total_estimated_value").Float())
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`, doc.Get("created_date").String())
	assert.Equal(t, doc.Get("created_date").String(), doc.Get("last_modified_date").String())
	for _, f := range catalog {
		if f.writeOnly {
			assert.False(t, doc.Get(f.name).Exists(), "write-only %s must not be returned", f.name)
			continue
		}
		assert.True(t, doc.Get(f.name).Exists(), "every field key is returned: %s", f.name)
	}
	assert.Equal(t, gjson.Null, doc.Get("description").Type, "unset fields read back as null")

	second := s.create(nil)
	assert.Equal(t, "C-000002", s.read(second).Get("incident_number").String())
}

func TestCreateFullBodyReadsBackNormalized(t *testing.T) {
	s := newTS(t)
	doc := s.read(s.create(full()))
	want := map[string]string{ // raw JSON of the read-back
		"location_number":         `"STORE-0001"`,
		"incident_local_time":     `"14:30:00"`,
		"incident_end_local_time": `"15:00:00:250"`,
		"incident_date_time":      `"2025-01-05T14:30:00.000Z"`,
		"reported_date_time":      `"2025-01-05T13:00:00.123Z"`,
		"closed_date_time":        `"2025-01-07T16:00:00.000Z"`,
		"initial_case_value":      `12.5`,
		"civil_recovery_amount":   `100`,
		"police_involved":         `true`,
		"owner_id":                `"` + owner2 + `"`,
		"incident_type":           `"Theft"`,
	}
	for k, v := range want {
		assert.Equal(t, v, doc.Get(k).Raw, k)
	}
}

func TestCreateDateAloneMeansMidnight(t *testing.T) {
	s := newTS(t)
	doc := s.read(s.create(map[string]any{"incident_local_date": "2025-03-01", "incident_end_local_date": "2025-03-02"}))
	assert.Equal(t, "00:00:00", doc.Get("incident_local_time").String())
	assert.Equal(t, "00:00:00", doc.Get("incident_end_local_time").String())
}

func TestCreateNestedIsAtomic(t *testing.T) {
	s := newTS(t)
	body := map[string]any{
		"summary":  "with children",
		"persons":  []any{map[string]any{"first_name": "Ann", "last_name": "Lee", "role": "Suspect"}},
		"vehicles": []any{map[string]any{"make": "Ford", "model": "T", "plate": "ABC"}},
		"items":    []any{map[string]any{"name": "TV", "estimated_value": 300.5, "recovered_value": 100}, map[string]any{"name": "Phone", "estimated_value": 200}},
	}
	id := s.create(body)
	doc := s.read(id)
	assert.Equal(t, 500.5, doc.Get("total_estimated_value").Float())
	assert.Equal(t, 100.0, doc.Get("total_recovered_value").Float())
	persons := s.do("GET", incidents+"/"+id+"/persons", "")
	require.Equal(t, http.StatusOK, persons.code)
	assert.Equal(t, "Ann", persons.get("0.first_name").String())
	assert.Equal(t, "003", persons.get("0.id").String()[:3])
	assert.Len(t, persons.get("0.id").String(), 18)
	assert.Equal(t, "Ford", s.do("GET", incidents+"/"+id+"/vehicles", "").get("0.make").String())
	assert.Equal(t, int64(2), s.do("GET", incidents+"/"+id+"/items", "").get("#").Int())

	// One bad child refuses the whole create.
	body["items"] = []any{map[string]any{"name": "x", "estimated_value": "12"}}
	r := s.do("POST", incidents, mustJSON(t, body))
	assert.Equal(t, http.StatusBadRequest, r.code)
	assert.Equal(t, "items[0].estimated_value", r.get("fields.0").String())
	body["items"] = "nope"
	assert.Equal(t, http.StatusBadRequest, s.do("POST", incidents, mustJSON(t, body)).code)
	list := s.do("GET", incidents, "")
	assert.Equal(t, int64(1), list.get("#").Int(), "refused creates store nothing")
}

func TestChildren(t *testing.T) {
	s := newTS(t)
	id := s.create(nil)
	for _, kind := range []string{"persons", "vehicles", "items"} {
		r := s.do("GET", incidents+"/"+id+"/"+kind, "")
		require.Equal(t, http.StatusOK, r.code)
		assert.Equal(t, "[]", r.body)
	}
	r := s.do("POST", incidents+"/"+id+"/items", `{"id": "ignored", "name": "TV", "estimated_value": 10, "recovered_value": 4}`)
	require.Equal(t, http.StatusCreated, r.code, r.body)
	assert.Equal(t, "a0I", r.get("id").String()[:3])
	assert.True(t, sfid.Valid(r.get("id").String()))
	s.do("POST", incidents+"/"+id+"/items", `{"name": "Radio", "estimated_value": 2.5}`)
	doc := s.read(id)
	assert.Equal(t, 12.5, doc.Get("total_estimated_value").Float())
	assert.Equal(t, 4.0, doc.Get("total_recovered_value").Float())

	r = s.do("POST", incidents+"/"+id+"/vehicles", `{"make": "VW", "plate": "X1"}`)
	require.Equal(t, http.StatusCreated, r.code)
	assert.Equal(t, "a0V", r.get("id").String()[:3])
	r = s.do("POST", incidents+"/"+id+"/persons", `{"first_name": "Bo", "role": "Witness"}`)
	require.Equal(t, http.StatusCreated, r.code)
	got := s.do("GET", incidents+"/"+id[:15]+"/persons", "")
	assert.Equal(t, "Bo", got.get("0.first_name").String(), "15-char ids address children too")

	cases := []struct {
		name, method, path, body string
		code                     int
	}{
		{"item value must be a number", "POST", "/items", `{"estimated_value": "10"}`, 400},
		{"not an object", "POST", "/persons", `[]`, 400},
		{"unknown case", "GET", "/../500000000000999AAA/persons", "", 404},
		{"wrong method", "DELETE", "/persons", "", 405},
		{"unknown collection", "GET", "/pets", "", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := incidents + "/" + id + tc.path
			if strings.HasPrefix(tc.path, "/../") {
				path = incidents + tc.path[3:]
			}
			r := s.do(tc.method, path, tc.body)
			assert.Equal(t, tc.code, r.code, r.body)
		})
	}
}

func TestPatchSemantics(t *testing.T) {
	s := newTS(t)
	id := s.create(full())
	before := readable(s.read(id))

	t.Run("envelope", func(t *testing.T) {
		r := s.patch(id[:15], map[string]any{"summary": "new"})
		require.Equal(t, http.StatusOK, r.code, r.body)
		assert.Equal(t, id, r.get("id").String(), "the envelope carries the 18-char id")
		assert.True(t, r.get("success").Bool())
		assert.Equal(t, "Case updated", r.get("message").String())
		assert.Equal(t, "Case", r.get("attributes.type").String())
		assert.Equal(t, incidents+"/"+id, r.get("attributes.url").String())
	})
	t.Run("omitted fields keep their values", func(t *testing.T) {
		after := readable(s.read(id))
		assert.Equal(t, "new", after["summary"])
		delete(after, "summary")
		delete(before, "summary")
		assert.Equal(t, before, after)
	})
	t.Run("null clears every nullable field", func(t *testing.T) {
		for _, f := range catalog {
			if f.notNull || f.writeOnly {
				continue
			}
			id := s.create(full())
			r := s.patch(id, map[string]any{f.name: nil})
			require.Equal(t, http.StatusOK, r.code, f.name)
			assert.Equal(t, gjson.Null, s.read(id).Get(f.name).Type, f.name)
		}
	})
	t.Run("owner null refused and kept", func(t *testing.T) {
		r := s.patch(id, map[string]any{"owner_id": nil, "summary": "x"})
		assert.Equal(t, http.StatusBadRequest, r.code)
		assert.Equal(t, owner2, s.read(id).Get("owner_id").String())
		assert.Equal(t, "new", s.read(id).Get("summary").String())
	})
	t.Run("owner kept when omitted, settable to a queue and by 15-char id", func(t *testing.T) {
		require.Equal(t, http.StatusOK, s.patch(id, map[string]any{"status": "Closed"}).code)
		assert.Equal(t, owner2, s.read(id).Get("owner_id").String())
		require.Equal(t, http.StatusOK, s.patch(id, map[string]any{"owner_id": queue1[:15]}).code)
		assert.Equal(t, queue1, s.read(id).Get("owner_id").String())
	})
	t.Run("date alone keeps the stored time", func(t *testing.T) {
		require.Equal(t, http.StatusOK, s.patch(id, map[string]any{"incident_local_date": "2025-02-01"}).code)
		doc := s.read(id)
		assert.Equal(t, "2025-02-01", doc.Get("incident_local_date").String())
		assert.Equal(t, "14:30:00", doc.Get("incident_local_time").String())
	})
	t.Run("mixed body", func(t *testing.T) {
		id := s.create(full())
		r := s.patch(id, map[string]any{"status": "Closed", "priority": "Low", "initial_case_value": 1,
			"region": nil, "district": nil, "police_involved": nil})
		require.Equal(t, http.StatusOK, r.code)
		doc := s.read(id)
		assert.Equal(t, "Closed", doc.Get("status").String())
		assert.Equal(t, "Low", doc.Get("priority").String())
		assert.Equal(t, 1.0, doc.Get("initial_case_value").Float())
		for _, k := range []string{"region", "district", "police_involved"} {
			assert.Equal(t, gjson.Null, doc.Get(k).Type, k)
		}
		assert.Equal(t, "Theft", doc.Get("incident_type").String())
	})
	t.Run("read-only fields ignored, the rest applied", func(t *testing.T) {
		id := s.create(full())
		doc := s.read(id)
		body := map[string]any{"summary": "ro", "record_type": "Other", "id": "500000000000999AAA",
			"incident_number": "C-999999", "total_estimated_value": 5, "total_recovered_value": 5,
			"created_date": "2020-01-01T00:00:00Z", "last_modified_date": "2020-01-01T00:00:00Z",
			"created_by_id": owner3, "last_modified_by_id": owner3}
		require.Equal(t, http.StatusOK, s.patch(id, body).code)
		after := s.read(id)
		assert.Equal(t, "ro", after.Get("summary").String())
		for _, k := range []string{"id", "incident_number", "total_estimated_value", "created_date", "created_by_id", "record_type"} {
			assert.Equal(t, doc.Get(k).Value(), after.Get(k).Value(), k)
		}
		assert.Equal(t, integrationUser, after.Get("last_modified_by_id").String())
		assert.NotEqual(t, "2020-01-01T00:00:00.000Z", after.Get("last_modified_date").String())
	})
	t.Run("nested arrays ignored", func(t *testing.T) {
		id := s.create(map[string]any{"persons": []any{map[string]any{"first_name": "A"}}, "items": []any{map[string]any{"estimated_value": 7}}})
		r := s.patch(id, map[string]any{"persons": []any{}, "items": []any{map[string]any{"estimated_value": 1}}, "summary": "n"})
		require.Equal(t, http.StatusOK, r.code)
		assert.Equal(t, "A", s.do("GET", incidents+"/"+id+"/persons", "").get("0.first_name").String())
		assert.Equal(t, 7.0, s.read(id).Get("total_estimated_value").Float())
	})
	t.Run("empty body is a no-op", func(t *testing.T) {
		before := readable(s.read(id))
		r := s.do("PATCH", incidents+"/"+id, `{}`)
		require.Equal(t, http.StatusOK, r.code)
		assert.Equal(t, before, readable(s.read(id)))
	})
	t.Run("unknown extra fields ignored", func(t *testing.T) {
		r := s.patch(id, map[string]any{"no_such_field": 1, "summary": "extra"})
		require.Equal(t, http.StatusOK, r.code)
		assert.Equal(t, "extra", s.read(id).Get("summary").String())
		assert.False(t, s.read(id).Get("no_such_field").Exists())
	})
	t.Run("idempotent", func(t *testing.T) {
		body := map[string]any{"summary": "same", "status": "Open"}
		s.patch(id, body)
		first := readable(s.read(id))
		s.patch(id, body)
		assert.Equal(t, first, readable(s.read(id)))
	})
	t.Run("write-only stage accepted", func(t *testing.T) {
		require.Equal(t, http.StatusOK, s.patch(id, map[string]any{"stage": "Review"}).code)
		assert.False(t, s.read(id).Get("stage").Exists())
	})
}

func TestPatchEveryFieldSet(t *testing.T) {
	s := newTS(t)
	id := s.create(full())
	values := map[string]struct {
		send any
		want string // gjson Raw of the read-back
	}{
		"location_id":             {loc2ID[:15], `"` + loc2ID + `"`},
		"location_number":         {"STORE-0003", `"STORE-0003"`},
		"incident_local_date":     {"2024-02-29", `"2024-02-29"`},
		"incident_local_time":     {"23:59:59:999", `"23:59:59:999"`},
		"incident_end_local_date": {"2026-12-31", `"2026-12-31"`},
		"incident_end_local_time": {"00:00:00:000", `"00:00:00"`},
		"initial_case_value":      {12.75, `12.75`},
		"civil_recovery_amount":   {-3, `-3`},
		"incident_date_time":      {"2025-06-01T10:00:00+05:30", `"2025-06-01T04:30:00.000Z"`},
		"reported_date_time":      {"2025-06-01T10:00:00.5Z", `"2025-06-01T10:00:00.500Z"`},
		"closed_date_time":        {"2025-06-01T10:00:00-08:00", `"2025-06-01T18:00:00.000Z"`},
		"police_involved":         {false, `false`},
		"owner_id":                {owner3, `"` + owner3 + `"`},
	}
	for _, f := range catalog {
		if f.writeOnly {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			v, ok := values[f.name]
			if !ok {
				v.send, v.want = "neu-"+f.name, `"neu-`+f.name+`"`
			}
			r := s.patch(id, map[string]any{f.name: v.send})
			require.Equal(t, http.StatusOK, r.code, r.body)
			assert.Equal(t, v.want, s.read(id).Get(f.name).Raw)
		})
	}
}

func TestLocationLinking(t *testing.T) {
	s := newTS(t)
	id := s.create(map[string]any{"location_number": "STORE-0002"})
	doc := s.read(id)
	assert.Equal(t, loc2ID, doc.Get("location_id").String(), "setting the number sets the id")

	cases := []struct {
		name       string
		body       map[string]any
		code       int
		wantID     string
		wantNumber any
	}{
		{"id wins over number", map[string]any{"location_id": loc3ID, "location_number": "STORE-0001"}, 200, loc3ID, "STORE-0003"},
		{"id alone sets number", map[string]any{"location_id": loc1ID}, 200, loc1ID, "STORE-0001"},
		{"unknown number refused", map[string]any{"location_number": "STORE-9999"}, 400, loc1ID, "STORE-0001"},
		{"unknown id refused", map[string]any{"location_id": sfid.Make("a0L", 99)}, 400, loc1ID, "STORE-0001"},
		{"null number clears both", map[string]any{"location_number": nil}, 200, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.patch(id, tc.body)
			require.Equal(t, tc.code, r.code, r.body)
			doc := s.read(id)
			assert.Equal(t, tc.wantID, doc.Get("location_id").String())
			assert.Equal(t, tc.wantNumber, doc.Get("location_number").Value())
		})
	}
}

func TestAuditDates(t *testing.T) {
	clock := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	srv, err := New(Options{DBPath: ":memory:", Now: func() time.Time { return clock }})
	require.NoError(t, err)
	defer srv.Close()
	tok, _ := srv.MintToken(time.Hour)
	s := &tsrv{t: t, srv: srv, token: tok}
	id := s.create(nil)
	created := s.read(id).Get("created_date").String()
	assert.Equal(t, "2025-05-01T12:00:00.000Z", created)
	// The clock stands still: each write still moves last_modified_date forward.
	s.patch(id, map[string]any{"summary": "a"})
	assert.Equal(t, "2025-05-01T12:00:00.001Z", s.read(id).Get("last_modified_date").String())
	s.patch(id, map[string]any{"summary": "b"})
	assert.Equal(t, "2025-05-01T12:00:00.002Z", s.read(id).Get("last_modified_date").String())
	assert.Equal(t, created, s.read(id).Get("created_date").String())
	// A refused PATCH does not touch it.
	s.patch(id, map[string]any{"incident_local_date": "bad"})
	assert.Equal(t, "2025-05-01T12:00:00.002Z", s.read(id).Get("last_modified_date").String())
}

func TestList(t *testing.T) {
	clock := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	srv, err := New(Options{DBPath: ":memory:", Now: func() time.Time { return clock }})
	require.NoError(t, err)
	defer srv.Close()
	tok, _ := srv.MintToken(24 * time.Hour * 365)
	s := &tsrv{t: t, srv: srv, token: tok}
	a := s.create(map[string]any{"status": "Open", "incident_type": "Theft", "investigation_type": "External Theft"})
	clock = clock.Add(48 * time.Hour)
	b := s.create(map[string]any{"status": "Closed", "incident_type": "Theft", "investigation_type": "Internal"})
	clock = clock.Add(48 * time.Hour)
	c := s.create(map[string]any{"status": "open", "incident_type": "Fraud"})
	s.patch(a, map[string]any{"summary": "touched"}) // a modified on 2025-05-05

	cases := []struct {
		query string
		want  []string
		code  int
	}{
		{"", []string{a, b, c}, 200},
		{"?status=Open", []string{a}, 200},
		{"?status=open", []string{c}, 200},
		{"?incidentType=Theft&status=Closed", []string{b}, 200},
		{"?investigationType=Internal", []string{b}, 200},
		{"?incidentType=Nope", []string{}, 200},
		{"?createdDateFrom=2025-05-03", []string{b, c}, 200},
		{"?createdDateTo=2025-05-03", []string{a, b}, 200},
		{"?createdDateFrom=2025-05-03&createdDateTo=2025-05-03", []string{b}, 200},
		{"?createdDateFrom=2025-05-03T12:00:00Z&createdDateTo=2025-05-03T12:00:00Z", []string{b}, 200},
		{"?createdDateFrom=2025-05-03T12:00:01Z", []string{c}, 200},
		{"?lastModifiedDateFrom=2025-05-05", []string{a, c}, 200},
		{"?lastModifiedDateTo=2025-05-04&status=Closed", []string{b}, 200},
		{"?createdDateFrom=2025-02-30", nil, 400},
		{"?createdDateTo=yesterday", nil, 400},
		{"?lastModifiedDateFrom=2025-05-01T12:00:00", nil, 400},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			r := s.do("GET", incidents+tc.query, "")
			require.Equal(t, tc.code, r.code, r.body)
			if tc.code != 200 {
				assert.NotEmpty(t, r.get("message").String())
				return
			}
			got := []string{}
			for _, x := range r.get("#.id").Array() {
				got = append(got, x.String())
			}
			assert.Equal(t, tc.want, got)
			if len(tc.want) > 0 {
				assert.True(t, r.get("0.incident_number").Exists(), "list items are full records")
			}
		})
	}
}

func TestIDForms(t *testing.T) {
	s := newTS(t)
	id := s.create(nil)
	wrongSuffix := id[:15] + "ZZZ"
	cases := []struct {
		name, path string
		code       int
	}{
		{"18 chars", id, 200},
		{"15 chars", id[:15], 200},
		{"wrong suffix", wrongSuffix, 400},
		{"unknown", "500000000000999AAA", 404},
		{"unknown 15", "500000000000999", 404},
		{"14 chars", id[:14], 400},
		{"16 chars", id[:16], 400},
		{"non-alphanumeric", id[:14] + "-", 400},
		{"number", "17", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{"GET", "PATCH"} {
				body := ""
				if method == "PATCH" {
					body = `{"summary": "x"}`
				}
				r := s.do(method, incidents+"/"+tc.path, body)
				assert.Equal(t, tc.code, r.code, "%s %s", method, r.body)
				if tc.code >= 400 {
					assert.NotEmpty(t, r.get("message").String())
				}
			}
		})
	}
	assert.Equal(t, int64(1), s.do("GET", incidents, "").get("#").Int(), "PATCH of an unknown id creates nothing")
}

func TestStorageModes(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/cases.db"
	for _, db := range []string{"", ":memory:", path} {
		t.Run(db, func(t *testing.T) {
			srv, err := New(Options{DBPath: db})
			require.NoError(t, err)
			tok, _ := srv.MintToken(time.Minute)
			s := &tsrv{t: t, srv: srv, token: tok}
			id := s.create(map[string]any{"summary": "kept"})
			assert.Equal(t, "kept", s.read(id).Get("summary").String())
			tmp := srv.st.tempDir
			require.NoError(t, srv.Close())
			if db == "" {
				assert.NoDirExists(t, tmp, "Close removes the temporary database")
			}
		})
	}
	// A file database outlives its server.
	srv, err := New(Options{DBPath: path})
	require.NoError(t, err)
	defer srv.Close()
	tok, _ := srv.MintToken(time.Minute)
	s := &tsrv{t: t, srv: srv, token: tok}
	assert.Equal(t, "kept", s.read("500000000000001AAA").Get("summary").String())
}
