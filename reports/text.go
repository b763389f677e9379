package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// cleanText makes s safe for every human-facing format: invalid UTF-8 becomes U+FFFD,
// characters that XML 1.0 forbids (C0 controls other than tab and newline, U+FFFE, U+FFFF)
// are dropped, and line ends become \n. Bodies of a misbehaving target can hold anything.
func cleanText(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue // \r\n: the \n follows
			}
			b.WriteByte('\n')
		case xmlChar(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isClean(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if r == '\r' || !xmlChar(r) {
			return false
		}
	}
	return true
}

// xmlChar reports whether r is a Char of XML 1.0 (section 2.2).
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// prettyBody indents a JSON body for reading and returns any other body unchanged.
func prettyBody(body string) string {
	trimmed := strings.TrimSpace(body)
	if trimmed == "" || !json.Valid([]byte(trimmed)) {
		return cleanText(body)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(trimmed), "", "  "); err != nil {
		return cleanText(body)
	}
	return cleanText(buf.String())
}

// sortedKeys returns the keys of a header map in a stable order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// formatDuration renders milliseconds for people: 850 ms, 8.1 s, 2 min 05 s.
func formatDuration(ms int64) string {
	switch {
	case ms < 1000:
		return fmt.Sprintf("%d ms", ms)
	case ms < 60_000:
		return fmt.Sprintf("%.1f s", float64(ms)/1000)
	default:
		s := ms / 1000
		return fmt.Sprintf("%d min %02d s", s/60, s%60)
	}
}

// formatTime renders an RFC 3339 timestamp as a UTC date and time; anything else as given.
func formatTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return cleanText(s)
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// seconds renders milliseconds as seconds with three decimals, the JUnit time format.
func seconds(ms int64) string {
	if ms < 0 {
		ms = 0
	}
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

// verdictLabel is the verdict as a heading.
func verdictLabel(v Verdict) string {
	switch v {
	case VerdictConformant:
		return "Conformant"
	case VerdictWarnings:
		return "Conformant with warnings"
	case VerdictNonConformant:
		return "Non-conformant"
	case VerdictIncomplete:
		return "Incomplete"
	case VerdictError:
		return "Error"
	default:
		return cleanText(string(v))
	}
}

// verdictExplanation says in one sentence why the verdict is what it is: the run's
// verdict reason (a report of an older casecert may have none).
func verdictExplanation(r Run) string {
	reason := r.VerdictReason
	if reason == "" {
		reason = VerdictReason(r)
	}
	if reason == "" {
		return ""
	}
	out := strings.ToUpper(reason[:1]) + reason[1:] + "."
	if note := NotCertificationLine(r); note != "" {
		out = strings.ToUpper(note[:1]) + note[1:] + ". " + out + " " + GateReason(r) + "."
	}
	return cleanText(out)
}

// Plural is "1 noun" or "N nouns": every count a person reads agrees with its noun.
func Plural(n int, noun string) string { return plural(n, noun) }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// index gives the writers quick access to requirements and scenarios.
type index struct {
	reqs      map[string]*Requirement
	scenarios map[string]*Scenario
	baseline  *BaselineResult // nil without a baseline
}

func newIndex(r *Run) index {
	ix := index{reqs: map[string]*Requirement{}, scenarios: map[string]*Scenario{}, baseline: r.Baseline}
	for i := range r.Requirements {
		ix.reqs[r.Requirements[i].ID] = &r.Requirements[i]
	}
	for i := range r.Scenarios {
		ix.scenarios[r.Scenarios[i].ID] = &r.Scenarios[i]
	}
	return ix
}

var levelRank = map[string]int{LevelMust: 3, LevelShould: 2, LevelInfo: 1}

// level of a scenario: its own, or the strongest of its requirements.
func (ix index) level(sc *Scenario) string {
	if sc.Level != "" {
		return sc.Level
	}
	best := ""
	for _, id := range sc.Requirements {
		if req, ok := ix.reqs[id]; ok && levelRank[req.Level] > levelRank[best] {
			best = req.Level
		}
	}
	return best
}

// sortedScenarios returns pointers to r's scenarios ordered by ID.
func sortedScenarios(r *Run) []*Scenario {
	out := make([]*Scenario, len(r.Scenarios))
	for i := range r.Scenarios {
		out[i] = &r.Scenarios[i]
	}
	slices.SortStableFunc(out, func(a, b *Scenario) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// knownNote is what a writer adds to a failed scenario that the baseline knows: "" for
// any other.
func (ix index) knownNote(sc *Scenario) string {
	if sc.Status != StatusFailed || !ix.baseline.IsKnown(sc.ID) {
		return ""
	}
	for _, f := range ix.baseline.Known {
		if f.Scenario == sc.ID && f.Entry != nil {
			note := "known failure (baseline " + ix.baseline.File + "): " + f.Entry.Reason
			if f.Entry.Ticket != "" {
				note += " (" + f.Entry.Ticket + ")"
			}
			return note
		}
	}
	return "known failure (baseline " + ix.baseline.File + ")"
}
