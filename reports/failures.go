package reports

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/casecert/casecert/internal/brief"
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
	// Failed of Scenarios of the requirement's scenarios failed; Same of them observed
	// what the first one did.
	Failed, Scenarios, Same int
	// Reproduce are the lines that reproduce the failure (see reproduce).
	Reproduce []Reproduce
}

// Reproduce is one line of a reproduction, with what it is for.
type Reproduce struct {
	Kind          string // ReproduceRerun, ReproduceServe or ReproduceCurl
	Note, Command string
}

// Kinds of reproduce lines.
const (
	ReproduceRerun = "rerun" // casecert run ... --tags @ID --seed N
	ReproduceServe = "serve" // casecert serve --fault NAME, to start before the curl line
	ReproduceCurl  = "curl"  // the judged request (long: it carries the body)
)

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
		var failed []*Scenario
		for _, id := range req.Scenarios {
			if sc, ok := ix.scenarios[id]; ok && string(sc.Status) == string(StatusFailed) {
				failed = append(failed, sc)
			}
		}
		f.Failed = len(failed)
		if len(failed) > 0 {
			first := failed[0]
			_, f.Same = sameSeen(failed)
			f.Scenario = first.ID
			f.Evidence = brief.FirstLine(first.Error, maxEvidenceLine)
			f.Reproduce = reproduce(r, req, first)
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b Failure) int { return levelRank[b.Level] - levelRank[a.Level] })
	return out
}

// FailedCounts says how many of a failed requirement's scenarios failed and how many of
// those saw what the first one did: "3 of 12 scenarios failed, 3 the same way".
func FailedCounts(f Failure) string {
	msg := fmt.Sprintf("%d of %s failed", f.Failed, plural(f.Scenarios, "scenario"))
	if f.Failed > 1 {
		msg += fmt.Sprintf(", %d the same way", f.Same)
	}
	return msg
}

// reproduce is how to see a failing scenario again: the casecert command that reruns
// the requirement's scenarios (for a reference run, with its own server and the same
// faults), then the judged request as curl; against the reference server the curl line
// is moved to `casecert serve`'s address and preceded by the serve command to start first.
func reproduce(r *Run, req Requirement, sc *Scenario) []Reproduce {
	rerun := "casecert run"
	if r.Target.Reference {
		for _, f := range splitList(r.Target.Fault) {
			rerun += " --fault " + f
		}
	} else {
		rerun += " --base-url " + r.Target.BaseURL + " --token \"$CASECERT_TOKEN\""
	}
	if r.Target.Profile != "" && r.Target.Profile != "reference" {
		rerun += " --profile PROFILE.yaml"
	}
	if !strings.HasPrefix(sc.ID, "run-wide;") {
		rerun += " --tags @" + req.ID
	}
	rerun += fmt.Sprintf(" --seed %d", r.Run.Seed)
	out := []Reproduce{{Kind: ReproduceRerun, Note: "rerun its scenarios", Command: rerun}}

	ex := judgedExchange(sc)
	if ex == nil || ex.Curl == "" || strings.Contains(ex.Curl, "[casecert:") {
		return out // no request, or one cut for the report: not runnable
	}
	curl := ex.Curl
	if r.Target.Reference {
		serve := "casecert serve"
		for _, f := range splitList(r.Target.Fault) {
			serve += " --fault " + f
		}
		out = append(out, Reproduce{Kind: ReproduceServe, Command: serve,
			Note: "to send the request yourself, first start the reference server (it prints the token to export as CASECERT_TOKEN)"})
		if r.Target.BaseURL != "" {
			curl = strings.ReplaceAll(curl, r.Target.BaseURL, servedBase(r.Target.BaseURL))
		}
	}
	return append(out, Reproduce{Kind: ReproduceCurl, Note: "the request", Command: curl})
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
