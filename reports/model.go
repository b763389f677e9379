// Package reports holds casecert's results model (one Run per certification) and the
// writers that turn it into report files (report.json, report.html, summary.md, junit.xml,
// cucumber.json), each registered once as a Format (formats.go). The model is plain data
// owned by casecert: no godog types, so every writer is a pure function of it.
package reports

import "slices"

// Schema is the name of the report.json schema this package writes.
const Schema = "casecert.report/v1"

// Requirement levels.
const (
	LevelMust   = "must"
	LevelShould = "should"
	LevelInfo   = "info"
)

// Status is the outcome of a scenario or of a requirement: a closed set.
type Status string

// Statuses. A scenario ends as passed, failed, skipped, error or not-run; a requirement
// is passed, failed, skipped, error or (info only) observed. "Could not judge" is error
// (or not-run), never failed.
const (
	StatusPassed   Status = "passed"   // judged on the target's answers, and held
	StatusFailed   Status = "failed"   // judged, and the target broke the requirement
	StatusSkipped  Status = "skipped"  // cannot apply (the reason says what is missing)
	StatusError    Status = "error"    // could not be judged: setup refused, no answer, cut off
	StatusNotRun   Status = "not-run"  // scenarios only: the run stopped before it
	StatusObserved Status = "observed" // info requirements only: something was observed
	// StatusFlaky: a scenario that failed, then passed when run again (--rerun-failed); a
	// requirement with a flaky scenario and none failed or not judged. A violation was
	// observed, so a flaky must never yields conformant (FoldVerdict).
	StatusFlaky Status = "flaky"
)

// ScenarioStatuses and RequirementStatuses are the values each may take, in report order.
var (
	ScenarioStatuses    = []Status{StatusFailed, StatusFlaky, StatusError, StatusNotRun, StatusSkipped, StatusPassed}
	RequirementStatuses = []Status{StatusFailed, StatusFlaky, StatusError, StatusSkipped, StatusPassed, StatusObserved}
)

// Verdict is what a run says about the target: a closed set, folded from the
// requirements by FoldVerdict.
type Verdict string

// Verdicts, with their exit codes (see ExitCode).
const (
	VerdictConformant    Verdict = "conformant"               // 0: every must judged and passed
	VerdictWarnings      Verdict = "conformant-with-warnings" // 0: ... and a should failed
	VerdictNonConformant Verdict = "non-conformant"           // 1: a must failed
	VerdictError         Verdict = "error"                    // 3: the target could not be judged, or the run stopped early
	VerdictIncomplete    Verdict = "incomplete"               // 4: no must failed, but a must was not judged
)

// Verdicts lists every verdict.
var Verdicts = []Verdict{VerdictConformant, VerdictWarnings, VerdictNonConformant, VerdictError, VerdictIncomplete}

// ExitCode is the process exit status a verdict gives (cli-and-report.md, "Exit codes").
func (v Verdict) ExitCode() int {
	switch v {
	case VerdictConformant, VerdictWarnings:
		return 0
	case VerdictNonConformant:
		return 1
	case VerdictIncomplete:
		return 4
	default:
		return 3
	}
}

// Run is one certification run: what was run, against what, and what happened.
type Run struct {
	Schema  string  `json:"schema"`
	Tool    Tool    `json:"tool"`
	Suite   Suite   `json:"suite"`
	Target  Target  `json:"target"`
	Run     RunInfo `json:"run"`
	Verdict Verdict `json:"verdict"`
	// VerdictReason says in one line why the verdict is what it is (first line of every
	// report and of the console's verdict block).
	VerdictReason string        `json:"verdict_reason,omitempty"`
	Summary       Summary       `json:"summary"`
	Requirements  []Requirement `json:"requirements"`
	Scenarios     []Scenario    `json:"scenarios"`
	Cleanup       Cleanup       `json:"cleanup"`
	ReportDigest  string        `json:"report_digest"`
	// Signature is set when the run was signed (--sign-key): see Signature.
	Signature *Signature `json:"signature,omitempty"`

	// Baseline is set when the run was judged with a baseline of known failures
	// (--baseline): what it accepted and what it did not. Statuses and the verdict stay
	// as observed; Run.ExitCode gates on it. Such a report is not a certification.
	Baseline *BaselineResult `json:"baseline,omitempty"`
}

// FlakyIDs lists the IDs of the requirements of r that are flaky, of the given level (""
// for any), in catalog order.
func (r Run) FlakyIDs(level string) []string {
	var out []string
	for _, req := range r.Requirements {
		if req.Status == StatusFlaky && (level == "" || req.Level == level) {
			out = append(out, req.ID)
		}
	}
	return out
}

// FailedIDs lists the IDs of the requirements of r that failed, of the given level ("" for
// any), in catalog order.
func (r Run) FailedIDs(level string) []string {
	var out []string
	for _, req := range r.Requirements {
		if req.Status == StatusFailed && (level == "" || req.Level == level) {
			out = append(out, req.ID)
		}
	}
	return out
}

