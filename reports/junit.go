package reports

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The JUnit schema that CI tools validate against (testdata/junit-10.xsd, from Jenkins'
// xUnit plugin) allows <properties> on a <testsuite> but not on a <testcase>. So:
//   - each testsuite (one per feature) carries the run's identity and, per requirement its
//     scenarios check, a property "requirement" = ID and a property "level.<ID>" = level;
//   - each testcase names its requirements in a " [ID, ...]" suffix of its name (what CI
//     screens show) and in its system-out.
type junitSuites struct {
	Name     string
	Verdict  string // "casecert verdict: ERROR: why", a comment before the root element
	Tests    int
	Failures int
	Errors   int
	Time     string
	Suites   []junitSuite
}

type junitSuite struct {
	Name       string
	Tests      int
	Failures   int
	Errors     int
	Skipped    int
	Time       string
	Properties []junitProperty
	Cases      []junitCase
}

type junitProperty struct {
	Name  string
	Value string
}

type junitCase struct {
	Name      string
	Classname string
	Time      string
	Failure   *junitMessage
	Error     *junitMessage
	Skipped   *junitMessage
	// Reruns are the attempts of a rerun scenario in the Maven Surefire form: a flaky
	// testcase (passed on a rerun) has a <flakyFailure> (or <flakyError>) per attempt
	// that did not pass; a failed one a <rerunFailure> (or <rerunError>) per rerun.
	Reruns    []junitRerun
	SystemOut string
	SystemErr string
}

type junitRerun struct {
	Element    string // flakyFailure, flakyError, rerunFailure or rerunError
	Message    string
	Type       string
	StackTrace string
}

type junitMessage struct {
	Message string
	Type    string
	Body    string
}

func init() {
	register(Format{Name: "junit", File: "junit.xml", Write: WriteJUnit,
		Description: "one testcase per scenario (classname = feature, properties carry requirement IDs), for CI test views"})
}

// WriteJUnit writes junit.xml: one testsuite per feature (sorted by name), one testcase per
// scenario (sorted by ID). A failed scenario's <failure> holds the error and every HTTP
// exchange with its curl line; its type is "casecert.<level>" so a reader can tell a must
// failure from a should one. Characters that XML 1.0 forbids are dropped.
func WriteJUnit(w io.Writer, r Run) error {
	ix := newIndex(&r)
	byFeature := map[string][]*Scenario{}
	for _, sc := range sortedScenarios(&r) {
		byFeature[sc.Feature] = append(byFeature[sc.Feature], sc)
	}
	features := make([]string, 0, len(byFeature))
	for f := range byFeature {
		features = append(features, f)
	}
	slices.Sort(features)

	doc := junitSuites{Name: r.Tool.Name, Verdict: "casecert verdict: " + strings.ToUpper(string(r.Verdict)) + ": " + oneLine(verdictExplanation(r), "; ")}
	var totalMS int64
	for _, feature := range features {
		name := feature
		if name == "" {
			name = "(no feature)"
		}
		suite := junitSuite{Name: name, Properties: runProperties(r)}
		var suiteMS int64
		seenReq := map[string]bool{}
		var reqIDs []string
		for _, sc := range byFeature[feature] {
			suite.Tests++
			suiteMS += max(sc.DurationMS, 0)
			for _, id := range sc.Requirements {
				if !seenReq[id] {
					seenReq[id] = true
					reqIDs = append(reqIDs, id)
				}
			}
			tc := junitCase{
				Name:      caseName(sc),
				Classname: name,
				Time:      seconds(sc.DurationMS),
				SystemOut: caseOut(ix, sc),
			}
			level := ix.level(sc)
			switch {
			case sc.Status == StatusFailed && !r.Run.JUnitStrict && !gatingFailure(&r, sc, level):
				// A failure the exit code does not fail on (a should, or a known one of the
				// baseline) is not a <failure>: a JUnit gate would fail a run that exits 0.
				why := "a should requirement does not fail the run"
				if r.Baseline.IsKnown(sc.ID) {
					why = "a known failure of the baseline " + r.Baseline.File
					suite.Properties = append(suite.Properties, junitProperty{Name: "casecert.baseline." + sc.ID, Value: "known"})
				}
				suite.Properties = append(suite.Properties, junitProperty{Name: "casecert.level." + sc.ID, Value: level})
				tc.SystemErr = fmt.Sprintf("failed (%s level, not a <failure>: %s; --junit-strict reports it as one)\n%s", level, why, failureText(sc))
			}
			switch sc.Status {
			case StatusFailed:
				if tc.SystemErr != "" {
					for _, a := range sc.Reruns {
						tc.SystemErr += "\n" + attemptText(a)
					}
					break
				}
				tc.Reruns = junitReruns(sc, level, "rerun", sc.Reruns)
				suite.Failures++
				typ := "casecert.failure"
				if level != "" {
					typ = "casecert." + level
				}
				tc.Failure = &junitMessage{
					Message: sc.Error,
					Type:    typ,
					Body:    failureText(sc),
				}
			case StatusFlaky:
				// Passed on a rerun: not a <failure>, as Surefire writes a flaky test.
				tc.Reruns = junitReruns(sc, level, "flaky", sc.UnpassedAttempts())
				suite.Properties = append(suite.Properties, junitProperty{Name: "casecert.flaky." + sc.ID, Value: sc.AttemptsLine()})
			case StatusError:
				// Could not judge: an <error>, never a <failure> of the requirement.
				suite.Errors++
				tc.Error = &junitMessage{Message: sc.Error, Type: "casecert.not-judged", Body: failureText(sc)}
			case StatusNotRun:
				suite.Skipped++
				tc.Skipped = &junitMessage{Message: "not run: " + sc.Error}
			case StatusSkipped:
				suite.Skipped++
				tc.Skipped = &junitMessage{Message: sc.SkipReason}
			}
			suite.Cases = append(suite.Cases, tc)
		}
		slices.Sort(reqIDs)
		for _, id := range reqIDs {
			suite.Properties = append(suite.Properties, junitProperty{Name: "requirement", Value: id})
			if req, ok := ix.reqs[id]; ok {
				suite.Properties = append(suite.Properties, junitProperty{Name: "level." + id, Value: req.Level})
				if req.Status == StatusFailed || req.Status == StatusFlaky {
					suite.Properties = append(suite.Properties, junitProperty{Name: "reason." + id, Value: req.Reason})
				}
				if req.Partly != "" {
					suite.Properties = append(suite.Properties, junitProperty{Name: "partly." + id, Value: req.Partly})
				}
			}
		}
		suite.Time = seconds(suiteMS)
		totalMS += suiteMS
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Errors += suite.Errors
		doc.Suites = append(doc.Suites, suite)
	}
	for _, gate := range []func(Run) (junitSuite, bool){staleSuite, flakyGateSuite} {
		if s, ok := gate(r); ok {
			doc.Tests += s.Tests
			doc.Failures += s.Failures
			doc.Suites = append(doc.Suites, s)
		}
	}
	doc.Time = seconds(totalMS)

	return writeJUnitXML(w, doc)
}

// writeJUnitXML prints the document by hand rather than with encoding/xml, which escapes
// every newline and quote in text as a character reference and makes the failure evidence
// unreadable in the raw file. Text escapes &, < and > (so "]]>" cannot appear); attributes
// also escape quotes and whitespace other than the space.
func writeJUnitXML(w io.Writer, doc junitSuites) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	p("<!-- %s -->\n", strings.ReplaceAll(xmlText(doc.Verdict), "--", "- -"))
	p("<testsuites name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%s\">\n",
		xmlAttr(doc.Name), doc.Tests, doc.Failures, doc.Errors, doc.Time)
	for _, s := range doc.Suites {
		p("  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%s\">\n",
			xmlAttr(s.Name), s.Tests, s.Failures, s.Errors, s.Skipped, s.Time)
		p("    <properties>\n")
		for _, prop := range s.Properties {
			p("      <property name=\"%s\" value=\"%s\"/>\n", xmlAttr(prop.Name), xmlAttr(prop.Value))
		}
		p("    </properties>\n")
		for _, tc := range s.Cases {
			p("    <testcase name=\"%s\" classname=\"%s\" time=\"%s\">\n", xmlAttr(tc.Name), xmlAttr(tc.Classname), tc.Time)
			if f := tc.Failure; f != nil {
				p("      <failure message=\"%s\" type=\"%s\">%s</failure>\n", xmlAttr(f.Message), xmlAttr(f.Type), xmlText(f.Body))
			}
			if e := tc.Error; e != nil {
				p("      <error message=\"%s\" type=\"%s\">%s</error>\n", xmlAttr(e.Message), xmlAttr(e.Type), xmlText(e.Body))
			}
			if sk := tc.Skipped; sk != nil {
				p("      <skipped message=\"%s\"/>\n", xmlAttr(sk.Message))
			}
			for _, rr := range tc.Reruns {
				p("      <%s message=\"%s\" type=\"%s\"><stackTrace>%s</stackTrace></%s>\n", rr.Element, xmlAttr(rr.Message), xmlAttr(rr.Type), xmlText(rr.StackTrace), rr.Element)
			}
			if tc.SystemOut != "" {
				p("      <system-out>%s</system-out>\n", xmlText(tc.SystemOut))
			}
			if tc.SystemErr != "" {
				p("      <system-err>%s</system-err>\n", xmlText(tc.SystemErr))
			}
			p("    </testcase>\n")
		}
		p("  </testsuite>\n")
	}
	p("</testsuites>\n")
	return bw.Flush()
}

