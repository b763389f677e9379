package steps

import (
	"testing"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/assert"
)

// pickleSteps makes the steps of a scenario from "G text", "W text", "T text"; each text
// must be one a phrase of the tables matches, so that a reworded phrase fails here by name
// rather than silently testing a step no feature can have.
func pickleSteps(t *testing.T, steps ...string) []*messages.PickleStep {
	t.Helper()
	var out []*messages.PickleStep
	kinds := map[byte]messages.PickleStepType{'G': messages.PickleStepType_CONTEXT, 'W': messages.PickleStepType_ACTION, 'T': messages.PickleStepType_OUTCOME}
	for _, s := range steps {
		if _, _, ok := phraseOf(s[2:]); !ok {
			t.Fatalf("no phrase matches %q: was it reworded? Update this test", s[2:])
		}
		out = append(out, &messages.PickleStep{Type: kinds[s[0]], Text: s[2:]})
	}
	return out
}

const rested = "a second has passed since the case was written"

// Only a scenario that starts from a populated case, writes once and expects a refusal
// (and no change) may share a case and its read-back with others.
func TestShareableScenarios(t *testing.T) {
	cases := []struct {
		steps []string
		want  bool
	}{
		{[]string{"G a case with every field populated", `W I PATCH "priority" with the JSON value 12`, "T the PATCH is refused with 400"}, true},
		{[]string{"G a case with every field populated", "W I PATCH another field without an Authorization header", "T the answer is 401", "T every field reads back unchanged"}, true},
		{[]string{"G a case with every field populated", `W I PATCH "priority" with a new value`, "T the PATCH succeeds", `T every field except "priority" reads back unchanged`}, false},
		{[]string{"G a case owned by a user other than the integration user", "W I PATCH another field", "T the PATCH is refused with a 4xx"}, false},
		{[]string{"G a case with every field populated", "G " + rested, "W I PATCH another field", "T the PATCH is refused with a 4xx"}, false},
		{[]string{"G a case with every field populated", "W I PATCH an empty object", "W I PATCH an empty object", "T the PATCH is refused with 400"}, false},
		{[]string{`W I PATCH the case id "x"`, "T the answer is 400 or 404"}, false},
		{[]string{"G a case with every field populated", "W I send an abusive PATCH: invalid UTF-8", "T the answer is not a 5xx"}, false},
		{[]string{"G a case with every field populated", `W I PATCH another field with the content type "text/plain"`, "T the answer is 415 or 400"}, true},
		{[]string{"G a case with every field populated", `W I PATCH another field with the content type "text/plain"`, "T the answer is 415 or 200"}, false},
		{[]string{"G a case with every field populated", "W I PATCH another field", "T the answer is 200"}, false},
		{[]string{"G a case with every field populated", "W I send the same PATCH of every free-text field twice", "T the PATCH is refused with 400"}, false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Shareable(pickleSteps(t, c.steps...)), "%q", c.steps)
	}
	assert.True(t, WantsRestedCase(pickleSteps(t, "G a case with every field populated", "G "+rested, "W I PATCH another field")))
	assert.False(t, WantsRestedCase(pickleSteps(t, "G a case with every field populated", "W I PATCH another field")))
}
