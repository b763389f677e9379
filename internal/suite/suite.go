// Package suite turns the embedded (or given) features and a profile into a runnable
// suite: it expands the contract-driven Examples, computes the suite digest, reads the
// requirement catalog, runs godog as a library and adapts its outcome to the results model.
package suite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"go.yaml.in/yaml/v3"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/reports"
)

// Suite is the expanded feature set for one profile.
type Suite struct {
	Features []Feature
	Catalog  []Requirement
	// Profile is the one the features were expanded for; Run hands it to the steps.
	Profile *fixtures.Profile
	// Pickles are the scenarios as godog will run them, in file order.
	Pickles []Pickle
	Digest  string

	declared map[string]string // each requirement's level as the catalog declares it
}

var levels = []string{reports.LevelMust, reports.LevelShould, reports.LevelInfo}

// Feature is one expanded .feature file.
type Feature struct {
	Path   string
	Name   string
	Source []byte
}

// Requirement is a catalog entry. RunWide, when set, names a check judged over every
// exchange of the run in addition to the requirement's scenarios. Platforms amends the
// requirement on a platform (the profile key platform); Level is the level in effect
// for the suite's profile and Amended the amendment's reason ("" when none applies).
type Requirement struct {
	ID      string `yaml:"id"`
	Level   string `yaml:"level"`
	Title   string `yaml:"title"`
	RunWide string `yaml:"run_wide"`
	// Needs are what every scenario of the requirement needs of a profile, PartlyNeeds
	// what some of them need (names of fixtures.Needs).
	Needs       []string `yaml:"needs"`
	PartlyNeeds []string `yaml:"partly_needs"`
	// PartlyFlags are the run flags some of its scenarios need: without one they are
	// skipped, and the requirement is only partly judged.
	PartlyFlags []PartlyFlag `yaml:"partly_flags"`
	// Selectors are the @fields: selectors of its scenarios' Examples, from the features.
	Selectors []string             `yaml:"-"`
	Platforms map[string]Amendment `yaml:"platforms"`
	Amended   string               `yaml:"-"`
	// Disruptive says why its scenarios may damage the target beyond their own case;
	// they carry DisruptiveTag and run last, alone (disruptive.go).
	Disruptive string `yaml:"disruptive"`
}

// PartlyFlag is a run flag some scenarios of a requirement need, and what it gives them.
type PartlyFlag struct {
	Flag  string `yaml:"flag"`
	Gives string `yaml:"gives"`
}

// Amendment is how a platform changes a requirement: its level there, and why (shown in
// the report as what the scenarios observed).
type Amendment struct {
	Level  string `yaml:"level"`
	Reason string `yaml:"reason"`
}

// Pickle is one scenario after expansion: its stable ID and the tags that judge it.
type Pickle struct {
	ID           string
	Name         string
	Feature      string
	URI          string
	Line         int
	Tags         []string
	Requirements []string
	Level        string // in effect for the profile (a platform amendment may change it)
	// Amended is the reason of a platform amendment of its requirement ("" for none).
	Amended string
	// Disruptive: tagged DisruptiveTag, it runs after every other scenario, alone.
	Disruptive bool
	Steps      []*messages.PickleStep
}

