package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/casecert/casecert/features"
	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/internal/preflight"
	"github.com/casecert/casecert/internal/suite"
	"github.com/casecert/casecert/reports"
)

// runCommand certifies one target. The stages, in order, each a function of this package:
// parseRunFlags, loadProfile, loadSuite (expand the features for the profile),
// selectScenarios, checkReportDir (before any request), startTarget (the given URL or the
// reference server), connect (the client, whose stop conditions cancel the run),
// preflight (fail fast, with the cause), runSuite (godog), resultsModel (judge),
// writeReports, printVerdict and verdictOutcome. Every error carries its exit code: see
// exitCode.
func runCommand(env Env, args []string) error {
	opts, err := parseRunFlags(env, args)
	if err != nil {
		return err
	}
	profile, err := loadProfile(env, opts.profile)
	if err != nil {
		return err
	}
	if opts.writeOnlyRestore, err = restoreValues(profile, opts); err != nil {
		return err
	}
	st, err := loadSuite(env, opts.featuresDir, profile)
	if err != nil {
		return err
	}
	if err := opts.baseline.check(st.CatalogEntries()); err != nil {
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
	if err := checkReportDir(env, opts.reportDir); err != nil {
		return err
	}
	target, err := startTarget(env, opts, profile)
	if err != nil {
		return err
	}
	defer target.stop()
	started := env.Now()
	ctx, cancel := runContext(env.Context)
	defer cancel(nil)
	onStop := func(e *client.StopError) { cancel(e) }
	state := runState{apiVersion: firstNonEmpty(opts.apiVersion, profile.APIVersion)}
	cl, rec, err := connect(env, opts, profile, target, state.apiVersion, onStop)
	if err != nil {
		return err
	}
	err = runPreflight(ctx, opts, st, cl, &state.created)
	if vr := (*preflight.VersionRefused)(nil); errors.As(err, &vr) {
		// The target refuses the API version itself: judge the rest without the header;
		// VER-CURRENT's scenario sends the version and fails on that answer.
		state.apiVersion = ""
		warning := vr.Error() + ": the run sent no API-Version header; the scenarios of VER-CURRENT send it and are judged on the answer"
		fmt.Fprintln(env.Stderr, "casecert: WARNING: "+warning)
		state.warnings = append(state.warnings, warning)
		if cl, rec, err = connect(env, opts, profile, target, client.NoAPIVersion, onStop); err != nil {
			return err
		}
		err = runPreflight(ctx, opts, st, cl, &state.created)
	}
	if err != nil {
		// Nothing was judged; the report still says why and lists the cases created.
		res := suite.Result{Scenarios: st.NotRun(opts.tags, opts.shard, "the preflight stopped the run"), Requests: int(cl.Requests()),
			Mode: mode(opts), Cleanup: preflightCleanup(opts, err)}
		state.stopped = "the preflight failed: " + err.Error()
		run := resultsModel(opts, st, target, res, started, env.Now(), state)
		if err := opts.baseline.apply(&run, env); err != nil {
			return err
		}
		var ve *verdictError
		if werr := finish(env, opts, run); werr != nil && !errors.As(werr, &ve) {
			return werr
		}
		return err // its exit code, not the verdict's: 2 when the profile is at fault
	}
	if w := suite.QuotaWarning(rec, selected); w != "" {
		fmt.Fprintln(env.Stderr, "casecert: WARNING: "+w)
		state.warnings = append(state.warnings, w)
	}
	fmt.Fprintf(env.Stderr, "casecert %s: certifying %s (profile %s, %s, seed %d)\n",
		Version, target.describe(), profile.Name, scenarioCount(selected, st.RunWideChecks()), opts.seed)
	res, err := runSuite(ctx, env, opts, st, target, cl, rec, state.created)
	if err != nil {
		return err
	}
	state.stopped = firstNonEmpty(stopReason(ctx), res.Stopped)
	run := resultsModel(opts, st, target, res, started, env.Now(), state)
	if err := opts.baseline.apply(&run, env); err != nil {
		return err
	}
	return finish(env, opts, run)
}

// preflightCleanup is how a run the preflight stopped left the target: it only created
// cases, or, with --case-id, did not change the case (unless the restore probe could not
// put back what it tried).
func preflightCleanup(o *runOptions, err error) reports.Cleanup {
	if o.caseID == "" {
		return reports.Cleanup{Restored: true, Detail: "the run only changed cases it created"}
	}
	var re *preflight.RestoreError
	if errors.As(err, &re) && re.Changed != "" {
		return reports.Cleanup{Restored: false, Detail: "not restored: " + re.Changed}
	}
	return reports.Cleanup{Restored: true, Detail: fmt.Sprintf("the run stopped before changing case %s", o.caseID)}
}

// runState is what the run learnt on the way that its report must say.
type runState struct {
	apiVersion string   // the API-Version header the run sent ("" when none)
	created    []string // cases the preflight created
	warnings   []string
	stopped    string // why the run stopped before every scenario ran, if it did
}

// errInterrupted is the cause of a run the user interrupted.
var errInterrupted = errors.New("interrupted (Ctrl-C or SIGTERM)")

// runContext is the context of the run's requests and scenarios: cancelled, with the
// reason as its cause, when the user interrupts (parent is cancelled) or when cancel is
// called (a stop condition of the client).
func runContext(parent context.Context) (context.Context, context.CancelCauseFunc) {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	stopWatching := context.AfterFunc(parent, func() { cancel(errInterrupted) })
	return ctx, func(cause error) {
		stopWatching()
		cancel(cause)
	}
}

// stopReason says why the run stopped before every scenario ran; "" when it did not.
func stopReason(ctx context.Context) string {
	if ctx.Err() == nil {
		return ""
	}
	return context.Cause(ctx).Error()
}

// checkReportDir makes sure the report can be written before the first request: a run
// whose report is lost at the end has wasted the target's quota and lost the list of
// cases it created.
func checkReportDir(env Env, dir string) error {
	probe := filepath.Join(dir, ".casecert-write-check")
	err := env.MkdirAll(dir)
	if err == nil {
		err = env.WriteFile(probe, []byte("casecert checks that the report directory can be written\n"))
	}
	if err != nil {
		return usagef("--report-dir %s cannot be written (nothing was sent to the target): %v", dir, err)
	}
	if env.Remove != nil {
		env.Remove(probe)
	}
	return nil
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
		if dir != "" {
			inDir(err, dir)
			return nil, usagef("--features %s: %v", dir, err)
		}
		return nil, usagef("features: %v", err)
	}
	return st, nil
}