// RunWideFeature is the feature name of the results of run-wide checks: one per check
// and run, judged over every exchange of the run (a shard judges its own; merge folds
// them into one).
const RunWideFeature = "Run-wide checks"

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Suite identifies the exact scenarios run: a digest of the expanded features and profile.
type Suite struct {
	Digest    string `json:"digest"`
	Scenarios int    `json:"scenarios"`
	// Shard is "I/N" when the run was one slice of the suite; empty otherwise.
	Shard string `json:"shard,omitempty"`
	// Shards are the shards a merged report joins ("I/N", in order), and MissingShards
	// those of the same run it lacks: a merge with shards missing is incomplete.
	Shards        []string `json:"shards,omitempty"`
	MissingShards []string `json:"missing_shards,omitempty"`
}

// Target is what was certified.
type Target struct {
	BaseURL    string `json:"base_url"`
	APIVersion string `json:"api_version"`
	Profile    string `json:"profile"`
	Mode       string `json:"mode"` // "created-cases" or "existing-case"
	Reference  bool   `json:"reference,omitempty"`
	Fault      string `json:"fault,omitempty"` // reference server fault switch, if any
	// Platform is the profile's platform when it is not generic (salesforce).
	Platform string `json:"platform,omitempty"`
	// Protocol is the HTTP protocol the target answered in ("HTTP/2.0"; several are
	// listed, sorted and joined with ", ").
	Protocol string `json:"protocol,omitempty"`
}

// RunInfo says when and how the run happened.
type RunInfo struct {
	StartedAt   string `json:"started_at"`
	FinishedAt  string `json:"finished_at"`
	DurationMS  int64  `json:"duration_ms"`
	Seed        int64  `json:"seed"`
	Concurrency int    `json:"concurrency"`
	Requests    int    `json:"requests"`
	InsecureTLS bool   `json:"insecure_tls"`
	Tags        string `json:"tags,omitempty"`
	// Stopped, when set, is why the run stopped before every scenario ran (the target
	// stopped answering, its quota ran out, Ctrl-C); the scenarios left are not-run.
	Stopped  string   `json:"stopped,omitempty"`
	Warnings []string `json:"warnings,omitempty"`

	// Disruptive is the disruptive phase of the run (the @disruptive scenarios, run last,
	// one at a time, a health probe after each), when it ran.
	Disruptive *DisruptivePhase `json:"disruptive,omitempty"`

	// RerunFailed is --rerun-failed N: failed scenarios were run again up to N times. A
	// run with reruns is not a certification (NotCertification).
	RerunFailed int `json:"rerun_failed,omitempty"`
	// FailOnFlaky is --fail-on-flaky: a flaky requirement makes the run exit 1 (its
	// verdict stays conformant-with-warnings: see Run.ExitCode).
	FailOnFlaky bool `json:"fail_on_flaky,omitempty"`
	// JUnitStrict is --junit-strict: junit.xml writes every failed scenario as a
	// <failure>, should-level and known ones included.
	JUnitStrict bool `json:"junit_strict,omitempty"`

	// Command is every flag of the run that decides what it sends (the target and how it
	// authenticates, the profile, the features, the case, the API version, the headers,
	// TLS, faults), as a shell command line: paths as given, secrets as $VARIABLEs. The
	// lines that reproduce a failure add --tags and --seed to it (see Failures).
	Command string `json:"command,omitempty"`
	// ProfilePath is --profile as given ("" for the embedded profile): `casecert serve`
	// serves it when a failure of the built-in reference server is reproduced.
	ProfilePath string `json:"profile_path,omitempty"`
}

// DisruptivePhase measures the disruptive phase: the scenarios it ran, the requests it
// sent (health probes included) and its wall time.
type DisruptivePhase struct {
	Scenarios  int   `json:"scenarios"`
	Requests   int   `json:"requests"`
	DurationMS int64 `json:"duration_ms"`
}

// Summary counts requirements by level and status, and scenarios by status.
type Summary struct {
	Must      Counts         `json:"must"`
	Should    Counts         `json:"should"`
	Info      InfoCounts     `json:"info"`
	Scenarios ScenarioCounts `json:"scenarios"`
}

// Counts of must or should requirements.
type Counts struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Error   int `json:"error"` // not judged: every scenario that ran could not judge it
	Flaky   int `json:"flaky,omitempty"`
	// Partly counts the requirements that passed with scenarios skipped for want of a flag
	// or profile key (Requirement.Partly); they are not counted in Passed.
	Partly int `json:"partly,omitempty"`
}

// NotJudged is how many requirements of the level were neither passed nor failed.
func (c Counts) NotJudged() int { return c.Skipped + c.Error }

// InfoCounts of info requirements.
type InfoCounts struct {
	Observed int `json:"observed"`
	Skipped  int `json:"skipped,omitempty"`
	Error    int `json:"error,omitempty"`
}

// ScenarioCounts counts scenarios by status.
type ScenarioCounts struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Error   int `json:"error"`
	NotRun  int `json:"not_run"`
	Flaky   int `json:"flaky,omitempty"`
}

