package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testToken = "tok-3x4mple.JWT.signature"

// seen is what a test server received.
type seen struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// recorder is a test target that keeps every request it gets and answers with reply.
type recorder struct {
	mu    sync.Mutex
	reqs  []seen
	reply func(w http.ResponseWriter, r *http.Request, n int)
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body)})
	n := len(rec.reqs)
	rec.mu.Unlock()
	if rec.reply != nil {
		rec.reply(w, r, n)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"ok":true}`)
}

func (rec *recorder) all() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.reqs...)
}

func (rec *recorder) last(t *testing.T) seen {
	t.Helper()
	all := rec.all()
	require.NotEmpty(t, all, "the server got no request")
	return all[len(all)-1]
}

// serve starts a target answering with reply and returns its base URL.
func serve(t *testing.T, reply func(w http.ResponseWriter, r *http.Request, n int)) (*recorder, string) {
	t.Helper()
	rec := &recorder{reply: reply}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL + "/services/apexrest/ThinkLP"
}

// newClient builds a client whose retry waits are recorded, not slept.
func newClient(t *testing.T, cfg Config) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := New(cfg)
	require.NoError(t, err)
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, waits
}

func ptr(s string) *string { return &s }

func TestNewValidatesConfig(t *testing.T) {
	bad := []struct {
		name string
		cfg  Config
		msg  string
	}{
		{"empty", Config{}, "empty"},
		{"relative", Config{BaseURL: "/services/apexrest"}, "http://"},
		{"ftp", Config{BaseURL: "ftp://127.0.0.1/x"}, "http://"},
		{"no host", Config{BaseURL: "http:///x"}, "no host"},
		{"port only", Config{BaseURL: "http://:80/x"}, "no host"},
		{"credentials", Config{BaseURL: "https://user:pa55word@127.0.0.1/x"}, "credentials"},
		{"query", Config{BaseURL: "http://127.0.0.1/x?a=1"}, "query"},
		{"fragment", Config{BaseURL: "http://127.0.0.1/x#f"}, "fragment"},
		{"not a url", Config{BaseURL: "http://[::1/x"}, "not a URL"},
		{"negative timeout", Config{BaseURL: "http://127.0.0.1", Timeout: -1}, "timeout"},
		{"negative retries", Config{BaseURL: "http://127.0.0.1", Retries: -1}, "retries"},
		{"negative rate", Config{BaseURL: "http://127.0.0.1", Rate: -1}, "rate"},
		{"negative body cap", Config{BaseURL: "http://127.0.0.1", MaxBody: -1}, "body"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
			assert.NotContains(t, err.Error(), "pa55word")
		})
	}

	c, err := New(Config{BaseURL: "HTTPS://127.0.0.1:8443/services/apexrest/ThinkLP/"})
	require.NoError(t, err)
	assert.Equal(t, "HTTPS://127.0.0.1:8443/services/apexrest/ThinkLP", c.BaseURL())
	assert.Equal(t, DefaultTimeout, c.cfg.Timeout)
	assert.Equal(t, "1.0", c.cfg.APIVersion)
	assert.EqualValues(t, DefaultMaxBody, c.cfg.MaxBody)
	assert.Nil(t, c.limiter, "rate 0 is unlimited")
}

func TestDoRecordsExchange(t *testing.T) {
	reply := func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"a0B000000000001AAA","success":true}`)
	}
	tests := []struct {
		name       string
		req        Request
		wantMethod string
		wantURL    string // after the server's base
		wantHeader map[string]string
		noHeader   []string
		wantBody   string
		wantCurl   string // substring
	}{
		{
			name:       "GET with query in path and Query",
			req:        Request{Path: "/incidents?status=Open", Query: url.Values{"incidentType": {"Theft & Fraud"}}},
			wantMethod: "GET",
			wantURL:    "/incidents?status=Open&incidentType=Theft+%26+Fraud",
			wantHeader: map[string]string{"Accept": "application/json", "User-Agent": "casecert/" + Version, "API-Version": "1.0", "Authorization": "Bearer [REDACTED]"},
			noHeader:   []string{"Content-Type"},
			wantCurl:   `curl -sS -X GET '`,
		},
		{
			name:       "PATCH with JSON",
			req:        Request{Method: "patch", Path: "incidents/a0B1", JSON: map[string]any{"z": 1, "description": "<b>&</b>", "a": nil}},
			wantMethod: "PATCH",
			wantURL:    "/incidents/a0B1",
			wantHeader: map[string]string{"Content-Type": "application/json", "API-Version": "1.0"},
			wantBody:   `{"a":null,"description":"<b>&</b>","z":1}`,
			wantCurl:   `-H 'Content-Type: application/json' -H "Authorization: Bearer $CASECERT_TOKEN" -H 'API-Version: 1.0' --data-raw '{"a":null,"description":"<b>&</b>","z":1}'`,
		},
		{
			name:       "raw JSON message",
			req:        Request{Method: "POST", Path: "/incidents", JSON: json.RawMessage(`{"b":1, "a":2}`)},
			wantMethod: "POST",
			wantURL:    "/incidents",
			wantBody:   `{"b":1,"a":2}`,
		},
		{
			name:       "raw body without content type",
			req:        Request{Method: "PATCH", Path: "/incidents/x", Body: []byte("not json"), ContentType: "-"},
			wantMethod: "PATCH",
			wantURL:    "/incidents/x",
			noHeader:   []string{"Content-Type"},
			wantBody:   "not json",
			wantCurl:   `-H 'Content-Type:'`,
		},
		{
			name:       "empty body",
			req:        Request{Method: "PATCH", Path: "/incidents/x", Body: []byte{}},
			wantMethod: "PATCH",
			wantURL:    "/incidents/x",
			wantHeader: map[string]string{"Content-Type": "application/json"},
			wantCurl:   `--data-raw ''`,
		},
		{
			name:       "other content type and API version",
			req:        Request{Method: "PATCH", Path: "/incidents/x", Body: []byte("a=b"), ContentType: "application/x-www-form-urlencoded", APIVersion: ptr("2.0")},
			wantMethod: "PATCH",
			wantURL:    "/incidents/x",
			wantHeader: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "API-Version": "2.0"},
			wantBody:   "a=b",
		},
		{
			name:       "no API-Version, no auth",
			req:        Request{Path: "/incidents", APIVersion: ptr(""), Auth: AuthNone},
			wantMethod: "GET",
			wantURL:    "/incidents",
			noHeader:   []string{"API-Version", "Authorization"},
		},
		{
			name:       "raw non-secret auth is shown",
			req:        Request{Path: "/incidents", Auth: AuthRaw, AuthHeader: "Basic dXNlcjpwYXNz"},
			wantMethod: "GET",
			wantURL:    "/incidents",
			wantHeader: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"},
			wantCurl:   `-H 'Authorization: Basic dXNlcjpwYXNz'`,
		},
		{
			name:       "header overrides",
			req:        Request{Path: "/incidents", Header: http.Header{"Accept": {"text/html"}, "X-Trace": {"1", "2"}, "User-Agent": nil}},
			wantMethod: "GET",
			wantURL:    "/incidents",
			wantHeader: map[string]string{"Accept": "text/html", "X-Trace": "1, 2"},
			wantCurl:   `-H 'API-Version: 1.0' -H 'Accept: text/html' -H 'X-Trace: 1, 2'`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, base := serve(t, reply)
			c, _ := newClient(t, Config{BaseURL: base + "/", Token: testToken})
			ex, err := c.Do(t.Context(), tc.req)
			require.NoError(t, err)
			got := rec.last(t)

			assert.Equal(t, tc.wantMethod, ex.Method)
			assert.Equal(t, tc.wantMethod, got.Method)
			assert.Equal(t, base+tc.wantURL, ex.URL)
			gotURL := got.Path
			if got.Query != "" {
				gotURL += "?" + got.Query
			}
			assert.Equal(t, strings.TrimPrefix(base, "http://"+hostOf(base))+tc.wantURL, gotURL)
			for k, v := range tc.wantHeader {
				assert.Equal(t, v, ex.RequestHeaders[headerName(k)], "recorded header %s", k)
				if !strings.Contains(v, Redacted) {
					assert.Equal(t, v, strings.Join(got.Header.Values(k), ", "), "sent header %s", k)
				}
			}
			for _, k := range tc.noHeader {
				assert.NotContains(t, ex.RequestHeaders, headerName(k))
				assert.Empty(t, got.Header.Values(k), "header %s was sent", k)
			}
			if tc.req.Auth == AuthDefault {
				assert.Equal(t, "Bearer "+testToken, got.Header.Get("Authorization"))
			}
			assert.Equal(t, tc.wantBody, ex.RequestBody)
			assert.Equal(t, tc.wantBody, got.Body)
			assert.Contains(t, ex.Curl, tc.wantCurl)

			assert.Equal(t, http.StatusCreated, ex.Status)
			assert.Equal(t, "application/json; charset=utf-8", ex.ResponseHeaders["Content-Type"])
			assert.Equal(t, "a, b", ex.ResponseHeaders["X-Multi"])
			assert.Equal(t, `{"id":"a0B000000000001AAA","success":true}`, ex.ResponseBody)
			assert.True(t, ex.IsJSON())
			assert.Equal(t, "a0B000000000001AAA", ex.JSON().Get("id").String())
			assert.Positive(t, ex.Duration)
			assert.Equal(t, 1, ex.Attempt)
			assert.Empty(t, ex.Err)
			assert.EqualValues(t, 1, c.Requests())
		})
	}
}

