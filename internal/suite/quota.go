package suite

import (
	"fmt"

	"github.com/casecert/casecert/reports"
)

// requestsPerScenario is what a scenario costs on average, rounded up: a full
// certification of the reference server makes about 770 requests for 422 scenarios
// (cases are reused and refusals share their read-back).
const requestsPerScenario = 2

// EstimateRequests is how many requests a run of n scenarios is expected to make.
func EstimateRequests(n int) int { return n * requestsPerScenario }

// QuotaWarning says when the target's reported API usage leaves fewer calls than a run
// of n scenarios needs (twice its estimate, for a margin); "" when it does not, or when
// the target reported none.
func QuotaWarning(rec *Recorder, n int) string {
	used, limit, ok := rec.APIUsage()
	if !ok {
		return ""
	}
	left, need := limit-used, 2*EstimateRequests(n)
	if left >= need {
		return ""
	}
	return fmt.Sprintf("the target reports api-usage=%d/%d (Sforce-Limit-Info): %d calls left, fewer than twice this run's estimate "+
		"(%d requests for %s); the run stops at the first REQUEST_LIMIT_EXCEEDED, with the rest not run", used, limit, max(left, 0), EstimateRequests(n), reports.Plural(n, "scenario"))
}