var (
	xmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	xmlAttrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
		"\n", "&#10;", "\r", "&#13;", "\t", "&#9;")
)

// xmlText and xmlAttr escape s for XML 1.0 after dropping the characters it forbids.
func xmlText(s string) string { return xmlTextEscaper.Replace(cleanText(s)) }
func xmlAttr(s string) string { return xmlAttrEscaper.Replace(cleanText(s)) }

// junitReruns are the Surefire elements of attempts (kind "flaky" or "rerun"): a
// <kindFailure> for a failed attempt, a <kindError> for one that could not be judged.
func junitReruns(sc *Scenario, level, kind string, attempts []Attempt) []junitRerun {
	var out []junitRerun
	typ := "casecert.failure"
	if level != "" {
		typ = "casecert." + level
	}
	for _, a := range attempts {
		rr := junitRerun{Element: kind + "Failure", Message: a.Error, Type: typ, StackTrace: attemptText(a)}
		if a.Status != StatusFailed {
			rr.Element, rr.Type = kind+"Error", "casecert.not-judged"
		}
		out = append(out, rr)
	}
	return out
}

// gatingFailure says a failed scenario fails the exit code: it checks a must
// requirement and, with a baseline, is not a known failure.
func gatingFailure(r *Run, sc *Scenario, level string) bool {
	if b := r.Baseline; b != nil && slices.ContainsFunc(b.Expired, func(f BaselineFailure) bool { return f.Scenario == sc.ID }) {
		return true // an expired entry fails the exit code whatever the level
	}
	return level == LevelMust && !r.Baseline.IsKnown(sc.ID)
}