func hostOf(raw string) string {
	u, _ := url.Parse(raw)
	return u.Host
}

func TestDoAbsoluteURLAndRedirects(t *testing.T) {
	rec, base := serve(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	c, _ := newClient(t, Config{BaseURL: "http://127.0.0.1:1/unused", Token: testToken})
	ex, err := c.Do(t.Context(), Request{Path: base + "/incidents?x=1"})
	require.NoError(t, err)
	assert.Equal(t, base+"/incidents?x=1", ex.URL)
	assert.Equal(t, http.StatusFound, ex.Status, "redirects are evidence, not followed")
	assert.Equal(t, "/elsewhere", ex.ResponseHeaders["Location"])
	assert.Len(t, rec.all(), 1)
}

func TestDoBadRequests(t *testing.T) {
	var observed int
	c, _ := newClient(t, Config{BaseURL: "http://127.0.0.1:1/x", Token: testToken, OnExchange: func(Exchange) { observed++ }})
	tests := []struct {
		name string
		req  Request
		msg  string
	}{
		{"unmarshalable JSON", Request{Method: "POST", JSON: map[string]any{"f": func() {}}}, "request body"},
		{"bad method", Request{Method: "GE T", Path: "/x"}, "method"},
		{"bad path", Request{Path: "/%zz"}, "valid URL"},
		{"bad auth", Request{Auth: Auth(42)}, "Auth"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := c.Do(t.Context(), tc.req)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Equal(t, err.Error(), ex.Err)
			assert.Zero(t, ex.Status)
		})
	}
	assert.Zero(t, c.Requests())
	assert.Zero(t, observed, "nothing was sent, so nothing is observed")
}

