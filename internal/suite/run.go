package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/cucumber/godog"

	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/reports"
	"github.com/casecert/casecert/steps"
)

// Config is one run of a loaded suite against one target. The suite adds its own profile
// and builds what the steps need (steps.Env); the caller brings the target's side.
type Config struct {
	Client *client.Client
	// Recorder must be the one the client reports every exchange to (client.Config.OnExchange).
	Recorder *Recorder
	Seed     int64 // of generated values and of godog's scenario order
	// Token is the bearer token in use, ExpiredToken an expired one of the target ("" if none).
	Token, ExpiredToken string
	// CaseID, when set, is an existing case every scenario works on instead of creating
	// cases; the run reads it first and writes every field back at the end.
	CaseID string
	// WriteOnlyRestore, with a CaseID, holds the user's values of write-only fields
	// (--restore): the only write-only fields the run may send (steps.Env).
	WriteOnlyRestore map[string]any
	Tags             string // godog tag expression; "" runs everything
	// Concurrency is the number of requests in flight at once. Scenarios mostly wait
	// (on the network, or for a case), so more of them run at once: scenariosPerRequest
	// times as many; one at a time with a CaseID.
	Concurrency int
	// MaxCases caps the cases the run creates; 0: steps.DefaultMaxCases(Concurrency).
	MaxCases int
	// Adopt are cases created before the suite with its setup body (the preflight's): the
	// scenarios use them first, they count against MaxCases, and they are deleted with
	// the suite's own. Result.Cleanup.CreatedCaseIDs lists only the suite's own.
	Adopt    []string
	Progress io.Writer // one character per finished scenario; nil for none
	// KeepPassing caps the exchanges kept for a passing or skipped scenario (default 1,
	// the last write, see representative; failing ones keep all).
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
	Requests  int
	Protocols []string // the HTTP protocols the target answered in
	Mode      string   // "created-cases" or "existing-case"
	// Cleanup lists the cases the run created and, with a CaseID, whether it was restored.
	Cleanup reports.Cleanup
}

// Recorder sees every exchange of the run, whichever scenario made it, for the run-wide
// checks. Give its Observe to client.Config.OnExchange.
type Recorder struct {
	mu        sync.Mutex
	requests  int
	protocols []string          // the protocols answers came in, sorted
	checks    map[string]*tally // by check name
	// usage is the last API usage an answer reported (Sforce-Limit-Info): used, allowed.
	usage *[2]int
}

// APIUsage is the last API usage the target reported (a Salesforce org's
// Sforce-Limit-Info): calls used and allowed; ok is false when none was reported.
func (r *Recorder) APIUsage() (used, limit int, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.usage == nil {
		return 0, 0, false
	}
	return r.usage[0], r.usage[1], true
}

