// Package reports holds casecert's results model (one Run per certification) and the
// writers that turn it into report files (report.json, report.html, summary.md, junit.xml,
// cucumber.json), each registered once as a Format (formats.go). The model is plain data
// owned by casecert: no godog types, so every writer is a pure function of it.
package reports

// Schema is the name of the report.json schema this package writes.
const Schema = "casecert.report/v1"

// Requirement levels.
const (
	LevelMust   = "must"
	LevelShould = "should"
	LevelInfo   = "info"
)

// Statuses of scenarios and requirements.
const (
	StatusPassed   = "passed"
	StatusFailed   = "failed"
	StatusSkipped  = "skipped"
	StatusObserved = "observed" // info requirements only
)

// Verdicts.
const (
	VerdictConformant    = "conformant"
	VerdictWarnings      = "conformant-with-warnings"
	VerdictNonConformant = "non-conformant"
	VerdictError         = "error"
)

// Run is one certification run: what was run, against what, and what happened.
type Run struct {
	Schema       string        `json:"schema"`
	Tool         Tool          `json:"tool"`
	Suite        Suite         `json:"suite"`
	Target       Target        `json:"target"`
	Run          RunInfo       `json:"run"`
	Verdict      string        `json:"verdict"`
	Summary      Summary       `json:"summary"`
	Requirements []Requirement `json:"requirements"`
	Scenarios    []Scenario    `json:"scenarios"`
	Cleanup      Cleanup       `json:"cleanup"`
	ReportDigest string        `json:"report_digest"`
}

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
}

// Target is what was certified.
type Target struct {
	BaseURL    string `json:"base_url"`
	APIVersion string `json:"api_version"`
	Profile    string `json:"profile"`
	Mode       string `json:"mode"` // "created-cases" or "existing-case"
	Reference  bool   `json:"reference,omitempty"`
	Fault      string `json:"fault,omitempty"` // reference server fault switch, if any
}

// RunInfo says when and how the run happened.
type RunInfo struct {
	StartedAt   string   `json:"started_at"`
	FinishedAt  string   `json:"finished_at"`
	DurationMS  int64    `json:"duration_ms"`
	Seed        int64    `json:"seed"`
	Concurrency int      `json:"concurrency"`
	Requests    int      `json:"requests"`
	InsecureTLS bool     `json:"insecure_tls"`
	Tags        string   `json:"tags,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
}

// Summary counts requirements by level and status.
type Summary struct {
	Must   Counts     `json:"must"`
	Should Counts     `json:"should"`
	Info   InfoCounts `json:"info"`
}

// Counts of must or should requirements.
type Counts struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// InfoCounts of info requirements.
type InfoCounts struct {
	Observed int `json:"observed"`
	Skipped  int `json:"skipped,omitempty"`
}

// Requirement is one catalog entry and its judged status.
type Requirement struct {
	ID        string   `json:"id"`
	Level     string   `json:"level"`
	Title     string   `json:"title"`
	Status    string   `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	Scenarios []string `json:"scenarios"`
}

// Scenario is one executed (or skipped) scenario.
type Scenario struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Feature      string     `json:"feature"`
	URI          string     `json:"uri,omitempty"`
	Line         int        `json:"line,omitempty"`
	Requirements []string   `json:"requirements"`
	Level        string     `json:"level,omitempty"`
	Status       string     `json:"status"`
	DurationMS   int64      `json:"duration_ms"`
	Error        string     `json:"error,omitempty"`
	FailedStep   string     `json:"failed_step,omitempty"`
	Observed     string     `json:"observed,omitempty"` // what an info scenario saw
	SkipReason   string     `json:"skip_reason,omitempty"`
	Exchanges    []Exchange `json:"exchanges"`
	// ExchangesOmitted counts exchanges dropped by the cap for passing scenarios.
	ExchangesOmitted int `json:"exchanges_omitted,omitempty"`
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
}

// Cleanup says what the run left behind on the target.
type Cleanup struct {
	CreatedCaseIDs []string `json:"created_case_ids"`
	Restored       bool     `json:"restored"`
	Detail         string   `json:"detail,omitempty"`
}
