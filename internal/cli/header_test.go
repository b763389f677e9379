package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --header sends its headers with every request to the target (a gateway's key), and
// their values reach no report file and no console line.
func TestHeaderIsSentAndRedacted(t *testing.T) {
	t.Parallel()
	const key = "gw-key-5f2a9c41d7"
	tg := startSwitchboard(t)
	var without, total atomic.Int64
	gateway := &gatewayCheck{next: tg, want: key, without: &without, total: &total}
	srv := httptest.NewServer(gateway)
	t.Cleanup(srv.Close)
	hs := srv.URL
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", hs+"/services/apexrest/ThinkLP", "--token", tg.token,
		"--header", "x-api-key: "+key, "--header", "X-Tenant: acme",
		"--tags", "@PATCH-NULL,@AUTH-MISSING", "--seed", "4", "--report-dir", dir, "--concurrency", "4")
	code := Main(env)
	assert.Equal(t, ExitIncomplete, code, stdout.String()+stderr.String())
	assert.NotZero(t, total.Load())
	assert.Zero(t, without.Load(), "every request carries the gateway key")
	for _, out := range []string{stdout.String(), stderr.String()} {
		assert.NotContains(t, out, key)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		assert.NotContains(t, string(data), key, e.Name())
		if e.Name() == "report.json" {
			assert.Contains(t, string(data), `"X-Api-Key": "[REDACTED]"`)
		}
	}

	for _, bad := range []string{"no-colon", "Authorization: Bearer x", "API-Version: 2.0", "Bad Name: x", "X-Empty:"} {
		env, _, stderr := testEnv(t, "run", "--header", bad)
		assert.Equal(t, ExitUsage, Main(env), bad)
		assert.Contains(t, stderr.String(), "-header", bad)
	}
}

// gatewayCheck counts the requests that lack the key, and passes every request on.
type gatewayCheck struct {
	next           http.Handler
	want           string
	without, total *atomic.Int64
}

func (g *gatewayCheck) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.total.Add(1)
	if r.Header.Get("X-Api-Key") != g.want || !strings.EqualFold(r.Header.Get("X-Tenant"), "acme") {
		g.without.Add(1)
	}
	g.next.ServeHTTP(w, r)
}
