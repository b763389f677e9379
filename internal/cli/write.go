package cli

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/casecert/casecert/internal/brief"
	"github.com/casecert/casecert/reports"
	"github.com/casecert/casecert/steps"
)

// writeReports writes each format's file of run into dir, in registry order, and returns
// the paths written; with a key, the formats that can carry a signature are signed.
// Writers render into memory first, so a failing writer leaves no half file. A file that
// cannot be written does not stop the others: the error names each one (exit 2).
//
// A report directory holds one run's report: the files of the formats not asked for
// (left by an earlier run with another --format) are removed, so no file beside the
// report says something this run did not.
func writeReports(env Env, dir string, formats []reports.Format, run reports.Run, key ed25519.PrivateKey) ([]string, error) {
	if err := env.MkdirAll(dir); err != nil {
		return nil, &reportWriteError{fmt.Errorf("report directory %s: %w", dir, err)}
	}
	var paths []string
	var failed []error
	for _, f := range reports.Formats() {
		path := filepath.Join(dir, f.File)
		if !slices.ContainsFunc(formats, func(g reports.Format) bool { return g.Name == f.Name }) {
			if err := removeStale(env, path); err != nil {
				failed = append(failed, err)
			}
			continue
		}
		var buf bytes.Buffer
		write := f.Write
		if key != nil && f.Sign != nil {
			write = func(w io.Writer, r reports.Run) error { return f.Sign(w, r, key) }
		}
		if err := write(&buf, run); err != nil {
			failed = append(failed, fmt.Errorf("writing %s: %w", path, err))
			continue
		}
		if err := env.WriteFile(path, buf.Bytes()); err != nil {
			failed = append(failed, fmt.Errorf("writing %s: %w", path, err))
			continue
		}
		paths = append(paths, path)
	}
	if len(failed) > 0 {
		return paths, &reportWriteError{errors.Join(failed...)}
	}
	return paths, nil
}

// removeStale removes a report file of a format this run does not write; there being
// none is the usual case.
func removeStale(env Env, path string) error {
	if env.Remove == nil {
		return nil
	}
	if err := env.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s, a report file of an earlier run (this run's --format leaves it out): %w", path, err)
	}
	return nil
}

// reportWriteError is a report file that could not be written (exit 2): the verdict is
// printed all the same, and every other file written.
type reportWriteError struct{ err error }

func (e *reportWriteError) Error() string { return "the report could not be written: " + e.err.Error() }
func (e *reportWriteError) Unwrap() error { return e.err }

// printVerdict prints the verdict block: its first line is the verdict and why.
func printVerdict(w io.Writer, run reports.Run, paths []string) {
	s := run.Summary
	note := ""
	if line := reports.NotCertificationLine(run); line != "" {
		note = " (" + line + ")"
	}
	fmt.Fprintf(w, "\nverdict: %s: %s%s\n", strings.ToUpper(string(run.Verdict)), run.VerdictReason, note)
	// Skipped and error are both not judged: the line counts them as such, then says which.
	fmt.Fprintf(w, "  must:   %s\n", levelCounts(s.Must))
	fmt.Fprintf(w, "  should: %s\n", levelCounts(s.Should))
	fmt.Fprintf(w, "  info:   %d observed\n", s.Info.Observed)
	// Every warning the run gave is shown here too, not only in report.json: a run that
	// changed what it sent (an API version refused) or how it trusted the target says so.
	for _, warning := range run.Run.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warning)
	}
	for _, r := range run.Requirements {
		if r.Partly != "" {
			fmt.Fprintf(w, "  partly judged: %s (%s), %s\n", r.ID, r.Level, r.Partly)
		}
	}
	var failed []string
	for _, r := range run.Requirements {
		if r.Status == reports.StatusFailed {
			failed = append(failed, fmt.Sprintf("%s (%s)", r.ID, r.Level))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "  failed: %s\n", strings.Join(failed, ", "))
		printFailures(w, run)
	}
	printFlaky(w, run)
	printBaseline(w, run)
	sc := s.Scenarios
	runWide := 0
	for _, s := range run.Scenarios {
		if s.Feature == reports.RunWideFeature {
			runWide++
		}
	}
	fmt.Fprintf(w, "  %s (%d passed, %d failed%s, %d skipped, %d error, %d not run), %s in %s (seed %d)\n",
		scenarioCount(len(run.Scenarios)-runWide, runWide), sc.Passed, sc.Failed, flakyCount(sc.Flaky), sc.Skipped, sc.Error, sc.NotRun, reports.Plural(run.Run.Requests, "request"),
		(time.Duration(run.Run.DurationMS) * time.Millisecond).Round(10*time.Millisecond), run.Run.Seed)
	// report.json first: it is the report; the others are views of it.
	paths = slices.Clone(paths)
	slices.SortStableFunc(paths, func(a, b string) int {
		return cmp.Compare(boolRank(filepath.Base(b) == "report.json"), boolRank(filepath.Base(a) == "report.json"))
	})
	if len(paths) > 0 {
		fmt.Fprintf(w, "report: %s\n", paths[0])
		for _, p := range paths[1:] {
			fmt.Fprintf(w, "        %s\n", p)
		}
	}
}

