package refserver

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/internal/platform"
)

// newSF is a server behaving as a Salesforce org, with a live session id.
func newSF(t *testing.T, faults ...string) *tsrv {
	t.Helper()
	srv, err := New(Options{DBPath: ":memory:", Faults: faults, Platform: platform.SalesforceName})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	tok, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	return &tsrv{t: t, srv: srv, token: tok}
}

func TestUnknownPlatformIsRefused(t *testing.T) {
	_, err := New(Options{DBPath: ":memory:", Platform: "apex"})
	assert.ErrorContains(t, err, `unknown platform "apex"`)
}

// Row 1 and 2 of salesforce.md: date-times keep whole seconds and read back with a basic
// offset; times keep milliseconds and read back as HH:MM:SS.mmmZ.
func TestSalesforceStoresAndSerialisesAsApex(t *testing.T) {
	s := newSF(t)
	body := full()
	body["incident_date_time"] = "2025-03-01T10:00:00.789+05:30"
	body["incident_local_time"] = "14:30:00:123"
	body["incident_end_local_time"] = "09:05:01"
	id := s.create(body)
	doc := s.read(id)
	assert.Equal(t, "2025-03-01T04:30:00.000+0000", doc.Get("incident_date_time").Str, "whole seconds, basic offset")
	assert.Equal(t, "2025-01-05T13:00:00.000+0000", doc.Get("reported_date_time").Str)
	assert.Equal(t, "14:30:00.123Z", doc.Get("incident_local_time").Str)
	assert.Equal(t, "09:05:01.000Z", doc.Get("incident_end_local_time").Str)
	for _, audit := range []string{"created_date", "last_modified_date"} {
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$`, doc.Get(audit).Str, audit)
	}
	// Contract formats are still what the server accepts and refuses.
	assert.Equal(t, http.StatusBadRequest, s.patch(id, map[string]any{"incident_local_time": "14:30:00.123Z"}).code)
	assert.Equal(t, http.StatusBadRequest, s.patch(id, map[string]any{"incident_date_time": "2025-03-01T10:00:00"}).code)
}

// Row 3: a checkbox cannot hold null; null stores false. Other fields still clear.
func TestSalesforceCheckboxNullStoresFalse(t *testing.T) {
	s := newSF(t)
	id := s.create(full())
	r := s.patch(id, map[string]any{"police_involved": nil, "summary": nil})
	require.Equal(t, http.StatusOK, r.code, r.body)
	doc := s.read(id)
	assert.Equal(t, gjson.False, doc.Get("police_involved").Type)
	assert.Equal(t, gjson.Null, doc.Get("summary").Type)
	assert.Equal(t, http.StatusBadRequest, s.patch(id, map[string]any{"owner_id": nil}).code, "the owner still refuses null")

	ignored := newSF(t, "null-ignored")
	id = ignored.create(full())
	ignored.patch(id, map[string]any{"police_involved": nil})
	assert.Equal(t, gjson.True, ignored.read(id).Get("police_involved").Type, "the fault keeps the checkbox as it was")
}

// Rows 4, 5 and 10: opaque session ids; every bad session gets the platform's 401 array
// without a challenge; errors are arrays; JSON says application/json;charset=UTF-8.
func TestSalesforceAnswersAuthAsThePlatform(t *testing.T) {
	s := newSF(t)
	assert.Regexp(t, `^00D[0-9A-Za-z]{12}!\S+$`, s.token)
	assert.NotContains(t, s.token, ".", "opaque, not a JWT")
	revoked, err := s.srv.MintToken(-time.Hour)
	require.NoError(t, err)
	altered := []byte(s.token)
	altered[len(altered)/2+8] ^= 1
	for name, hdr := range map[string]string{
		"missing": "Authorization:", "garbage": "Authorization: Bearer casecert-garbage-token",
		"altered": "Authorization: Bearer " + string(altered), "revoked": "Authorization: Bearer " + revoked,
		"basic": "Authorization: Basic Y2FzZWNlcnQ6Y2FzZWNlcnQ=",
	} {
		r := s.do("GET", incidents, "", hdr)
		assert.Equal(t, http.StatusUnauthorized, r.code, name)
		assert.JSONEq(t, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`, r.body, name)
		assert.Empty(t, r.header.Get("WWW-Authenticate"), name)
		assert.Equal(t, "application/json;charset=UTF-8", r.header.Get("Content-Type"), name)
	}
	r := s.do("GET", incidents+"/nonsense", "")
	assert.Equal(t, http.StatusBadRequest, r.code)
	assert.True(t, gjson.Get(r.body, "0.message").Exists(), r.body)
	assert.Equal(t, "MALFORMED_ID", gjson.Get(r.body, "0.errorCode").Str)
	assert.Equal(t, http.StatusOK, s.do("GET", incidents, "").code)
}

