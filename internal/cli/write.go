package cli

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/casecert/casecert/reports"
)

// writeReports writes each format's file of run into dir, in registry order, and returns
// their paths. Writers render into memory first, so a failing writer leaves no half file.
func writeReports(env Env, dir string, formats []reports.Format, run reports.Run) ([]string, error) {
	if err := env.MkdirAll(dir); err != nil {
		return nil, &targetError{fmt.Errorf("report directory: %w", err)}
	}
	var paths []string
	for _, f := range formats {
		var buf bytes.Buffer
		if err := f.Write(&buf, run); err != nil {
			return nil, &targetError{fmt.Errorf("writing %s: %w", f.File, err)}
		}
		path := filepath.Join(dir, f.File)
		if err := env.WriteFile(path, buf.Bytes()); err != nil {
			return nil, &targetError{fmt.Errorf("writing %s: %w", path, err)}
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// printVerdict prints the verdict block: its first line is the verdict and why.
func printVerdict(w io.Writer, run reports.Run, paths []string) {
	s := run.Summary
	fmt.Fprintf(w, "\nverdict: %s: %s\n", strings.ToUpper(string(run.Verdict)), run.VerdictReason)
	fmt.Fprintf(w, "  must:   %d passed, %d failed, %d skipped, %d not judged\n", s.Must.Passed, s.Must.Failed, s.Must.Skipped, s.Must.Error)
	fmt.Fprintf(w, "  should: %d passed, %d failed, %d skipped, %d not judged\n", s.Should.Passed, s.Should.Failed, s.Should.Skipped, s.Should.Error)
	fmt.Fprintf(w, "  info:   %d observed\n", s.Info.Observed)
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
	sc := s.Scenarios
	fmt.Fprintf(w, "  %d scenarios (%d passed, %d failed, %d skipped, %d error, %d not run), %d requests in %s (seed %d)\n",
		len(run.Scenarios), sc.Passed, sc.Failed, sc.Skipped, sc.Error, sc.NotRun, run.Run.Requests,
		(time.Duration(run.Run.DurationMS) * time.Millisecond).Round(10*time.Millisecond), run.Run.Seed)
	if len(paths) > 0 {
		fmt.Fprintf(w, "report: %s\n", paths[0])
		for _, p := range paths[1:] {
			fmt.Fprintf(w, "        %s\n", p)
		}
	}
}

// maxConsoleCurl is the longest curl line the console shows; longer ones (bodies) are
// left to report.html.
const maxConsoleCurl = 400

// printFailures names each failed requirement with its first evidence line and how to
// reproduce it, must before should.
func printFailures(w io.Writer, run reports.Run) {
	for _, f := range reports.Failures(&run) {
		fmt.Fprintf(w, "  %s (%s), %d of %d scenarios failed: %s\n", f.ID, f.Level, f.Failed, f.Scenarios, f.Title)
		if f.Evidence != "" {
			fmt.Fprintf(w, "    %s\n", f.Evidence)
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
