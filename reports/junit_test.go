package reports

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casecert/casecert/internal/xmlcheck"
)

// TestJUnitValidatesAgainstXSD checks every fixture's junit.xml against the schema Jenkins'
// xUnit plugin uses, with xmllint (Debian: libxml2-utils). Without xmllint the test fails
// in CI (CI=true) and is skipped elsewhere.
func TestJUnitValidatesAgainstXSD(t *testing.T) {
	xsd, err := filepath.Abs(filepath.Join("testdata", "junit-10.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "junit.xml")
			if err := os.WriteFile(path, render(t, WriteJUnit, fx.run()), 0o644); err != nil {
				t.Fatal(err)
			}
			xmlcheck.Validate(t, path, xsd)
		})
	}
}

// TestJUnitContent reads junit.xml back with encoding/xml: well-formed, counts right,
// evidence present, and no character that XML 1.0 forbids survived.
func TestJUnitContent(t *testing.T) {
	type property struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	type message struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Body    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *message `xml:"failure"`
		Skipped   *message `xml:"skipped"`
		SystemOut string   `xml:"system-out"`
		SystemErr string   `xml:"system-err"`
	}
	type testsuite struct {
		Name       string     `xml:"name,attr"`
		Tests      int        `xml:"tests,attr"`
		Failures   int        `xml:"failures,attr"`
		Skipped    int        `xml:"skipped,attr"`
		Properties []property `xml:"properties>property"`
		Cases      []testcase `xml:"testcase"`
	}
	var doc struct {
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Suites   []testsuite `xml:"testsuite"`
	}
	raw := render(t, WriteJUnit, mixedRun())
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// The scenario that got no answer is an <error> (not judged), never a <failure>; the
	// failed should is no <failure> either (the run exits 0 for it), unless --junit-strict.
	if doc.Tests != 9 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 3 {
		t.Fatalf("tests=%d failures=%d errors=%d suites=%d, want 9, 1, 1, 3", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites))
	}
	strict := mixedRun()
	strict.Run.JUnitStrict = true
	var strictDoc struct {
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(render(t, WriteJUnit, strict), &strictDoc); err != nil || strictDoc.Failures != 2 {
		t.Errorf("--junit-strict: failures=%d (%v), want 2: the should failure too", strictDoc.Failures, err)
	}
	var should *testcase
	var shouldSuite *testsuite
	for i := range doc.Suites {
		for j := range doc.Suites[i].Cases {
			if tc := &doc.Suites[i].Cases[j]; tc.SystemErr != "" {
				should, shouldSuite = tc, &doc.Suites[i]
			}
		}
	}
	if should == nil || should.Failure != nil || !strings.Contains(should.SystemErr, "should level, not a <failure>") {
		t.Fatalf("the failed should scenario is not a testcase with its message in system-err: %+v", should)
	}
	levelProp := false
	for _, p := range shouldSuite.Properties {
		levelProp = levelProp || strings.HasPrefix(p.Name, "casecert.level.") && p.Value == "should"
	}
	if !levelProp {
		t.Errorf("the suite of the should failure carries no casecert.level.<scenario> property: %+v", shouldSuite.Properties)
	}
	var patch *testsuite
	for i := range doc.Suites {
		if doc.Suites[i].Name == "PATCH semantics" {
			patch = &doc.Suites[i]
		}
	}
	if patch == nil {
		t.Fatal("no testsuite for feature PATCH semantics")
	}
	hasProperty := func(props []property, name, value string) bool {
		for _, p := range props {
			if p.Name == name && p.Value == value {
				return true
			}
		}
		return false
	}
	if !hasProperty(patch.Properties, "requirement", "PATCH-NULL") || !hasProperty(patch.Properties, "level.PATCH-NULL", "must") {
		t.Errorf("suite properties lack PATCH-NULL and its level: %+v", patch.Properties)
	}
	var failing *testcase
	for i := range patch.Cases {
		if patch.Cases[i].Failure != nil && strings.Contains(patch.Cases[i].Name, "PATCH-NULL") {
			failing = &patch.Cases[i]
		}
	}
	if failing == nil {
		t.Fatal("no failing PATCH-NULL testcase")
	}
	for _, want := range []string{
		`observed "abc"`, "curl -sS -X PATCH", "> Authorization: Bearer [REDACTED]", `"description": null`,
		"< 200", `"description": "abc"`, "failed step: Then the case reads back",
	} {
		if !strings.Contains(failing.Failure.Body, want) {
			t.Errorf("failure body lacks %q:\n%s", want, failing.Failure.Body)
		}
	}
	if failing.Failure.Type != "casecert.must" || failing.Classname != "PATCH semantics" || failing.Time != "0.021" {
		t.Errorf("failure type %q classname %q time %q", failing.Failure.Type, failing.Classname, failing.Time)
	}
	if !strings.Contains(failing.Failure.Message, "\n") {
		t.Errorf("message attribute lost its newline: %q", failing.Failure.Message)
	}

	esc := render(t, WriteJUnit, escapingRun())
	if err := xml.Unmarshal(esc, new(struct{})); err != nil {
		t.Fatalf("escaping fixture is not well-formed XML: %v", err)
	}
	for _, c := range []byte{0x00, 0x07, 0x1b, 0x01, 0x1f} {
		if bytes.IndexByte(esc, c) >= 0 {
			t.Errorf("junit.xml holds control character %#x", c)
		}
	}
	if bytes.Contains(esc, []byte("]]>")) {
		t.Error("junit.xml holds a raw ]]>")
	}
}
