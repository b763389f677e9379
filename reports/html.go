package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// The page is one self-contained file: inline CSS, no script, no external resource, and a
// Content-Security-Policy that forbids anything else, so it opens offline, from a CI
// artifact or a mail attachment alike. Filters are radio inputs read by :checked rules.
//
//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

func init() {
	register(Format{Name: "html", File: "report.html", Write: WriteHTML,
		Description: "one self-contained page: verdict banner; on the first screen each failed requirement with its first evidence line and how to reproduce it; requirement table with filters; the first three failing scenarios of each requirement with their exchanges and `curl` lines, the rest one line each"})
}

// WriteHTML writes report.html: the verdict banner, the run's identity and counts, the
// requirement table with status and level filters, every failing scenario opened with its
// HTTP exchanges and curl lines, then every requirement with its scenarios, collapsed.
func WriteHTML(w io.Writer, r Run) error {
	if err := htmlTemplate.Execute(w, newHTMLView(r)); err != nil {
		return fmt.Errorf("render report.html: %w", err)
	}
	return nil
}

type htmlView struct {
	Title        string
	Verdict      string
	VerdictLabel string
	VerdictIcon  string
	Explanation  string
	Target       template.HTML // the base URL, breakable after each slash
	Meta         []htmlPair
	Summary      Summary
	Warnings     []string
	StatusCounts []htmlFilter
	LevelCounts  []htmlFilter
	Reqs         []*htmlReq
	Failures     []htmlFailure // the first screen: what broke first
	MoreFailures []htmlLink    // further failed requirements, named in one line
	FailGroups   []htmlFailGroup
	OtherFailing []*htmlScenario // failing scenarios of requirements that did not fail (info)
	Failing      int             // failing scenarios
	Reruns       []htmlRerun     // scenarios run again (--rerun-failed), flaky or failed
	FlakyGate    string          // whether flaky requirements fail the exit code
	Footer       string
}

type htmlPair struct {
	Key, Value string
	Mono       bool
}

type htmlFilter struct {
	Key, Label string
	Count      int
}

type htmlReq struct {
	ID, Anchor, Level, Status, Reason string
	Title                             template.HTML // code spans of the catalog's Markdown as <code>
	Badge                             string        // css class of the status badge
	Partly                            bool          // passed on only some of its scenarios (Requirement.Partly)
	Scenarios                         []*htmlScenario
}

type htmlScenario struct {
	ID, Name, Feature, Location, Status, Level string
	Badge                                      string
	Requirements                               []htmlLink
	Duration                                   string
	Error, FailedStep, Observed, SkipReason    string
	Exchanges                                  []htmlExchange
	Omitted                                    int
	Open                                       bool
	Anchor                                     string // set when shown in full in the failing section
	Brief, ExchangeLine                        string // the one-line form
}

type htmlLink struct{ Text, Anchor string }

// htmlRerun is a scenario that was run again, with each of its attempts as a scenario view.
type htmlRerun struct {
	Name, Status, Badge, Anchor, Line string
	Requirements                      []htmlLink
	Attempts                          []*htmlScenario
}

type htmlExchange struct {
	N                             int
	Method, URL, Status, StatusCl string
	Duration                      string
	RequestHeaders                []htmlPair
	RequestBody                   string
	ResponseHeaders               []htmlPair
	ResponseBody                  string
	Curl, Error                   string
}