// Observe records one exchange.
func (r *Recorder) Observe(ex client.Exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if used, limit, ok := client.APIUsage(ex); ok {
		r.usage = &[2]int{used, limit}
	}
	if ex.Proto != "" && !slices.Contains(r.protocols, ex.Proto) {
		r.protocols = append(r.protocols, ex.Proto)
		slices.Sort(r.protocols)
	}
	if r.checks == nil {
		r.checks = map[string]*tally{}
	}
	for _, c := range runWideChecks {
		t := r.checks[c.Name]
		if t == nil {
			t = &tally{}
			r.checks[c.Name] = t
		}
		if c.Applies(ex) {
			t.seen++
			if !c.Holds(ex) {
				t.add(ex)
			}
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

// Run runs the suite with godog and adapts the outcome to the results model. With a
// CaseID it reads the case first (an error if it cannot) and restores it at the end, even
// when ctx was cancelled: the case belongs to someone else.
func (s *Suite) Run(ctx context.Context, cfg Config) (Result, error) {
	if err := ValidateTags(cfg.Tags); err != nil {
		return Result{}, err
	}
	if cfg.KeepPassing == 0 {
		cfg.KeepPassing = 1
	}
	if cfg.Recorder == nil {
		cfg.Recorder = &Recorder{}
	}
	var created createdCases
	env := &steps.Env{
		Client: cfg.Client, Profile: s.Profile, Seed: cfg.Seed, RunID: runID(cfg.Seed),
		Token: cfg.Token, ExpiredToken: cfg.ExpiredToken, Created: created.add, CaseID: cfg.CaseID,
		WriteOnlyRestore: cfg.WriteOnlyRestore,
	}
	scenarios := casePool(ctx, s, &cfg, env)
	res := Result{Mode: "created-cases", Cleanup: reports.Cleanup{Restored: true, Detail: "the run only changed cases it created"}}
	var snapshot steps.CaseSnapshot
	if cfg.CaseID != "" {
		res.Mode = "existing-case"
		var err error
		if snapshot, err = steps.Snapshot(ctx, env); err != nil {
			return Result{}, fmt.Errorf("--case-id: %w", err)
		}
	}
	c := &collector{suite: s, cfg: cfg, env: env, queue: map[string][]Pickle{}, inShard: s.InShard(cfg.Shard)}
	for _, p := range s.Pickles {
		key := p.URI + "\x00" + p.Name
		c.queue[key] = append(c.queue[key], p)
	}
	var contents []godog.Feature
	for _, f := range s.Features {
		contents = append(contents, godog.Feature{Name: f.Path, Contents: f.Source})
	}
	suite := godog.TestSuite{
		Name:                "casecert",
		ScenarioInitializer: c.initScenario,
		Options: &godog.Options{
			Format:          "progress", // discarded: the results model and reports.Formats write the reports
			Output:          io.Discard,
			FeatureContents: contents,
			FS:              fstest.MapFS{}, // never let godog read ./features from the working directory
			Tags:            cfg.Tags,
			Concurrency:     scenarios,
			Randomize:       cfg.Seed,
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
	if cfg.CaseID != "" {
		restoreCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		res.Cleanup.Restored, res.Cleanup.Detail = steps.Restore(restoreCtx, env, snapshot)
		cancel()
	}
	res.Cleanup.CreatedCaseIDs = created.list()
	deleteCases(ctx, s, cfg, env, &res.Cleanup)

	res.Scenarios = append(c.scenarios, runWide(s, cfg.Recorder, cfg.Shard)...)
	sort.Slice(res.Scenarios, func(i, j int) bool { return res.Scenarios[i].ID < res.Scenarios[j].ID })
	cfg.Recorder.mu.Lock()
	res.Requests = cfg.Recorder.requests
	res.Protocols = slices.Clone(cfg.Recorder.protocols)
	cfg.Recorder.mu.Unlock()
	return res, nil
}

// createdCases collects the ids of the cases the steps create, from every scenario.
type createdCases struct {
	mu  sync.Mutex
	ids []string
}

func (c *createdCases) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids = append(c.ids, id)
}

func (c *createdCases) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.ids)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// tally counts the exchanges a run-wide check looked at and those that broke it, and keeps
// the first few of those, already capped for the report.
type tally struct {
	seen, count int
	kept        []reports.Exchange
}

const keptEvidence = 50

func (t *tally) add(ex client.Exchange) {
	t.count++
	if len(t.kept) < keptEvidence {
		t.kept = append(t.kept, toReport(ex.Evidence(client.MaxEvidenceBody), client.MaxEvidenceBody))
	}
}

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
		c, ok := lookupCheck(r.RunWide)
		if !ok {
			continue
		}
		t := rec.checks[c.Name]
		if t == nil {
			t = &tally{}
		}
		out = append(out, runWideScenario(r, c.Passed, suffix, *t,
			fmt.Sprintf("expected %s; observed %d of %d %s", c.Expected, t.count, t.seen, c.Counted)))
	}
	return out
}

// runWideScenario is the result of a run-wide check, failed when bad holds any exchange.
// Its id is the check's in every shard (the suffix names the shard only), so that merge
// folds the shards' results into one.
func runWideScenario(r Requirement, name, suffix string, bad tally, problem string) reports.Scenario {
	sc := reports.Scenario{
		ID: "run-wide;" + slug(name), Name: name + suffix, Feature: reports.RunWideFeature,
		Requirements: []string{r.ID}, Level: r.Level, Status: reports.StatusPassed, Exchanges: []reports.Exchange{},
	}
	if bad.seen == 0 {
		// Nothing the check applies to was observed: it judged nothing, so it did not pass.
		sc.Status = reports.StatusError
		sc.Error = fmt.Sprintf("%s: could not judge: the run observed no exchange this check applies to (%s)", r.ID, problem)
		return sc
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
	env   *steps.Env

	inShard map[string]bool

	mu        sync.Mutex
	evidence  budget
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
		if ctx.Err() != nil {
			// The run stopped (the target died, its quota ran out, Ctrl-C): godog goes on
			// through every scenario, which now ends here, not-run, at once.
			c.add(notRun(pickle, "the run stopped before it: "+context.Cause(ctx).Error()), "-")
			return ctx, godog.ErrSkip
		}
		started = time.Now()
		w := steps.NewWorld(c.env, pickle.ID, pickle.Requirements, s)
		w.Amend(pickle.Amended)
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
		c.record(pickle, w.Outcome(), time.Since(started), context.Cause(ctx))
		return ctx, nil
	})
}

