package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/xmlcheck"
)

// TestRealJUnitValidates checks the junit.xml of a real failing run (not a fixture) against
// the schema Jenkins' xUnit plugin uses, with xmllint (Debian: libxml2-utils). Without
// xmllint it fails in CI (CI=true) and is skipped elsewhere, like reports/junit_test.go.
//
// It catches what the hand-made fixtures of reports/ may not hold: real failure messages,
// exchange dumps with control characters, ]]> or non-UTF-8 bytes from a target, skipped
// scenarios, attributes or elements the schema does not allow, and a junit.xml that is
// not written at all.
func TestRealJUnitValidates(t *testing.T) {
	t.Parallel()
	xsd, err := filepath.Abs(filepath.Join("..", "..", "reports", "testdata", "junit-10.xsd"))
	require.NoError(t, err)

	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--fault", "null-ignored", "--report-dir", dir, "--format", "junit,json", "--seed", "7", "--concurrency", "4",
		"--tags", "@PATCH-NULL,@PATCH-OMIT,@PATCH-UNKNOWN,@AUTH-INVALID,@LOC-PRECEDENCE,@REQ-NO-5XX")
	require.Equal(t, ExitNonConformant, Main(env), stdout.String()+stderr.String())

	path := filepath.Join(dir, "junit.xml")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "<failure", "a failing run's junit.xml carries failures")
	assert.Contains(t, string(data), "PATCH-NULL")
	xmlcheck.Validate(t, path, xsd)
}
