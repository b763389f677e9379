package steps

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"
)

// Phrase is one step a feature writer may use. Its expression is compiled once, when the
// package loads: godog would otherwise compile every expression again for every scenario.
type Phrase struct {
	// Feature is the feature file whose steps file declares the phrase (patch.feature is
	// declared in patch.go); other feature files may use it too.
	Feature string
	// Expr is anchored (^...$); each group is one argument of the step.
	Expr *regexp.Regexp
	// Example is a step text as a feature writer would write it, without its keyword.
	Example string
	// Sharing says whether a scenario using the phrase may share its case (share.go).
	Sharing Sharing
	fn      any // the godog step function
}

// phrases is every step of the suite, in the order `casecert steps` lists them. Each
// steps file declares the phrases of its feature file in one table.
var phrases = slices.Concat(
	inFeature("patch.feature", patchPhrases),
	inFeature("formats.feature", formatsPhrases),
	inFeature("requests.feature", requestsPhrases),
	inFeature("security.feature", securityPhrases),
)

// literals finds a phrase without arguments by its text, without a regexp.
var literals = func() map[string]int {
	out := map[string]int{}
	for i, p := range phrases {
		if p.Expr.NumSubexp() == 0 {
			out[p.Example] = i
		}
	}
	return out
}()

// phraseOf is the phrase a step's text matches, as godog matches it (the first in
// registration order), and the step's arguments.
func phraseOf(text string) (Phrase, []string, bool) {
	if i, ok := literals[text]; ok {
		return phrases[i], nil, true
	}
	for _, p := range phrases {
		if m := p.Expr.FindStringSubmatch(text); m != nil {
			return p, m[1:], true
		}
	}
	return Phrase{}, nil, false
}

// Register registers every phrase on a scenario.
func Register(sc *godog.ScenarioContext) {
	for _, p := range phrases {
		sc.Step(p.Expr, p.fn)
	}
}

// Phrases returns every phrase, grouped by feature file.
func Phrases() []Phrase { return slices.Clone(phrases) }

// WritePhrases lists every phrase under its feature file: a phrase with arguments as its
// expression (without anchors) followed by an example, a phrase without as its text.
func WritePhrases(w io.Writer) error {
	var b strings.Builder
	feature := ""
	for _, p := range phrases {
		if p.Feature != feature {
			if feature != "" {
				b.WriteString("\n")
			}
			feature = p.Feature
			fmt.Fprintf(&b, "%s\n", feature)
		}
		if p.Expr.NumSubexp() == 0 {
			fmt.Fprintf(&b, "  %s\n", p.Example)
			continue
		}
		fmt.Fprintf(&b, "  %s\n      e.g. %s\n", strings.TrimSuffix(strings.TrimPrefix(p.Expr.String(), "^"), "$"), p.Example)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func inFeature(feature string, ps []Phrase) []Phrase {
	for i := range ps {
		ps[i].Feature = feature
	}
	return ps
}

// literal is a phrase without arguments: its text is its own example.
func literal(text string, m func(*World, context.Context) error, sh Sharing) Phrase {
	return Phrase{
		Expr:    regexp.MustCompile("^" + regexp.QuoteMeta(text) + "$"),
		Example: text,
		Sharing: sh,
		fn:      func(ctx context.Context) error { return m(WorldFrom(ctx), ctx) },
	}
}

// phrase1 is a phrase with one argument (one group in expr).
func phrase1(expr, example string, m func(*World, context.Context, string) error, sh Sharing) Phrase {
	return Phrase{
		Expr:    regexp.MustCompile(expr),
		Example: example,
		Sharing: sh,
		fn:      func(ctx context.Context, a string) error { return m(WorldFrom(ctx), ctx, a) },
	}
}

// phrase2 is a phrase with two arguments (two groups in expr).
func phrase2(expr, example string, m func(*World, context.Context, string, string) error, sh Sharing) Phrase {
	return Phrase{
		Expr:    regexp.MustCompile(expr),
		Example: example,
		Sharing: sh,
		fn:      func(ctx context.Context, a, b string) error { return m(WorldFrom(ctx), ctx, a, b) },
	}
}