// Load reads every .feature file and the requirement catalog from fsys (at its root),
// expands them for the profile and checks that each scenario names a catalog requirement
// and its level.
func Load(fsys fs.FS, p *fixtures.Profile) (*Suite, error) {
	s := &Suite{Profile: p}
	catalog, err := fs.ReadFile(fsys, "requirements.yaml")
	if err != nil {
		return nil, fmt.Errorf("reading the requirement catalog: %w", err)
	}
	var doc struct {
		Requirements []Requirement `yaml:"requirements"`
	}
	if err := yaml.Unmarshal(catalog, &doc); err != nil {
		return nil, fmt.Errorf("requirements.yaml: %w", err)
	}
	s.Catalog = doc.Requirements
	s.declared = map[string]string{}
	for i, r := range s.Catalog {
		if _, ok := lookupCheck(r.RunWide); r.RunWide != "" && !ok {
			return nil, fmt.Errorf("requirements.yaml: %s: unknown run_wide check %q (use one of: %s)", r.ID, r.RunWide, strings.Join(checkNames(), "; "))
		}
		for _, n := range slices.Concat(r.Needs, r.PartlyNeeds) {
			if _, ok := fixtures.LookupNeed(n); !ok {
				return nil, fmt.Errorf("requirements.yaml: %s: unknown profile need %q (see fixtures/needs.go)", r.ID, n)
			}
		}
		s.declared[r.ID] = r.Level
		for name, a := range r.Platforms {
			if _, err := platform.Lookup(name); err != nil {
				return nil, fmt.Errorf("requirements.yaml: %s: %w", r.ID, err)
			}
			if !slices.Contains(levels, a.Level) || a.Reason == "" {
				return nil, fmt.Errorf("requirements.yaml: %s: the %s amendment needs a level (%s) and a reason", r.ID, name, strings.Join(levels, ", "))
			}
		}
		if a, ok := r.Platforms[p.Platform]; ok {
			s.Catalog[i].Level, s.Catalog[i].Amended = a.Level, a.Reason
		}
	}
	names, err := fs.Glob(fsys, "*.feature")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no .feature files found")
	}
	slices.Sort(names)
	var stepErrs []error // every file's steps that no phrase matches, reported together
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if err := s.noteSelectors(name, src); err != nil {
			return nil, err
		}
		expanded, err := Expand(name, src, p)
		if err != nil {
			return nil, err
		}
		if err := s.addFeature(name, expanded); err != nil {
			return nil, err
		}
		if err := checkSteps(name, src, expanded); err != nil {
			stepErrs = append(stepErrs, err)
		}
	}
	if len(stepErrs) > 0 {
		return nil, errors.Join(stepErrs...)
	}
	s.Digest = digest(catalog, s.Features, p)
	return s, nil
}

func (s *Suite) addFeature(name string, src []byte) error {
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), (&messages.Incrementing{}).NewId)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if doc.Feature == nil {
		return nil
	}
	f := Feature{Path: name, Name: doc.Feature.Name, Source: src}
	s.Features = append(s.Features, f)
	effective := map[string]Requirement{}
	for _, r := range s.Catalog {
		effective[r.ID] = r
	}
	if s.declared == nil { // a catalog built without Load has no amendments
		s.declared = map[string]string{}
		for _, r := range s.Catalog {
			s.declared[r.ID] = r.Level
		}
	}
	used := map[string]bool{}
	for _, pk := range s.Pickles {
		used[pk.ID] = true
	}
	for _, pk := range gherkin.Pickles(*doc, name, (&messages.Incrementing{}).NewId) {
		p := Pickle{Name: pk.Name, Feature: f.Name, URI: name, Steps: pk.Steps}
		for _, t := range pk.Tags {
			tag := strings.TrimPrefix(t.Name, "@")
			p.Tags = append(p.Tags, t.Name)
			if _, ok := s.declared[tag]; ok {
				p.Requirements = append(p.Requirements, tag)
			}
			if tag == reports.LevelMust || tag == reports.LevelShould || tag == reports.LevelInfo {
				p.Level = tag
			}
			p.Disruptive = p.Disruptive || t.Name == DisruptiveTag
		}
		if len(p.Requirements) == 0 || p.Level == "" {
			return fmt.Errorf("%s: scenario %q needs a requirement tag of the catalog and a level tag (@must, @should or @info)", name, pk.Name)
		}
		for _, id := range p.Requirements {
			if s.declared[id] != p.Level {
				return fmt.Errorf("%s: scenario %q is tagged @%s but %s is %s in the catalog", name, pk.Name, p.Level, id, s.declared[id])
			}
		}
		if r := effective[p.Requirements[0]]; p.Disruptive != (r.Disruptive != "") {
			if p.Disruptive {
				return fmt.Errorf("%s: scenario %q is tagged %s but %s gives no reason (disruptive:) in requirements.yaml", name, pk.Name, DisruptiveTag, r.ID)
			}
			return fmt.Errorf("%s: scenario %q lacks the tag %s that %s has in requirements.yaml (disruptive: %s)", name, pk.Name, DisruptiveTag, r.ID, r.Disruptive)
		}
		// A platform amendment changes the level in effect and tells the steps why.
		if r := effective[p.Requirements[0]]; r.Amended != "" {
			p.Level, p.Amended = r.Level, r.Amended
		}
		p.ID = uniqueID(slug(f.Name)+";"+slug(pk.Name), used)
		used[p.ID] = true
		if len(pk.AstNodeIds) > 0 {
			p.Line = lineOf(doc, pk.AstNodeIds[len(pk.AstNodeIds)-1])
		}
		s.Pickles = append(s.Pickles, p)
	}
	return nil
}

