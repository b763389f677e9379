package suite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/cucumber/godog"

	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/reports"
	"github.com/casecert/casecert/steps"
)

// Config is one run of a loaded suite.
type Config struct {
	Env         *steps.Env
	Tags        string // godog tag expression; "" runs everything
	Concurrency int
	Progress    io.Writer // one character per finished scenario; nil for none
	// KeepPassing caps the exchanges kept for a passing scenario (failing ones keep all).
	KeepPassing int
	// Shard, when set, runs one deterministic slice of the scenarios (CI fan-out).
	Shard Shard
}

// Shard is the I-th of N slices of a suite; the zero value is the whole suite.
type Shard struct{ I, N int }

func (sh Shard) String() string {
	if sh.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", sh.I, sh.N)
}

// ParseShard reads "I/N" with 1 <= I <= N.
func ParseShard(s string) (Shard, error) {
	var sh Shard
	if s == "" {
		return sh, nil
	}
	if n, err := fmt.Sscanf(s, "%d/%d", &sh.I, &sh.N); n != 2 || err != nil || sh.N < 1 || sh.I < 1 || sh.I > sh.N || sh.String() != s {
		return Shard{}, fmt.Errorf("shard %q is not I/N with 1 <= I <= N, e.g. 2/4", s)
	}
	return sh, nil
}

// InShard tells which pickles a shard runs: the suite's scenarios sorted by ID, dealt
// round-robin, so every shard of a run gets a stable, similar share.
func (s *Suite) InShard(sh Shard) map[string]bool {
	ids := make([]string, 0, len(s.Pickles))
	for _, p := range s.Pickles {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	in := map[string]bool{}
	for i, id := range ids {
		if sh.N == 0 || i%sh.N == sh.I-1 {
			in[id] = true
		}
	}
	return in
}

// Result is what a run produced, before judging.
type Result struct {
	Scenarios []reports.Scenario
	Cucumber  []byte // godog's Cucumber JSON
	Requests  int
}

// Recorder sees every exchange of the run, whichever scenario made it, for the checks
// that are judged over the whole run. Give its Observe to client.Config.OnExchange.
type Recorder struct {
	mu        sync.Mutex
	requests  int
	serverErr evidence // 5xx answers
	bareError evidence // 4xx answers without a JSON error message
	refusals  int
}

// Observe records one exchange.
func (r *Recorder) Observe(ex client.Exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	switch {
	case ex.Status >= 500:
		r.serverErr.add(ex)
	case ex.Status >= 400:
		r.refusals++
		if ex.ErrorMessage() == "" {
			r.bareError.add(ex)
		}
	}
}

var tagExpr = regexp.MustCompile(`^\s*~?@[^\s,&~@]+(\s*(,|&&)\s*~?@[^\s,&~@]+)*\s*$`)

// ValidateTags checks a tag expression in godog's syntax (`,` or, `&&` and, `~` not),
// since godog silently matches nothing on Cucumber's `and`/`or` words and panics on a
// trailing comma.
func ValidateTags(expr string) error {
	if expr == "" || tagExpr.MatchString(expr) {
		return nil
	}
	return fmt.Errorf("tag expression %q is not valid: write tags as @TAG joined by \",\" (or) and \"&&\" (and), with \"~\" for not, e.g. \"@must && ~@AUTH-MISSING\"", expr)
}

// Run runs the suite with godog and adapts the outcome to the results model.
func (s *Suite) Run(ctx context.Context, cfg Config, rec *Recorder) (Result, error) {
	if err := ValidateTags(cfg.Tags); err != nil {
		return Result{}, err
	}
	if cfg.KeepPassing == 0 {
		cfg.KeepPassing = 6
	}
	c := &collector{suite: s, cfg: cfg, queue: map[string][]Pickle{}, inShard: s.InShard(cfg.Shard)}
	for _, p := range s.Pickles {
		key := p.URI + "\x00" + p.Name
		c.queue[key] = append(c.queue[key], p)
	}
	var contents []godog.Feature
	for _, f := range s.Features {
		contents = append(contents, godog.Feature{Name: f.Path, Contents: f.Source})
	}
	var cucumber bytes.Buffer
	suite := godog.TestSuite{
		Name:                "casecert",
		ScenarioInitializer: c.initScenario,
		Options: &godog.Options{
			Format:          "cucumber",
			Output:          &cucumber,
			FeatureContents: contents,
			FS:              fstest.MapFS{}, // never let godog read ./features from the working directory
			Tags:            cfg.Tags,
			Concurrency:     max(cfg.Concurrency, 1),
			Randomize:       cfg.Env.Seed,
			Strict:          true,
			NoColors:        true,
			DefaultContext:  ctx,
		},
	}
	if code := suite.Run(); code == 2 {
		return Result{}, errors.New("godog refused the suite (options or feature parse error)")
	}
	if c.Progress() > 0 && cfg.Progress != nil {
		fmt.Fprintln(cfg.Progress)
	}
	res := Result{Scenarios: c.scenarios, Cucumber: cucumber.Bytes()}
	res.Scenarios = append(res.Scenarios, runWide(s, rec, cfg.Shard)...)
	sort.Slice(res.Scenarios, func(i, j int) bool { return res.Scenarios[i].ID < res.Scenarios[j].ID })
	rec.mu.Lock()
	res.Requests = rec.requests
	rec.mu.Unlock()
	return res, nil
}

// evidence counts the exchanges that break a run-wide rule and keeps the first few,
// already capped for the report.
type evidence struct {
	count int
	kept  []reports.Exchange
}

const keptEvidence = 50

func (e *evidence) add(ex client.Exchange) {
	e.count++
	if len(e.kept) < keptEvidence {
		e.kept = append(e.kept, toReport(ex))
	}
}

// Run-wide checks, named in the catalog by a requirement's run_wide key: they judge every
// exchange of the run, whichever scenario made it.
const (
	checkNo5xx        = "no-5xx"             // no answer of the run is a 5xx
	checkErrorMessage = "json-error-message" // every 4xx carries a JSON error message
)

// Size is the number of results a full run of the suite gives: its scenarios and the
// run-wide checks the catalog asks for.
func (s *Suite) Size() int {
	n := len(s.Pickles)
	for _, r := range s.Catalog {
		if r.RunWide != "" {
			n++
		}
	}
	return n
}

// runWide judges the catalog's run-wide checks over what the recorder saw.
func runWide(s *Suite, rec *Recorder, sh Shard) []reports.Scenario {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	// Each shard judges its own exchanges; merged, any shard's failure fails the requirement.
	suffix := ""
	if sh.N > 0 {
		suffix = fmt.Sprintf(" (shard %d of %d)", sh.I, sh.N)
	}
	var out []reports.Scenario
	for _, r := range s.Catalog {
		switch r.RunWide {
		case checkNo5xx:
			out = append(out, runWideScenario(r, "no request of the run got a 5xx answer"+suffix, rec.serverErr,
				fmt.Sprintf("expected no 5xx answer in the whole run; observed %d of %d requests answered 5xx", rec.serverErr.count, rec.requests)))
		case checkErrorMessage:
			out = append(out, runWideScenario(r, "every refusal of the run carried a JSON error message"+suffix, rec.bareError,
				fmt.Sprintf("expected a JSON error body with a message on every 4xx; observed %d of %d refusals without one", rec.bareError.count, rec.refusals)))
		}
	}
	return out
}

// runWideScenario is the result of a run-wide check, failed when bad holds any exchange.
func runWideScenario(r Requirement, name string, bad evidence, problem string) reports.Scenario {
	sc := reports.Scenario{
		ID: "run-wide;" + slug(name), Name: name, Feature: "Run-wide checks",
		Requirements: []string{r.ID}, Level: r.Level, Status: reports.StatusPassed, Exchanges: []reports.Exchange{},
	}
	if bad.count > 0 {
		sc.Status = reports.StatusFailed
		var lines []string
		for i, ex := range bad.kept {
			if i < 10 {
				lines = append(lines, fmt.Sprintf("%s %s -> %d", ex.Method, ex.URL, ex.Status))
			}
		}
		sc.Exchanges = bad.kept
		sc.ExchangesOmitted = bad.count - len(bad.kept)
		sc.Error = fmt.Sprintf("%s: %s:\n%s", r.ID, problem, strings.Join(lines, "\n"))
	}
	return sc
}

// collector turns godog's scenarios into results as they finish.
type collector struct {
	suite *Suite
	cfg   Config

	inShard map[string]bool

	mu        sync.Mutex
	queue     map[string][]Pickle
	scenarios []reports.Scenario
	done      int
}

type startKey struct{}

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
		started = time.Now()
		return steps.WithWorld(ctx, steps.NewWorld(c.cfg.Env, pickle.ID, pickle.Requirements)), nil
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
		if err != nil && !errors.Is(err, godog.ErrSkip) {
			w.StepFailed("(scenario)", err)
		}
		c.record(pickle, w.Outcome(), time.Since(started))
		return ctx, nil
	})
}

