package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCasecert is a casecert that prints version `printed` and writes `written` as
// report.json's tool.version.
func fakeCasecert(printed, written string) string {
	return `#!/bin/sh
case "$1" in
version) printf 'casecert ` + printed + `\ncommit: abc\n' ;;
run) while [ "$1" != --report-dir ]; do shift; done; mkdir -p "$2"
     printf '{"tool": {"name": "casecert", "version": "` + written + `"}}' > "$2/report.json"; exit 4 ;;
esac
`
}

// The archive built for this machine is opened and its binary run: the release passes
// when `version` and report.json name the archive's version, and fails on either mismatch.
func TestCheckBinaryRunsTheArchivedCasecert(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake binary is a shell script")
	}
	for name, c := range map[string]struct {
		printed, written string
		problem          string
	}{
		"one version":         {"v1.2.3", "v1.2.3", ""},
		"version differs":     {"v0.0.0", "v1.2.3", `casecert version prints "casecert v0.0.0", want "casecert v1.2.3"`},
		"report.json differs": {"v1.2.3", "dev", `report.json's tool.version is "dev"`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			host := runtime.GOOS + "_" + runtime.GOARCH
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "bin", host), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "bin", host, "casecert"), []byte(fakeCasecert(c.printed, c.written)), 0o755))
			readme := filepath.Join(dir, "README.md")
			require.NoError(t, os.WriteFile(readme, []byte("readme"), 0o644))
			require.NoError(t, pack(dir, "v1.2.3", time.Unix(0, 0), []string{readme}))
			err := checkBinary(filepath.Join(dir, "casecert_v1.2.3_"+host+".tar.gz"), "v1.2.3")
			if c.problem == "" {
				assert.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.problem)
			}
		})
	}
}
