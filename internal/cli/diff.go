package cli

import (
	"github.com/casecert/casecert/reports"
)

// diffCommand compares two reports: exit 1 on a regression, 2 on unreadable input.
func diffCommand(env Env, args []string) error {
	set := commandFlags(env, "diff", "casecert diff [--format text|md] OLD/report.json NEW/report.json")
	format := set.String("format", "text", "`text` for a console, md for a pull request comment")
	paths, err := parseInterleaved(set, args)
	if err != nil {
		return err
	}
	if len(paths) != 2 {
		return usagef("usage: casecert diff [--format text|md] OLD/report.json NEW/report.json")
	}
	write := reports.WriteDiffText
	switch *format {
	case "text":
	case "md":
		write = reports.WriteDiffMarkdown
	default:
		return usagef("--format %q: use text or md", *format)
	}
	old, err := readVerifiedReport(env, paths[0])
	if err != nil {
		return err
	}
	cur, err := readVerifiedReport(env, paths[1])
	if err != nil {
		return err
	}
	d := reports.CompareRuns(old, cur)
	if err := write(env.Stdout, d); err != nil {
		return err
	}
	if d.Regressed() {
		return &failedError{reports.Plural(len(d.Regressions), "requirement") + " regressed"}
	}
	return nil
}
