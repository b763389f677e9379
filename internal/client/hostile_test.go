package client

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/hostile"
)

// The hostile targets of internal/hostile, one request each: what the driver keeps is
// bounded whatever the target answers. (Peak RSS of whole runs is measured by
// BenchmarkHostileTargets, not asserted here.)

func hostileClient(t *testing.T, kind hostile.Kind) (*Client, *hostile.Server) {
	t.Helper()
	srv, err := hostile.Start(kind)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, Token: "hostile-token", Timeout: 10 * time.Second})
	require.NoError(t, err)
	return c, srv
}

// within says s points into the bytes of whole: a substring that would keep whole alive.
func within(s, whole string) bool {
	if len(s) == 0 || len(whole) == 0 {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(whole)))
	return p >= lo && p < lo+uintptr(len(whole))
}

func TestHostileBigFieldIsReadButNotKept(t *testing.T) {
	c, _ := hostileClient(t, hostile.BigField)
	ex, err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/incidents", JSON: map[string]any{"status": "Open"}})
	require.NoError(t, err, "a legal 3 MiB field is under the body cap: the answer is judged")
	assert.Greater(t, len(ex.ResponseBody), hostile.FieldSize)
	assert.True(t, ValidJSON(ex.ResponseBody))
	assert.True(t, ex.ValidJSON())
	assert.NotEmpty(t, ex.JSON().Get("id").String())

	ev := ex.Evidence(MaxEvidenceBody)
	assert.LessOrEqual(t, len(ev.ResponseBody), MaxEvidenceBody+100, "evidence keeps a capped copy")
	assert.Contains(t, ev.ResponseBody, "more bytes not kept in the report")
	assert.False(t, within(ev.ResponseBody, ex.ResponseBody), "the evidence must not pin the 3 MiB answer")
	for k, v := range ev.ResponseHeaders {
		assert.False(t, within(v, ex.ResponseHeaders[k]))
	}
	small := Exchange{ResponseBody: `{"id":"500000000000001AAA"}`}.Evidence(MaxEvidenceBody)
	assert.Equal(t, `{"id":"500000000000001AAA"}`, small.ResponseBody, "small bodies are kept whole")
}

func TestHostileBigBodyIsCut(t *testing.T) {
	c, _ := hostileClient(t, hostile.BigBody)
	ex, err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/incidents", JSON: map[string]any{"status": "Open"}})
	require.ErrorIs(t, err, ErrBodyTooLarge)
	assert.Contains(t, err.Error(), "the answer is longer than 4194304 bytes")
	assert.True(t, ex.Truncated)
	assert.Len(t, ex.ResponseBody, DefaultMaxBody, "not a byte more than the cap is kept")
	assert.Equal(t, http.StatusCreated, ex.Status)
}

func TestHostileGzipBombStopsAtTheCap(t *testing.T) {
	bomb, err := hostile.Bomb(hostile.BombSize)
	require.NoError(t, err)
	require.Less(t, len(bomb), hostile.BombSize/500, "the bomb is small on the wire")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, Timeout: 10 * time.Second, MaxBody: 1 << 20})
	require.NoError(t, err)
	ex, err := c.Do(t.Context(), Request{Path: "/incidents"})
	require.ErrorIs(t, err, ErrBodyTooLarge)
	assert.Contains(t, err.Error(), "the answer inflates (gzip) to more than 1048576 bytes")
	assert.Len(t, ex.ResponseBody, 1<<20, "inflated bytes are capped like plain ones")
	assert.True(t, strings.HasPrefix(ex.ResponseBody, `{"id":"`))
}

func TestHostileDeepNestingIsRefusedWithoutRecursion(t *testing.T) {
	c, _ := hostileClient(t, hostile.Deep)
	ex, err := c.Do(t.Context(), Request{Path: "/incidents/x"})
	require.NoError(t, err)
	require.Greater(t, len(ex.ResponseBody), 2*hostile.Depth)
	// gjson.Valid on this recursed two million levels (minutes, gigabytes); the
	// depth check stops at the 65th.
	err = CheckJSON(ex.ResponseBody)
	require.Error(t, err)
	assert.Equal(t, "JSON nested deeper than 64 levels", err.Error())
	assert.False(t, ValidJSON(ex.ResponseBody))
	assert.False(t, ParseJSON(ex.ResponseBody).Exists())
	assert.False(t, ex.ValidJSON(), "checked once when the answer was read")
	assert.False(t, ex.JSON().Get("id").Exists(), "a lookup in a too-deep answer finds nothing")
	assert.Empty(t, ex.ErrorMessage())
}