func newHTMLView(r Run) htmlView {
	c := cleanText
	ix := newIndex(&r)
	v := htmlView{
		Title:        fmt.Sprintf("casecert: %s · %s", c(string(r.Verdict)), c(r.Target.BaseURL)),
		Verdict:      c(string(r.Verdict)),
		VerdictLabel: verdictLabel(r.Verdict),
		VerdictIcon:  verdictIcon(r.Verdict),
		Explanation:  verdictExplanation(r),
		Target:       breakable(c(r.Target.BaseURL)),
		Summary:      r.Summary,
		Footer:       fmt.Sprintf("Written by %s %s · schema %s", c(r.Tool.Name), c(r.Tool.Version), c(r.Schema)),
	}
	tls := "verified"
	if r.Run.InsecureTLS {
		tls = "NOT verified (--insecure-skip-verify)"
	}
	meta := []htmlPair{
		{"API version", r.Target.APIVersion, true},
		{"Profile", r.Target.Profile, false},
		{"Mode", r.Target.Mode, false},
		{"Tool", r.Tool.Name + " " + r.Tool.Version, false},
		{"Suite digest", r.Suite.Digest, true},
		{"Seed", strconv.FormatInt(r.Run.Seed, 10), true},
		{"Started", formatTime(r.Run.StartedAt), false},
		{"Duration", formatDuration(r.Run.DurationMS), false},
		{"Requests", strconv.Itoa(r.Run.Requests), false},
		{"Concurrency", strconv.Itoa(r.Run.Concurrency), false},
		{"TLS", tls, false},
	}
	if r.Suite.Shard != "" {
		meta = append(meta, htmlPair{"Shard", r.Suite.Shard, false})
	}
	if r.Run.Tags != "" {
		meta = append(meta, htmlPair{"Tags", r.Run.Tags, true})
	}
	if r.Target.Fault != "" {
		meta = append(meta, htmlPair{"Reference fault", r.Target.Fault, true})
	}
	if r.Target.Platform != "" {
		meta = append(meta, htmlPair{"Platform", r.Target.Platform, false})
	}
	if r.Target.Protocol != "" {
		meta = append(meta, htmlPair{"Protocol", r.Target.Protocol, false})
	}
	if r.Target.Mode == "existing-case" || len(r.Cleanup.CreatedCaseIDs) > 0 || r.Cleanup.Detail != "" {
		meta = append(meta, htmlPair{"Cleanup", cleanupText(r.Cleanup, r.Target.Mode), false})
	}
	for i := range meta {
		meta[i].Value = c(meta[i].Value)
	}
	v.Meta = meta
	for _, w := range r.Run.Warnings {
		v.Warnings = append(v.Warnings, c(w))
	}
	if r.Target.Mode == "existing-case" && !r.Cleanup.Restored {
		v.Warnings = append(v.Warnings, "The case was not fully restored to its starting values. "+c(r.Cleanup.Detail))
	}

	// What broke first, then the failing scenarios (the first few of each failed
	// requirement in full), then every scenario in one line under its requirement.
	var listed map[string]bool
	v.Failures, v.MoreFailures, v.FailGroups, listed = htmlFailures(&r, ix)
	views := map[string]*htmlScenario{}
	for _, sc := range sortedScenarios(&r) {
		hv := briefScenario(ix, sc, listed[sc.ID] && findFull(v.FailGroups, sc.ID))
		views[sc.ID] = hv
		if string(sc.Status) == string(StatusFailed) {
			v.Failing++
			if !listed[sc.ID] {
				v.OtherFailing = append(v.OtherFailing, hv)
			}
		}
	}

	v.Reruns = htmlReruns(ix, &r)
	v.FlakyGate = "flaky requirements do not fail the exit code; --fail-on-flaky makes them"
	if r.Run.FailOnFlaky {
		v.FlakyGate = "--fail-on-flaky: flaky requirements fail the exit code"
	}
	statusN := map[Status]int{}
	levelN := map[string]int{}
	for _, req := range r.Requirements {
		statusN[req.Status]++
		levelN[req.Level]++
		hr := &htmlReq{
			ID: c(req.ID), Anchor: reqAnchor(req.ID), Level: c(req.Level), Title: codeSpans(c(req.Title)),
			Status: c(string(req.Status)), Reason: c(req.Reason), Badge: badgeClass(req.Status, req.Level),
			Partly: req.Partly != "",
		}
		for _, id := range req.Scenarios {
			if sc, ok := views[id]; ok {
				hr.Scenarios = append(hr.Scenarios, sc)
			}
		}
		v.Reqs = append(v.Reqs, hr)
	}
	v.StatusCounts = []htmlFilter{{"all", "All", len(r.Requirements)}}
	for _, s := range []Status{StatusFailed, StatusFlaky, StatusError, StatusPassed, StatusSkipped, StatusObserved} {
		if s == StatusFlaky && statusN[s] == 0 {
			continue // a filter only in a report with flaky requirements
		}
		v.StatusCounts = append(v.StatusCounts, htmlFilter{string(s), string(s), statusN[s]})
	}
	v.LevelCounts = []htmlFilter{{"all", "All", len(r.Requirements)}}
	for _, l := range []string{LevelMust, LevelShould, LevelInfo} {
		v.LevelCounts = append(v.LevelCounts, htmlFilter{l, l, levelN[l]})
	}
	return v
}

func newHTMLScenario(ix index, sc *Scenario) *htmlScenario {
	c := cleanText
	level := ix.level(sc)
	hv := &htmlScenario{
		ID: c(sc.ID), Name: c(sc.Name), Feature: c(sc.Feature),
		Status: c(string(sc.Status)), Level: c(level), Badge: badgeClass(sc.Status, level),
		Duration: formatDuration(sc.DurationMS),
		Error:    c(sc.Error), FailedStep: c(sc.FailedStep), Observed: c(sc.Observed), SkipReason: c(sc.SkipReason),
		Omitted: sc.ExchangesOmitted,
	}
	if sc.URI != "" {
		hv.Location = c(fmt.Sprintf("%s:%d", sc.URI, sc.Line))
	}
	for _, id := range sc.Requirements {
		hv.Requirements = append(hv.Requirements, htmlLink{c(id), reqAnchor(id)})
	}
	for i, ex := range sc.Exchanges {
		hx := htmlExchange{
			N: i + 1, Method: c(ex.Method), URL: c(ex.URL), Status: exchangeStatus(ex), StatusCl: statusClass(ex),
			Duration:    formatDuration(ex.DurationMS),
			RequestBody: htmlBody(ex.RequestBody), ResponseBody: htmlBody(ex.ResponseBody),
			Curl: c(secretHeaders(ex.Curl)), Error: c(ex.Error),
		}
		hx.RequestHeaders = headerPairs(ex.RequestHeaders)
		hx.ResponseHeaders = headerPairs(ex.ResponseHeaders)
		hv.Exchanges = append(hv.Exchanges, hx)
	}
	return hv
}

