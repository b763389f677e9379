package reports

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Diff is what changed between two reports (casecert diff): requirements matched by ID,
// scenarios by id (stable across seeds and shards).
type Diff struct {
	Old, New Run
	// Regressions passed (or observed) before and failed, flaky or could not be judged
	// now (or were flaky and fail now); Fixes failed or were flaky before and pass now;
	// StillFailing failed or were flaky in both; NotJudged were
	// judged before and are skipped or not judged now (a failure that is now an error
	// included).
	Regressions, Fixes, StillFailing, NotJudged []ReqChange
	// Added and Removed are the ids of the scenarios in one report only.
	Added, Removed []string
	// SuiteChanged and ProfileChanged say the two ran different suites or profiles.
	SuiteChanged, ProfileChanged bool
}

// ReqChange is one requirement's status in both reports, with the scenarios whose
// status changed the same way.
type ReqChange struct {
	ID, Level string
	Old, New  Status
	Scenarios []string
}

// Regressed says the diff holds a regression (casecert diff exits 1).
func (d Diff) Regressed() bool { return len(d.Regressions) > 0 }

// CompareRuns compares two reports.
func CompareRuns(old, new Run) Diff {
	d := Diff{Old: old, New: new,
		SuiteChanged:   old.Suite.Digest != new.Suite.Digest,
		ProfileChanged: old.Target.Profile != new.Target.Profile}
	oix, nix := newIndex(&old), newIndex(&new)
	for _, req := range new.Requirements {
		was, ok := oix.reqs[req.ID]
		if !ok {
			continue
		}
		ch := ReqChange{ID: req.ID, Level: req.Level, Old: was.Status, New: req.Status}
		// A flaky requirement is a violation observed (then not seen again): passed ->
		// flaky is a regression, flaky -> failed one too, flaky -> passed a fix.
		bad := func(s Status) bool { return s == StatusFailed || s == StatusFlaky }
		judgedBefore := was.Status == StatusPassed || was.Status == StatusObserved || bad(was.Status)
		switch {
		case judgedBefore && !bad(was.Status) && (bad(req.Status) || req.Status == StatusError && req.Level != LevelInfo),
			was.Status == StatusFlaky && req.Status == StatusFailed:
			ch.Scenarios = changed(oix, nix, req.Scenarios, func(o, n Status) bool {
				return o == StatusPassed && n != StatusPassed && n != StatusSkipped || o == StatusFlaky && n == StatusFailed
			})
			d.Regressions = append(d.Regressions, ch)
		case bad(was.Status) && req.Status == StatusPassed:
			ch.Scenarios = changed(oix, nix, was.Scenarios, func(o, n Status) bool { return bad(o) && n == StatusPassed })
			d.Fixes = append(d.Fixes, ch)
		case bad(was.Status) && bad(req.Status):
			ch.Scenarios = changed(oix, nix, req.Scenarios, func(o, n Status) bool { return o != n && bad(n) })
			d.StillFailing = append(d.StillFailing, ch)
		case judgedBefore && (req.Status == StatusSkipped || req.Status == StatusError):
			d.NotJudged = append(d.NotJudged, ch)
		}
	}
	for id := range nix.scenarios {
		if _, ok := oix.scenarios[id]; !ok {
			d.Added = append(d.Added, id)
		}
	}
	for id := range oix.scenarios {
		if _, ok := nix.scenarios[id]; !ok {
			d.Removed = append(d.Removed, id)
		}
	}
	slices.Sort(d.Added)
	slices.Sort(d.Removed)
	return d
}

// changed lists the ids (of ids) whose old and new statuses satisfy pick.
func changed(oix, nix index, ids []string, pick func(o, n Status) bool) []string {
	var out []string
	for _, id := range ids {
		o, okO := oix.scenarios[id]
		n, okN := nix.scenarios[id]
		if okO && okN && pick(o.Status, n.Status) {
			out = append(out, id)
		}
	}
	return out
}

