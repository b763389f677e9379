package reports

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits that keep summary.md short enough for a CI job summary: the HTML report has
// everything, this file only has to say what to look at.
const (
	mdMaxFailingPerReq = 5
	mdMaxError         = 240
	mdMaxNote          = 160
)

func init() {
	register(Format{Name: "md", File: "summary.md", Write: WriteMarkdown,
		Description: "the verdict and requirement table in Markdown; fits `$GITHUB_STEP_SUMMARY`"})
}

// WriteMarkdown writes summary.md, made for $GITHUB_STEP_SUMMARY: the first line is the
// verdict, the target and the counts by level; then the failed requirements with their
// failing scenarios and errors, then every requirement.
func WriteMarkdown(w io.Writer, r Run) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	ix := newIndex(&r)
	s := r.Summary

	p("## %s %s: %s · %s · must %s · should %s · info %d observed\n\n",
		verdictEmoji(r.Verdict), verdictLabel(r.Verdict), mdText(oneLine(verdictExplanation(r), "; ")), mdCode(r.Target.BaseURL),
		mdCounts(s.Must), mdCounts(s.Should), s.Info.Observed)
	for _, req := range r.Requirements {
		if req.Partly != "" {
			p("Partly judged: %s (%s): %s\n\n", mdCode(req.ID), mdText(req.Level), mdText(oneLine(req.Partly, "; ")))
		}
	}
	if n := s.Scenarios; n.Error+n.NotRun+n.Flaky > 0 {
		flaky := ""
		if n.Flaky > 0 {
			flaky = fmt.Sprintf(", %d flaky (passed when run again)", n.Flaky)
		}
		p("Scenarios: %d passed, %d failed%s, %d skipped, %d could not judge (error), %d not run.\n\n", n.Passed, n.Failed, flaky, n.Skipped, n.Error, n.NotRun)
	}

	meta := []string{
		mdText(r.Tool.Name + " " + r.Tool.Version),
		"profile " + mdCode(r.Target.Profile),
		"mode " + mdText(r.Target.Mode),
		"suite " + mdCode(shortDigest(r.Suite.Digest)),
	}
	if r.Suite.Shard != "" {
		meta = append(meta, "shard "+mdText(r.Suite.Shard))
	}
	if r.Target.Platform != "" {
		meta = append(meta, "platform "+mdText(r.Target.Platform))
	}
	if r.Target.Protocol != "" {
		meta = append(meta, mdText(r.Target.Protocol))
	}
	meta = append(meta,
		fmt.Sprintf("seed %d", r.Run.Seed),
		fmt.Sprintf("%d requests", r.Run.Requests),
		formatDuration(r.Run.DurationMS),
		mdText(formatTime(r.Run.StartedAt)))
	p("%s\n\n", strings.Join(meta, " · "))
	for _, warn := range r.Run.Warnings {
		p("> ⚠️ %s\n", mdText(oneLine(warn, "; ")))
	}
	if r.Run.InsecureTLS {
		p("> ⚠️ TLS certificate verification was disabled for this run.\n")
	}
	if r.Target.Mode == "existing-case" && !r.Cleanup.Restored {
		p("> ⚠️ The case was not fully restored to its starting values. %s\n", mdText(oneLine(r.Cleanup.Detail, "; ")))
	}
	if len(r.Run.Warnings) > 0 || r.Run.InsecureTLS || (r.Target.Mode == "existing-case" && !r.Cleanup.Restored) {
		p("\n")
	}

	var failed []*Requirement
	for i := range r.Requirements {
		if r.Requirements[i].Status == StatusFailed {
			failed = append(failed, &r.Requirements[i])
		}
	}
	// Must before should; catalog order within a level.
	slices.SortStableFunc(failed, func(a, b *Requirement) int { return levelRank[b.Level] - levelRank[a.Level] })
	p("### Failed requirements\n\n")
	if len(failed) == 0 {
		p("None.\n\n")
	} else {
		p("| ID | Level | Title | Failing scenarios |\n| --- | --- | --- | --- |\n")
		for _, req := range failed {
			var lines []string
			n := 0
			for _, id := range req.Scenarios {
				sc := ix.scenarios[id]
				if sc == nil || sc.Status != StatusFailed {
					continue
				}
				n++
				if n > mdMaxFailingPerReq {
					continue
				}
				known := ""
				if note := ix.knownNote(sc); note != "" {
					known = " _(" + mdText(truncate(note, mdMaxNote)) + ")_"
				}
				if a := sc.AttemptsLine(); a != "" {
					known += " (" + mdText(a) + ")"
				}
				lines = append(lines, "**"+mdText(oneLine(sc.Name, " "))+"**"+known+": "+mdText(truncate(oneLine(sc.Error, "; "), mdMaxError)))
			}
			if n > mdMaxFailingPerReq {
				lines = append(lines, fmt.Sprintf("… and %d more (see report.html)", n-mdMaxFailingPerReq))
			}
			p("| %s | %s | %s | %s |\n", mdCode(req.ID), mdText(req.Level), mdTitle(req.Title), strings.Join(lines, "<br>"))
		}
		p("\n")
	}

	writeMarkdownFlaky(p, r, ix)
	writeMarkdownBaseline(p, r)
	p("### Requirements\n\n")
	if len(r.Requirements) == 0 {
		p("None.\n")
	} else {
		p("| ID | Level | Status | Title | Scenarios | Note |\n| --- | --- | --- | --- | ---: | --- |\n")
		for _, req := range r.Requirements {
			p("| %s | %s | %s | %s | %d | %s |\n", mdCode(req.ID), mdText(req.Level), statusEmoji(req)+" "+mdText(string(req.Status)),
				mdTitle(req.Title), len(req.Scenarios), mdText(truncate(oneLine(req.Reason, "; "), mdMaxNote)))
		}
	}
	return bw.Flush()
}

