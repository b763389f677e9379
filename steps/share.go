package steps

import (
	"slices"

	messages "github.com/cucumber/messages/go/v34"
)

// phraseRested is the step after which a scenario waits for its case to rest.
const phraseRested = "a second has passed since the case was written"

// WantsRestedCase tells from a scenario's steps whether it waits for its case to rest.
func WantsRestedCase(steps []*messages.PickleStep) bool {
	return slices.ContainsFunc(steps, func(st *messages.PickleStep) bool { return st.Text == phraseRested })
}

// sharedThens are the Then steps of a scenario that expects its one write to be refused
// (and, for some, to change nothing): such scenarios may share a case and a read-back.
var sharedThens = map[string]bool{
	"the PATCH is refused with 400":                              true,
	"the PATCH is refused with a 4xx":                            true,
	"the answer is 401":                                          true,
	"the answer is 401 with a WWW-Authenticate Bearer challenge": true,
	"the answer is 415 or 400":                                   true,
	"the answer is a 4xx JSON error with a message":              true,
	"every field reads back unchanged":                           true,
}

// Shareable tells from a scenario's steps whether it may join a batch: it starts from a
// populated case (its one Given), writes once (its one When), and its Thens only expect
// a refusal and no change.
func Shareable(steps []*messages.PickleStep) bool {
	var given, when, then int
	for _, st := range steps {
		switch st.Type {
		case messages.PickleStepType_CONTEXT:
			if st.Text != "a case with every field populated" {
				return false
			}
			given++
		case messages.PickleStepType_ACTION:
			when++
		case messages.PickleStepType_OUTCOME:
			if !sharedThens[st.Text] {
				return false
			}
			then++
		default:
			return false
		}
	}
	return given == 1 && when == 1 && then > 0
}
