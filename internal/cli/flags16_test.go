package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConflictingRunFlagsExit2 (issue 17 item 16): --token with --token-file no longer
// silently picks one, and --case-id without --base-url is a usage error (exit 2), not a
// target that could not be judged (exit 3). Neither sends a request.
func TestConflictingRunFlagsExit2(t *testing.T) {
	t.Parallel()
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("from-the-file\n"), 0o600))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--base-url", "http://127.0.0.1:1", "--token", "t", "--token-file", tokenFile}, "--token and --token-file both give the token"},
		{[]string{"run", "--case-id", "500000000000001AAA"}, "--case-id names a case on a target: give its --base-url"},
	} {
		env, stdout, stderr := testEnv(t, append(tc.args, "--report-dir", t.TempDir())...)
		assert.Equal(t, ExitUsage, Main(env), stdout.String()+stderr.String())
		assert.Contains(t, stderr.String(), tc.want)
	}
}

// TestTagsSelectingNothingNamesOnlyTheFlagsGiven (issue 17 item 16): --tags @NOPE alone
// does not mention an empty --shard.
func TestTagsSelectingNothingNamesOnlyTheFlagsGiven(t *testing.T) {
	t.Parallel()
	env, stdout, stderr := testEnv(t, "run", "--tags", "@NOPE", "--report-dir", t.TempDir())
	assert.Equal(t, ExitUsage, Main(env), stdout.String())
	assert.Contains(t, stderr.String(), `--tags "@NOPE" selects no scenario`)
	assert.NotContains(t, stderr.String(), "--shard")
}