// levelCounts is one level's line of the verdict block; "partly judged" shows when a
// requirement of the level passed on only some of its scenarios.
func levelCounts(c reports.Counts) string {
	partly := ""
	if c.Partly > 0 {
		partly = fmt.Sprintf("%d partly judged, ", c.Partly)
	}
	return fmt.Sprintf("%d passed, %s%d failed%s, %d not judged (%d skipped, %d error)", c.Passed, partly, c.Failed, flakyCount(c.Flaky), c.NotJudged(), c.Skipped, c.Error)
}

// flakyCount is ", N flaky" when N > 0: a run without reruns prints no flaky count.
func flakyCount(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d flaky", n)
}

// printFlaky names the flaky requirements, must before should, each with its flaky
// scenarios and how their attempts went.
func printFlaky(w io.Writer, run reports.Run) {
	ids := append(run.FlakyIDs(reports.LevelMust), run.FlakyIDs(reports.LevelShould)...)
	if len(ids) == 0 {
		return
	}
	byID, reqs := map[string]reports.Scenario{}, map[string]reports.Requirement{}
	for _, sc := range run.Scenarios {
		byID[sc.ID] = sc
	}
	for _, r := range run.Requirements {
		reqs[r.ID] = r
	}
	for _, id := range ids {
		r := reqs[id]
		fmt.Fprintf(w, "  flaky: %s (%s): %s\n", r.ID, r.Level, r.Title)
		for _, id := range r.Scenarios {
			if sc := byID[id]; sc.Status == reports.StatusFlaky {
				fmt.Fprintf(w, "    %s: %s; it failed with: %s\n", sc.Name, sc.AttemptsLine(), brief.FirstLine(sc.Error, 200))
			}
		}
	}
}

// maxConsoleCurl is the longest curl line the console shows; longer ones (bodies) are
// left to report.html.
const maxConsoleCurl = 400

// printFailures names each failed requirement with its first evidence line and how to
// reproduce it, must before should.
// A stale read (steps.StaleReads) is said once, above the failures it explains.
func printFailures(w io.Writer, run reports.Run) {
	failures := reports.Failures(&run)
	stale := 0
	for _, f := range failures {
		if strings.Contains(f.Evidence, steps.StaleReads) {
			stale++
		}
	}
	if stale > 0 {
		fmt.Fprintf(w, "  %s first failed on a stale read: %s\n", reports.Plural(stale, "requirement"), steps.StaleReads)
	}
	for _, f := range failures {
		fmt.Fprintf(w, "  %s (%s), %s: %s\n", f.ID, f.Level, reports.FailedCounts(f), f.Title)
		if f.Evidence != "" {
			fmt.Fprintf(w, "    %s\n", strings.Replace(f.Evidence, steps.StaleReads, "a stale read (above)", 1))
		}
		label := "reproduce:"
		for _, rp := range f.Reproduce {
			cmd := rp.Command
			if rp.Kind == reports.ReproduceCurl && len(cmd) > maxConsoleCurl {
				cmd = fmt.Sprintf("(the request as curl, %d characters: report.html, What failed)", len(cmd))
			}
			fmt.Fprintf(w, "    %-10s %s   # %s\n", label, cmd, rp.Note)
			label = ""
		}
	}
}

// printSigned names the key report.json was signed with, if any.
func printSigned(w io.Writer, key ed25519.PrivateKey) {
	if key == nil {
		return
	}
	if pub, ok := key.Public().(ed25519.PublicKey); ok {
		fmt.Fprintf(w, "signed: report.json with Ed25519 key %s (check: casecert verify --public-key PUBLIC.pem report.json)\n", reports.KeyID(pub))
	}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