func (c *collector) record(p Pickle, out steps.Outcome, took time.Duration) {
	sc := reports.Scenario{
		ID: p.ID, Name: p.Name, Feature: p.Feature, URI: p.URI, Line: p.Line,
		Requirements: p.Requirements, Level: p.Level,
		Status: reports.StatusPassed, DurationMS: took.Milliseconds(),
		Observed: out.Observed, Exchanges: []reports.Exchange{},
	}
	if sc.Requirements == nil {
		sc.Requirements = []string{}
	}
	keep := len(out.Exchanges)
	mark := "."
	switch {
	case out.Err != nil:
		sc.Status, sc.Error, sc.FailedStep = reports.StatusFailed, out.Err.Error(), out.FailedStep
		mark = "F"
	case out.SkipReason != "":
		sc.Status, sc.SkipReason = reports.StatusSkipped, out.SkipReason
		mark = "S"
		keep = min(keep, c.cfg.KeepPassing)
	default:
		keep = min(keep, c.cfg.KeepPassing)
	}
	for _, ex := range out.Exchanges[:keep] {
		sc.Exchanges = append(sc.Exchanges, toReport(ex))
	}
	sc.ExchangesOmitted = len(out.Exchanges) - keep
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

// maxReportBody caps each body kept as evidence, so a target answering megabytes (or a
// scenario sending them) cannot blow up the report.
const maxReportBody = 64 << 10

func toReport(ex client.Exchange) reports.Exchange {
	return reports.Exchange{
		Method: ex.Method, URL: ex.URL,
		RequestHeaders: nonNil(ex.RequestHeaders), RequestBody: capBody(ex.RequestBody),
		Status: ex.Status, ResponseHeaders: nonNil(ex.ResponseHeaders), ResponseBody: capBody(ex.ResponseBody),
		DurationMS: ex.Duration.Milliseconds(), Curl: capBody(ex.Curl), Error: ex.Err,
	}
}

func capBody(s string) string {
	if len(s) <= maxReportBody {
		return s
	}
	cut := maxReportBody
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("\n[casecert: %d more bytes not kept in the report]", len(s)-cut)
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