func TestRedaction(t *testing.T) {
	const (
		clientSecret = `cl!ent"secret/value`
		expired      = "expired.jwt.token-value"
		tampered     = "tok-3x4mple.JWT.signaturX"
		short        = "ab12"
	)
	secrets := []string{testToken, clientSecret, expired, tampered}
	tests := []struct {
		name  string
		req   Request
		reply func(w http.ResponseWriter, r *http.Request, n int)
		check func(t *testing.T, ex Exchange)
	}{
		{
			name: "token in Authorization",
			req:  Request{Path: "/incidents"},
			check: func(t *testing.T, ex Exchange) {
				assert.Equal(t, "Bearer [REDACTED]", ex.RequestHeaders["Authorization"])
				assert.Contains(t, ex.Curl, `"Authorization: Bearer $CASECERT_TOKEN"`)
			},
		},
		{
			name: "token echoed in response body and headers",
			req:  Request{Path: "/incidents"},
			reply: func(w http.ResponseWriter, r *http.Request, _ int) {
				w.Header().Set("X-Echo", r.Header.Get("Authorization"))
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprintf(w, `{"message":"bad token %s","raw":%q}`, testToken, r.Header.Get("Authorization"))
			},
			check: func(t *testing.T, ex Exchange) {
				assert.Equal(t, `{"message":"bad token [REDACTED]","raw":"Bearer [REDACTED]"}`, ex.ResponseBody)
				assert.Equal(t, "Bearer [REDACTED]", ex.ResponseHeaders["X-Echo"])
			},
		},
		{
			name: "cookies and custom headers",
			req:  Request{Path: "/incidents", Header: http.Header{"Cookie": {"sid=abcdef"}, "X-Api-Key": {"k-123456"}, "Proxy-Authorization": {"Basic eHg6eXk="}}},
			reply: func(w http.ResponseWriter, r *http.Request, _ int) {
				http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s3ss10n"})
				w.Header().Set("x-api-key", "k-654321")
				w.WriteHeader(http.StatusOK)
			},
			check: func(t *testing.T, ex Exchange) {
				assert.Equal(t, Redacted, ex.RequestHeaders["Cookie"])
				assert.Equal(t, Redacted, ex.RequestHeaders["X-Api-Key"])
				assert.Equal(t, Redacted, ex.RequestHeaders["Proxy-Authorization"])
				assert.Equal(t, Redacted, ex.ResponseHeaders["Set-Cookie"])
				assert.Equal(t, Redacted, ex.ResponseHeaders["X-Api-Key"])
				for _, s := range []string{"abcdef", "k-123456", "eHg6eXk=", "s3ss10n", "k-654321"} {
					assert.NotContains(t, fmt.Sprintf("%+v", ex), s)
				}
			},
		},
		{
			name: "client secret in request body, plain and JSON-escaped in answer",
			req:  Request{Method: "POST", Path: "/incidents", Body: []byte("secret=" + clientSecret)},
			reply: func(w http.ResponseWriter, r *http.Request, _ int) {
				b, _ := io.ReadAll(r.Body)
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]string{"echo": string(b)})
			},
			check: func(t *testing.T, ex Exchange) {
				assert.Equal(t, "secret=[REDACTED]", ex.RequestBody)
				assert.JSONEq(t, `{"echo":"secret=[REDACTED]"}`, ex.ResponseBody)
				assert.Contains(t, ex.Curl, "--data-raw 'secret=[REDACTED]'")
			},
		},
		{
			name: "secrets in the URL",
			req:  Request{Path: "/incidents/" + testToken, Query: url.Values{"k": {clientSecret}}},
			check: func(t *testing.T, ex Exchange) {
				assert.True(t, strings.HasSuffix(ex.URL, "/incidents/[REDACTED]?k=[REDACTED]"), ex.URL)
			},
		},
		{
			name: "secret raw auth (tampered token) echoed",
			req:  Request{Path: "/incidents", Auth: AuthRaw, AuthHeader: "Bearer " + tampered, AuthSecret: true},
			reply: func(w http.ResponseWriter, r *http.Request, _ int) {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, "rejected "+r.Header.Get("Authorization"))
			},
			check: func(t *testing.T, ex Exchange) {
				assert.Equal(t, "Bearer [REDACTED]", ex.RequestHeaders["Authorization"])
				assert.Equal(t, "rejected Bearer [REDACTED]", ex.ResponseBody)
				assert.Contains(t, ex.Curl, `-H 'Authorization: Bearer [REDACTED]'`)
				assert.NotContains(t, ex.Curl, "$CASECERT_TOKEN", "the variable holds the valid token, not this one")
			},
		},
		{
			name: "expired token from Secrets",
			req:  Request{Path: "/incidents", Auth: AuthRaw, AuthHeader: "Bearer " + expired},
			check: func(t *testing.T, ex Exchange) {
				assert.Equal(t, "Bearer [REDACTED]", ex.RequestHeaders["Authorization"])
			},
		},
		{
			name: "raw auth without scheme",
			req:  Request{Path: "/incidents", Auth: AuthRaw, AuthHeader: tampered, AuthSecret: true},
			check: func(t *testing.T, ex Exchange) {
				assert.Equal(t, Redacted, ex.RequestHeaders["Authorization"])
			},
		},
		{
			name: "short secret only in headers",
			req:  Request{Method: "POST", Path: "/incidents", Body: []byte(`{"code":"ab12"}`), Header: http.Header{"X-Code": {"id-ab12"}}},
			check: func(t *testing.T, ex Exchange) {
				assert.Equal(t, "id-[REDACTED]", ex.RequestHeaders["X-Code"])
				assert.Equal(t, `{"code":"ab12"}`, ex.RequestBody, "short secrets do not mangle bodies")
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, base := serve(t, tc.reply)
			var observed []Exchange
			var mu sync.Mutex
			c, _ := newClient(t, Config{
				BaseURL: base, Token: testToken, Secrets: []string{clientSecret, expired, short},
				RedactHeaders: []string{"x-api-key"},
				OnExchange:    func(ex Exchange) { mu.Lock(); observed = append(observed, ex); mu.Unlock() },
			})
			ex, err := c.Do(t.Context(), tc.req)
			require.NoError(t, err)
			require.Len(t, observed, 1)
			assert.Equal(t, ex, observed[0], "the observer sees the redacted exchange")
			assertNoSecrets(t, ex, secrets...)
			tc.check(t, ex)
		})
	}
}

