package reports

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

func init() {
	register(Format{Name: "cucumber", File: "cucumber.json", Write: WriteCucumber,
		Description: "Cucumber JSON (features, scenarios tagged with their level and requirements, one step each carrying the outcome), for Cucumber report tools"})
}

// The Cucumber JSON shape (as godog and cucumber-jvm write it), reduced to what the
// results model knows: casecert keeps no per-step record, so each scenario carries one
// step that stands for its outcome, named after the step that failed when one did.
type cukeFeature struct {
	URI         string        `json:"uri"`
	ID          string        `json:"id"`
	Keyword     string        `json:"keyword"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Line        int           `json:"line"`
	Elements    []cukeElement `json:"elements"`
}

type cukeElement struct {
	ID          string     `json:"id"`
	Keyword     string     `json:"keyword"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Line        int        `json:"line"`
	Type        string     `json:"type"`
	Tags        []cukeTag  `json:"tags"`
	Steps       []cukeStep `json:"steps"`
}

type cukeTag struct {
	Name string `json:"name"`
	Line int    `json:"line"`
}

type cukeStep struct {
	Keyword string     `json:"keyword"`
	Name    string     `json:"name"`
	Line    int        `json:"line"`
	Match   cukeMatch  `json:"match"`
	Result  cukeResult `json:"result"`
	// Embeddings carry the attempts of a rerun scenario that did not pass (its first
	// one included), one text/plain embedding each.
	Embeddings []cukeEmbedding `json:"embeddings,omitempty"`
}

// cukeEmbedding is an attachment as Cucumber JSON has it: base64 data and its type.
type cukeEmbedding struct {
	Data     string `json:"data"`
	MimeType string `json:"mime_type"`
	Name     string `json:"name,omitempty"`
}

type cukeMatch struct {
	Location string `json:"location"`
}

type cukeResult struct {
	Status   string `json:"status"`
	Error    string `json:"error_message,omitempty"`
	Duration int64  `json:"duration"` // nanoseconds
}

// WriteCucumber writes cucumber.json: one feature per feature of the run (in order of
// their first scenario by ID), each scenario an element tagged @<level> and @<requirement>,
// with one step whose result is the scenario's status (observed counts as passed, and any
// status Cucumber has no word for as skipped; flaky as passed, tagged @casecert-flaky). The
// failure or skip reason is the step's error message; what an info scenario observed is
// the element's description. A rerun scenario's attempts that did not pass are the step's
// embeddings (text/plain), but for a failed one's first, which is the step's error.
func WriteCucumber(w io.Writer, r Run) error {
	ix := newIndex(&r)
	features := []cukeFeature{}
	at := map[string]int{}
	for _, sc := range sortedScenarios(&r) {
		key := sc.URI + "\x00" + sc.Feature
		i, ok := at[key]
		if !ok {
			i = len(features)
			at[key] = i
			features = append(features, cukeFeature{URI: cleanText(sc.URI), ID: cukeID(sc.Feature), Keyword: "Feature", Name: cleanText(sc.Feature), Line: 1})
		}
		features[i].Elements = append(features[i].Elements, cukeScenario(ix, sc))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(features)
}

func cukeScenario(ix index, sc *Scenario) cukeElement {
	el := cukeElement{
		ID: cleanText(sc.ID), Keyword: "Scenario", Name: cleanText(sc.Name), Description: cleanText(sc.Observed),
		Line: sc.Line, Type: "scenario", Tags: []cukeTag{},
	}
	if level := ix.level(sc); level != "" {
		el.Tags = append(el.Tags, cukeTag{Name: "@" + level, Line: max(sc.Line-1, 0)})
	}
	for _, id := range slices.Sorted(slices.Values(sc.Requirements)) {
		el.Tags = append(el.Tags, cukeTag{Name: "@" + id, Line: max(sc.Line-1, 0)})
	}
	step := cukeStep{Keyword: "Then ", Line: sc.Line, Result: cukeResult{Status: cukeStatus(sc.Status), Duration: sc.DurationMS * 1_000_000}}
	switch sc.Status {
	case StatusFailed:
		step.Name, step.Result.Error = sc.FailedStep, sc.Error
		if note := ix.knownNote(sc); note != "" {
			el.Tags = append(el.Tags, cukeTag{Name: "@casecert-known-failure", Line: max(sc.Line-1, 0)})
			step.Result.Error = note + "\n" + sc.Error
		}
		if step.Name == "" {
			step.Name = "the scenario holds"
		}
	case StatusFlaky:
		// Passed on a rerun: passed, the attempts that did not pass attached.
		step.Name = "the scenario holds"
		el.Tags = append(el.Tags, cukeTag{Name: "@casecert-flaky", Line: max(sc.Line-1, 0)})
	case StatusSkipped:
		step.Name = "the scenario applies"
		step.Result.Error = sc.SkipReason
	case StatusError:
		// Cucumber has no "could not judge": skipped, never failed, and the message says so.
		step.Name = firstNonEmpty([]string{sc.FailedStep, "the scenario could be judged"})
		step.Result.Error = "error (not judged): " + sc.Error
	case StatusNotRun:
		step.Name = "the scenario ran"
		step.Result.Error = sc.Error
	default:
		step.Name = "the scenario holds"
	}
	step.Name, step.Result.Error = cleanText(step.Name), cleanText(step.Result.Error)
	if kw, rest, ok := strings.Cut(step.Name, " "); ok && slices.Contains([]string{"Given", "When", "Then", "And", "But"}, kw) {
		step.Keyword, step.Name = kw+" ", rest
	}
	for _, a := range sc.UnpassedAttempts() {
		if sc.Status == StatusFailed && a.Attempt == 1 {
			continue // the step's own error
		}
		step.Embeddings = append(step.Embeddings, cukeEmbedding{
			Data: base64.StdEncoding.EncodeToString([]byte(cleanText(attemptText(a)))), MimeType: "text/plain",
			Name: fmt.Sprintf("attempt %d (%s)", a.Attempt, a.Status),
		})
	}
	el.Steps = []cukeStep{step}
	return el
}

// cukeStatus maps an outcome to Cucumber's: error and not-run are "skipped" (Cucumber has
// no status for "could not judge"), with the error message saying which.
func cukeStatus(status Status) string {
	switch status {
	case StatusPassed, StatusObserved, StatusFlaky:
		return "passed"
	case StatusFailed:
		return "failed"
	default:
		return "skipped"
	}
}

// cukeID is Cucumber's id of a feature: its name, lower-cased, spaces as dashes.
func cukeID(name string) string {
	return strings.ReplaceAll(strings.ToLower(cleanText(name)), " ", "-")
}