// Requirement is one catalog entry and its judged status.
type Requirement struct {
	ID        string   `json:"id"`
	Level     string   `json:"level"`
	Title     string   `json:"title"`
	Status    Status   `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	Scenarios []string `json:"scenarios"`
	// Partly, set on a must or should requirement that passed, says it was only partly
	// judged and what completes it: how many of its scenarios were skipped and the first
	// one's reason, which names the flag or profile key they lacked.
	Partly string `json:"partly,omitempty"`
}

// Scenario is one executed (or skipped) scenario.
type Scenario struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Feature      string   `json:"feature"`
	URI          string   `json:"uri,omitempty"`
	Line         int      `json:"line,omitempty"`
	Requirements []string `json:"requirements"`
	Level        string   `json:"level,omitempty"`
	Status       Status   `json:"status"`
	DurationMS   int64    `json:"duration_ms"`
	Error        string   `json:"error,omitempty"`
	FailedStep   string   `json:"failed_step,omitempty"`
	Observed     string   `json:"observed,omitempty"` // what an info scenario saw
	SkipReason   string   `json:"skip_reason,omitempty"`
	// Inapplicable marks a skipped scenario that cannot apply to the target whatever a run
	// gives it (an opaque token has no signature to alter): its requirement is still
	// wholly judged by the others.
	Inapplicable bool       `json:"inapplicable,omitempty"`
	Exchanges    []Exchange `json:"exchanges"`
	// ExchangesOmitted counts exchanges dropped by the cap for passing scenarios.
	ExchangesOmitted int `json:"exchanges_omitted,omitempty"`
	// Reruns are the attempts after the first of a scenario that failed, in a run with
	// --rerun-failed (ci.md, "Flaky"), in order, until one passed: a scenario whose rerun
	// passed is flaky, one whose reruns all failed stays failed. The fields above are the
	// first attempt's (its error is the violation observed), but for Observed, which an
	// info scenario takes from the attempt that passed.
	Reruns []Attempt `json:"reruns,omitempty"`
}

// Attempt is one rerun of a failed scenario, on a case of its own, with its evidence.
type Attempt struct {
	Attempt    int        `json:"attempt"` // 2 for the first rerun
	Status     Status     `json:"status"`
	DurationMS int64      `json:"duration_ms"`
	Error      string     `json:"error,omitempty"`
	FailedStep string     `json:"failed_step,omitempty"`
	Exchanges  []Exchange `json:"exchanges"`
	// ExchangesOmitted counts exchanges dropped by the cap for a passing attempt.
	ExchangesOmitted int `json:"exchanges_omitted,omitempty"`
}

// Attempts is how many times the scenario ran: 1 plus its reruns.
func (sc Scenario) Attempts() int { return 1 + len(sc.Reruns) }

// PassedAttempt is the rerun that passed (nil when none did).
func (sc Scenario) PassedAttempt() *Attempt {
	for i := range sc.Reruns {
		if sc.Reruns[i].Status == StatusPassed {
			return &sc.Reruns[i]
		}
	}
	return nil
}

// Exchange is one HTTP request and its answer, already redacted.
type Exchange struct {
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	RequestHeaders  map[string]string `json:"request_headers"`
	RequestBody     string            `json:"request_body"`
	Status          int               `json:"status"`
	ResponseHeaders map[string]string `json:"response_headers"`
	ResponseBody    string            `json:"response_body"`
	DurationMS      int64             `json:"duration_ms"`
	Curl            string            `json:"curl"`
	Error           string            `json:"error,omitempty"` // transport error, if no answer
	Proto           string            `json:"proto,omitempty"` // protocol of the answer
}

// Cleanup says what the run left behind on the target.
type Cleanup struct {
	CreatedCaseIDs []string `json:"created_case_ids"`
	// DeletedCaseIDs were deleted at the end of the run (the profile names paths.delete);
	// RemainingCaseIDs stay on the target: every created case the run did not delete.
	DeletedCaseIDs   []string `json:"deleted_case_ids,omitempty"`
	RemainingCaseIDs []string `json:"remaining_case_ids"`
	Restored         bool     `json:"restored"`
	Detail           string   `json:"detail,omitempty"`
}

// Account sets the case lists from the cases a run created and those it deleted, the
// one reckoning of what remains (a run's and a merge's): CreatedCaseIDs sorted, once
// each, never nil; DeletedCaseIDs those of them deleted, nil if none; RemainingCaseIDs
// every other, never nil.
func (c *Cleanup) Account(created, deleted []string) {
	c.CreatedCaseIDs = slices.Compact(slices.Sorted(slices.Values(created)))
	if c.CreatedCaseIDs == nil {
		c.CreatedCaseIDs = []string{}
	}
	c.DeletedCaseIDs, c.RemainingCaseIDs = nil, []string{}
	for _, id := range c.CreatedCaseIDs {
		if slices.Contains(deleted, id) {
			c.DeletedCaseIDs = append(c.DeletedCaseIDs, id)
		} else {
			c.RemainingCaseIDs = append(c.RemainingCaseIDs, id)
		}
	}
}
