package client

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/tidwall/gjson"
)

// Run-wide stop conditions. A run must end promptly, with its reason, when the target
// stops answering, its API quota is exhausted, or it throttles the run past a budget: going
// on would only turn every remaining scenario into a transport error (or, against a
// throttling target, take hours). The client detects these and tells Config.OnStop once;
// the caller cancels the run.

// DefaultStopAfter is how many attempts in a row without an answer stop the run.
const DefaultStopAfter = 5

// StopAfterWrongCase is how many reads in a row answered with another case than the one
// asked for stop the run.
const StopAfterWrongCase = 3

// RetryBudgetTimeouts is the default run-wide retry budget, in units of Config.Timeout.
const RetryBudgetTimeouts = 4

// ErrRetryBudget is wrapped by the error of Do when a retry was not made because the
// run-wide retry budget was spent.
var ErrRetryBudget = errors.New("run-wide retry budget spent")

// StopError is why the run should stop. Its text names the cause in plain words.
type StopError struct {
	Reason string
	// Quota is set when the target said its request quota is exhausted.
	Quota bool
}

func (e *StopError) Error() string { return e.Reason }

// stopWatch counts what the stop conditions need, across every request of the client.
type stopWatch struct {
	mu        sync.Mutex
	inARow    int           // attempts without an answer since the last answer
	wrongCase int           // reads answered with another case since the last right one
	retryWait time.Duration // total wait before retries so far
	stopped   *StopError
}

// QuotaExceeded says an answer is the platform's "request limit exceeded": 403 with a
// JSON array of {message, errorCode} naming REQUEST_LIMIT_EXCEEDED; it returns the message.
func QuotaExceeded(ex Exchange) (string, bool) {
	if ex.Status != http.StatusForbidden {
		return "", false
	}
	doc := gjson.Parse(ex.ResponseBody)
	if !doc.IsArray() {
		return "", false
	}
	for _, e := range doc.Array() {
		if e.Get("errorCode").String() == "REQUEST_LIMIT_EXCEEDED" {
			return e.Get("message").String(), true
		}
	}
	return "", false
}

// observe judges one attempt: an answer resets the count of attempts without one; a
// transport error (not the caller's cancellation) adds to it; a quota answer stops at once.
func (c *Client) observe(ex Exchange, err error, cancelled bool) {
	var stop *StopError
	var te *TransportError
	c.watch.mu.Lock()
	switch {
	case cancelled:
	case errors.As(err, &te):
		c.watch.inARow++
		if c.cfg.StopAfter > 0 && c.watch.inARow >= c.cfg.StopAfter {
			stop = &StopError{Reason: fmt.Sprintf("the target stopped answering: %d requests in a row got no answer (last: %s %s: %s)",
				c.watch.inARow, te.Method, te.URL, te.Reason)}
		}
	case ex.Status != 0:
		c.watch.inARow = 0
		if msg, ok := QuotaExceeded(ex); ok {
			stop = &StopError{Quota: true, Reason: fmt.Sprintf("the target's request quota is exhausted: %s %s answered 403 REQUEST_LIMIT_EXCEEDED (%s)",
				ex.Method, ex.URL, msg)}
		}
	}
	c.watch.mu.Unlock()
	if stop != nil {
		c.stop(stop)
	}
}

// WrongCase counts a read of a case answered with another case (fault says which):
// StopAfterWrongCase of them in a row stop the run, as a target that is not the Case API
// (or a proxy or cache in front of it that answers for it). The client cannot tell which
// case an answer is; the case reader can, and tells it.
func (c *Client) WrongCase(fault string) {
	c.watch.mu.Lock()
	c.watch.wrongCase++
	n := c.watch.wrongCase
	c.watch.mu.Unlock()
	if n >= StopAfterWrongCase {
		c.stop(&StopError{Reason: fmt.Sprintf("%s (%d reads in a row answered another case than the one asked for): this is not the Case API, "+
			"or something in front of it (a proxy, a cache) answers for it; no verdict was drawn from another case's fields", fault, n)})
	}
}

// RightCase resets the count of WrongCase: a read answered with the case asked for.
func (c *Client) RightCase() {
	c.watch.mu.Lock()
	c.watch.wrongCase = 0
	c.watch.mu.Unlock()
}

// spendRetry takes wait from the run-wide retry budget; false when it does not fit.
func (c *Client) spendRetry(wait time.Duration, ex Exchange) bool {
	c.watch.mu.Lock()
	fits := c.watch.retryWait+wait <= c.cfg.RetryBudget
	if fits {
		c.watch.retryWait += wait
	}
	spent := c.watch.retryWait
	c.watch.mu.Unlock()
	if !fits {
		c.stop(&StopError{Reason: fmt.Sprintf("the target keeps asking to retry later (%s %s answered %d): the run already waited %s of its retry budget of %s (--timeout x %d)",
			ex.Method, ex.URL, ex.Status, spent.Round(time.Millisecond), c.cfg.RetryBudget, RetryBudgetTimeouts)})
	}
	return fits
}

// stop records the first stop and tells OnStop about it, once.
func (c *Client) stop(e *StopError) {
	c.watch.mu.Lock()
	first := c.watch.stopped == nil
	if first {
		c.watch.stopped = e
	}
	c.watch.mu.Unlock()
	if first && c.cfg.OnStop != nil {
		c.cfg.OnStop(e)
	}
}

// Stopped is the first stop condition met, or nil.
func (c *Client) Stopped() *StopError {
	c.watch.mu.Lock()
	defer c.watch.mu.Unlock()
	return c.watch.stopped
}
