package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Commit and BuildDate are stamped by `make build` and `make dist` (-ldflags -X), like
// Version. Left empty, they are read from the Go build information: a `go install` of a
// module version, or a build in a git checkout, carries them there.
var (
	Commit    = ""
	BuildDate = ""
)

const devVersion = "0.1.0-dev"

func init() { Version, Commit, BuildDate = buildStamp(Version, Commit, BuildDate, debug.ReadBuildInfo) }

// buildStamp fills what -ldflags left unset from the build information, so that `casecert
// version` and every report's tool.version name the same string however the binary was
// built: `go install ...@v1.2.3` gives v1.2.3, a git checkout gives the commit.
func buildStamp(version, commit, date string, read func() (*debug.BuildInfo, bool)) (string, string, string) {
	info, ok := read()
	if !ok {
		return version, commit, date
	}
	if version == devVersion && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	stamped, modified := commit != "", false
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && !stamped:
			commit = s.Value
		case s.Key == "vcs.time" && date == "":
			date = s.Value
		case s.Key == "vcs.modified" && s.Value == "true" && !stamped:
			modified = true
		}
	}
	if modified && commit != "" {
		commit += " (modified)"
	}
	return version, commit, date
}

// versionText is what `casecert version` prints: the version (the same string as report.json's
// tool.version), the commit, the build date and the Go toolchain.
func versionText() string {
	orUnknown := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	return fmt.Sprintf("casecert %s\ncommit: %s\nbuilt: %s\ngo: %s %s/%s\n",
		Version, orUnknown(Commit), orUnknown(BuildDate), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
