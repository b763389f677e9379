package cli

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/features"
)

// TestUndefinedStepInFeaturesExits2AtLoad (issue 17 item 13): a --features file with a
// step no phrase matches is a suite error: exit 2 before any request, naming the file,
// the line and the closest phrase (it was each scenario's error, and exit 4).
func TestUndefinedStepInFeaturesExits2AtLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"requirements.yaml", "requests.feature"} {
		src, err := fs.ReadFile(features.FS, name)
		require.NoError(t, err)
		if name == "requests.feature" {
			require.Contains(t, string(src), "    Then the answer is 400 or 404\n")
			src = []byte(strings.Replace(string(src), "    Then the answer is 400 or 404\n", "    Then the answr is 400 or 404\n", 1))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), src, 0o600))
	}
	line := 1 + strings.Count(strings.Split(mustRead(t, filepath.Join(dir, "requests.feature")), "the answr is")[0], "\n")
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer srv.Close()
	env, stdout, stderr := testEnv(t, "run", "--features", dir, "--base-url", srv.URL, "--token", "t", "--report-dir", filepath.Join(t.TempDir(), "r"))
	assert.Equal(t, ExitUsage, Main(env), stdout.String()+stderr.String())
	want := filepath.Join(dir, "requests.feature") + ":" + strconv.Itoa(line) + `: undefined step "Then the answr is 400 or 404": no phrase matches it; did you mean "the answer is 400 or 404"?`
	assert.Contains(t, stderr.String(), want)
	assert.Zero(t, requests.Load(), "a suite error sends nothing")
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}
