// Package xmlcheck validates XML files against an XSD with xmllint (Debian's
// libxml2-utils) for the tests of junit.xml, with one policy for a missing xmllint: the
// test fails in CI (CI=true), where .ci/run installs it, and is skipped elsewhere.
package xmlcheck

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Validate fails the test unless the XML file at path is valid against the schema xsd.
func Validate(tb testing.TB, path, xsd string) {
	tb.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("xmllint not found; CI must install it (apt-get install -y libxml2-utils)")
		}
		tb.Skip("xmllint not found: install libxml2-utils to validate junit.xml against " + xsd)
	}
	if _, err := os.Stat(xsd); err != nil {
		tb.Fatalf("schema: %v", err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s does not validate against %s: %v\n%s", path, xsd, err, headLines(string(out), 30))
	}
}

func headLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}