// WriteDiffText writes the diff for a console.
func WriteDiffText(w io.Writer, d Diff) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("old: %s\nnew: %s\n", runLine(d.Old), runLine(d.New))
	if d.SuiteChanged {
		p("suite changed: %s -> %s (another casecert version or profile: added and removed scenarios below)\n", d.Old.Suite.Digest, d.New.Suite.Digest)
	}
	if d.ProfileChanged {
		p("profile changed: %s -> %s\n", d.Old.Target.Profile, d.New.Target.Profile)
	}
	section := func(title string, cs []ReqChange) {
		p("%s (%d)\n", title, len(cs))
		for _, c := range cs {
			p("  %s (%s): %s -> %s\n", c.ID, c.Level, c.Old, c.New)
			for _, id := range c.Scenarios {
				p("    %s\n", id)
			}
		}
	}
	section("regressions", d.Regressions)
	section("fixes", d.Fixes)
	section("still failing", d.StillFailing)
	section("newly not judged", d.NotJudged)
	p("scenarios added (%d)\n", len(d.Added))
	for _, id := range d.Added {
		p("  %s\n", id)
	}
	p("scenarios removed (%d)\n", len(d.Removed))
	for _, id := range d.Removed {
		p("  %s\n", id)
	}
	return bw.Flush()
}

func runLine(r Run) string {
	s := fmt.Sprintf("%s (seed %d, suite %s", r.Verdict, r.Run.Seed, shortDigest(r.Suite.Digest))
	if r.Suite.Shard != "" {
		s += ", shard " + r.Suite.Shard
	}
	if len(r.Suite.Shards) > 0 {
		s += ", merge of " + strings.Join(r.Suite.Shards, ", ")
	}
	return s + ", " + r.Run.StartedAt + ")"
}

// WriteDiffMarkdown writes the diff for a pull request comment.
func WriteDiffMarkdown(w io.Writer, d Diff) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	head := "✅ No regression"
	if d.Regressed() {
		head = fmt.Sprintf("❌ %s", plural(len(d.Regressions), "regression"))
	}
	p("## casecert diff: %s · %d fixed · %d still failing\n\n", head, len(d.Fixes), len(d.StillFailing))
	p("Old: %s  \nNew: %s\n\n", mdText(runLine(d.Old)), mdText(runLine(d.New)))
	if d.SuiteChanged {
		p("> ⚠️ The suite changed: %s → %s.\n\n", mdCode(shortDigest(d.Old.Suite.Digest)), mdCode(shortDigest(d.New.Suite.Digest)))
	}
	if d.ProfileChanged {
		p("> ⚠️ The profile changed: %s → %s.\n\n", mdCode(d.Old.Target.Profile), mdCode(d.New.Target.Profile))
	}
	section := func(title string, cs []ReqChange) {
		if len(cs) == 0 {
			return
		}
		p("### %s (%d)\n\n| Requirement | Level | Was | Now | Scenarios |\n| --- | --- | --- | --- | --- |\n", title, len(cs))
		for _, c := range cs {
			var ids []string
			for _, id := range c.Scenarios {
				ids = append(ids, mdCode(id))
			}
			p("| %s | %s | %s | %s | %s |\n", mdCode(c.ID), mdText(c.Level), mdText(string(c.Old)), mdText(string(c.New)), strings.Join(ids, "<br>"))
		}
		p("\n")
	}
	section("Regressions", d.Regressions)
	section("Fixes", d.Fixes)
	section("Still failing", d.StillFailing)
	section("Newly not judged", d.NotJudged)
	list := func(title string, ids []string) {
		if len(ids) == 0 {
			return
		}
		p("### %s (%d)\n\n", title, len(ids))
		for _, id := range ids {
			p("- %s\n", mdCode(id))
		}
		p("\n")
	}
	list("Scenarios added", d.Added)
	list("Scenarios removed", d.Removed)
	return bw.Flush()
}