func verdictEmoji(v Verdict) string {
	switch v {
	case VerdictConformant:
		return "✅"
	case VerdictWarnings:
		return "⚠️"
	case VerdictNonConformant:
		return "❌"
	case VerdictIncomplete:
		return "◐"
	default:
		return "⛔"
	}
}

func statusEmoji(req Requirement) string {
	switch req.Status {
	case StatusPassed:
		return "✅"
	case StatusFailed:
		if req.Level == LevelMust {
			return "❌"
		}
		return "⚠️"
	case StatusObserved:
		return "🔎"
	case StatusFlaky:
		return "🔁"
	case StatusError:
		return "⛔"
	default:
		return "⏭️"
	}
}

// mdEscaper backslash-escapes the ASCII punctuation that GitHub Markdown would read as
// formatting, a table cell boundary or HTML.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "|", `\|`, "~", `\~`, "&", `\&`, "#", `\#`,
)

// mdText makes s plain text inside a Markdown table cell or paragraph.
func mdText(s string) string {
	return mdEscaper.Replace(oneLine(s, " "))
}

// mdTitle renders a catalog title, whose `code` spans are Markdown already, for a cell.
func mdTitle(s string) string {
	parts := strings.Split(oneLine(s, " "), "`")
	if len(parts)%2 == 0 { // an unpaired backtick: escape it all
		return mdText(s)
	}
	for i, p := range parts {
		if i%2 == 1 {
			parts[i] = mdCode(p)
		} else {
			parts[i] = mdText(p)
		}
	}
	return strings.Join(parts, "")
}

// mdCode renders s as a code span that survives a table cell.
func mdCode(s string) string {
	s = oneLine(s, " ")
	if s == "" {
		return "—"
	}
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	// GitHub splits table cells on | even inside code spans.
	return fence + strings.ReplaceAll(s, "|", `\|`) + fence
}

// oneLine joins the non-blank lines of s with sep.
func oneLine(s, sep string) string {
	s = cleanText(s)
	if !strings.ContainsAny(s, "\n\t") {
		return s
	}
	var parts []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(strings.ReplaceAll(line, "\t", " ")); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, sep)
}

