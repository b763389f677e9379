package preflight

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/refserver"
)

// reference starts the reference server and returns its base URL and a token.
func reference(t *testing.T) (base, token string) {
	t.Helper()
	srv, err := refserver.New(refserver.Options{})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	token, err = srv.MintToken(time.Hour)
	require.NoError(t, err)
	return hs.URL + refserver.DefaultBasePath, token
}

type counting struct {
	mu      sync.Mutex
	created []string
}

func (c *counting) add(id string) { c.mu.Lock(); c.created = append(c.created, id); c.mu.Unlock() }

func check(t *testing.T, base, token string, p *fixtures.Profile) (*counting, *client.Client, error) {
	t.Helper()
	cl, err := client.New(client.Config{BaseURL: base, Token: token, Timeout: 2 * time.Second})
	require.NoError(t, err)
	var c counting
	err = Check(t.Context(), Config{Client: cl, Profile: p, Body: cases.SetupBody(p, 7, "casecert-7"), Created: c.add})
	return &c, cl, err
}

func TestReferenceServerPasses(t *testing.T) {
	base, token := reference(t)
	c, cl, err := check(t, base, token, fixtures.Default())
	require.NoError(t, err)
	assert.Len(t, c.created, 1, "one case created")
	assert.EqualValues(t, 3, cl.Requests(), "read an unknown id, create, read back")
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	require.Error(t, err)
	pe, ok := err.(*Error)
	require.True(t, ok, "%T %v", err, err)
	return pe
}

func TestNotTheCaseAPI(t *testing.T) {
	base, token := reference(t)
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><body><form>Sign in</form></body></html>")
	}))
	defer html.Close()
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	defer loop.Close()
	for name, tc := range map[string]struct{ base, want string }{
		"wrong base path": {strings.TrimSuffix(base, refserver.DefaultBasePath) + "/services/apexrest/Wrong", "POST " + strings.TrimSuffix(base, refserver.DefaultBasePath) + "/services/apexrest/Wrong/incidents answered no such resource (404"},
		"HTML login page": {html.URL, `answered an HTML page (200, Content-Type "text/html; charset=utf-8")`},
		"redirect loop":   {loop.URL, `answered a redirect (302, Content-Type "text/html; charset=utf-8", Location "/incidents/500000000000000AAA")`},
	} {
		t.Run(name, func(t *testing.T) {
			c, _, err := check(t, tc.base, token, fixtures.Default())
			pe := asError(t, err)
			assert.False(t, pe.Profile)
			assert.Contains(t, pe.Msg, "this is not the Case API at this URL")
			assert.Contains(t, pe.Msg, tc.want)
			assert.Empty(t, c.created)
		})
	}
}

func TestUnreachableAndQuota(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	ln.Close()
	quota := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`)
	}))
	defer quota.Close()
	for base, want := range map[string]string{
		closed:    "cannot be reached",
		quota.URL: "request quota is exhausted",
	} {
		_, _, err := check(t, base, "t", fixtures.Default())
		pe := asError(t, err)
		assert.False(t, pe.Profile)
		assert.Contains(t, pe.Msg, want)
	}
}

func TestCreateRefusedBecauseOfOneField(t *testing.T) {
	base, token := reference(t)
	y := strings.Replace(string(fixtures.DefaultYAML()), "{name: police_involved, type: boolean}", "{name: police_involved, type: string}", 1)
	p, err := fixtures.Parse("vendor.yaml", []byte(y))
	require.NoError(t, err)
	c, cl, err := check(t, base, token, p)
	pe := asError(t, err)
	t.Log(pe.Msg)
	assert.True(t, pe.Profile, "the profile is at fault: exit 2")
	assert.Contains(t, pe.Msg, `because of field "police_involved" (vendor.yaml:`)
	assert.Contains(t, pe.Msg, "without that field it creates the case")
	assert.Contains(t, pe.Msg, "Fix the profile: check the type (string) of \"police_involved\"")
	assert.NotEmpty(t, c.created, "the cases the search created are listed")
	assert.LessOrEqual(t, cl.Requests(), int64(2+12), "bounded")
}

func TestCreateRefusedWhateverTheFields(t *testing.T) {
	base, token := reference(t)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `[{"message":"REQUIRED_FIELD_MISSING: Store__c","errorCode":"REQUIRED_FIELD_MISSING"}]`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `[{"message":"not found","errorCode":"NOT_FOUND"}]`)
	}))
	defer refusing.Close()
	_ = base
	c, _, err := check(t, refusing.URL, token, fixtures.Default())
	pe := asError(t, err)
	assert.False(t, pe.Profile)
	assert.Contains(t, pe.Msg, "refuses to create a case, even with fewer fields")
	assert.Contains(t, pe.Msg, "REQUIRED_FIELD_MISSING: Store__c")
	assert.Empty(t, c.created)
}

// A nested value of the profile's body shows in the profile error as the JSON that was
// sent, not as Go's map[...] or [...] printing.
func TestProfileFaultShowsTheValueAsJSON(t *testing.T) {
	t.Parallel()
	c := &creator{cfg: Config{Profile: fixtures.Default(), Body: map[string]any{
		"Address__c": map[string]any{"city": "Paris", "zip": []any{"75001"}},
	}}}
	refusal := client.Exchange{Method: http.MethodPost, URL: "http://127.0.0.1/cases", Status: http.StatusBadRequest,
		ResponseBody: `[{"message":"bad value","errorCode":"INVALID_FIELD"}]`}
	pe := asError(t, c.profileFault("Address__c", refusal, true))
	assert.Contains(t, pe.Msg, `sent {"city":"Paris","zip":["75001"]};`)
	assert.NotContains(t, pe.Msg, "map[")
}
