package suite

import (
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/platform"
)

// runWideCheck is a rule judged over every exchange of the run, whichever scenario made
// it. A requirement of the catalog names one by its run_wide key; Load refuses any other
// name, and the run reports one result per requirement that names a check.
type runWideCheck struct {
	Name        string
	Description string
	// Applies picks the exchanges the check looks at; Holds judges one of them.
	Applies, Holds func(client.Exchange) bool
	// Owned, when set, says why an exchange that breaks the check is the platform's own
	// answer, not the service's ("" when it is the service's): the check does not count
	// it, and its result says how many there were and why.
	Owned func(platform.Platform, client.Exchange) string
	// Passed names the result; Expected and Counted word the failure:
	// "expected <Expected>; observed <n> of <seen> <Counted>".
	Passed, Expected, Counted string
}

// runWideChecks is every run-wide check, one row each.
var runWideChecks = []runWideCheck{
	{
		Name:        "no-5xx",
		Description: "no answer of the run is a 5xx",
		Applies:     func(ex client.Exchange) bool { return ex.Status != 0 }, // an answer came
		Holds:       func(ex client.Exchange) bool { return ex.Status < 500 },
		Owned: func(host platform.Platform, ex client.Exchange) string {
			return host.OwnServerError(ex.Status, ex.ErrorCode())
		},
		Passed:   "no request of the run got a 5xx answer",
		Expected: "no 5xx answer in the whole run",
		Counted:  "requests answered 5xx",
	},
	{
		Name:        "json-error-message",
		Description: "every 4xx answer carries a JSON error message",
		Applies:     func(ex client.Exchange) bool { return ex.Status >= 400 && ex.Status < 500 },
		Holds:       func(ex client.Exchange) bool { return ex.ErrorMessage() != "" },
		Passed:      "every refusal of the run carried a JSON error message",
		Expected:    "a JSON error body with a message on every 4xx",
		Counted:     "refusals without one",
	},
}

func lookupCheck(name string) (runWideCheck, bool) {
	for _, c := range runWideChecks {
		if c.Name == name {
			return c, true
		}
	}
	return runWideCheck{}, false
}

// checkNames lists the checks for an error message.
func checkNames() []string {
	names := make([]string, len(runWideChecks))
	for i, c := range runWideChecks {
		names[i] = c.Name + " (" + c.Description + ")"
	}
	return names
}
