package cli

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/casecert/casecert/steps"
)

func TestStepsListsEveryPhrase(t *testing.T) {
	t.Parallel()
	run := func(args ...string) (ExitCode, string, string) {
		var stdout, stderr bytes.Buffer
		env := Env{Args: args, Stdout: &stdout, Stderr: &stderr, Context: context.Background()}
		return Main(env), stdout.String(), stderr.String()
	}
	code, out, errOut := run("steps")
	assert.Equal(t, ExitConformant, code, errOut)
	var want bytes.Buffer
	assert.NoError(t, steps.WritePhrases(&want))
	assert.Equal(t, want.String(), out)
	assert.Contains(t, out, "security.feature\n  I PATCH another field without an Authorization header\n")
	assert.Contains(t, out, "      e.g. I PATCH \"department\" to null\n")

	code, _, errOut = run("steps", "extra")
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errOut, "usage: casecert steps")

	code, _, errOut = run("steps", "-h")
	assert.Equal(t, ExitConformant, code)
	assert.Contains(t, errOut, "usage: casecert steps")

	_, help, _ := run("help")
	assert.Contains(t, help, "casecert steps")
}
