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

func printVerdict(w io.Writer, run reports.Run, paths []string) {
	s := run.Summary
	fmt.Fprintf(w, "\nverdict: %s\n", strings.ToUpper(run.Verdict))
	fmt.Fprintf(w, "  must:   %d passed, %d failed, %d skipped\n", s.Must.Passed, s.Must.Failed, s.Must.Skipped)
	fmt.Fprintf(w, "  should: %d passed, %d failed, %d skipped\n", s.Should.Passed, s.Should.Failed, s.Should.Skipped)
	fmt.Fprintf(w, "  info:   %d observed\n", s.Info.Observed)
	var failed []string
	for _, r := range run.Requirements {
		if r.Status == reports.StatusFailed {
			failed = append(failed, fmt.Sprintf("%s (%s)", r.ID, r.Level))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "  failed: %s\n", strings.Join(failed, ", "))
	}
	fmt.Fprintf(w, "  %d scenarios, %d requests in %s (seed %d)\n", len(run.Scenarios), run.Run.Requests,
		(time.Duration(run.Run.DurationMS) * time.Millisecond).Round(10*time.Millisecond), run.Run.Seed)
	if len(paths) > 0 {
		fmt.Fprintf(w, "report: %s\n", paths[0])
		for _, p := range paths[1:] {
			fmt.Fprintf(w, "        %s\n", p)
		}
	}
}