// inDir puts dir in front of the file of every step error in err, so that each names a
// file the user can open.
func inDir(err error, dir string) {
	if se, ok := err.(*suite.StepError); ok {
		se.File = filepath.Join(dir, se.File)
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			inDir(e, dir)
		}
	}
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
		what := fmt.Sprintf("--tags %q", o.tags)
		if o.shard.N != 0 {
			what += fmt.Sprintf(" with --shard %q", o.shard)
		}
		return 0, usagef("%s selects no scenario (casecert list shows the requirement tags)", what)
	}
	return selected, nil
}

// connect builds the client of the target, with the recorder of the run-wide checks
// watching every exchange and onStop told when the target stops answering.
func connect(env Env, o *runOptions, p *fixtures.Profile, t *target, version string, onStop func(*client.StopError)) (*client.Client, *suite.Recorder, error) {
	rec := suite.NewRecorder(p.Host())
	cl, err := newClient(env, o, p, t, version, rec, onStop)
	if err != nil {
		return nil, nil, err
	}
	return cl, rec, nil
}

// runPreflight fails the run fast, with the cause, before the suite: exit 2 when the
// profile is at fault, 3 when the target cannot be judged. created gets every case it made.
func runPreflight(ctx context.Context, o *runOptions, st *suite.Suite, cl *client.Client, created *[]string) error {
	err := preflight.Check(ctx, preflight.Config{
		Client: cl, Profile: st.Profile, CaseID: o.caseID, Body: st.SetupBody(o.seed),
		Created: func(id string) { *created = append(*created, id) },
	})
	var pe *preflight.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe) && pe.Profile:
		return usagef("%v", err)
	case ctx.Err() != nil:
		return &targetError{fmt.Errorf("%s (during the preflight)", stopReason(ctx))}
	}
	return &targetError{err}
}

func mode(o *runOptions) string {
	if o.caseID != "" {
		return "existing-case"
	}
	return "created-cases"
}

// runSuite runs the selected scenarios with godog and says how the --case-id case was left.
// The cases the preflight created are the suite's first cases.
func runSuite(ctx context.Context, env Env, o *runOptions, st *suite.Suite, t *target, cl *client.Client, rec *suite.Recorder, preflightCases []string) (suite.Result, error) {
	res, err := st.Run(ctx, suite.Config{
		Client: cl, Recorder: rec, Seed: o.seed, Token: t.token, ExpiredToken: t.expiredToken, CaseID: o.caseID,
		WriteOnlyRestore: o.writeOnlyRestore, MaxCases: o.maxCases, Adopt: preflightCases,
		Tags: o.tags, Concurrency: o.concurrency, Progress: env.Stderr, Shard: o.shard, RerunFailed: o.rerunFailed,
	})
	if err != nil {
		return res, &targetError{err}
	}
	if o.caseID != "" {
		fmt.Fprintf(env.Stderr, "casecert: case %s: %s\n", o.caseID, res.Cleanup.Detail)
	}
	return res, nil
}

