package refserver

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewOptions(t *testing.T) {
	_, err := New(Options{Faults: []string{"no-such-fault"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no-such-fault")
	assert.Contains(t, err.Error(), "omit-clears", "the error lists the valid names")

	srv, err := New(Options{DBPath: ":memory:", TokenKey: []byte("k"), BasePath: "/api/"})
	require.NoError(t, err)
	defer srv.Close()
	assert.Equal(t, []byte("k"), srv.TokenKey())
	tok, err := srv.MintToken(time.Minute)
	require.NoError(t, err)
	s := &tsrv{t: t, srv: srv, token: tok}
	assert.Equal(t, http.StatusOK, s.do("GET", "/api/incidents", "").code)
	assert.Equal(t, http.StatusNotFound, s.do("GET", incidents, "").code)

	other, err := New(Options{DBPath: ":memory:"})
	require.NoError(t, err)
	defer other.Close()
	assert.Len(t, other.TokenKey(), 32, "a random key is generated")
	claims := jwt.RegisteredClaims{}
	tok, _ = other.MintToken(time.Hour)
	_, err = jwt.ParseWithClaims(tok, &claims, func(*jwt.Token) (any, error) { return other.TokenKey(), nil })
	require.NoError(t, err)
	assert.Equal(t, integrationUser, claims.Subject)
}

func TestFaultsList(t *testing.T) {
	all := Faults()
	names := make([]string, len(all))
	for i, f := range all {
		names[i] = f.Name
		assert.NotEmpty(t, f.Description, f.Name)
	}
	assert.True(t, sort.StringsAreSorted(names))
	assert.Len(t, all, len(faultTable()))
}

func TestAuth(t *testing.T) {
	s := newTS(t)
	expired, err := s.srv.MintToken(-time.Hour)
	require.NoError(t, err)
	parts := strings.Split(s.token, ".")
	sig := []byte(parts[2])
	sig[0] ^= 1
	altered := parts[0] + "." + parts[1] + "." + string(sig)
	otherKey, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}).SignedString([]byte("other"))
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: integrationUser}).SignedString(s.srv.TokenKey())
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pass"))

	cases := []struct {
		name, auth string
		code       int
		challenge  string
	}{
		{"valid", "Bearer " + s.token, 200, ""},
		{"scheme is case-insensitive", "bearer " + s.token, 200, ""},
		{"missing", "", 401, `Bearer realm="casecert"`},
		{"basic", basic, 401, `Bearer realm="casecert"`},
		{"empty bearer", "Bearer", 401, `Bearer realm="casecert"`},
		{"garbage", "Bearer garbage", 401, `Bearer realm="casecert", error="invalid_token"`},
		{"signature altered", "Bearer " + altered, 401, `Bearer realm="casecert", error="invalid_token"`},
		{"other key", "Bearer " + otherKey, 401, `Bearer realm="casecert", error="invalid_token"`},
		{"alg none", "Bearer " + none, 401, `Bearer realm="casecert", error="invalid_token"`},
		{"expired", "Bearer " + expired, 401, `Bearer realm="casecert", error="invalid_token"`},
		{"no exp", "Bearer " + noExp, 401, `Bearer realm="casecert", error="invalid_token"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{"GET", "PATCH"} {
				path := incidents
				body := ""
				if method == "PATCH" {
					path += "/500000000000001AAA"
					body = `{"summary": "x"}`
				}
				r := s.do(method, path, body, "Authorization: "+tc.auth)
				if tc.code == 200 && method == "PATCH" {
					assert.Equal(t, 404, r.code, "authorized; the case does not exist")
					continue
				}
				assert.Equal(t, tc.code, r.code, r.body)
				if tc.code == 401 {
					assert.Equal(t, tc.challenge, r.header.Get("WWW-Authenticate"))
					assert.Equal(t, "application/json", r.header.Get("Content-Type"))
					assert.NotEmpty(t, r.get("message").String())
				}
			}
		})
	}
}

func TestAPIVersion(t *testing.T) {
	s := newTS(t)
	for _, tc := range []struct {
		header string
		code   int
	}{
		{"API-Version: 1.0", 200},
		{"API-Version:", 200},
		{"API-Version: 99.0", 400},
		{"API-Version: 1", 400},
		{"API-Version: v1.0", 400},
	} {
		r := s.do("GET", incidents, "", tc.header)
		assert.Equal(t, tc.code, r.code, tc.header)
		if tc.code == 400 {
			assert.Equal(t, "UNSUPPORTED_API_VERSION", r.get("errorCode").String())
			assert.Contains(t, r.get("message").String(), "1.0")
		}
	}
}

func TestRequestHandling(t *testing.T) {
	s := newTS(t)
	id := s.create(map[string]any{"summary": "orig"})
	caseURL := incidents + "/" + id
	cases := []struct {
		name, method, path, body string
		hdr                      []string
		code                     int
		errorCode                string
	}{
		{"malformed JSON", "PATCH", caseURL, `{"summary": `, nil, 400, "JSON_PARSER_ERROR"},
		{"trailing garbage", "PATCH", caseURL, `{"summary": "x"} x`, nil, 400, "JSON_PARSER_ERROR"},
		{"empty body", "PATCH", caseURL, ` `, nil, 400, "JSON_PARSER_ERROR"},
		{"array body", "PATCH", caseURL, `[]`, nil, 400, "JSON_PARSER_ERROR"},
		{"string body", "PATCH", caseURL, `"x"`, nil, 400, "JSON_PARSER_ERROR"},
		{"number body", "PATCH", caseURL, `1`, nil, 400, "JSON_PARSER_ERROR"},
		{"null body", "PATCH", caseURL, `null`, nil, 400, "JSON_PARSER_ERROR"},
		{"array body on create", "POST", incidents, `[{}]`, nil, 400, "JSON_PARSER_ERROR"},
		{"text/plain", "PATCH", caseURL, `{"summary": "x"}`, []string{"Content-Type: text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"form", "POST", incidents, `{"summary": "x"}`, []string{"Content-Type: application/x-www-form-urlencoded"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"bad media type", "PATCH", caseURL, `{"summary": "x"}`, []string{"Content-Type: ;;"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"too large", "PATCH", caseURL, `{"description": "` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "REQUEST_TOO_LARGE"},
		{"DELETE case", "DELETE", caseURL, "", nil, 405, "METHOD_NOT_ALLOWED"},
		{"PUT case", "PUT", caseURL, `{}`, nil, 405, "METHOD_NOT_ALLOWED"},
		{"PATCH collection", "PATCH", incidents, `{}`, nil, 405, "METHOD_NOT_ALLOWED"},
		{"unknown route", "GET", DefaultBasePath + "/cases", "", nil, 404, "NOT_FOUND"},
		{"deeper route", "GET", caseURL + "/persons/x", "", nil, 404, "NOT_FOUND"},
		{"trailing slash", "GET", caseURL + "/", "", nil, 404, "NOT_FOUND"},
		{"base path only", "GET", DefaultBasePath + "/", "", nil, 404, "NOT_FOUND"},
		{"outside base path", "GET", "/other", "", nil, 404, "NOT_FOUND"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(tc.method, tc.path, tc.body, tc.hdr...)
			require.Equal(t, tc.code, r.code, r.body)
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			assert.Equal(t, tc.errorCode, r.get("errorCode").String())
			assert.NotEmpty(t, r.get("message").String())
			assert.True(t, r.get("fields").IsArray())
			assert.Equal(t, "orig", s.read(id).Get("summary").String(), "nothing changed")
		})
	}
	assert.Equal(t, "GET, PATCH", s.do("DELETE", caseURL, "").header.Get("Allow"))

	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/merge-patch+json", "APPLICATION/JSON", ""} {
		r := s.do("PATCH", caseURL, `{"summary": "ct"}`, "Content-Type: "+ct)
		assert.Equal(t, http.StatusOK, r.code, ct)
	}
}

func TestInternalErrorsAreJSON500(t *testing.T) {
	s := newTS(t)
	require.NoError(t, s.srv.st.db.Close()) // every query now fails
	r := s.do("GET", incidents, "")
	assert.Equal(t, http.StatusInternalServerError, r.code)
	assert.Equal(t, "INTERNAL_ERROR", r.get("errorCode").String())

	// A panic (here: in the clock the token check reads) is recovered into a 500 too.
	srv, err := New(Options{DBPath: ":memory:", TokenKey: []byte("k"), Now: func() time.Time { panic("clock broke") }})
	require.NoError(t, err)
	defer srv.Close()
	s.srv = srv
	s.token, _ = jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: integrationUser}).SignedString([]byte("k"))
	r = s.do("GET", incidents, "")
	assert.Equal(t, http.StatusInternalServerError, r.code)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.Contains(t, r.get("message").String(), "clock broke")
}
