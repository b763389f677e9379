package reports

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Failure is a failed requirement as the first screen of report.html and the console's
// verdict block show it: what broke first, and how to see it again.
type Failure struct {
	ID, Level, Title string
	// Evidence is the first line of the first failing scenario's error: what was sent,
	// expected and observed.
	Evidence string
	// Scenario is the ID of that first failing scenario.
	Scenario string
	// Failed of Scenarios of the requirement's scenarios failed.
	Failed, Scenarios int
	// Reproduce are the lines that reproduce the failure: for a --fault run, first the
	// `casecert serve --fault NAME` to start; then the curl line of the scenario's
	// judged request (when it has one); last, the casecert command that reruns the
	// requirement's scenarios.
	Reproduce []Reproduce
}

// Reproduce is one line of a reproduction, with what it is for.
type Reproduce struct {
	Note, Command string
	// Curl says the line is the curl line of the request (long: it carries the body);
	// the others are short casecert commands.
	Curl bool `json:",omitempty"`
}

// maxEvidenceLine bounds the evidence line: the first screen shows one line per failure.
const maxEvidenceLine = 400

// ServeAddr is where `casecert serve` listens by default; reproduce lines of runs
// against the built-in reference server point their curl lines there.
const ServeAddr = "127.0.0.1:8080"

// Failures lists the failed requirements of r, must before should, in catalog order.
func Failures(r *Run) []Failure {
	ix := newIndex(r)
	var out []Failure
	for _, req := range r.Requirements {
		if string(req.Status) != string(StatusFailed) {
			continue
		}
		f := Failure{ID: req.ID, Level: req.Level, Title: req.Title, Scenarios: len(req.Scenarios)}
		var first *Scenario
		for _, id := range req.Scenarios {
			sc, ok := ix.scenarios[id]
			if !ok || string(sc.Status) != string(StatusFailed) {
				continue
			}
			f.Failed++
			if first == nil {
				first = sc
			}
		}
		if first != nil {
			f.Scenario = first.ID
			f.Evidence = firstLineCut(first.Error, maxEvidenceLine)
			f.Reproduce = reproduce(r, req, first)
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b Failure) int { return levelRank[b.Level] - levelRank[a.Level] })
	return out
}

// firstLineCut is the first non-empty line of s, cut at max bytes.
func firstLineCut(s string, max int) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if len(line) > max {
				cut := max
				for cut > 0 && line[cut]&0xC0 == 0x80 {
					cut--
				}
				line = line[:cut] + "…"
			}
			return line
		}
	}
	return ""
}

// reproduce is how to see a failing scenario again.
func reproduce(r *Run, req Requirement, sc *Scenario) []Reproduce {
	var out []Reproduce
	base := r.Target.BaseURL
	if r.Target.Reference {
		serve := "casecert serve"
		for _, f := range splitList(r.Target.Fault) {
			serve += " --fault " + f
		}
		out = append(out, Reproduce{Note: "first, start the reference server (it prints the token to export as CASECERT_TOKEN)", Command: serve})
		base = servedBase(base)
	}
	if ex := judgedExchange(sc); ex != nil && ex.Curl != "" && !strings.Contains(ex.Curl, "[casecert:") {
		curl := ex.Curl
		if r.Target.Reference && r.Target.BaseURL != "" {
			curl = strings.ReplaceAll(curl, r.Target.BaseURL, base)
		}
		out = append(out, Reproduce{Note: "the request", Command: curl, Curl: true})
	}
	rerun := "casecert run --base-url " + base
	if !r.Target.Reference {
		rerun += " --token \"$CASECERT_TOKEN\""
	}
	if r.Target.Profile != "" && r.Target.Profile != "reference" {
		rerun += " --profile PROFILE.yaml"
	}
	if !strings.HasPrefix(sc.ID, "run-wide;") {
		rerun += " --tags @" + req.ID
	}
	rerun += fmt.Sprintf(" --seed %d", r.Run.Seed)
	out = append(out, Reproduce{Note: "rerun its scenarios", Command: rerun})
	return out
}

// servedBase is the base URL a run against the in-process reference server had, moved
// to where `casecert serve` listens.
func servedBase(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "http://" + ServeAddr
	}
	u.Host = ServeAddr
	return u.String()
}

// judgedExchange is the exchange that best shows the failure: the scenario's last write (the
// request whose effect was judged), else its first exchange (for a run-wide check, the
// first answer that broke the rule).
func judgedExchange(sc *Scenario) *Exchange {
	for i := len(sc.Exchanges) - 1; i >= 0 && !strings.HasPrefix(sc.ID, "run-wide;"); i-- {
		if sc.Exchanges[i].Method != "GET" {
			return &sc.Exchanges[i]
		}
	}
	if len(sc.Exchanges) > 0 {
		return &sc.Exchanges[0]
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