// lineOf finds the line of an AST node (a scenario or an examples row) by id.
func lineOf(doc *messages.GherkinDocument, id string) int {
	for _, sc := range allScenarios(doc.Feature) {
		if sc.Id == id {
			return int(sc.Location.Line)
		}
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				if row.Id == id {
					return int(row.Location.Line)
				}
			}
		}
	}
	return 0
}

// slug lower-cases s and turns each run of characters other than a-z and 0-9 into one
// "-", trimmed at both ends. A loop, not a regexp: it runs for every scenario of every run,
// and the regexp was most of the suite's load time under -race.
func slug(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for _, r := range strings.ToLower(s) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

func uniqueID(id string, used map[string]bool) string {
	if !used[id] {
		return id
	}
	for n := 2; ; n++ {
		if c := fmt.Sprintf("%s-%d", id, n); !used[c] {
			return c
		}
	}
}

// digest is a SHA-256 over the requirement catalog, the canonical expanded features (by
// path) and the profile: everything that decides what a run checks and how it is judged.
func digest(catalog []byte, features []Feature, p *fixtures.Profile) string {
	h := sha256.New()
	fmt.Fprintf(h, "catalog %d\n", len(catalog))
	h.Write(catalog)
	for _, f := range features {
		fmt.Fprintf(h, "feature %s %d\n", path.Clean(f.Path), len(f.Source))
		h.Write(bytes.ReplaceAll(f.Source, []byte("\r\n"), []byte("\n")))
	}
	profile, _ := json.Marshal(p)
	fmt.Fprintf(h, "profile %d\n", len(profile))
	h.Write(profile)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// CatalogEntries returns the catalog for reports.Judge.
func (s *Suite) CatalogEntries() []reports.CatalogEntry {
	out := make([]reports.CatalogEntry, len(s.Catalog))
	for i, r := range s.Catalog {
		out[i] = reports.CatalogEntry{ID: r.ID, Level: r.Level, Title: r.Title}
	}
	return out
}

// ScenarioCount counts the results of each requirement in a full run, as its report
// lists them: its scenarios, and its run-wide check when it names one.
func (s *Suite) ScenarioCount() map[string]int {
	out := map[string]int{}
	for _, p := range s.Pickles {
		for _, id := range p.Requirements {
			out[id]++
		}
	}
	for _, r := range s.Catalog {
		if r.RunWide != "" {
			out[r.ID]++
		}
	}
	return out
}

// Render writes the expanded features, as godog will parse them.
func (s *Suite) Render() []byte {
	var b bytes.Buffer
	for _, f := range s.Features {
		fmt.Fprintf(&b, "# %s\n", f.Path)
		b.Write(f.Source)
		if !bytes.HasSuffix(f.Source, []byte("\n")) {
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}
