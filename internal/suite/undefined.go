package suite

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/steps"
)

// StepError is a step of a feature file that no phrase of the suite matches, or that
// several match: the suite cannot run it, so it is the suite's mistake (found at load
// time, before any request), never a scenario's error. File is the feature file's path
// as Load read it; the caller may put the directory in front.
type StepError struct {
	File    string
	Line    int
	Step    string   // keyword and text, as written in the file
	Closest string   // the example of the closest phrase, for an undefined step
	Matches []string // the expressions that match an ambiguous step
}

func (e *StepError) Error() string {
	if len(e.Matches) > 1 {
		return fmt.Sprintf("%s:%d: ambiguous step %q: it matches %d phrases (%s)", e.File, e.Line, e.Step, len(e.Matches), strings.Join(e.Matches, ", "))
	}
	return fmt.Sprintf("%s:%d: undefined step %q: no phrase matches it; did you mean %q? (casecert steps lists every phrase)", e.File, e.Line, e.Step, e.Closest)
}

// checkSteps matches every step of a feature file's scenarios, as expanded for the
// profile, against the phrases, and returns a StepError for each step (as written,
// at its line in src) that matches none or several. expanded is src after Expand, which
// rewrites Examples tables only: the steps of both documents come in the same order.
func checkSteps(name string, src, expanded []byte) error {
	orig, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), (&messages.Incrementing{}).NewId)
	if err != nil || orig.Feature == nil {
		return nil // addFeature reports a syntax error
	}
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(expanded), (&messages.Incrementing{}).NewId)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	origSteps, expSteps := docSteps(orig.Feature), docSteps(doc.Feature)
	if len(origSteps) != len(expSteps) {
		return fmt.Errorf("%s: the expansion changed the steps (%d written, %d expanded)", name, len(origSteps), len(expSteps))
	}
	written := map[string]*messages.Step{} // expanded step id -> the step as written
	for i, st := range expSteps {
		written[st.Id] = origSteps[i]
	}
	phrases := steps.Phrases()
	matched := map[string][]string{} // step text -> the expressions matching it
	reported := map[string]bool{}    // steps as written already reported
	var errs []error
	for _, pk := range gherkin.Pickles(*doc, name, (&messages.Incrementing{}).NewId) {
		for _, ps := range pk.Steps {
			if len(ps.AstNodeIds) == 0 {
				continue
			}
			matches, ok := matched[ps.Text]
			if !ok {
				for _, p := range phrases {
					if p.Expr.MatchString(ps.Text) {
						matches = append(matches, p.Expr.String())
					}
				}
				matched[ps.Text] = matches
			}
			st := written[ps.AstNodeIds[0]]
			if len(matches) == 1 || st == nil || reported[st.Id] {
				continue
			}
			reported[st.Id] = true
			e := &StepError{File: name, Line: int(st.Location.Line), Step: strings.TrimSpace(st.Keyword) + " " + st.Text, Matches: matches}
			if len(matches) == 0 {
				e.Closest = closestPhrase(ps.Text, phrases)
			}
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

// closestPhrase is the example of the phrase nearest to text by edit distance.
func closestPhrase(text string, phrases []steps.Phrase) string {
	best, bestDist := "", -1
	for _, p := range phrases {
		if d := fixtures.EditDistance(text, p.Example); bestDist < 0 || d < bestDist {
			best, bestDist = p.Example, d
		}
	}
	return best
}

// docSteps is every step of a feature in document order: backgrounds and scenarios, in
// rules too.
func docSteps(f *messages.Feature) []*messages.Step {
	var out []*messages.Step
	var walk func(children []*messages.FeatureChild, rules []*messages.RuleChild)
	walk = func(children []*messages.FeatureChild, rules []*messages.RuleChild) {
		for _, c := range children {
			switch {
			case c.Background != nil:
				out = append(out, c.Background.Steps...)
			case c.Scenario != nil:
				out = append(out, c.Scenario.Steps...)
			case c.Rule != nil:
				walk(nil, c.Rule.Children)
			}
		}
		for _, c := range rules {
			switch {
			case c.Background != nil:
				out = append(out, c.Background.Steps...)
			case c.Scenario != nil:
				out = append(out, c.Scenario.Steps...)
			}
		}
	}
	walk(f.Children, nil)
	return out
}
