package steps_test

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/features"
	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/suite"
	"github.com/casecert/casecert/steps"
)

// matching returns the phrases whose expression matches a step text.
func matching(text string) []steps.Phrase {
	var out []steps.Phrase
	for _, p := range steps.Phrases() {
		if p.Expr.MatchString(text) {
			out = append(out, p)
		}
	}
	return out
}

func exprs(ps []steps.Phrase) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Expr.String()
	}
	return out
}

func TestEveryExampleMatchesItsOwnPhraseOnly(t *testing.T) {
	files, err := fs.Glob(features.FS, "*.feature")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, p := range steps.Phrases() {
		expr := p.Expr.String()
		assert.False(t, seen[expr], "%s is declared twice", expr)
		seen[expr] = true
		assert.Contains(t, files, p.Feature, "%s: declared for a feature file that does not exist", expr)
		assert.True(t, strings.HasPrefix(expr, "^") && strings.HasSuffix(expr, "$"), "%s: anchor the expression (^...$)", expr)
		assert.NotEmpty(t, p.Example, "%s: needs an example", expr)
		assert.Equal(t, []string{expr}, exprs(matching(p.Example)),
			"the example %q must match its own expression %s and no other", p.Example, expr)
	}
}

// TestEveryFeatureStepMatchesOnePhrase expands the embedded features for the default
// profile, as a run does, and matches every step of every scenario.
func TestEveryFeatureStepMatchesOnePhrase(t *testing.T) {
	files, err := fs.Glob(features.FS, "*.feature")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	usedIn := map[string]map[string]bool{} // expression -> feature files using it
	for _, name := range files {
		src, err := fs.ReadFile(features.FS, name)
		require.NoError(t, err)
		expanded, err := suite.Expand(name, src, fixtures.Default())
		require.NoError(t, err)
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(expanded), (&messages.Incrementing{}).NewId)
		require.NoError(t, err)
		pickles := gherkin.Pickles(*doc, name, (&messages.Incrementing{}).NewId)
		require.NotEmpty(t, pickles, name)
		for _, pk := range pickles {
			for _, st := range pk.Steps {
				got := matching(st.Text)
				if !assert.Len(t, got, 1, "%s: %q (scenario %q) must match exactly one phrase; it matches %v",
					name, st.Text, pk.Name, exprs(got)) {
					continue
				}
				expr := got[0].Expr.String()
				if usedIn[expr] == nil {
					usedIn[expr] = map[string]bool{}
				}
				usedIn[expr][name] = true
			}
		}
	}
	for _, p := range steps.Phrases() {
		expr := p.Expr.String()
		if len(usedIn[expr]) == 0 {
			// A profile's own features (--features) may use it.
			t.Logf("%s: no embedded feature uses this phrase", expr)
			continue
		}
		assert.True(t, usedIn[expr][p.Feature], "%s: declared for %s, which does not use it; move it to the steps file of one that does (%v)",
			expr, p.Feature, usedIn[expr])
	}
}

func TestWritePhrasesListsEveryPhraseByFeature(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, steps.WritePhrases(&b))
	out := b.String()
	for _, p := range steps.Phrases() {
		assert.True(t, strings.Contains(out, "  "+p.Example+"\n") || strings.Contains(out, "e.g. "+p.Example+"\n"),
			"the example %q is not listed", p.Example)
	}
	assert.Contains(t, out, "\n  I PATCH \"([^\"]*)\" to null\n      e.g. I PATCH \"department\" to null\n")
	assert.Contains(t, out, "\n  the PATCH succeeds\n", "a phrase without arguments is listed once, as its text")
	var headings []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(line, ".feature") {
			headings = append(headings, line)
		}
	}
	assert.Equal(t, []string{"patch.feature", "formats.feature", "requests.feature", "security.feature"}, headings,
		"one group per feature file")
}

// Every phrase says whether a scenario using it may share its case (steps.Sharing): a
// phrase added without saying so fails here, rather than quietly keeping its scenarios
// out of a batch or letting them into one.
func TestEveryPhraseDeclaresItsSharing(t *testing.T) {
	declared := []steps.Sharing{steps.OwnCase, steps.MayShare, steps.MayShareIfRefused, steps.RestedCase}
	for _, p := range steps.Phrases() {
		if !assert.Contains(t, declared, p.Sharing, "%s: declare whether a scenario using it may share its case (OwnCase, MayShare, MayShareIfRefused, RestedCase)", p.Expr) {
			continue
		}
		if p.Sharing != steps.MayShareIfRefused {
			continue
		}
		// MayShareIfRefused reads its arguments as statuses: every group must be one.
		m := p.Expr.FindStringSubmatch(p.Example)
		require.NotNil(t, m, p.Expr.String())
		for _, arg := range m[1:] {
			assert.Regexp(t, `^\d{3}$`, arg, "%s: MayShareIfRefused needs every argument to be a status", p.Expr)
		}
	}
}
