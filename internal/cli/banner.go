package cli

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/internal/refserver"
)

// writeCertify prints the end of serve's banner: the commands that certify the server as
// it serves, each to be run as printed (after the export of CASECERT_TOKEN above it), so
// that a correct server comes out conformant: the profile it serves (with the platform it
// behaves as) and an expired token of its own for AUTH-INVALID's expired-token row.
func writeCertify(w io.Writer, srv *refserver.Server, base, profilePath string, profile *fixtures.Profile, served string) error {
	expired, err := srv.MintToken(-time.Hour)
	if err != nil {
		return err
	}
	var lines []string
	run := "casecert run --base-url " + shellWord(base)
	switch {
	case platformName(served) != platformName(profile.Platform):
		// The profile says another platform: a copy of it that says this one.
		file := "casecert-" + platformName(served) + ".yaml"
		gen := "casecert profile --platform " + platformName(served)
		if profilePath != "" {
			gen += " --profile " + shellWord(profilePath)
		}
		lines = append(lines, gen+" > "+file)
		run += " --profile " + file
	case profilePath != "":
		run += " --profile " + shellWord(profilePath)
	}
	lines = append(lines, run+" --expired-token "+shellWord(expired))
	fmt.Fprintln(w, "certify it (with CASECERT_TOKEN exported as above; the expired token is the server's own):")
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
	return nil
}

func platformName(name string) string {
	if name == "" {
		return platform.GenericName
	}
	return name
}

// plainWord is a word a POSIX shell takes as it is.
var plainWord = regexp.MustCompile(`^[A-Za-z0-9._/:=@%+,-]+$`)

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// profilePrintCommand is `casecert profile [--profile F] [--platform P]`: the default
// profile (or F) as YAML, with its platform key set to P when given.
func profilePrintCommand(env Env, args []string) error {
	set := commandFlags(env, "profile", "casecert profile [--profile FILE] [--platform "+strings.Join(platform.Names(), "|")+"]   print the default profile (or FILE), its platform set to the one given\n"+
		"       casecert profile check --profile FILE   per requirement: judged, partly or not, and what to add\n"+
		"       casecert profile init --openapi FILE|URL   draft a profile from an OpenAPI document\n\nFlags of casecert profile:")
	path := set.String("profile", "", "profile YAML to print instead of the default one")
	name := set.String("platform", "", "set the profile's platform key: "+strings.Join(platform.Names(), " or "))
	if err := set.Parse(args); err != nil {
		return flagError(err)
	}
	if set.NArg() > 0 {
		return usagef("casecert profile: unexpected argument %q (casecert profile -h)", set.Arg(0))
	}
	data := fixtures.DefaultYAML()
	source := "the default profile"
	if *path != "" {
		var err error
		if data, err = env.ReadFile(*path); err != nil {
			return usagef("--profile: %v", err)
		}
		source = *path
	}
	if *name != "" {
		if _, err := platform.Lookup(*name); err != nil {
			return usagef("--platform: %v", err)
		}
		data = withPlatform(data, *name)
	}
	if _, err := fixtures.Parse(source, data); err != nil {
		return usagef("%v", err)
	}
	_, err := env.Stdout.Write(data)
	return err
}

// withPlatform is a profile's YAML with its top-level platform key (if any) replaced by
// name, comments and the rest of the text kept as they are.
func withPlatform(data []byte, name string) []byte {
	var out bytes.Buffer
	for line := range bytes.Lines(data) {
		if bytes.HasPrefix(line, []byte("platform:")) {
			continue
		}
		out.Write(line)
	}
	if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
		out.WriteByte('\n')
	}
	fmt.Fprintf(&out, "platform: %s\n", name)
	return out.Bytes()
}
