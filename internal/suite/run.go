package suite

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/casecert/casecert/internal/cases"
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
	// MaxCases caps the cases the run creates; 0: cases.DefaultMaxCases(Concurrency).
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
	// RerunFailed runs each failed scenario again up to this many times (rerun.go).
	RerunFailed int
}

// Result is what a run produced, before judging.
type Result struct {
	Scenarios []reports.Scenario
	Requests  int
	Protocols []string // the HTTP protocols the target answered in
	Mode      string   // "created-cases" or "existing-case"
	// Cleanup lists the cases the run created and, with a CaseID, whether it was restored.
	Cleanup reports.Cleanup
	// Stopped, when set, is why the suite stopped before every scenario ran (a disruptive
	// scenario broke the target); the caller's own stops are its context's cause.
	Stopped string
	// Disruptive measures the disruptive phase (disruptive.go); nil when it did not run.
	Disruptive *reports.DisruptivePhase
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
		cfg.Recorder = NewRecorder(s.Profile.Host())
	}
	var created createdCases
	env := &steps.Env{
		Env: cases.Env{
			Client: cfg.Client, Profile: s.Profile, RunID: runID(cfg.Seed), Created: created.add,
			CaseID: cfg.CaseID, WriteOnlyRestore: cfg.WriteOnlyRestore,
		},
		Seed: cfg.Seed, Token: cfg.Token, ExpiredToken: cfg.ExpiredToken,
	}
	scenarios := casePool(ctx, s, &cfg, env)
	res := Result{Mode: "created-cases", Cleanup: reports.Cleanup{Restored: true, Detail: "the run only changed cases it created"}}
	var snapshot cases.CaseSnapshot
	if cfg.CaseID != "" {
		res.Mode = "existing-case"
		var err error
		if snapshot, err = cases.Snapshot(ctx, &env.Env); err != nil {
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
	stopped, err := c.runPhases(ctx, contents, scenarios)
	if err != nil {
		return Result{}, err
	}
	c.foldReruns()
	res.Stopped, res.Disruptive = stopped, c.phase
	if c.Progress() > 0 && cfg.Progress != nil {
		fmt.Fprintln(cfg.Progress)
	}
	if cfg.CaseID != "" {
		restoreCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		res.Cleanup.Restored, res.Cleanup.Detail = cases.Restore(restoreCtx, &env.Env, snapshot)
		cancel()
	}
	res.Cleanup.CreatedCaseIDs = created.list()
	deleteCases(ctx, s, cfg, env, &res.Cleanup)

	res.Scenarios = append(c.scenarios, runWide(s, cfg.Recorder, cfg.Shard, s.leftOutDisruptive(cfg.Tags))...)
	sort.Slice(res.Scenarios, func(i, j int) bool { return res.Scenarios[i].ID < res.Scenarios[j].ID })
	res.Requests, res.Protocols = cfg.Recorder.totals()
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
