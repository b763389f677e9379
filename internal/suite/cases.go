package suite

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/reports"
	"github.com/casecert/casecert/steps"
)

// scenariosPerRequest is how many scenarios run at once per request in flight: most of
// them wait, for an answer, for a case, or for the shared read-back of a batch.
const scenariosPerRequest = 4

// casePool gives env the pool that lends the run's cases (cases.Pool), sized from cfg,
// and returns how many scenarios godog runs at once.
func casePool(ctx context.Context, s *Suite, cfg *Config, env *steps.Env) int {
	inFlight := max(cfg.Concurrency, 1)
	scenarios := inFlight * scenariosPerRequest
	if cfg.CaseID != "" {
		scenarios = 1
	}
	rested, disruptive := false, 0
	inShard := s.InShard(cfg.Shard)
	for _, p := range s.Selected(cfg.Tags) {
		rested = rested || steps.WantsRestedCase(p.Steps)
		if p.Disruptive && inShard[p.ID] {
			disruptive++
		}
	}
	if cfg.MaxCases == 0 {
		// Each disruptive scenario, and the health probe, ends the life of the case it
		// used (no scenario gets it afterwards): at a low concurrency the default must
		// still leave one for each of them.
		cfg.MaxCases = max(cases.DefaultMaxCases(inFlight), disruptiveCases(disruptive))
	}
	env.Pool = cases.NewPool(ctx, &env.Env, cases.PoolConfig{MaxCases: cfg.MaxCases, InFlight: inFlight, CaseID: cfg.CaseID, Rested: rested,
		Adopt: cfg.Adopt, AdoptBody: s.SetupBody(cfg.Seed)})
	return scenarios
}

// disruptiveCases is how many cases a run with a disruptive phase of n scenarios needs at
// least: one each and the health probe's, which the phase uses up, beside the two of the
// main phase that may not serve it (the batch of refusals', the one with children).
func disruptiveCases(n int) int {
	if n == 0 {
		return 0
	}
	return n + 1 + 2
}

// deleteCases deletes every case the run created (its own and the adopted ones) when
// the profile names paths.delete, and lists in cl those it deleted (the caller reckons
// what remains: reports.Cleanup.Account).
func deleteCases(ctx context.Context, s *Suite, cfg Config, env *steps.Env, cl *reports.Cleanup) {
	used := slices.Sorted(slices.Values(append(slices.Clone(cl.CreatedCaseIDs), cfg.Adopt...)))
	if s.Profile.Paths.Delete == "" || len(used) == 0 || cfg.CaseID != "" {
		return
	}
	// Delete even after an interrupt: what the run created is its own to clean up.
	deleteCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	cl.DeletedCaseIDs, _ = env.Pool.Delete(deleteCtx, used)
	cl.Detail = fmt.Sprintf("the run only changed cases it created; %d of %d deleted at the end (paths.delete)", len(cl.DeletedCaseIDs), len(used))
}
