package cases

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/sfid"
)

// One reader judges every read of a case: the case is a 200 with a JSON object, and
// anything else is a fault that says what came instead; a read of child records wants a
// 200 with JSON and names the kind it could not read.
func TestReadCaseAndChildren(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/ok/vehicles"):
			http.Error(w, "no", http.StatusForbidden)
		case strings.HasSuffix(r.URL.Path, "/ok/persons"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[]`))
		case strings.HasSuffix(r.URL.Path, "/ok"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id": "ok"}`))
		case strings.HasSuffix(r.URL.Path, "/text"):
			_, _ = w.Write([]byte(`not json`))
		case strings.HasSuffix(r.URL.Path, "/list"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"id": "list"}]`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cl, err := client.New(client.Config{BaseURL: srv.URL, Token: "t", Timeout: 2 * time.Second})
	require.NoError(t, err)
	p := fixtures.Default()

	r, err := ReadCase(t.Context(), cl.Do, p, "ok")
	require.NoError(t, err)
	assert.Empty(t, r.Fault)
	assert.Equal(t, "ok", r.Doc().Get("id").String())

	for id, fault := range map[string]string{"text": "200", "list": "200", "gone": "404"} {
		r, err := ReadCase(t.Context(), cl.Do, p, id)
		require.NoError(t, err)
		assert.Contains(t, r.Fault, fault, id)
	}

	_, err = ReadChildren(t.Context(), cl.Do, p, "ok")
	fault, ok := err.(*ChildrenFault)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "vehicles", fault.Kind)
	assert.Equal(t, http.StatusForbidden, fault.Ex.Status)

	one := *p
	one.Nested = []string{"persons"}
	children, err := ReadChildren(t.Context(), cl.Do, &one, "ok")
	require.NoError(t, err)
	assert.True(t, children["persons"].IsArray())
}

// A read names the case it was asked for by the profile's id field, in either Salesforce
// form; another id is a fault that names both, and a read without an id cannot be
// checked, so it is taken as it is.
func TestReadCaseNamesTheCaseAskedFor(t *testing.T) {
	id18 := sfid.Make("500", 42)
	other := sfid.Make("500", 43)
	answers := map[string]string{
		"/incidents/" + id18:              `{"id": "` + id18 + `"}`,
		"/incidents/" + id18[:15]:         `{"id": "` + id18 + `"}`, // asked 15, answered 18
		"/incidents/" + other:             `{"id": "` + id18[:15] + `"}`,
		"/incidents/noid":                 `{"description": "x"}`,
		"/incidents/7":                    `{"id": 7}`,
		"/incidents/8":                    `{"id": 9}`,
		"/incidents/" + id18[:15] + "ZZZ": `{"id": "` + id18 + `"}`, // not an id: taken as a string
		"/incidents/001A0000006Vm9rIAC":   `{"id": "001A0000006Vm9riac"}`,
		"/cases/" + id18:                  `{"Id": "` + other + `", "id": "` + id18 + `"}`,
		"/cases/" + other:                 `{"Id": "` + other + `"}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(answers[r.URL.Path]))
	}))
	defer srv.Close()
	cl, err := client.New(client.Config{BaseURL: srv.URL, Token: "t", Timeout: 2 * time.Second})
	require.NoError(t, err)
	p := fixtures.Default()
	for id, want := range map[string]string{id18: "", id18[:15]: "", other: id18[:15], "noid": "", "7": "", "8": "9", id18[:15] + "ZZZ": id18, "001A0000006Vm9rIAC": ""} {
		r, err := ReadCase(t.Context(), cl.Do, p, id)
		require.NoError(t, err)
		assert.Equal(t, want, r.Other, id)
		if want == "" {
			assert.Empty(t, r.Fault, id)
		} else {
			assert.Equal(t, "the target answered the read of "+id+" with case "+want, r.Fault, id)
		}
	}

	named := *p
	named.Paths.Read = "/cases/{id}"
	named.ReadOnly = []string{"Id", "CaseNumber"}
	assert.Equal(t, "Id", named.IDField())
	r, err := ReadCase(t.Context(), cl.Do, &named, id18)
	require.NoError(t, err)
	assert.Equal(t, other, r.Other, "the profile's id field is read, not a key that happens to be called id")
	r, err = ReadCase(t.Context(), cl.Do, &named, other)
	require.NoError(t, err)
	assert.Empty(t, r.Fault)
}

// A run's reads count the reads answered with another case in a row: a run of them stops
// the run (the client's stop condition), and a right read in between resets the count.
func TestWrongCaseReadsStopTheRun(t *testing.T) {
	id, other := sfid.Make("500", 1), sfid.Make("500", 2)
	wrong := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		answer := id
		if wrong {
			answer = other
		}
		_, _ = w.Write([]byte(`{"id": "` + answer + `"}`))
	}))
	defer srv.Close()
	var stops []*client.StopError
	cl, err := client.New(client.Config{BaseURL: srv.URL, Token: "t", Timeout: 2 * time.Second,
		OnStop: func(e *client.StopError) { stops = append(stops, e) }})
	require.NoError(t, err)
	env := &Env{Client: cl, Profile: fixtures.Default()}
	read := func() {
		_, err := env.ReadCase(t.Context(), cl.Do, id)
		require.NoError(t, err)
	}
	for range client.StopAfterWrongCase - 1 {
		read()
	}
	wrong = false
	read()
	wrong = true
	for range client.StopAfterWrongCase - 1 {
		read()
	}
	assert.Empty(t, stops, "a right read in between resets the count")
	read()
	require.Len(t, stops, 1)
	assert.True(t, strings.HasPrefix(stops[0].Reason, "the target answered the read of "+id+" with case "+other+" "), stops[0].Reason)
	assert.Contains(t, stops[0].Reason, "this is not the Case API")
}