// assertNoSecrets fails when any field of ex holds one of secrets, in any spelling.
func assertNoSecrets(t *testing.T, ex Exchange, secrets ...string) {
	t.Helper()
	dump := fmt.Sprintf("%+v", ex)
	js, _ := json.Marshal(ex)
	for _, s := range secrets {
		for _, f := range forms(s) {
			assert.NotContains(t, dump, f, "secret %q leaked", s)
			assert.NotContains(t, string(js), f, "secret %q leaked", s)
		}
	}
}

func TestRetries(t *testing.T) {
	// An HTTP date has whole seconds: dated 6 s after the start of the current second, the
	// wait is between 5 and 6 s whatever the fraction (it was 4-5 s and flaked at the edge).
	date := time.Now().Truncate(time.Second).Add(6 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name      string
		retries   int
		answers   []int    // status per attempt; the last repeats
		after     []string // Retry-After per attempt
		wantSent  int
		wantLast  int
		wantWaits []time.Duration // exact, or within a second for dates (0 = any)
	}{
		{"429 then 200", 2, []int{429, 200}, []string{"1"}, 2, 200, []time.Duration{time.Second}},
		{"503 then 200, Retry-After 0", 2, []int{503, 200}, []string{"0"}, 2, 200, []time.Duration{0}},
		{"Retry-After capped", 2, []int{429, 200}, []string{"3600"}, 2, 200, []time.Duration{MaxRetryWait}},
		{"Retry-After date", 2, []int{503, 200}, []string{date}, 2, 200, []time.Duration{5 * time.Second}},
		{"no Retry-After backs off", 3, []int{429}, nil, 4, 429, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"garbage Retry-After backs off", 1, []int{429, 200}, []string{"soon"}, 2, 200, []time.Duration{time.Second}},
		{"gives up after retries", 2, []int{503}, []string{"1"}, 3, 503, []time.Duration{time.Second, time.Second}},
		{"no retries configured", 0, []int{429, 200}, []string{"1"}, 1, 429, nil},
		{"no retry on 500", 2, []int{500, 200}, []string{"1"}, 1, 500, nil},
		{"no retry on 502", 2, []int{502, 200}, []string{"1"}, 1, 502, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, base := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n-1 < len(tc.after) {
					w.Header().Set("Retry-After", tc.after[n-1])
				}
				w.WriteHeader(tc.answers[min(n, len(tc.answers))-1])
				fmt.Fprintf(w, `{"attempt":%d}`, n)
			})
			var observed []Exchange
			c, waits := newClient(t, Config{BaseURL: base, Token: testToken, Retries: tc.retries,
				OnExchange: func(ex Exchange) { observed = append(observed, ex) }})
			ex, err := c.Do(t.Context(), Request{Method: "POST", Path: "/incidents", JSON: map[string]any{"a": 1}})
			require.NoError(t, err, "an answer of any status is not an error")
			assert.Equal(t, tc.wantLast, ex.Status)
			assert.Equal(t, tc.wantSent, ex.Attempt)
			assert.EqualValues(t, tc.wantSent, c.Requests())
			require.Len(t, rec.all(), tc.wantSent)
			for _, r := range rec.all() {
				assert.Equal(t, `{"a":1}`, r.Body, "every attempt carries the body")
			}
			require.Len(t, observed, tc.wantSent)
			for i, o := range observed {
				assert.Equal(t, i+1, o.Attempt)
				assert.Equal(t, fmt.Sprintf(`{"attempt":%d}`, i+1), o.ResponseBody)
			}
			assert.Equal(t, ex, observed[len(observed)-1])
			require.Len(t, *waits, len(tc.wantWaits))
			for i, w := range tc.wantWaits {
				assert.InDelta(t, float64(w), float64((*waits)[i]), float64(time.Second), "wait %d", i)
				assert.LessOrEqual(t, (*waits)[i], MaxRetryWait)
			}
		})
	}
}