// record turns a finished scenario into its result. stopped is why the run stopped, if it
// did (a scenario cut short by the stop is not-run).
func (c *collector) record(p Pickle, out steps.Outcome, took time.Duration, stopped error) {
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
	switch sc.Status {
	case reports.StatusSkipped:
		sc.SkipReason = out.SkipReason
		kept = representative(kept, c.cfg.KeepPassing)
	case reports.StatusPassed:
		kept = representative(kept, c.cfg.KeepPassing)
	}
	sc.ExchangesOmitted = len(out.Exchanges) - len(kept)
	c.mu.Lock()
	for _, ex := range kept {
		sc.Exchanges = append(sc.Exchanges, c.evidence.keep(ex))
	}
	c.mu.Unlock()
	c.add(sc, progressMark[sc.Status])
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

// Bounds of the evidence a run keeps, so that a target answering megabytes cannot fill
// memory or the report directory: each body is cut at client.MaxEvidenceBody, and once
// the run has kept evidenceBudget bytes of bodies, later ones are cut at spentBody (the
// scenario, its error and every exchange's line are still all there).
const (
	evidenceBudget = 6 << 20
	spentBody      = 1 << 10
)

// budget counts the bytes of bodies kept as evidence by the run.
type budget struct{ used int }

func (b *budget) keep(ex client.Exchange) reports.Exchange {
	limit := client.MaxEvidenceBody
	if b.used >= evidenceBudget {
		limit = spentBody
	}
	out := toReport(ex, limit)
	b.used += len(out.RequestBody) + len(out.ResponseBody) + len(out.Curl)
	return out
}

// toReport is the report's copy of an exchange, its bodies and curl line cut at limit.
func toReport(ex client.Exchange, limit int) reports.Exchange {
	return reports.Exchange{
		Method: ex.Method, URL: client.CapText(ex.URL, limit),
		RequestHeaders: nonNil(ex.RequestHeaders), RequestBody: client.CapText(ex.RequestBody, limit),
		Status: ex.Status, ResponseHeaders: nonNil(ex.ResponseHeaders), ResponseBody: client.CapText(ex.ResponseBody, limit),
		DurationMS: ex.Duration.Milliseconds(), Curl: client.CapText(ex.Curl, limit), Error: client.CapText(ex.Err, limit), Proto: ex.Proto,
	}
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

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
		"(%d requests for %d scenarios); the run stops at the first REQUEST_LIMIT_EXCEEDED, with the rest not run", used, limit, max(left, 0), EstimateRequests(n), n)
}
