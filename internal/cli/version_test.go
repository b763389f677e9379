package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBuildStampFromBuildInfo(t *testing.T) {
	t.Parallel()
	info := func(version string, settings ...debug.BuildSetting) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{Main: debug.Module{Version: version}, Settings: settings}, true
		}
	}
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "abc123"}
	when := debug.BuildSetting{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}
	dirty := debug.BuildSetting{Key: "vcs.modified", Value: "true"}

	// go install ...@v1.2.3: the module version names the binary.
	v, c, d := buildStamp(devVersion, "", "", info("v1.2.3"))
	assert.Equal(t, []string{"v1.2.3", "", ""}, []string{v, c, d})
	// a build in a checkout: the commit and its time, marked when the tree was modified.
	v, c, d = buildStamp(devVersion, "", "", info("(devel)", rev, when, dirty))
	assert.Equal(t, []string{devVersion, "abc123 (modified)", "2026-12-01T10:00:00Z"}, []string{v, c, d})
	// -ldflags wins over the build information.
	v, c, d = buildStamp("v9.9.9", "feed", "2026-01-01", info("v1.2.3", rev, when, dirty))
	assert.Equal(t, []string{"v9.9.9", "feed", "2026-01-01"}, []string{v, c, d})
	// no build information at all
	v, c, d = buildStamp(devVersion, "", "", func() (*debug.BuildInfo, bool) { return nil, false })
	assert.Equal(t, []string{devVersion, "", ""}, []string{v, c, d})
}

func TestVersionCommandNamesTheReportVersion(t *testing.T) {
	t.Parallel()
	env, out, _ := testEnv(t, "version")
	assert.Equal(t, ExitConformant, Main(env))
	first, _, _ := strings.Cut(out.String(), "\n")
	// report.json's tool.version is Version itself (run.go), so the first line names it.
	assert.Equal(t, "casecert "+Version, first)
	assert.Contains(t, out.String(), "go: "+runtime.Version())
	assert.Contains(t, out.String(), "commit: ")
	assert.Contains(t, out.String(), "built: ")
}
