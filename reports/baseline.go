package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// BaselineSchema is the name of the baseline file's schema (ci.md, "Baseline of known
// failures").
const BaselineSchema = "casecert.baseline/v1"

// Baseline is a file of known failures: what a team accepts, why, and until when. It
// changes what the exit code gates, never what the report says.
type Baseline struct {
	Schema  string          `yaml:"schema"`
	Entries []BaselineEntry `yaml:"entries"`
}

// BaselineEntry accepts the failures of one requirement, or of one of its scenarios.
type BaselineEntry struct {
	Requirement string `yaml:"requirement" json:"requirement"`
	Scenario    string `yaml:"scenario,omitempty" json:"scenario,omitempty"`
	Reason      string `yaml:"reason" json:"reason"`
	Ticket      string `yaml:"ticket,omitempty" json:"ticket,omitempty"`
	// Expires is a date, YYYY-MM-DD: after that day the entry no longer applies.
	Expires string `yaml:"expires,omitempty" json:"expires,omitempty"`
}

// BaselineResult is what a baseline made of a run's failures (report.json's baseline).
// Every failed scenario of a must or should requirement is in exactly one of Known, New
// and Expired; Stale lists the entries whose requirement (or scenario) passes now.
type BaselineResult struct {
	File    string            `json:"file"`
	Digest  string            `json:"digest"`
	Known   []BaselineFailure `json:"known"`
	New     []BaselineFailure `json:"new"`
	Stale   []BaselineEntry   `json:"stale"`
	Expired []BaselineFailure `json:"expired"`
}

// BaselineFailure is one failed scenario of one requirement, with the entry that names
// it (none for a new failure).
type BaselineFailure struct {
	Requirement string         `json:"requirement"`
	Level       string         `json:"level"`
	Scenario    string         `json:"scenario"`
	Entry       *BaselineEntry `json:"entry,omitempty"`
}

// ParseBaseline reads a baseline file and checks it: its schema, a requirement and a
// reason in every entry, dates as YYYY-MM-DD.
func ParseBaseline(data []byte) (Baseline, error) {
	var b Baseline
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&b); err != nil {
		return Baseline{}, fmt.Errorf("not a baseline file: %w", err)
	}
	if b.Schema != BaselineSchema {
		return Baseline{}, fmt.Errorf("schema is %q, this version reads %q", b.Schema, BaselineSchema)
	}
	var errs []error
	for i, e := range b.Entries {
		n := i + 1
		if strings.TrimSpace(e.Requirement) == "" {
			errs = append(errs, fmt.Errorf("entry %d names no requirement", n))
		}
		if strings.TrimSpace(e.Reason) == "" {
			errs = append(errs, fmt.Errorf("entry %d (%s) gives no reason: say why the failure is accepted", n, e.Requirement))
		}
		if e.Expires != "" {
			if _, err := time.Parse(time.DateOnly, e.Expires); err != nil {
				errs = append(errs, fmt.Errorf("entry %d (%s): expires %q is not a date YYYY-MM-DD", n, e.Requirement, e.Expires))
			}
		}
	}
	return b, errors.Join(errs...)
}

// BaselineDigest is "sha256:<hex>" of a baseline file's bytes.
func BaselineDigest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// NewBaseline writes the baseline of a report: one entry per failed must or should
// requirement, reason TODO, no expiry.
func NewBaseline(r Run) Baseline {
	b := Baseline{Schema: BaselineSchema, Entries: []BaselineEntry{}}
	for _, req := range r.Requirements {
		if req.Status == StatusFailed && req.Level != LevelInfo {
			b.Entries = append(b.Entries, BaselineEntry{Requirement: req.ID, Reason: "TODO"})
		}
	}
	return b
}

// MarshalBaseline renders a baseline file.
func MarshalBaseline(b Baseline) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# casecert baseline of known failures (ci.md): a failure named here does not fail the\n" +
		"# exit code, while the report still shows it. Say why in reason; expires: YYYY-MM-DD ends it.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(b); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// PruneBaseline drops from a baseline file the entries a report shows passing (stale:
// their scenario, or their requirement, passed), keeping the rest of the file (comments
// included) as it was. It returns the new file and the entries dropped.
func PruneBaseline(data []byte, r Run) ([]byte, []BaselineEntry, error) {
	if _, err := ParseBaseline(data); err != nil {
		return nil, nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, err
	}
	root := doc.Content[0]
	var entries *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "entries" {
			entries = root.Content[i+1]
		}
	}
	if entries == nil || entries.Kind != yaml.SequenceNode {
		return data, nil, nil
	}
	ix := newIndex(&r)
	var kept []*yaml.Node
	var dropped []BaselineEntry
	for _, n := range entries.Content {
		var e BaselineEntry
		if err := n.Decode(&e); err != nil {
			return nil, nil, err
		}
		if passes(ix, e) {
			dropped = append(dropped, e)
			continue
		}
		kept = append(kept, n)
	}
	if len(dropped) == 0 {
		return data, nil, nil
	}
	entries.Content = kept
	if len(kept) == 0 {
		entries.Style = yaml.FlowStyle
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), dropped, enc.Close()
}

// passes says the report shows what e names passing: its scenario when it names one,
// else its requirement.
func passes(ix index, e BaselineEntry) bool {
	if e.Scenario != "" {
		sc, ok := ix.scenarios[e.Scenario]
		return ok && sc.Status == StatusPassed
	}
	req, ok := ix.reqs[e.Requirement]
	return ok && req.Status == StatusPassed
}

// ApplyBaseline sorts the run's failures into known, new and expired by the baseline
// and finds its stale entries, on the given day (UTC). It sets r.Baseline; statuses and
// the verdict stay as observed. An entry naming a requirement the run's catalog lacks is
// an error (CheckBaseline); one naming a scenario the run lacks matches nothing.
func ApplyBaseline(r *Run, b Baseline, file, digest string, today time.Time) error {
	if err := CheckBaseline(b, r.Requirements); err != nil {
		return err
	}
	ix := newIndex(r)
	day := today.UTC().Format(time.DateOnly)
	res := &BaselineResult{File: file, Digest: digest, Known: []BaselineFailure{}, New: []BaselineFailure{},
		Stale: []BaselineEntry{}, Expired: []BaselineFailure{}}
	for _, req := range r.Requirements {
		if req.Level == LevelInfo || req.Status != StatusFailed {
			continue
		}
		for _, id := range req.Scenarios {
			sc := ix.scenarios[id]
			if sc == nil || sc.Status != StatusFailed {
				continue
			}
			f := BaselineFailure{Requirement: req.ID, Level: req.Level, Scenario: sc.ID}
			var expired *BaselineEntry
			for i := range b.Entries {
				e := b.Entries[i]
				if e.Requirement != req.ID || e.Scenario != "" && e.Scenario != sc.ID {
					continue
				}
				if e.Expires != "" && e.Expires < day {
					expired = &e
					continue
				}
				f.Entry = &e
				break
			}
			switch {
			case f.Entry != nil:
				res.Known = append(res.Known, f)
			case expired != nil:
				f.Entry = expired
				res.Expired = append(res.Expired, f)
			default:
				res.New = append(res.New, f)
			}
		}
	}
	for _, e := range b.Entries {
		if passes(ix, e) {
			res.Stale = append(res.Stale, e)
		}
	}
	r.Baseline = res
	return nil
}

// IsKnown reports whether the failed scenario is a known failure of the baseline (for
// every requirement it failed).
func (b *BaselineResult) IsKnown(scenarioID string) bool {
	if b == nil {
		return false
	}
	known := false
	for _, f := range b.Known {
		known = known || f.Scenario == scenarioID
	}
	for _, f := range slices.Concat(b.New, b.Expired) {
		if f.Scenario == scenarioID {
			return false
		}
	}
	return known
}

// CheckBaseline refuses a baseline that names a requirement the catalog lacks: a typo
// there would accept nothing, silently.
func CheckBaseline(b Baseline, catalog []Requirement) error {
	var errs []error
	for i, e := range b.Entries {
		if !slices.ContainsFunc(catalog, func(r Requirement) bool { return r.ID == e.Requirement }) {
			errs = append(errs, fmt.Errorf("entry %d: %s is not a requirement of this suite (casecert list)", i+1, e.Requirement))
		}
	}
	return errors.Join(errs...)
}
