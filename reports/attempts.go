package reports

import (
	"fmt"
	"strings"
)

// The attempts of a rerun scenario (--rerun-failed), as the writers show them: a flaky
// scenario passed on a rerun after failed ones; a failed one with reruns failed on every
// attempt. The scenario's own fields are its first attempt.

// FirstAttempt is the scenario's first attempt, as an Attempt.
func (sc Scenario) FirstAttempt() Attempt {
	return Attempt{Attempt: 1, Status: StatusFailed, DurationMS: sc.DurationMS, Error: sc.Error, FailedStep: sc.FailedStep,
		Exchanges: sc.Exchanges, ExchangesOmitted: sc.ExchangesOmitted}
}

// UnpassedAttempts are the attempts of a rerun scenario that did not pass, in order: the
// first, then every rerun that failed or could not be judged. Nil for a scenario that
// was not rerun.
func (sc Scenario) UnpassedAttempts() []Attempt {
	if len(sc.Reruns) == 0 {
		return nil
	}
	out := []Attempt{sc.FirstAttempt()}
	for _, a := range sc.Reruns {
		if a.Status != StatusPassed {
			out = append(out, a)
		}
	}
	return out
}

// AttemptsLine says in one line how the attempts of a rerun scenario went ("" for one
// that was not rerun): "flaky: failed on attempt 1, 2; passed on attempt 3 of 3".
func (sc Scenario) AttemptsLine() string {
	if len(sc.Reruns) == 0 {
		return ""
	}
	var failed, unjudged []string
	for _, a := range sc.UnpassedAttempts() {
		if a.Status == StatusFailed {
			failed = append(failed, fmt.Sprint(a.Attempt))
		} else {
			unjudged = append(unjudged, fmt.Sprint(a.Attempt))
		}
	}
	parts := []string{"failed on attempt " + strings.Join(failed, ", ")}
	if len(unjudged) > 0 {
		parts = append(parts, "not judged on attempt "+strings.Join(unjudged, ", "))
	}
	if p := sc.PassedAttempt(); p != nil {
		return fmt.Sprintf("flaky: %s; passed on attempt %d of %d", strings.Join(parts, "; "), p.Attempt, sc.Attempts())
	}
	return fmt.Sprintf("%s of %d (rerun %d times: none passed)", strings.Join(parts, "; "), sc.Attempts(), len(sc.Reruns))
}

// attemptText is the evidence of one attempt as plain text, as failureText gives a
// scenario's.
func attemptText(a Attempt) string {
	return fmt.Sprintf("attempt %d: %s\n", a.Attempt, a.Status) + failureText(&Scenario{Error: a.Error, FailedStep: a.FailedStep, Exchanges: a.Exchanges})
}
