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
// the requirement's scenarios with every flag of the run that decides what it sends
// (Run.Command: for a reference run, its own server with the same faults and profile),
// then the requests that show the defect as curl: the judged write and its read-back.
// Against the reference server the curl lines are moved to `casecert serve`'s address,
// preceded by the serve command to start first, and the case id, which existed only in
// the run's in-process server, is $CASE_ID.
func reproduce(r *Run, req Requirement, sc *Scenario) []Reproduce {
	rerun := "casecert run" + rerunFlags(r)
	if !strings.HasPrefix(sc.ID, "run-wide;") {
		rerun += " --tags @" + req.ID
	}
	rerun += fmt.Sprintf(" --seed %d", r.Run.Seed)
	out := []Reproduce{{Kind: ReproduceRerun, Note: "rerun its scenarios", Command: rerun}}

	seq := curlSequence(sc)
	if len(seq) == 0 {
		return out // no request, or one cut for the report: not runnable
	}
	// The case the requests went to may be gone: it lived in the run's in-process server,
	// or the run deleted it at its end. The lines then name it $CASE_ID.
	caseID, gone := caseIn(r, seq[0].URL), ""
	switch {
	case caseID == "":
	case r.Target.Reference:
		gone = "the run's case " + caseID + " existed only in the run's in-process reference server, not on a fresh casecert serve"
	case slices.Contains(r.Cleanup.DeletedCaseIDs, caseID):
		gone = "the run deleted its case " + caseID + " at its end"
	}
	var curls []string
	for _, ex := range seq {
		curl := secretHeaders(ex.Curl)
		if r.Target.Reference {
			curl = strings.ReplaceAll(curl, r.Target.BaseURL, servedBase(r.Target.BaseURL))
		}
		if gone != "" {
			var ok bool
			if curl, ok = caseVariable(curl, caseID); !ok && len(curls) == 0 {
				gone = "" // the id is not in the first line's URL: nothing to replace, nothing to say
			}
		}
		curls = append(curls, curl)
	}
	note := "the request"
	if r.Target.Reference {
		out = append(out, Reproduce{Kind: ReproduceServe, Command: "casecert serve" + serveFlags(r),
			Note: "to send the requests yourself, first start the reference server (it prints the token to export as CASECERT_TOKEN)"})
	}
	if gone != "" {
		note += " to $CASE_ID: " + gone + "; create a case with the state the scenario started from (its first exchanges in report.json) and export CASE_ID=its id"
	}
	out = append(out, Reproduce{Kind: ReproduceCurl, Note: note, Command: curls[0]})
	if len(curls) > 1 {
		out = append(out, Reproduce{Kind: ReproduceCurl, Note: "its read-back: what was judged", Command: curls[1]})
	}
	return out
}

// rerunFlags are the flags of the rerun line: the run's own (Run.Command), or, for a
// report written before casecert recorded them, what the target says.
func rerunFlags(r *Run) string {
	if r.Run.Command != "" {
		return " " + r.Run.Command
	}
	var flags string
	if r.Target.Reference {
		for _, f := range splitList(r.Target.Fault) {
			flags += " --fault " + f
		}
	} else {
		flags += " --base-url " + r.Target.BaseURL + " --token \"$CASECERT_TOKEN\""
	}
	if r.Target.Profile != "" && r.Target.Profile != "reference" {
		flags += " --profile PROFILE.yaml"
	}
	return flags
}

// serveFlags make `casecert serve` the server the run certified: its faults, its profile
// and its platform.
func serveFlags(r *Run) string {
	var flags string
	for _, f := range splitList(r.Target.Fault) {
		flags += " --fault " + f
	}
	if r.Run.ProfilePath != "" {
		flags += " --profile " + shellQuote(r.Run.ProfilePath)
	}
	if r.Target.Platform != "" {
		flags += " --platform " + shellQuote(r.Target.Platform)
	}
	return flags
}

// curlSequence is what shows the defect: the scenario's judged write and the read that
// followed it (what was judged), as recorded; for a run-wide check, the first answer
// that broke the rule. A request cut for the report is not runnable: none then.
func curlSequence(sc *Scenario) []*Exchange {
	ex := judgedExchange(sc)
	if ex == nil || ex.Curl == "" || strings.Contains(ex.Curl, "[casecert:") {
		return nil
	}
	seq := []*Exchange{ex}
	if ex.Method == "GET" || strings.HasPrefix(sc.ID, "run-wide;") {
		return seq
	}
	after := false
	for i := range sc.Exchanges {
		back := &sc.Exchanges[i]
		if after && back.Method == "GET" && back.Curl != "" && !strings.Contains(back.Curl, "[casecert:") {
			return append(seq, back)
		}
		after = after || back == ex
	}
	return seq
}

// caseIn is the created case whose URL this is ("" when it is none the run created).
func caseIn(r *Run, url string) string {
	for _, id := range r.Cleanup.CreatedCaseIDs {
		if strings.Contains(url+"/", "/"+id+"/") {
			return id
		}
	}
	return ""
}

// caseVariable writes the case id in a curl line's URL (its first single-quoted word)
// as "$CASE_ID"; ok is false when the URL does not hold it.
func caseVariable(curl, id string) (string, bool) {
	open := strings.Index(curl, " '")
	if open < 0 {
		return curl, false
	}
	end := strings.Index(curl[open+2:], "'")
	if end < 0 {
		return curl, false
	}
	url := curl[open+2 : open+2+end]
	before, after, ok := strings.Cut(url, "/"+id)
	if !ok || (after != "" && after[0] != '/' && after[0] != '?') {
		return curl, false
	}
	q := "'" + before + `/'"$CASE_ID"`
	if after != "" {
		q += "'" + after + "'"
	}
	return curl[:open+1] + q + curl[open+2+end+1:], true
}

// secretHeaders turns each redacted header of a curl line into a $VARIABLE named after
// it (HeaderVariable), so the line runs as printed once the variable is set.
func secretHeaders(curl string) string {
	const redacted = ": " + redactedValue + "'"
	for {
		i := strings.Index(curl, redacted)
		if i < 0 {
			return curl
		}
		start := strings.LastIndex(curl[:i], "-H '")
		if start < 0 {
			return curl
		}
		name := curl[start+len("-H '") : i]
		curl = curl[:start] + `-H "` + name + `: $` + HeaderVariable(name) + `"` + curl[i+len(redacted):]
	}
}

// redactedValue is what the driver writes in place of a secret (client.Redacted).
const redactedValue = "[REDACTED]"

// HeaderVariable is the shell variable a reproduce line uses for the secret value of a
// header: "x-api-key" is $X_API_KEY.
func HeaderVariable(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, name)
}

// shellQuote single-quotes s for a POSIX shell, unless it needs no quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