// resultsModel is the report of the run, judged against the catalog. A run that stopped
// early (stopped says why) keeps what ran as evidence; the fold makes it non-conformant if
// a must had already failed, else error.
func resultsModel(o *runOptions, st *suite.Suite, t *target, res suite.Result, started, finished time.Time, state runState) reports.Run {
	run := reports.Run{
		Schema: reports.Schema,
		Tool:   reports.Tool{Name: "casecert", Version: Version},
		Suite:  reports.Suite{Digest: st.Digest, Scenarios: st.Size(), Shard: o.shard.String()},
		Target: reports.Target{BaseURL: t.baseURL, APIVersion: state.apiVersion, Profile: st.Profile.Name,
			Mode: res.Mode, Reference: t.reference, Fault: strings.Join(o.faults, ","), Protocol: strings.Join(res.Protocols, ", ")},
		Run: reports.RunInfo{
			StartedAt: started.UTC().Format(time.RFC3339), FinishedAt: finished.UTC().Format(time.RFC3339),
			DurationMS: finished.Sub(started).Milliseconds(), Seed: o.seed, Concurrency: o.concurrency,
			Requests: res.Requests, Disruptive: res.Disruptive, InsecureTLS: o.insecure, Tags: o.tags, Stopped: state.stopped, Warnings: state.warnings,
			JUnitStrict: o.junitStrict, RerunFailed: o.rerunFailed, FailOnFlaky: o.failOnFlaky,
			Command: reproduceFlags(o), ProfilePath: o.profile,
		},
		Scenarios: res.Scenarios,
		Cleanup:   res.Cleanup,
	}
	run.Cleanup.Account(append(slices.Clone(res.Cleanup.CreatedCaseIDs), state.created...), res.Cleanup.DeletedCaseIDs)
	if st.Profile.Platform != platform.GenericName {
		run.Target.Platform = st.Profile.Platform
	}
	if o.insecure {
		run.Run.Warnings = append(run.Run.Warnings, "TLS certificate verification was disabled (--insecure-skip-verify)")
	}
	reports.Judge(&run, st.CatalogEntries())
	return run
}

// finish writes the reports and prints the verdict block; its error carries the exit
// code of the verdict. A report file that cannot be written changes neither: the verdict
// is printed, every other file written, and the run exits 2 naming the file; the cases
// the run created are printed then, so that list is never lost.
func finish(env Env, o *runOptions, run reports.Run) error {
	paths, err := writeReports(env, o.reportDir, o.formats, run, o.signKey)
	printVerdict(env.Stdout, run, paths)
	printSigned(env.Stdout, o.signKey)
	printFlakyWarning(env, run)
	if err != nil {
		if ids := run.Cleanup.CreatedCaseIDs; len(ids) > 0 {
			fmt.Fprintf(env.Stderr, "casecert: the report could not be written whole; cases the run created on the target: %s\n", strings.Join(ids, ", "))
		}
		return err
	}
	return verdictOutcome(run)
}

// printFlakyWarning warns, on stderr, of flaky requirements that do not fail the exit code.
func printFlakyWarning(env Env, run reports.Run) {
	if w := reports.FlakyWarning(run); w != "" {
		fmt.Fprintln(env.Stderr, "casecert: WARNING: "+w)
	}
}

// verdictError is a finished run whose exit code is not 0: the verdict's (1
// non-conformant, 3 error, 4 incomplete), or with a baseline the gate's (Run.ExitCode).
type verdictError struct {
	verdict reports.Verdict
	reason  string
	code    int
}

func (e *verdictError) Error() string { return fmt.Sprintf("verdict %s: %s", e.verdict, e.reason) }

// verdictOutcome is the run's exit code as an error for exitCode: nil when it is 0
// (conformant, with or without warnings; with a baseline, every failure known).
func verdictOutcome(run reports.Run) error {
	code := run.ExitCode()
	if code == 0 {
		return nil
	}
	reason := run.VerdictReason
	if g := cmp.Or(reports.FlakyGateReason(run), reports.GateReason(run)); g != "" {
		reason = g
	}
	return &verdictError{verdict: run.Verdict, reason: reason, code: code}
}

// scenarioCount is how the console counts a run's results, the same in its first line
// and in its summary: "420 scenarios and 2 run-wide checks" (a run-wide check is judged
// over every exchange of the run, and reported as one more result of its requirement).
func scenarioCount(scenarios, runWide int) string {
	if runWide == 0 {
		return reports.Plural(scenarios, "scenario")
	}
	return reports.Plural(scenarios, "scenario") + " and " + reports.Plural(runWide, "run-wide check")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
