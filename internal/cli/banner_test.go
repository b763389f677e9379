package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
)

// Every command serve's banner prints, run as printed (after its export of
// CASECERT_TOKEN, in an empty directory), certifies the served reference server as
// conformant: generic and as a Salesforce org (issue 17 item 3). The salesforce banner
// once printed a run without the profile (PATCH-NULL and FMT-DATETIME failed on a correct
// server) and told the user to export CASECERT_EXPIRED_TOKEN, which run never reads.
func TestServeBannersCertifyAsPrinted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"generic", nil},
		{"salesforce", []string{"--platform", "salesforce"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, banner, stop := startServeBanner(t, tc.args...)
			defer stop()
			text := banner.String()
			assert.NotContains(t, text, "CASECERT_EXPIRED_TOKEN", "run never reads it")
			export := regexp.MustCompile(`(?m)^  export CASECERT_TOKEN=(\S+)$`).FindStringSubmatch(text)
			require.NotNil(t, export, text)
			token := shellWords(t, export[1], nil)[0]
			commands := certifyLines(text)
			require.NotEmpty(t, commands, text)
			assert.Contains(t, commands[len(commands)-1], " --expired-token ",
				"without the server's expired token AUTH-INVALID is only partly judged")

			dir := t.TempDir()
			var last *bytes.Buffer
			var code ExitCode
			for _, line := range commands {
				words := shellWords(t, line, nil)
				require.Equal(t, "casecert", words[0], line)
				args, redirect := words[1:], ""
				if i := indexOf(args, ">"); i >= 0 {
					args, redirect = args[:i], args[i+1]
				}
				env, stdout, stderr := testEnv(t, args...)
				relativeTo(&env, dir)
				env.Getenv = func(name string) string {
					if name == "CASECERT_TOKEN" {
						return token
					}
					return ""
				}
				code = Main(env)
				require.Contains(t, []ExitCode{ExitConformant}, code, "%s\n%s%s", line, stdout, stderr)
				if redirect != "" {
					require.NoError(t, os.WriteFile(filepath.Join(dir, redirect), stdout.Bytes(), 0o644))
				}
				last = stdout
			}
			assert.Contains(t, last.String(), "verdict: CONFORMANT", "the last command certifies:\n%s", text)
			assert.Equal(t, ExitConformant, code)
		})
	}
}

// certifyLines are the commands under the banner's "certify it" line.
func certifyLines(banner string) []string {
	_, rest, ok := strings.Cut(banner, "\ncertify it")
	if !ok {
		return nil
	}
	var out []string
	for _, l := range strings.Split(rest, "\n")[1:] {
		cmd, ok := strings.CutPrefix(l, "  ")
		if !ok {
			break
		}
		out = append(out, cmd)
	}
	return out
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

// relativeTo makes env's relative paths relative to dir, as a shell started there would.
func relativeTo(env *Env, dir string) {
	at := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	read, write, mkdir, remove, dirFS := env.ReadFile, env.WriteFile, env.MkdirAll, env.Remove, env.DirFS
	env.ReadFile = func(p string) ([]byte, error) { return read(at(p)) }
	env.WriteFile = func(p string, b []byte) error { return write(at(p), b) }
	env.MkdirAll = func(p string) error { return mkdir(at(p)) }
	env.Remove = func(p string) error { return remove(at(p)) }
	env.DirFS = func(p string) fs.FS { return dirFS(at(p)) }
}

// casecert profile --platform sets the platform key of the default profile or of
// --profile's, and the result loads; an unknown platform is a usage error.
func TestProfileWithPlatform(t *testing.T) {
	t.Parallel()
	env, stdout, stderr := testEnv(t, "profile", "--platform", "salesforce")
	require.Equal(t, ExitConformant, Main(env), stderr.String())
	p, err := fixtures.Parse("printed", stdout.Bytes())
	require.NoError(t, err)
	assert.Equal(t, "salesforce", p.Platform)

	env, stdout, stderr = testEnv(t, "profile", "--profile", "../../fixtures/testdata/salesforce-names.yaml", "--platform", "generic")
	require.Equal(t, ExitConformant, Main(env), stderr.String())
	p, err = fixtures.Parse("printed", stdout.Bytes())
	require.NoError(t, err)
	assert.Equal(t, "generic", p.Platform)
	assert.Equal(t, 1, strings.Count(stdout.String(), "\nplatform:"), "one platform key")

	env, _, stderr = testEnv(t, "profile", "--platform", "apex")
	assert.Equal(t, ExitUsage, Main(env))
	assert.Contains(t, stderr.String(), `unknown platform "apex"`)
}
