package cli

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelpOnEveryCommand runs -h and --help on every command the usage text lists (and
// on "profile check"): each prints its help and exits 0, none panics or runs anything.
func TestHelpOnEveryCommand(t *testing.T) {
	t.Parallel()
	var commands [][]string
	for _, m := range regexp.MustCompile(`(?m)^  casecert (\w+)`).FindAllStringSubmatch(usage, -1) {
		commands = append(commands, []string{m[1]})
	}
	commands = append(commands, []string{"profile", "check"})
	require.GreaterOrEqual(t, len(commands), 9, "the usage text lists every command")
	for _, cmd := range commands {
		for _, flag := range []string{"-h", "--help"} {
			args := append(append([]string{}, cmd...), flag)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				env, stdout, stderr := testEnv(t, args...)
				env.Args = args
				code := Main(env)
				out := stdout.String() + stderr.String()
				assert.Equal(t, ExitConformant, code, out)
				assert.Regexp(t, `(?i)usage`, out)
				assert.NotContains(t, out, "casecert "+cmd[0]+": ", "no error line")
			})
		}
	}
}