func TestRetrySleepsForReal(t *testing.T) {
	_, base := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	c, err := New(Config{BaseURL: base, Retries: 1})
	require.NoError(t, err)
	ex, err := c.Do(t.Context(), Request{Path: "/x"})
	require.NoError(t, err)
	assert.Equal(t, 200, ex.Status)
	assert.Equal(t, 2, ex.Attempt)
}

func TestRetryWaitHonoursContext(t *testing.T) {
	_, base := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c, err := New(Config{BaseURL: base, Retries: 2})
	require.NoError(t, err)

	t.Run("deadline before the wait ends", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		ex, err := c.Do(ctx, Request{Path: "/x"})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 900*time.Millisecond, "the wait is not slept when it cannot finish")
		assert.Equal(t, 503, ex.Status, "the last answer is returned")
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		ex, err := c.Do(ctx, Request{Path: "/x"})
		assert.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(start), 900*time.Millisecond)
		assert.Equal(t, 503, ex.Status)
		assert.Equal(t, 1, ex.Attempt)
	})
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 3 ", 3 * time.Second, true},
		{"11", MaxRetryWait, true},
		{"99999999999999999999", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"Fri, 27 Nov 2026 10:00:04 GMT", 4 * time.Second, true},
		{"Fri, 27 Nov 2026 09:00:00 GMT", 0, true},
		{"tomorrow", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseRetryAfter(tc.in, now)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
	assert.Equal(t, MaxRetryWait, retryWait("", now, 3*time.Second, 5))
	assert.Equal(t, MaxRetryWait, retryWait("Fri, 27 Nov 2027 10:00:00 GMT", now, time.Second, 1))
}