// The faults that concern auth keep working on sessions: expiry-unchecked accepts a
// revoked session, signature-unchecked any session id of the org, no-auth anything.
func TestSalesforceAuthFaults(t *testing.T) {
	for fault, accepted := range map[string][]string{
		"expiry-unchecked":    {"revoked"},
		"signature-unchecked": {"altered"},
		"no-auth":             {"revoked", "altered", "garbage", "missing", "basic"},
		"basic-accepted":      {"basic"},
	} {
		s := newSF(t, fault)
		revoked, err := s.srv.MintToken(-time.Hour)
		require.NoError(t, err)
		headers := map[string]string{
			"revoked": "Authorization: Bearer " + revoked, "altered": "Authorization: Bearer " + alterLast(s.token),
			"garbage": "Authorization: Bearer casecert-garbage-token", "missing": "Authorization:",
			"basic": "Authorization: Basic Y2FzZWNlcnQ6Y2FzZWNlcnQ=",
		}
		for name, hdr := range headers {
			want := http.StatusUnauthorized
			for _, a := range accepted {
				if a == name {
					want = http.StatusOK
				}
			}
			assert.Equal(t, want, s.do("GET", incidents, "", hdr).code, "%s: %s", fault, name)
		}
	}
}

// The org's revoke endpoint ends a session; revoking an unknown one is a 400.
func TestSalesforceRevoke(t *testing.T) {
	s := newSF(t)
	revoke := func(tok string) int {
		req := httptest.NewRequest("POST", RevokePath, strings.NewReader(url.Values{"token": {tok}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.srv.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusOK, s.do("GET", incidents, "").code)
	assert.Equal(t, http.StatusOK, revoke(s.token))
	assert.Equal(t, http.StatusUnauthorized, s.do("GET", incidents, "").code)
	assert.Equal(t, http.StatusBadRequest, revoke(s.token), "already revoked")
	assert.Equal(t, http.StatusBadRequest, revoke("nonsense"))

	generic := newTS(t)
	req := httptest.NewRequest("POST", RevokePath, strings.NewReader("token=x"))
	rec := httptest.NewRecorder()
	generic.srv.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusNotFound, rec.Code, "only an org has the revoke endpoint")
}

// The audit stamp of a PATCH never moves backwards and keeps whole seconds.
func TestSalesforceAuditStampsKeepWholeSeconds(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	srv, err := New(Options{DBPath: ":memory:", Platform: platform.SalesforceName, Now: func() time.Time { return now }})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	tok, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	s := &tsrv{t: t, srv: srv, token: tok}
	id := s.create(full())
	require.Equal(t, http.StatusOK, s.patch(id, map[string]any{"summary": "a"}).code)
	doc := s.read(id)
	assert.Equal(t, "2026-01-02T03:04:05.000+0000", doc.Get("created_date").Str)
	assert.Equal(t, "2026-01-02T03:04:05.000+0000", doc.Get("last_modified_date").Str, "two writes within a second share the stamp")
}

// alterLast changes the last character of a token to a different one (a random token may
// already end in any given character).
func alterLast(token string) string {
	last := byte('x')
	if token[len(token)-1] == last {
		last = 'y'
	}
	return token[:len(token)-1] + string(last)
}

// Every platform casecert knows the reference server can behave as, so that each has its
// self-certification mode.
func TestEveryPlatformHasAMode(t *testing.T) {
	for _, name := range platform.Names() {
		_, ok := modes[name]
		assert.True(t, ok, "platform %s has no mode in the reference server (add internal/refserver/%s.go)", name, name)
	}
	assert.Len(t, modes, len(platform.Names()), "a mode for a platform internal/platform does not describe")
}
