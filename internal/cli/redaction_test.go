package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

const (
	leakClientID     = "casecert-client-7f3a"
	leakClientSecret = "cs-SECRET-7f3a9c"
	leakTraceSecret  = "trace-SECRET-91b2e4d0"
)

// leakyTarget is the reference server behind a wrapper that hands every secret it sees
// back in response headers, the way careless gateways do: the Authorization value in
// X-Echo-Auth, its credential in a session cookie, and a secret of its own in
// X-Trace-Secret. It also remembers every bearer credential it was sent.
type leakyTarget struct {
	srv     *refserver.Server
	baseURL string

	mu     sync.Mutex
	bearer map[string]bool // every credential sent with "Bearer "
	minted []string        // every token the OAuth endpoint handed out
}

func newLeakyTarget(t *testing.T) *leakyTarget {
	t.Helper()
	// null-ignored fails PATCH-NULL, whose exchanges carry the run's own token;
	// expiry-unchecked fails AUTH-INVALID, so the expired token is accepted and echoed on
	// a 200 answer. (signature-unchecked is not added: it checks expiry itself.)
	srv, err := refserver.New(refserver.Options{
		TokenKey: []byte("casecert-redaction-test-key-0123456789"),
		Faults:   []string{"null-ignored", "expiry-unchecked"},
	})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	lt := &leakyTarget{srv: srv, bearer: map[string]bool{}}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth := r.Header.Get("Authorization"); auth != "" {
			w.Header().Set("X-Echo-Auth", auth)
			_, cred, _ := strings.Cut(auth, " ")
			w.Header().Add("Set-Cookie", "session="+cred+"; Path=/; HttpOnly")
			if cred, ok := strings.CutPrefix(auth, "Bearer "); ok {
				lt.mu.Lock()
				lt.bearer[cred] = true
				lt.mu.Unlock()
			}
		}
		w.Header().Set("X-Trace-Secret", leakTraceSecret)
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	lt.baseURL = hs.URL + refserver.DefaultBasePath
	return lt
}

// tokenEndpoint is an OAuth 2.0 client-credentials endpoint that knows one client and
// answers with tokens of the reference server.
func (lt *leakyTarget) tokenEndpoint(t *testing.T) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if r.Method != http.MethodPost || r.PostFormValue("grant_type") != "client_credentials" ||
			id != leakClientID || secret != leakClientSecret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		tok, err := lt.srv.MintToken(time.Hour)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		lt.mu.Lock()
		lt.minted = append(lt.minted, tok)
		lt.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 3600})
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/services/oauth2/token"
}

