package suite

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/reports"
	"github.com/casecert/casecert/steps"
)

// A scenario fails only on a violation judged on the target's own answers.
func TestOutcomeStatus(t *testing.T) {
	v := &steps.Violation{}
	stopped := errors.New("the target stopped answering")
	quota := client.Exchange{Status: 403, ResponseBody: `[{"message":"limit","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, Method: "PATCH", URL: "u"}
	for _, tc := range []struct {
		name    string
		out     steps.Outcome
		stopped error
		want    reports.Status
	}{
		{"passed", steps.Outcome{}, nil, reports.StatusPassed},
		{"skipped", steps.Outcome{SkipReason: "no owners"}, nil, reports.StatusSkipped},
		{"violation", steps.Outcome{Err: fmt.Errorf("step: %w", v)}, nil, reports.StatusFailed},
		{"setup refused", steps.Outcome{Err: errors.New("setup: creating a case was refused")}, nil, reports.StatusError},
		{"violation on a quota answer", steps.Outcome{Err: v, Exchanges: []client.Exchange{quota}}, nil, reports.StatusError},
		{"violation on a 429", steps.Outcome{Err: v, Exchanges: []client.Exchange{{Status: 429}}}, nil, reports.StatusError},
		{"cut short by the stop", steps.Outcome{Err: fmt.Errorf("PATCH: %w", context.Canceled)}, stopped, reports.StatusNotRun},
		{"cancelled without a stop", steps.Outcome{Err: fmt.Errorf("PATCH: %w", context.Canceled)}, nil, reports.StatusError},
		{"no answer while stopping", steps.Outcome{Err: &client.TransportError{Reason: "connection refused"}}, stopped, reports.StatusError},
	} {
		got, msg := outcomeStatus(tc.out, tc.stopped)
		assert.Equal(t, tc.want, got, tc.name)
		if got == reports.StatusError {
			assert.Contains(t, msg, "not judged", tc.name)
		}
	}
}