func TestRateLimit(t *testing.T) {
	rec, base := serve(t, nil)

	t.Run("a request past the deadline is not sent", func(t *testing.T) {
		c, err := New(Config{BaseURL: base, Rate: 1})
		require.NoError(t, err)
		require.NotNil(t, c.limiter)
		assert.EqualValues(t, 1, c.limiter.Limit())
		assert.Equal(t, 1, c.limiter.Burst())

		_, err = c.Do(t.Context(), Request{Path: "/one"})
		require.NoError(t, err)
		// At 1 request per second the next slot is ~1s away: the limiter refuses at once
		// a caller that cannot wait that long.
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		ex, err := c.Do(ctx, Request{Path: "/two"})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, ex.Err, "rate limit")
		assert.Zero(t, ex.Status)
		assert.EqualValues(t, 1, c.Requests())
		assert.Len(t, rec.all(), 1)
	})
	t.Run("requests are spaced", func(t *testing.T) {
		c, err := New(Config{BaseURL: base, Rate: 50})
		require.NoError(t, err)
		start := time.Now()
		for range 4 {
			_, err := c.Do(t.Context(), Request{Path: "/x"})
			require.NoError(t, err)
		}
		// 4 requests at 50/s with burst 1: at least 3 gaps of 20ms. Only a lower bound,
		// which a slow machine cannot break.
		assert.GreaterOrEqual(t, time.Since(start), 55*time.Millisecond)
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		c, err := New(Config{BaseURL: base, Rate: 0.5})
		require.NoError(t, err)
		_, err = c.Do(t.Context(), Request{Path: "/x"})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err = c.Do(ctx, Request{Path: "/x"})
		assert.ErrorIs(t, err, context.Canceled)
		assert.EqualValues(t, 1, c.Requests())
	})
}

