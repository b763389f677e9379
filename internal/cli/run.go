package cli

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/casecert/casecert/features"
	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/suite"
	"github.com/casecert/casecert/reports"
)

// runCommand certifies one target. The stages, in order, each a function of this package:
// parseRunFlags, loadProfile, loadSuite (expand the features for the profile),
// selectScenarios, startTarget (the given URL or the reference server), connect (client
// and preflight), runSuite (godog), resultsModel (judge), writeReports, printVerdict and
// verdictError. Every error carries its exit code: see exitCode.
func runCommand(env Env, args []string) error {
	opts, err := parseRunFlags(env, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	profile, err := loadProfile(env, opts.profile)
	if err != nil {
		return err
	}
	st, err := loadSuite(env, opts.featuresDir, profile)
	if err != nil {
		return err
	}
	if opts.dryRun {
		_, err := env.Stdout.Write(st.Render())
		return err
	}
	selected, err := selectScenarios(st, opts)
	if err != nil {
		return err
	}
	target, err := startTarget(env, opts)
	if err != nil {
		return err
	}
	defer target.stop()
	started := env.Now()
	cl, rec, err := connect(env, opts, profile, target)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "casecert %s: certifying %s (profile %s, %d scenarios, seed %d)\n",
		Version, target.describe(), profile.Name, selected, opts.seed)
	res, err := runSuite(env, opts, st, target, cl, rec)
	if err != nil {
		return err
	}
	interrupted := env.Context.Err()
	run := resultsModel(opts, st, target, res, started, env.Now(), interrupted)
	paths, err := writeReports(env, opts.reportDir, opts.formats, run)
	if err != nil {
		return err
	}
	printVerdict(env.Stdout, run, paths)
	return verdictError(run, interrupted)
}

// loadProfile reads --profile, or takes the embedded default profile.
func loadProfile(env Env, path string) (*fixtures.Profile, error) {
	if path == "" {
		return fixtures.Default(), nil
	}
	data, err := env.ReadFile(path)
	if err != nil {
		return nil, usagef("--profile: %v", err)
	}
	p, err := fixtures.Parse(path, data)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return p, nil
}

// loadSuite expands the features (--features, or the embedded ones) for the profile.
func loadSuite(env Env, dir string, p *fixtures.Profile) (*suite.Suite, error) {
	fsys := fs.FS(features.FS)
	if dir != "" {
		fsys = env.DirFS(dir)
	}
	st, err := suite.Load(fsys, p)
	if err != nil {
		return nil, usagef("features: %v", err)
	}
	return st, nil
}

// selectScenarios counts the scenarios --tags and --shard leave; none is a usage error.
func selectScenarios(st *suite.Suite, o *runOptions) (int, error) {
	selected := 0
	inShard := st.InShard(o.shard)
	for _, p := range st.Selected(o.tags) {
		if inShard[p.ID] {
			selected++
		}
	}
	if selected == 0 {
		return 0, usagef("--tags %q with --shard %q selects no scenario (casecert list shows the requirement tags)", o.tags, o.shard)
	}
	return selected, nil
}

// connect builds the client of the target, with the recorder of the run-wide checks
// watching every exchange, and makes sure the target answers and takes the token.
func connect(env Env, o *runOptions, p *fixtures.Profile, t *target) (*client.Client, *suite.Recorder, error) {
	rec := &suite.Recorder{}
	cl, err := newClient(env, o, p, t, rec)
	if err != nil {
		return nil, nil, err
	}
	if err := preflight(env.Context, cl, p, o.caseID); err != nil {
		return nil, nil, err
	}
	return cl, rec, nil
}

// runSuite runs the selected scenarios with godog and says how the --case-id case was left.
func runSuite(env Env, o *runOptions, st *suite.Suite, t *target, cl *client.Client, rec *suite.Recorder) (suite.Result, error) {
	res, err := st.Run(env.Context, suite.Config{
		Client: cl, Recorder: rec, Seed: o.seed, Token: t.token, ExpiredToken: t.expiredToken, CaseID: o.caseID,
		Tags: o.tags, Concurrency: o.concurrency, Progress: env.Stderr, Shard: o.shard,
	})
	if err != nil {
		return res, &targetError{err}
	}
	if o.caseID != "" {
		fmt.Fprintf(env.Stderr, "casecert: case %s: %s\n", o.caseID, res.Cleanup.Detail)
	}
	return res, nil
}

// resultsModel is the report of the run, judged against the catalog. An interrupted run
// keeps what ran as evidence, but certifies nothing.
func resultsModel(o *runOptions, st *suite.Suite, t *target, res suite.Result, started, finished time.Time, interrupted error) reports.Run {
	run := reports.Run{
		Schema: reports.Schema,
		Tool:   reports.Tool{Name: "casecert", Version: Version},
		Suite:  reports.Suite{Digest: st.Digest, Scenarios: st.Size(), Shard: o.shard.String()},
		Target: reports.Target{BaseURL: t.baseURL, APIVersion: firstNonEmpty(o.apiVersion, st.Profile.APIVersion), Profile: st.Profile.Name,
			Mode: res.Mode, Reference: t.reference, Fault: strings.Join(o.faults, ",")},
		Run: reports.RunInfo{
			StartedAt: started.UTC().Format(time.RFC3339), FinishedAt: finished.UTC().Format(time.RFC3339),
			DurationMS: finished.Sub(started).Milliseconds(), Seed: o.seed, Concurrency: o.concurrency,
			Requests: res.Requests, InsecureTLS: o.insecure, Tags: o.tags,
		},
		Scenarios: res.Scenarios,
		Cleanup:   res.Cleanup,
	}
	if o.insecure {
		run.Run.Warnings = append(run.Run.Warnings, "TLS certificate verification was disabled (--insecure-skip-verify)")
	}
	reports.Judge(&run, st.CatalogEntries())
	if interrupted != nil {
		run.Verdict = reports.VerdictError
		run.Run.Warnings = append(run.Run.Warnings, "the run was interrupted before every scenario ran")
	}
	return run
}

// verdictError is the run's outcome as an error for exitCode: nil when conformant (with
// or without warnings).
func verdictError(run reports.Run, interrupted error) error {
	switch {
	case interrupted != nil:
		return &targetError{fmt.Errorf("interrupted (%v); the partial report is marked as an error", interrupted)}
	case run.Verdict == reports.VerdictNonConformant || run.Verdict == reports.VerdictError:
		return &failedError{fmt.Sprintf("verdict %s", run.Verdict)}
	}
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
