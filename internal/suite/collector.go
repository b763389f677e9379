package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/reports"
	"github.com/casecert/casecert/steps"
)

// collector turns godog's scenarios into results as they finish.
type collector struct {
	suite *Suite
	cfg   Config
	env   *steps.Env

	inShard map[string]bool

	mu        sync.Mutex
	evidence  budget
	queue     map[string][]Pickle
	scenarios []reports.Scenario
	done      int

	disruptivePhase
	rerunState
}

func (c *collector) Progress() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// claim maps a godog pickle to ours (same file, same name, in order).
func (c *collector) claim(uri, name string) Pickle {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := uri + "\x00" + name
	q := c.queue[key]
	if len(q) == 0 {
		return Pickle{ID: slug(uri) + ";" + slug(name), Name: name, URI: uri}
	}
	c.queue[key] = q[1:]
	return q[0]
}

func (c *collector) initScenario(sc *godog.ScenarioContext) {
	steps.Register(sc)
	var pickle Pickle
	var started time.Time
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		pickle = c.claim(s.Uri, s.Name)
		if !c.inShard[pickle.ID] {
			return ctx, godog.ErrSkip // another shard's scenario: not run, not reported
		}
		if c.rerunning != nil && (!c.rerunning[pickle.ID] || ctx.Err() != nil) {
			// Not rerun in this attempt (or the run stopped): the scenario's result
			// stands as recorded.
			return ctx, godog.ErrSkip
		}
		if ctx.Err() != nil {
			// The run stopped (the target died, its quota ran out, Ctrl-C): godog goes on
			// through every scenario, which now ends here, not-run, at once.
			c.add(notRun(pickle, "the run stopped before it: "+context.Cause(ctx).Error()), "-")
			return ctx, godog.ErrSkip
		}
		started = time.Now()
		w := steps.NewWorld(c.env, pickle.ID, pickle.Requirements, s)
		w.Amend(pickle.Amended)
		if c.rerunning != nil {
			w.Alone()
		}
		return steps.WithWorld(ctx, w), nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		if w := steps.WorldFrom(ctx); w != nil && err != nil && !errors.Is(err, godog.ErrSkip) {
			w.StepFailed(st.Text, err)
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (_ context.Context, hookErr error) {
		defer func() {
			// A panic here would kill the run before any report is written.
			if r := recover(); r != nil {
				hookErr = fmt.Errorf("internal error while recording the scenario: %v", r)
			}
		}()
		w := steps.WorldFrom(ctx)
		if w == nil {
			return ctx, nil
		}
		w.Finish()
		if err != nil && !errors.Is(err, godog.ErrSkip) {
			w.StepFailed("(scenario)", err)
		}
		out := w.Outcome()
		if broke, exs := c.afterDisruptive(ctx, pickle); broke != "" {
			// The scenario broke the target: a violation of its requirement, whatever its
			// own steps saw, with the probe's exchanges as the evidence.
			out.Err, out.FailedStep = steps.Broke(broke), "(the health probe after the scenario)"
			out.Exchanges = append(out.Exchanges, exs...)
		}
		c.record(pickle, out, time.Since(started), context.Cause(ctx))
		return ctx, nil
	})
}

// record turns a finished scenario into its result (in a rerun, an attempt of it).
// stopped is why the run stopped, if it did (a scenario cut short by the stop is not-run).
func (c *collector) record(p Pickle, out steps.Outcome, took time.Duration, stopped error) {
	sc := c.result(p, out, took, stopped)
	if c.rerunning != nil {
		c.addAttempt(sc)
		return
	}
	c.add(sc, progressMark[sc.Status])
}

// result is a finished scenario's result. A rerun keeps every exchange of a passing
// attempt: it is the evidence that the failure was not seen again.
func (c *collector) result(p Pickle, out steps.Outcome, took time.Duration, stopped error) reports.Scenario {
	sc := reports.Scenario{
		ID: p.ID, Name: p.Name, Feature: p.Feature, URI: p.URI, Line: p.Line,
		Requirements: p.Requirements, Level: p.Level,
		Status: reports.StatusPassed, DurationMS: took.Milliseconds(),
		Observed: out.Observed, Exchanges: []reports.Exchange{},
	}
	if sc.Requirements == nil {
		sc.Requirements = []string{}
	}
	kept := out.Exchanges
	sc.Status, sc.Error = outcomeStatus(out, stopped)
	if out.Err != nil {
		sc.FailedStep = out.FailedStep
	}
	switch {
	case sc.Status == reports.StatusSkipped:
		sc.SkipReason, sc.Inapplicable = out.SkipReason, out.Inapplicable
		kept = representative(kept, c.cfg.KeepPassing)
	case sc.Status == reports.StatusPassed && c.rerunning == nil:
		kept = representative(kept, c.cfg.KeepPassing)
	}
	sc.ExchangesOmitted = len(out.Exchanges) - len(kept)
	c.mu.Lock()
	for _, ex := range kept {
		sc.Exchanges = append(sc.Exchanges, c.evidence.keep(ex))
	}
	c.mu.Unlock()
	return sc
}

// progressMark is the console's character for each scenario outcome.
var progressMark = map[reports.Status]string{
	reports.StatusPassed: ".", reports.StatusFailed: "F", reports.StatusSkipped: "S",
	reports.StatusError: "E", reports.StatusNotRun: "-",
}

// outcomeStatus decides a finished scenario's outcome and its error text. Only a step
// that reported a violation of the requirement (steps.Violation) fails it, and only when
// the answers it judged were the target's own: a scenario that met a throttled or
// quota-exhausted answer, or that the run's stop cut short, could not be judged.
func outcomeStatus(out steps.Outcome, stopped error) (reports.Status, string) {
	if out.Err == nil {
		if out.SkipReason != "" {
			return reports.StatusSkipped, ""
		}
		return reports.StatusPassed, ""
	}
	msg := out.Err.Error()
	for _, ex := range out.Exchanges {
		if _, quota := client.QuotaExceeded(ex); quota || ex.Status == http.StatusTooManyRequests {
			return reports.StatusError, fmt.Sprintf("not judged: the target throttled the run (%s %s answered %d): %s", ex.Method, ex.URL, ex.Status, msg)
		}
	}
	switch {
	case stopped != nil && errors.Is(out.Err, context.Canceled):
		return reports.StatusNotRun, "the run stopped during this scenario: " + stopped.Error()
	case steps.IsViolation(out.Err):
		return reports.StatusFailed, msg
	default:
		return reports.StatusError, "not judged: " + msg
	}
}

// add appends a result and shows its progress mark.
func (c *collector) add(sc reports.Scenario, mark string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scenarios = append(c.scenarios, sc)
	c.done++
	if c.cfg.Progress != nil {
		if c.done%60 == 0 {
			mark += fmt.Sprintf(" %d\n", c.done)
		}
		io.WriteString(c.cfg.Progress, mark)
	}
}

// representative is what a passing or skipped scenario keeps of its n exchanges: the
// last writes (the requests whose answers were judged), else the last exchanges.
func representative(all []client.Exchange, n int) []client.Exchange {
	if len(all) <= n {
		return all
	}
	var writes []client.Exchange
	for _, ex := range all {
		if ex.Method != http.MethodGet {
			writes = append(writes, ex)
		}
	}
	if len(writes) >= n {
		return writes[len(writes)-n:]
	}
	return all[len(all)-n:]
}
