package steps

import (
	"slices"
	"strconv"

	messages "github.com/cucumber/messages/go/v34"
)

// Sharing is what a phrase declares about the case of a scenario using it: whether the
// scenario may share its case (and the case's read-back) with other scenarios, and
// whether it waits for its case to rest. Every row of the phrase tables declares it; the
// zero value is no declaration, and TestEveryPhraseDeclaresItsSharing refuses it.
type Sharing int

const (
	_ Sharing = iota // the zero value: not declared
	// OwnCase: a scenario using the phrase has a case of its own. The phrase shapes the
	// case, writes it more than once, expects it to change, or may damage the target.
	OwnCase
	// MayShare: the phrase may be in a scenario that shares a case: the Given that makes
	// the common populated case, a When that writes the case once, a Then that expects
	// only a refusal and no change.
	MayShare
	// MayShareIfRefused is MayShare when every status the step names (its arguments) is
	// a 4xx, a refusal ("the answer is 401"), and OwnCase otherwise ("the answer is 200").
	MayShareIfRefused
	// RestedCase: the scenario waits until its case has not been written for a while
	// (a second passes between two writes), so it has a case of its own, a rested one.
	RestedCase
)

// sharingOf is what the phrase matching a step's text declares for that step:
// MayShareIfRefused resolved by the step's arguments; OwnCase for a text no phrase matches.
func sharingOf(text string) Sharing {
	p, args, ok := phraseOf(text)
	if !ok {
		return OwnCase
	}
	if p.Sharing != MayShareIfRefused {
		return p.Sharing
	}
	for _, a := range args {
		if n, err := strconv.Atoi(a); err != nil || n/100 != 4 {
			return OwnCase
		}
	}
	return MayShare
}

// WantsRestedCase tells from a scenario's steps whether it waits for its case to rest.
func WantsRestedCase(steps []*messages.PickleStep) bool {
	return slices.ContainsFunc(steps, func(st *messages.PickleStep) bool { return sharingOf(st.Text) == RestedCase })
}

// Shareable tells from a scenario's steps whether it may join a batch: one Given, one
// When and at least one Then, each a phrase that may share (the populated case, one
// write, Thens expecting only a refusal and no change).
func Shareable(steps []*messages.PickleStep) bool {
	counts := map[messages.PickleStepType]int{}
	for _, st := range steps {
		switch st.Type {
		case messages.PickleStepType_CONTEXT, messages.PickleStepType_ACTION, messages.PickleStepType_OUTCOME:
		default:
			return false
		}
		if sharingOf(st.Text) != MayShare {
			return false
		}
		counts[st.Type]++
	}
	return counts[messages.PickleStepType_CONTEXT] == 1 && counts[messages.PickleStepType_ACTION] == 1 &&
		counts[messages.PickleStepType_OUTCOME] > 0
}
