package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

const (
	oauthClientID     = "casecert-client"
	oauthClientSecret = "s3cr3t-of-the-client"
)

// tokenEndpoint is an OAuth 2.0 token endpoint for the client credentials grant that
// hands out a new access token on every call.
func tokenEndpoint(t *testing.T, issued *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			r.ParseForm()
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if r.PostFormValue("grant_type") != "client_credentials" || id != oauthClientID || secret != oauthClientSecret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			// A careless endpoint that echoes what it got.
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"unknown client %s with secret %s"}`, id, secret)
			return
		}
		n := issued.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": fmt.Sprintf("access-token-number-%d", n), "token_type": "bearer", "expires_in": 3600,
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestOAuth2ClientCredentials(t *testing.T) {
	var issued atomic.Int64
	tokens := tokenEndpoint(t, &issued)
	rec, base := serve(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Header.Get("Authorization") != "Bearer access-token-number-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		// Echo the token, as some debug endpoints do.
		fmt.Fprintf(w, `{"seen":%q}`, r.Header.Get("Authorization"))
	})

	cc := clientcredentials.Config{ClientID: oauthClientID, ClientSecret: oauthClientSecret, TokenURL: tokens.URL + "/token"}
	var observed []Exchange
	c, _ := newClient(t, Config{
		BaseURL: base, TokenSource: cc.TokenSource(t.Context()), Secrets: []string{oauthClientSecret},
		OnExchange: func(ex Exchange) { observed = append(observed, ex) },
	})
	for range 3 {
		ex, err := c.Do(t.Context(), Request{Method: "POST", Path: "/incidents", JSON: map[string]any{"note": oauthClientSecret}})
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, ex.Status)
		assert.Equal(t, "Bearer [REDACTED]", ex.RequestHeaders["Authorization"])
		assert.Equal(t, `{"seen":"Bearer [REDACTED]"}`, ex.ResponseBody)
		assert.Equal(t, `{"note":"[REDACTED]"}`, ex.RequestBody)
		assert.Contains(t, ex.Curl, `-H "Authorization: Bearer $CASECERT_TOKEN"`)
	}
	assert.EqualValues(t, 1, issued.Load(), "the token is reused while valid")
	assert.Len(t, rec.all(), 3)
	assert.EqualValues(t, 3, c.Requests(), "token requests are not requests to the target")
	require.Len(t, observed, 3)
	for _, ex := range observed {
		assertNoSecrets(t, ex, oauthClientSecret, "access-token-number-1")
	}
}

func TestOAuth2Failures(t *testing.T) {
	var issued atomic.Int64
	tokens := tokenEndpoint(t, &issued)
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm() // the server notices a closed connection only once the body is read
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(hanging.Close)
	rec, base := serve(t, nil)

	tests := []struct {
		name     string
		cc       clientcredentials.Config
		wantMsg  string
		wantTime bool
	}{
		{"wrong secret echoed by the endpoint",
			clientcredentials.Config{ClientID: oauthClientID, ClientSecret: "wrong-" + oauthClientSecret, TokenURL: tokens.URL},
			"refused the client credentials: it answered 401 invalid_client (unknown client casecert-client with secret [REDACTED])", false},
		{"hanging token endpoint",
			clientcredentials.Config{ClientID: oauthClientID, ClientSecret: oauthClientSecret, TokenURL: hanging.URL},
			"getting an OAuth token failed: no answer within 300ms", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var observed int
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			c, _ := newClient(t, Config{
				BaseURL: base, TokenSource: tc.cc.TokenSource(ctx), Secrets: []string{tc.cc.ClientSecret},
				Timeout: 300 * time.Millisecond, OnExchange: func(Exchange) { observed++ },
			})
			start := time.Now()
			ex, err := c.Do(t.Context(), Request{Path: "/incidents"})
			assert.Less(t, time.Since(start), 3*time.Second)
			var te *TransportError
			require.ErrorAs(t, err, &te)
			assert.Contains(t, err.Error(), tc.wantMsg)
			assert.Equal(t, tc.wantTime, te.Timeout())
			assert.NotContains(t, err.Error(), oauthClientSecret)
			assert.Equal(t, err.Error(), ex.Err)
			assertNoSecrets(t, ex, tc.cc.ClientSecret)
			assert.Zero(t, observed, "nothing reached the target")
			assert.Zero(t, c.Requests())
		})
	}
	assert.Empty(t, rec.all())
}

// staticSource is a token source whose token type is odd, to check the curl quoting.
type staticSource struct{ tok oauth2.Token }

func (s staticSource) Token() (*oauth2.Token, error) { return &s.tok, nil }

func TestTokenSourceOddScheme(t *testing.T) {
	_, base := serve(t, nil)
	c, _ := newClient(t, Config{BaseURL: base, TokenSource: staticSource{oauth2.Token{AccessToken: "tok-from-source", TokenType: "MAC"}}})
	ex, err := c.Do(t.Context(), Request{Path: "/x"})
	require.NoError(t, err)
	assert.Equal(t, "MAC [REDACTED]", ex.RequestHeaders["Authorization"])
	assert.Contains(t, ex.Curl, `"Authorization: MAC $CASECERT_TOKEN"`)
	assert.False(t, strings.Contains(ex.Curl, "tok-from-source"))
}