// staleSuite is one testcase per stale baseline entry, each a <failure>: a stale entry
// fails the exit code, and junit.xml agrees.
func staleSuite(r Run) (junitSuite, bool) {
	if r.Baseline == nil || len(r.Baseline.Stale) == 0 {
		return junitSuite{}, false
	}
	s := junitSuite{Name: "casecert baseline", Properties: runProperties(r), Time: seconds(0)}
	for _, e := range r.Baseline.Stale {
		s.Tests++
		s.Failures++
		msg := fmt.Sprintf("baseline entry %s is stale: it passes now; prune it (casecert baseline --prune %s REPORT.json)", entryName(e), r.Baseline.File)
		s.Cases = append(s.Cases, junitCase{Name: "stale baseline entry " + entryName(e), Classname: "casecert baseline", Time: seconds(0),
			Failure: &junitMessage{Message: msg, Type: "casecert.baseline.stale", Body: msg + "\nreason: " + e.Reason + "\n"}})
	}
	return s, true
}

// flakyGateSuite is, with --fail-on-flaky, one testcase per flaky requirement, each a
// <failure>: the flaky requirements fail the exit code then, and junit.xml agrees (the
// flaky testcases themselves stay passed with their <flakyFailure>s, as Surefire writes).
func flakyGateSuite(r Run) (junitSuite, bool) {
	ids := r.FlakyIDs("")
	if !r.Run.FailOnFlaky || len(ids) == 0 {
		return junitSuite{}, false
	}
	ix := newIndex(&r)
	s := junitSuite{Name: "casecert --fail-on-flaky", Properties: runProperties(r), Time: seconds(0)}
	for _, id := range ids {
		s.Tests++
		s.Failures++
		req := ix.reqs[id]
		msg := fmt.Sprintf("%s (%s) is flaky, and --fail-on-flaky fails the run on it", id, req.Level)
		s.Cases = append(s.Cases, junitCase{Name: "flaky requirement " + id, Classname: "casecert --fail-on-flaky", Time: seconds(0),
			Failure: &junitMessage{Message: msg, Type: "casecert.flaky", Body: msg + "\nreason: " + req.Reason + "\n"}})
	}
	return s, true
}