// TestSecretsNeverLeak runs the whole suite against a failing target that echoes every
// secret back, once with a static token and once with OAuth client credentials, and
// searches every report file and all console output for the secrets.
//
// It catches: a writer or console line that prints a token, the expired or an altered
// token, the client secret, a cookie or a --redact-header value; a response header
// (X-Echo-Auth, Set-Cookie, X-Trace-Secret) recorded unredacted; curl lines that spell
// the token instead of $CASECERT_TOKEN; and tokens from the OAuth token source that the
// client forgets to treat as secrets.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	lt := newLeakyTarget(t)
	token, err := lt.srv.MintToken(2 * time.Hour)
	require.NoError(t, err)
	expired, err := lt.srv.MintToken(-time.Hour)
	require.NoError(t, err)
	tokenURL := lt.tokenEndpoint(t)

	common := []string{"run", "--base-url", lt.baseURL, "--expired-token", expired,
		"--redact-header", "X-Trace-Secret", "--seed", "11", "--concurrency", "4",
		// Every kind of exchange a run makes: creates, reads, PATCHes that succeed and
		// refusals, every credential variant, and a failing requirement (all kept).
		"--tags", "@PATCH-NULL,@PATCH-READONLY,@AUTH-MISSING,@AUTH-INVALID,@AUTH-SCHEME,@AUTH-CHALLENGE,@REQ-JSON,@VER-UNSUPPORTED,@FMT-TIME-INVALID,@ID-FORMS"}
	runs := map[string][]string{
		"static token":       {"--token", token},
		"client credentials": {"--token-url", tokenURL, "--client-id", leakClientID, "--client-secret", leakClientSecret},
	}
	for name, extra := range runs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			args := append(append(slices.Clone(common), extra...), "--report-dir", dir)
			// testEnv's environment is empty: CASECERT_CLIENT_SECRET and CASECERT_TOKEN are
			// unset, so only the flags carry secrets.
			env, stdout, stderr := testEnv(t, args...)
			code := Main(env)
			console := stdout.String() + stderr.String()
			require.Equal(t, ExitNonConformant, code, console)

			data, run := readReport(t, dir)
			assert.Contains(t, run.FailedIDs(""), "PATCH-NULL", "the target must fail, so all exchanges are kept")
			assert.Contains(t, run.FailedIDs(""), "AUTH-INVALID", "the expired token must be sent and its exchanges kept")

			secrets := map[string]string{
				"client secret":                   leakClientSecret,
				"trace secret (--redact-header)":  leakTraceSecret,
				"expired token":                   expired,
				"expired token's signature":       jwtSignature(expired),
				"basic credentials of the client": base64.StdEncoding.EncodeToString([]byte(leakClientID + ":" + leakClientSecret)),
			}
			if name == "static token" {
				secrets["token"] = token
				secrets["token's signature"] = jwtSignature(token)
			}
			lt.mu.Lock()
			for i, tok := range lt.minted {
				secrets[fmt.Sprintf("OAuth token %d", i+1)] = tok
				secrets[fmt.Sprintf("OAuth token %d's signature", i+1)] = jwtSignature(tok)
			}
			jwts := 0
			for _, cred := range slices.Sorted(maps.Keys(lt.bearer)) {
				if strings.Count(cred, ".") == 2 { // a JWT: the run's, the expired or an altered one
					jwts++
					secrets[fmt.Sprintf("bearer JWT sent (%d)", jwts)] = cred
				}
			}
			lt.mu.Unlock()
			if name == "static token" {
				assert.GreaterOrEqual(t, jwts, 4, "the token, the expired token and two altered copies reach the target")
			}
			if name == "client credentials" {
				require.NotEmpty(t, lt.minted, "the run never fetched a token from the OAuth endpoint")
			}

			files := map[string]string{"console": console}
			require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(path)
				files[filepath.Base(path)] = string(b)
				return err
			}))
			for _, want := range []string{"report.json", "report.html", "summary.md", "junit.xml", "cucumber.json"} {
				assert.Contains(t, files, want, "every format is written and searched")
			}
			for file, content := range files {
				for what, secret := range secrets {
					if i := strings.Index(content, secret); i >= 0 {
						t.Errorf("%s leaks the %s: ...%s...", file, what, leakExcerpt(content, i, len(secret)))
					}
				}
			}
			assert.Contains(t, files["report.json"], redactedMarker)
			assert.Contains(t, files["report.html"], redactedMarker)
			assert.Contains(t, files["report.json"], "$CASECERT_TOKEN", "curl lines stand the token in as $CASECERT_TOKEN")
			assert.Contains(t, files["report.html"], "$CASECERT_TOKEN")

			assertEchoesRedacted(t, data)
		})
	}
}

// redactedMarker is client.Redacted, spelled out as the README documents it, so the test
// fails if the marker changes.
const redactedMarker = "[REDACTED]"

// assertEchoesRedacted checks that the wrapper's leaks reached the report (else the
// search above proves nothing) and were redacted there.
func assertEchoesRedacted(t *testing.T, reportJSON []byte) {
	t.Helper()
	var run reports.Run
	require.NoError(t, json.Unmarshal(reportJSON, &run))
	var echoes, cookies, traces, curls int
	for _, sc := range run.Scenarios {
		for _, ex := range sc.Exchanges {
			if v, ok := ex.ResponseHeaders["X-Echo-Auth"]; ok && strings.HasPrefix(ex.RequestHeaders["Authorization"], "Bearer "+redactedMarker) {
				echoes++
				assert.Equal(t, "Bearer "+redactedMarker, v, "%s: X-Echo-Auth", sc.ID)
			}
			if v, ok := ex.ResponseHeaders["Set-Cookie"]; ok {
				cookies++
				assert.Equal(t, redactedMarker, v, "%s: Set-Cookie", sc.ID)
			}
			if v, ok := ex.ResponseHeaders["X-Trace-Secret"]; ok {
				traces++
				assert.Equal(t, redactedMarker, v, "%s: X-Trace-Secret", sc.ID)
			}
			if strings.Contains(ex.Curl, `"Authorization: Bearer $CASECERT_TOKEN"`) {
				curls++
			}
		}
	}
	assert.Positive(t, echoes, "no exchange recorded the X-Echo-Auth header of a bearer request")
	assert.Positive(t, cookies, "no exchange recorded Set-Cookie")
	assert.Positive(t, traces, "no exchange recorded X-Trace-Secret")
	assert.Positive(t, curls, "no curl line uses $CASECERT_TOKEN")
}

// jwtSignature is the third part of a JWT.
func jwtSignature(jwt string) string {
	parts := strings.Split(jwt, ".")
	return parts[len(parts)-1]
}

func leakExcerpt(s string, i, n int) string {
	from, to := max(0, i-60), min(len(s), i+n+20)
	return s[from:to]
}
