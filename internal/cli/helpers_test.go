package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/reports"
)

// testEnv is an Env over the real file system with captured output.
func testEnv(t testing.TB, args ...string) (Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	env := OSEnv(context.Background())
	var stdout, stderr bytes.Buffer
	env.Args, env.Stdout, env.Stderr = args, &stdout, &stderr
	env.Getenv = func(string) string { return "" }
	return env, &stdout, &stderr
}

// readReport reads dir/report.json.
func readReport(t testing.TB, dir string) ([]byte, reports.Run) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var run reports.Run
	require.NoError(t, json.Unmarshal(data, &run))
	return data, run
}