func TestTimeout(t *testing.T) {
	t.Run("no answer", func(t *testing.T) {
		_, base := serve(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
		var observed []Exchange
		c, _ := newClient(t, Config{BaseURL: base, Timeout: 200 * time.Millisecond, Retries: 2,
			OnExchange: func(ex Exchange) { observed = append(observed, ex) }})
		start := time.Now()
		ex, err := c.Do(t.Context(), Request{Path: "/incidents"})
		assert.Less(t, time.Since(start), 5*time.Second)
		var te *TransportError
		require.ErrorAs(t, err, &te)
		assert.True(t, te.Timeout())
		assert.Equal(t, "no answer within 200ms", err.Error())
		assert.Equal(t, err.Error(), ex.Err)
		assert.Zero(t, ex.Status)
		assert.GreaterOrEqual(t, ex.Duration, 150*time.Millisecond) // the deadline starts a little before the send
		assert.Len(t, observed, 1, "transport errors are not retried")
	})
	t.Run("body stalls", func(t *testing.T) {
		_, base := serve(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, `{"partial":`)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
		c, _ := newClient(t, Config{BaseURL: base, Timeout: 200 * time.Millisecond})
		ex, err := c.Do(t.Context(), Request{Path: "/incidents"})
		var te *TransportError
		require.ErrorAs(t, err, &te)
		assert.True(t, te.Timeout())
		assert.Equal(t, 200, ex.Status)
		assert.Equal(t, `{"partial":`, ex.ResponseBody)
		assert.NotEmpty(t, ex.Err)
	})
	t.Run("caller cancels", func(t *testing.T) {
		_, base := serve(t, func(w http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() })
		c, _ := newClient(t, Config{BaseURL: base, Timeout: 5 * time.Second})
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := c.Do(ctx, Request{Path: "/incidents"})
		var te *TransportError
		require.ErrorAs(t, err, &te)
		assert.False(t, te.Timeout())
		assert.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), "cancelled")
	})
	t.Run("cancelled before sending", func(t *testing.T) {
		rec, base := serve(t, nil)
		c, _ := newClient(t, Config{BaseURL: base})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		ex, err := c.Do(ctx, Request{Path: "/incidents"})
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotEmpty(t, ex.Err)
		assert.Empty(t, rec.all())
	})
}

func TestBodyCap(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantBody string
		tooLarge bool
	}{
		{"under", "123456789", "123456789", false},
		{"exactly", "1234567890", "1234567890", false},
		{"one over", "12345678901", "1234567890", true},
		{"far over", strings.Repeat("x", 1<<20), strings.Repeat("x", 10), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, base := serve(t, func(w http.ResponseWriter, r *http.Request, _ int) { fmt.Fprint(w, tc.body) })
			c, _ := newClient(t, Config{BaseURL: base, MaxBody: 10})
			ex, err := c.Do(t.Context(), Request{Path: "/x"})
			assert.Equal(t, tc.wantBody, ex.ResponseBody)
			assert.Equal(t, tc.tooLarge, ex.Truncated)
			assert.Equal(t, 200, ex.Status)
			if tc.tooLarge {
				assert.ErrorIs(t, err, ErrBodyTooLarge)
				assert.Empty(t, ex.Err, "the answer came; only its body was cut")
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	var observed []Exchange
	c, _ := newClient(t, Config{BaseURL: "http://" + addr + "/base", Token: testToken, Retries: 2,
		OnExchange: func(ex Exchange) { observed = append(observed, ex) }})
	ex, err := c.Do(t.Context(), Request{Path: "/incidents/" + testToken})
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "connection refused", err.Error())
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.False(t, te.Timeout())
	assert.Equal(t, "GET", te.Method)
	assert.Equal(t, "http://"+addr+"/base/incidents/[REDACTED]", te.URL)
	assert.Equal(t, "connection refused", ex.Err)
	assert.Zero(t, ex.Status)
	assert.EqualValues(t, 1, c.Requests())
	require.Len(t, observed, 1)
	assertNoSecrets(t, ex, testToken)
}

func TestGarbageAnswers(t *testing.T) {
	hijack := func(raw string) func(w http.ResponseWriter, r *http.Request, _ int) {
		return func(w http.ResponseWriter, r *http.Request, _ int) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			buf.WriteString(raw)
			buf.Flush()
		}
	}
	tests := []struct {
		name       string
		reply      func(w http.ResponseWriter, r *http.Request, _ int)
		wantStatus int
		wantErr    bool
	}{
		{"not HTTP", hijack("HELLO THERE\r\n\r\n"), 0, true},
		{"closed at once", hijack(""), 0, true},
		{"short body", hijack("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":"), 200, true},
		{"bad status", hijack("HTTP/1.1 abc OK\r\n\r\n"), 0, true},
		{"invalid JSON", func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("{\"a\":\xff\x00[[["))
		}, 200, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, base := serve(t, tc.reply)
			c, _ := newClient(t, Config{BaseURL: base, Timeout: 2 * time.Second})
			ex, err := c.Do(t.Context(), Request{Path: "/x"})
			assert.Equal(t, tc.wantStatus, ex.Status)
			if tc.wantErr {
				var te *TransportError
				require.ErrorAs(t, err, &te)
				assert.NotEmpty(t, ex.Err)
			} else {
				require.NoError(t, err)
			}
			assert.NotPanics(t, func() { _, _ = ex.JSON().Get("a.b").String(), ex.IsJSON() })
		})
	}
}