// runProperties identify the run in every suite, since a CI tool may show suites alone.
func runProperties(r Run) []junitProperty {
	props := []junitProperty{
		{"casecert.verdict", string(r.Verdict)},
		{"casecert.verdict_reason", verdictExplanation(r)},
		{"casecert.target", r.Target.BaseURL},
		{"casecert.profile", r.Target.Profile},
		{"casecert.suite_digest", r.Suite.Digest},
		{"casecert.seed", strconv.FormatInt(r.Run.Seed, 10)},
		{"casecert.version", r.Tool.Version},
	}
	return props
}

func caseName(sc *Scenario) string {
	if len(sc.Requirements) == 0 {
		return sc.Name
	}
	return sc.Name + " [" + strings.Join(sc.Requirements, ", ") + "]"
}

// caseOut is the testcase's system-out: which requirements it checks and where it is.
func caseOut(ix index, sc *Scenario) string {
	var b strings.Builder
	for _, id := range sc.Requirements {
		level := ""
		if req, ok := ix.reqs[id]; ok {
			level = " (" + req.Level + ")"
		}
		fmt.Fprintf(&b, "requirement: %s%s\n", id, level)
	}
	fmt.Fprintf(&b, "scenario: %s\n", sc.ID)
	if sc.URI != "" {
		fmt.Fprintf(&b, "location: %s:%d\n", sc.URI, sc.Line)
	}
	if sc.Observed != "" {
		fmt.Fprintf(&b, "observed: %s\n", sc.Observed)
	}
	if sc.ExchangesOmitted > 0 {
		fmt.Fprintf(&b, "exchanges omitted: %d\n", sc.ExchangesOmitted)
	}
	return b.String()
}

// failureText is the evidence of a failed scenario as plain text: the error, the step
// and each exchange as it went over the wire, with the curl line to replay it.
func failureText(sc *Scenario) string {
	var b strings.Builder
	b.WriteString(sc.Error)
	b.WriteString("\n")
	if sc.FailedStep != "" {
		fmt.Fprintf(&b, "\nfailed step: %s\n", sc.FailedStep)
	}
	for i, ex := range sc.Exchanges {
		fmt.Fprintf(&b, "\n--- exchange %d of %d: %s %s -> %s (%d ms)\n", i+1, len(sc.Exchanges), ex.Method, ex.URL, exchangeStatus(ex), ex.DurationMS)
		if ex.Curl != "" {
			fmt.Fprintf(&b, "%s\n", ex.Curl)
		}
		fmt.Fprintf(&b, "> %s %s\n", ex.Method, ex.URL)
		for _, k := range sortedKeys(ex.RequestHeaders) {
			fmt.Fprintf(&b, "> %s: %s\n", k, ex.RequestHeaders[k])
		}
		if ex.RequestBody != "" {
			fmt.Fprintf(&b, ">\n%s\n", prettyBody(ex.RequestBody))
		}
		if ex.Error != "" {
			fmt.Fprintf(&b, "< (no answer: %s)\n", ex.Error)
			continue
		}
		fmt.Fprintf(&b, "< %d\n", ex.Status)
		for _, k := range sortedKeys(ex.ResponseHeaders) {
			fmt.Fprintf(&b, "< %s: %s\n", k, ex.ResponseHeaders[k])
		}
		if ex.ResponseBody != "" {
			fmt.Fprintf(&b, "<\n%s\n", prettyBody(ex.ResponseBody))
		}
	}
	return b.String()
}

func exchangeStatus(ex Exchange) string {
	if ex.Error != "" {
		return "no answer"
	}
	return strconv.Itoa(ex.Status)
}
