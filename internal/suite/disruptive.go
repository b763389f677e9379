package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing/fstest"
	"time"

	"github.com/cucumber/godog"

	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/reports"
	"github.com/casecert/casecert/steps"
)

// DisruptiveTag marks the scenarios that may damage the target beyond their own case
// (requirements.md, "Disruptive scenarios"); their requirement says why (disruptive: in
// requirements.yaml).
const DisruptiveTag = steps.DisruptiveTag

// Blast radius orders the run: every scenario that judges semantics runs first, at the
// run's concurrency; the disruptive ones after all of them have ended, one at a time and
// in file order (so that the seed cannot change which one meets a target another broke),
// each on a case no other scenario gets after it, with a health probe after each. When
// the target fails the probe it answered before, the scenario just ended broke it: it
// fails its requirement, naming how, the remaining disruptive scenarios are not-run and
// the run stops early (Result.Stopped).

// runPhases runs the selected scenarios in the two phases and returns why the run
// stopped early ("" when it did not).
func (c *collector) runPhases(ctx context.Context, contents []godog.Feature, scenarios int) (string, error) {
	tags := c.cfg.Tags
	ordinary := andTags(tags, "~"+DisruptiveTag)
	if err := c.godog(ctx, contents, ordinary, scenarios, c.cfg.Seed); err != nil {
		return "", err
	}
	if err := c.rerunFailed(ctx, contents, ordinary, false, scenarios, c.cfg.Seed); err != nil {
		return "", err
	}
	disruptive := andTags(tags, DisruptiveTag)
	if ctx.Err() != nil || !c.anySelected(disruptive) {
		return "", nil
	}
	started, before := time.Now(), c.requests()
	c.phase = &reports.DisruptivePhase{}
	defer func() {
		c.phase.Requests = c.requests() - before
		c.phase.DurationMS = time.Since(started).Milliseconds()
	}()
	phase, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	// A target that fails the probe already cannot show which scenario breaks it: the
	// disruptive scenarios then run without it, judged by their own steps alone.
	c.probe, _ = steps.NewProbe(phase, c.env)
	c.stopPhase = stop
	if err := c.godog(phase, contents, disruptive, 1, 0); err != nil {
		return "", err
	}
	if err := c.rerunFailed(phase, contents, disruptive, true, 1, 0); err != nil {
		return "", err
	}
	if ctx.Err() == nil && phase.Err() != nil {
		return context.Cause(phase).Error(), nil
	}
	return "", nil
}

// godog runs the scenarios tags selects, scenarios of them at once, in the order of seed
// (0: file order).
func (c *collector) godog(ctx context.Context, contents []godog.Feature, tags string, scenarios int, seed int64) error {
	suite := godog.TestSuite{
		Name:                "casecert",
		ScenarioInitializer: c.initScenario,
		Options: &godog.Options{
			Format:          "progress", // discarded: the results model and reports.Formats write the reports
			Output:          io.Discard,
			FeatureContents: contents,
			FS:              fstest.MapFS{}, // never let godog read ./features from the working directory
			Tags:            tags,
			Concurrency:     scenarios,
			Randomize:       seed,
			Strict:          true,
			NoColors:        true,
			DefaultContext:  ctx,
		},
	}
	if code := suite.Run(); code == 2 {
		return errors.New("godog refused the suite (options or feature parse error)")
	}
	return nil
}

// anySelected tells whether tags selects a scenario of the run's shard.
func (c *collector) anySelected(tags string) bool {
	for _, p := range c.suite.Selected(tags) {
		if c.inShard[p.ID] {
			return true
		}
	}
	return false
}

// andTags is a AND b (one term) in godog's syntax, where "," binds loosest: each
// alternative of a gets "&& b".
func andTags(a, b string) string {
	if strings.TrimSpace(a) == "" {
		return b
	}
	alts := strings.Split(a, ",")
	for i, alt := range alts {
		alts[i] = strings.TrimSpace(alt) + " && " + b
	}
	return strings.Join(alts, ",")
}

// disruptivePhase is the state of the disruptive phase the collector's hooks use.
type disruptivePhase struct {
	probe     *steps.Probe
	stopPhase context.CancelCauseFunc
	phase     *reports.DisruptivePhase // nil until the phase starts
}

// requests is how many requests the run has sent so far.
func (c *collector) requests() int {
	n, _ := c.cfg.Recorder.totals()
	return n
}

// afterDisruptive runs the health probe after a disruptive scenario: "" when the target
// still passes it, else how the scenario broke the target, with the probe's exchanges.
// It stops the phase when the probe fails.
func (c *collector) afterDisruptive(ctx context.Context, p Pickle) (string, []client.Exchange) {
	if !p.Disruptive || ctx.Err() != nil {
		return "", nil
	}
	c.phase.Scenarios++
	if c.probe == nil {
		return "", nil
	}
	exs, err := c.probe.Check(ctx)
	if err == nil || ctx.Err() != nil {
		return "", nil
	}
	broke := fmt.Sprintf("%s: %q broke the target: expected the health probe it passed before the scenario to pass after it; observed %v", p.Requirements[0], p.Name, err)
	c.stopPhase(fmt.Errorf("the target answers %v since the disruptive scenario %q (%s)", err, p.Name, p.Requirements[0]))
	return broke, exs
}

// leftOutDisruptive counts, by requirement, the disruptive scenarios a tag expression that
// excludes them by name ('~@disruptive') leaves out.
func (s *Suite) leftOutDisruptive(tags string) map[string]int {
	out := map[string]int{}
	if !strings.Contains(tags, "~"+DisruptiveTag) {
		return out
	}
	for _, p := range s.Pickles {
		if p.Disruptive && !MatchTags(tags, p.Tags) {
			out[p.Requirements[0]]++
		}
	}
	return out
}