func TestIsJSON(t *testing.T) {
	tests := map[string]bool{
		"":                                false,
		"application/json":                true,
		"Application/JSON; charset=UTF-8": true,
		"application/problem+json":        true,
		"application/json; charset":       true,
		"text/json":                       false,
		"text/html":                       false,
		"application/jsonx":               false,
		"garbage;;;":                      false,
	}
	for ct, want := range tests {
		ex := Exchange{ResponseHeaders: map[string]string{"Content-Type": ct}}
		assert.Equal(t, want, ex.IsJSON(), "%q", ct)
	}
	assert.False(t, Exchange{}.IsJSON())
	assert.False(t, Exchange{}.JSON().Exists())
}

func TestOnExchangeConcurrent(t *testing.T) {
	const n = 40
	rec, base := serve(t, func(w http.ResponseWriter, r *http.Request, i int) {
		if r.URL.Query().Get("busy") == "1" && i%2 == 0 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	var (
		mu       sync.Mutex
		observed []Exchange
	)
	c, err := New(Config{BaseURL: base, Token: testToken, Retries: 1, Rate: 0,
		OnExchange: func(ex Exchange) {
			mu.Lock()
			observed = append(observed, ex)
			mu.Unlock()
		}})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := c.Do(t.Context(), Request{Method: "PATCH", Path: fmt.Sprintf("/incidents/%d", i),
				Query: url.Values{"busy": {"1"}}, JSON: map[string]any{"i": i}})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	sent := len(rec.all())
	assert.Greater(t, sent, n, "some answers were 429 and retried")
	assert.EqualValues(t, sent, c.Requests())
	assert.Len(t, observed, sent)
	for _, ex := range observed {
		assertNoSecrets(t, ex, testToken)
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/other", http.StatusTemporaryRedirect)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)

	c, _ := newClient(t, Config{BaseURL: srv.URL})
	_, err := c.Do(t.Context(), Request{Path: "/x"})
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Contains(t, err.Error(), "TLS")
	assert.Contains(t, err.Error(), "unknown authority")

	// The caller's client (its TLS settings) is used, but redirects are still not followed.
	hc := srv.Client()
	c, _ = newClient(t, Config{BaseURL: srv.URL, HTTPClient: hc})
	ex, err := c.Do(t.Context(), Request{Path: "/x"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusTemporaryRedirect, ex.Status)
	assert.Nil(t, hc.CheckRedirect, "the caller's client is not changed")

	// Plain HTTP to a TLS port.
	c, _ = newClient(t, Config{BaseURL: strings.Replace(srv.URL, "https://", "http://", 1), Timeout: 2 * time.Second})
	ex, err = c.Do(t.Context(), Request{Path: "/x"})
	if err == nil {
		assert.Equal(t, http.StatusBadRequest, ex.Status) // Go's TLS server answers plain HTTP with a 400
	}
}

func TestErrorsHoldNoSecrets(t *testing.T) {
	// A bad TLS target reached through a URL carrying a secret: the error text names the
	// problem, not the URL.
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, _ := newClient(t, Config{BaseURL: srv.URL, Token: testToken})
	ex, err := c.Do(t.Context(), Request{Path: "/incidents/" + testToken})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testToken)
	assertNoSecrets(t, ex, testToken)
	if te := (*TransportError)(nil); errors.As(err, &te) {
		assert.NotContains(t, te.URL, testToken)
	}
}
