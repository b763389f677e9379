package suite

import (
	"context"
	"slices"

	"github.com/cucumber/godog"

	"github.com/casecert/casecert/reports"
)

// Reruns (--rerun-failed N, ci.md "Flaky"): after a phase, the scenarios of that phase
// that failed are run again, up to N times each, until one attempt passes; each attempt
// is judged on a case of its own (never a batch's share, steps.World.Alone). The ordinary
// scenarios' reruns run after the ordinary phase, at its concurrency, before any
// disruptive scenario; the disruptive scenarios' reruns run after the disruptive phase
// under its rules: one at a time, in file order, each on a case never lent again, with
// the health probe after each (a rerun that breaks the target stops the run as the first
// attempt would have). A disruptive scenario that broke the target is never rerun: the
// run stopped on it. A scenario that could not be judged (error) is not rerun: no
// violation was observed, so there is nothing a rerun could show flaky.

// rerunState is the collector's state while it reruns failed scenarios.
type rerunState struct {
	// rerunning are the pickles of the attempt godog is running; nil outside a rerun.
	rerunning map[string]bool
	attempt   int // of the rerun in progress: 2 for the first
	reruns    map[string][]reports.Attempt
	// observedOnRerun is what an info scenario observed on the rerun that passed.
	observedOnRerun map[string]string
}

// rerunFailed runs the failed scenarios of a phase again (disruptive: those of the
// disruptive phase), selected by tags, scenarios at once in the order of seed.
func (c *collector) rerunFailed(ctx context.Context, contents []godog.Feature, tags string, disruptive bool, scenarios int, seed int64) error {
	for n := 2; n <= 1+c.cfg.RerunFailed && ctx.Err() == nil; n++ {
		again := c.stillFailing(disruptive)
		if len(again) == 0 {
			return nil
		}
		c.startAttempt(again, n)
		err := c.godog(ctx, contents, tags, scenarios, seed)
		c.rerunning = nil
		if err != nil {
			return err
		}
	}
	return nil
}

// stillFailing are the failed scenarios of a phase that no rerun has passed yet.
func (c *collector) stillFailing(disruptive bool) map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	pickles := map[string]Pickle{}
	for _, p := range c.suite.Pickles {
		pickles[p.ID] = p
	}
	out := map[string]bool{}
	for _, sc := range c.scenarios {
		p, ok := pickles[sc.ID]
		if !ok || sc.Status != reports.StatusFailed || p.Disruptive != disruptive {
			continue
		}
		if !slices.ContainsFunc(c.reruns[sc.ID], func(a reports.Attempt) bool { return a.Status == reports.StatusPassed }) {
			out[sc.ID] = true
		}
	}
	return out
}

// startAttempt readies the collector for one more godog run in which only again run.
func (c *collector) startAttempt(again map[string]bool, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rerunning, c.attempt = again, n
	c.queue = map[string][]Pickle{}
	for _, p := range c.suite.Pickles {
		key := p.URI + "\x00" + p.Name
		c.queue[key] = append(c.queue[key], p)
	}
	if c.reruns == nil {
		c.reruns, c.observedOnRerun = map[string][]reports.Attempt{}, map[string]string{}
	}
}

// addAttempt records one rerun of a failed scenario.
func (c *collector) addAttempt(sc reports.Scenario) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reruns[sc.ID] = append(c.reruns[sc.ID], reports.Attempt{
		Attempt: c.attempt, Status: sc.Status, DurationMS: sc.DurationMS, Error: sc.Error, FailedStep: sc.FailedStep,
		Exchanges: sc.Exchanges, ExchangesOmitted: sc.ExchangesOmitted,
	})
	if sc.Status == reports.StatusPassed && sc.Observed != "" {
		c.observedOnRerun[sc.ID] = sc.Observed
	}
}

// foldReruns gives each rerun scenario its attempts: flaky when one passed, else it
// stays failed.
func (c *collector) foldReruns() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.scenarios {
		sc := &c.scenarios[i]
		attempts := c.reruns[sc.ID]
		if len(attempts) == 0 || sc.Status != reports.StatusFailed {
			continue
		}
		sc.Reruns = attempts
		if sc.PassedAttempt() != nil {
			sc.Status = reports.StatusFlaky
			if o := c.observedOnRerun[sc.ID]; o != "" {
				sc.Observed = o
			}
		}
	}
}