func TestHostileHugeErrorMessageIsCut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"message":"` + strings.Repeat("m", hostile.FieldSize) + `"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL})
	require.NoError(t, err)
	ex, err := c.Do(t.Context(), Request{Path: "/incidents"})
	require.NoError(t, err)
	msg := ex.ErrorMessage()
	assert.Less(t, len(msg), 4<<10)
	assert.Contains(t, msg, "more bytes not kept")
	assert.False(t, within(msg, ex.ResponseBody), "the message must not pin the answer")
}

func TestJSONDepth(t *testing.T) {
	tests := []struct {
		doc  string
		want int
	}{
		{``, 0},
		{`"x"`, 0},
		{`{}`, 1},
		{`{"a":[1,{"b":[]}]}`, 4},
		{`{"a":"[[[[{{{{"}`, 1},
		{`{"a":"\"[[[[\\"}`, 1},
		{`[[],[],[[]]]`, 3},
		{`["a\\",[1]]`, 2},     // a string ending in an escaped backslash
		{`["a\"]]]]",[1]]`, 2}, // an escaped quote does not end the string
		{`["unterminated [[[`, 1},
		{strings.Repeat("[", 64) + strings.Repeat("]", 64), 64},
		{strings.Repeat("[", 1000), 65}, // stops one past the limit
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, JSONDepth(tc.doc, 64), tc.doc)
	}
	assert.NoError(t, CheckJSON(strings.Repeat("[", 64)+strings.Repeat("]", 64)))
	assert.EqualError(t, CheckJSON(strings.Repeat("[", 65)+strings.Repeat("]", 65)), "JSON nested deeper than 64 levels")
	assert.EqualError(t, CheckJSON(`{"a":`), "not valid JSON")
	assert.Equal(t, "b", ParseJSON(`{"a":"b"}`).Get("a").String())
}

func TestCapText(t *testing.T) {
	assert.Equal(t, "abc", CapText("abc", 3))
	assert.Equal(t, "ab\n[casecert: 1 more bytes not kept in the report]", CapText("abc", 2))
	// never cuts a rune in half
	assert.Equal(t, "a\n[casecert: 2 more bytes not kept in the report]", CapText("aé", 2))
}

// Megabytes of headers are refused by name, not read into memory; a Salesforce-sized
// set of headers (a long Content-Security-Policy, cookies, limit info) is read as usual.
func TestHostileHugeHeadersAreATransportErrorNamingTheCap(t *testing.T) {
	c, _ := hostileClient(t, hostile.HugeHeaders)
	ex, err := c.Do(t.Context(), Request{Path: "/incidents/x"})
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "the answer's headers are longer than 262144 bytes (casecert's cap on response headers): not read", te.Reason)
	assert.Equal(t, 0, ex.Status, "no answer is judged")
	assert.Contains(t, ex.Err, "262144 bytes")

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", strings.Repeat("upgrade-insecure-requests; ", 400)) // ~11 KB
		w.Header().Set("Set-Cookie", "BrowserId="+strings.Repeat("b", 4000))
		w.Header().Set(LimitInfoHeader, "api-usage=18/15000")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"500000000000001AAA"}`))
	}))
	t.Cleanup(srv.Close)
	ok, err := New(Config{BaseURL: srv.URL})
	require.NoError(t, err)
	ex, err = ok.Do(t.Context(), Request{Path: "/incidents/x"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, ex.Status)

	// A caller's transport gets the cap too (a copy of it: the caller's is not changed).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	small, err := New(Config{BaseURL: srv.URL, MaxHeaderBytes: 8 << 10, HTTPClient: &http.Client{Transport: tr}})
	require.NoError(t, err)
	_, err = small.Do(t.Context(), Request{Path: "/incidents/x"})
	require.ErrorAs(t, err, &te)
	assert.Contains(t, te.Reason, "longer than 8192 bytes")
	assert.Zero(t, tr.MaxResponseHeaderBytes)
}