// truncate cuts s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return strings.TrimSpace(string(runes[:n-1])) + "…"
}

// shortDigest keeps enough of a digest to tell two suites apart at a glance.
func shortDigest(d string) string {
	const keep = len("sha256:") + 12
	if len(d) <= keep {
		return d
	}
	return d[:keep] + "…"
}

// writeMarkdownFlaky lists the flaky requirements (when there are any), must before
// should, each with its flaky scenarios: what the failed attempt saw, and the attempts.
func writeMarkdownFlaky(p func(string, ...any), r Run, ix index) {
	var flaky []*Requirement
	for i := range r.Requirements {
		if r.Requirements[i].Status == StatusFlaky {
			flaky = append(flaky, &r.Requirements[i])
		}
	}
	if len(flaky) == 0 {
		return
	}
	slices.SortStableFunc(flaky, func(a, b *Requirement) int { return levelRank[b.Level] - levelRank[a.Level] })
	gate := "they do not fail the exit code (--fail-on-flaky makes them)"
	if r.Run.FailOnFlaky {
		gate = "--fail-on-flaky: they fail the exit code"
	}
	p("### Flaky requirements\n\nA violation was observed, then not seen again when the scenario ran again; %s.\n\n", mdText(gate))
	p("| ID | Level | Title | Flaky scenarios |\n| --- | --- | --- | --- |\n")
	for _, req := range flaky {
		var lines []string
		for _, id := range req.Scenarios {
			if sc := ix.scenarios[id]; sc != nil && sc.Status == StatusFlaky && len(lines) < mdMaxFailingPerReq {
				lines = append(lines, "**"+mdText(oneLine(sc.Name, " "))+"** ("+mdText(sc.AttemptsLine())+"): "+mdText(truncate(oneLine(sc.Error, "; "), mdMaxError)))
			}
		}
		p("| %s | %s | %s | %s |\n", mdCode(req.ID), mdText(req.Level), mdTitle(req.Title), strings.Join(lines, "<br>"))
	}
	p("\n")
}

// writeMarkdownBaseline lists what the baseline made of the failures: new apart from
// known, then stale and expired entries.
func writeMarkdownBaseline(p func(string, ...any), r Run) {
	b := r.Baseline
	if b == nil {
		return
	}
	p("### Baseline %s\n\n%s\n\n", mdCode(b.File), mdText(GateReason(r)))
	list := func(title string, fs []BaselineFailure) {
		if len(fs) == 0 {
			return
		}
		p("**%s (%d)**\n\n", title, len(fs))
		for _, f := range fs {
			why := ""
			if f.Entry != nil {
				why = ": " + mdText(f.Entry.Reason)
			}
			p("- %s (%s) %s%s\n", mdCode(f.Requirement), mdText(f.Level), mdCode(f.Scenario), why)
		}
		p("\n")
	}
	list("New failures", b.New)
	list("Failed with an expired entry", b.Expired)
	list("Known failures", b.Known)
	if len(b.Stale) > 0 {
		p("**Stale entries (%d): they pass now, prune them**\n\n", len(b.Stale))
		for _, e := range b.Stale {
			p("- %s\n", mdCode(entryName(e)))
		}
		p("\n")
	}
}

// mdCounts is one level's counts in the heading; "partly judged" shows when a requirement
// of the level passed on only some of its scenarios, and the flaky ones when there are.
func mdCounts(c Counts) string {
	partly := ""
	if c.Partly > 0 {
		partly = fmt.Sprintf("%d partly judged, ", c.Partly)
	}
	flaky := ""
	if c.Flaky > 0 {
		flaky = fmt.Sprintf(", %d flaky", c.Flaky)
	}
	return fmt.Sprintf("%d passed, %s%d failed%s, %d skipped, %d not judged", c.Passed, partly, c.Failed, flaky, c.Skipped, c.Error)
}