// htmlReruns are the scenarios of r that were run again, each attempt a scenario view
// (its first one the scenario's own fields).
func htmlReruns(ix index, r *Run) []htmlRerun {
	var out []htmlRerun
	for _, sc := range sortedScenarios(r) {
		if len(sc.Reruns) == 0 {
			continue
		}
		level := ix.level(sc)
		hv := newHTMLScenario(ix, sc)
		rr := htmlRerun{Name: hv.Name, Status: hv.Status, Badge: hv.Badge, Anchor: reqAnchor(sc.ID), Line: cleanText(sc.AttemptsLine()), Requirements: hv.Requirements}
		for _, a := range append([]Attempt{sc.FirstAttempt()}, sc.Reruns...) {
			att := *sc
			att.Status, att.DurationMS, att.Error, att.FailedStep = a.Status, a.DurationMS, a.Error, a.FailedStep
			att.Exchanges, att.ExchangesOmitted, att.Reruns, att.SkipReason = a.Exchanges, a.ExchangesOmitted, nil, ""
			if a.Status != StatusPassed {
				att.Observed = ""
			}
			av := newHTMLScenario(ix, &att)
			av.Name = fmt.Sprintf("attempt %d of %d", a.Attempt, sc.Attempts())
			av.Badge = badgeClass(a.Status, level)
			rr.Attempts = append(rr.Attempts, av)
		}
		out = append(out, rr)
	}
	return out
}

func headerPairs(h map[string]string) []htmlPair {
	var out []htmlPair
	for _, k := range sortedKeys(h) {
		out = append(out, htmlPair{Key: cleanText(k), Value: cleanText(h[k]), Mono: true})
	}
	return out
}

// codeSpans escapes s and renders its `code` spans (the catalog titles are Markdown).
// breakable is a URL for the banner, which may wrap it only after a slash of its path (a
// <wbr>), so a long base URL breaks between its segments, never in the middle of a word.
func breakable(url string) template.HTML {
	html := strings.ReplaceAll(template.HTMLEscapeString(url), "/", "/<wbr>")
	return template.HTML(strings.ReplaceAll(html, "/<wbr>/<wbr>", "//")) // not inside the scheme's //
}

func codeSpans(s string) template.HTML {
	parts := strings.Split(template.HTMLEscapeString(s), "`")
	if len(parts)%2 == 0 { // an unpaired backtick: keep the text as it is
		return template.HTML(template.HTMLEscapeString(s))
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString("<code>" + p + "</code>")
		} else {
			b.WriteString(p)
		}
	}
	return template.HTML(b.String())
}

func cleanupText(cl Cleanup, mode string) string {
	var parts []string
	if n := len(cl.CreatedCaseIDs); n > 0 {
		ids := cl.CreatedCaseIDs
		if n > 5 {
			ids = append(ids[:5:5], fmt.Sprintf("… %d more in report.json", n-5))
		}
		parts = append(parts, plural(n, "case")+" created: "+strings.Join(ids, ", "))
		if d := len(cl.DeletedCaseIDs); d > 0 {
			parts = append(parts, fmt.Sprintf("%d deleted at the end, %d remain", d, n-d))
		}
	}
	if mode == "existing-case" {
		if cl.Restored {
			parts = append(parts, "case restored")
		} else {
			parts = append(parts, "case NOT restored")
		}
	}
	if cl.Detail != "" {
		parts = append(parts, cl.Detail)
	}
	return strings.Join(parts, "; ")
}

// reqAnchor turns a requirement ID into a fragment that needs no escaping.
func reqAnchor(id string) string {
	var b strings.Builder
	b.WriteString("req-")
	for _, r := range id {
		if r < 0x80 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "_%x", r)
		}
	}
	return b.String()
}

// badgeClass colours a status: a failed should is a warning, not an error.
func badgeClass(status Status, level string) string {
	switch status {
	case StatusPassed:
		return "b-passed"
	case StatusFailed:
		if level == LevelMust {
			return "b-failed"
		}
		return "b-warning"
	case StatusObserved:
		return "b-observed"
	case StatusFlaky: // a violation observed, then not seen again: a warning
		return "b-warning"
	case StatusError:
		return "b-error"
	default: // skipped, not-run
		return "b-skipped"
	}
}

func statusClass(ex Exchange) string {
	switch {
	case ex.Error != "" || ex.Status >= 500:
		return "s5xx"
	case ex.Status >= 400:
		return "s4xx"
	case ex.Status >= 300:
		return "s3xx"
	default:
		return "s2xx"
	}
}

func verdictIcon(v Verdict) string {
	switch v {
	case VerdictConformant:
		return "✓"
	case VerdictWarnings:
		return "!"
	case VerdictNonConformant:
		return "✕"
	default:
		return "?"
	}
}
