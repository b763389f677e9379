package reports

import (
	"strings"
	"testing"
	"time"
)

// The exit rules of a run judged with a baseline (ci.md), as a truth table over the
// mixed fixture (PATCH-NULL, a must, failed; PATCH-OWNER-NULL, a should, failed).
func TestBaselineExitRules(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	entry := func(req, expires string) BaselineEntry {
		return BaselineEntry{Requirement: req, Reason: "accepted", Expires: expires}
	}
	for _, tc := range []struct {
		name    string
		entries []BaselineEntry
		want    int
		why     string
	}{
		{"no entry: the must failure is new", nil, 1, "new failure"},
		// The mixed run leaves a must not judged (an error scenario): incomplete stays 4.
		{"the must known, the should new: incomplete as without a baseline", []BaselineEntry{entry("PATCH-NULL", "")}, 4, "1 new failure not in the baseline: PATCH-OWNER-NULL (should)"},
		{"both known: still incomplete", []BaselineEntry{entry("PATCH-NULL", "2026-12-01"), entry("PATCH-OWNER-NULL", "")}, 4, "every failure is known (2)"},
		{"expired yesterday", []BaselineEntry{entry("PATCH-NULL", "2026-11-30"), entry("PATCH-OWNER-NULL", "")}, 1, "expired entry"},
		{"expired should", []BaselineEntry{entry("PATCH-NULL", ""), entry("PATCH-OWNER-NULL", "2026-11-30")}, 1, "expired entry"},
		{"stale entry", []BaselineEntry{entry("PATCH-NULL", ""), entry("PATCH-OWNER-NULL", ""), entry("PATCH-OMIT", "")}, 1, "stale"},
		{"an entry for another scenario does not match", []BaselineEntry{{Requirement: "PATCH-NULL", Scenario: "patch-semantics;null-clears-subject", Reason: "x"}}, 1, "stale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mixedRun()
			if err := ApplyBaseline(&r, Baseline{Schema: BaselineSchema, Entries: tc.entries}, "b.yaml", "sha256:x", day); err != nil {
				t.Fatal(err)
			}
			if r.Verdict != VerdictNonConformant {
				t.Errorf("verdict %s: a baseline changes no verdict", r.Verdict)
			}
			if got := r.ExitCode(); got != tc.want {
				t.Errorf("exit %d, want %d (%s)", got, tc.want, GateReason(r))
			}
			if !strings.Contains(GateReason(r), tc.why) {
				t.Errorf("reason %q lacks %q", GateReason(r), tc.why)
			}
		})
	}
	t.Run("every failure known in a run that judged every must: exit 0", func(t *testing.T) {
		r := allPassingRun()
		for i := range r.Scenarios {
			if r.Scenarios[i].ID == "patch-semantics;null-clears-description" {
				r.Scenarios[i].Status, r.Scenarios[i].Error = StatusFailed, "observed \"abc\""
			}
		}
		Judge(&r, []CatalogEntry{fixtureCatalog[0], fixtureCatalog[1], fixtureCatalog[4], fixtureCatalog[6]})
		if r.ExitCode() != 1 {
			t.Fatalf("exit %d without a baseline, want 1", r.ExitCode())
		}
		if err := ApplyBaseline(&r, Baseline{Entries: []BaselineEntry{entry("PATCH-NULL", "")}}, "b.yaml", "d", day); err != nil {
			t.Fatal(err)
		}
		if r.ExitCode() != 0 || r.Verdict != VerdictNonConformant {
			t.Errorf("exit %d verdict %s, want 0 and non-conformant (%s)", r.ExitCode(), r.Verdict, GateReason(r))
		}
	})
	t.Run("a baseline never turns incomplete or error into 0", func(t *testing.T) {
		for _, mod := range []func(*Run){
			func(r *Run) { r.Run.Stopped = "the target stopped answering" },
			func(r *Run) { r.Suite.Shard = "1/2" },
		} {
			r := mixedRun()
			mod(&r)
			Judge(&r, fixtureCatalog)
			if err := ApplyBaseline(&r, Baseline{Schema: BaselineSchema, Entries: []BaselineEntry{entry("PATCH-NULL", ""), entry("PATCH-OWNER-NULL", "")}}, "b.yaml", "d", day); err != nil {
				t.Fatal(err)
			}
			if got := r.ExitCode(); got != 3 && got != 4 {
				t.Errorf("exit %d for a run that stopped or is one shard, every failure known: want 3 or 4", got)
			}
		}
	})
	t.Run("an unknown requirement is refused", func(t *testing.T) {
		r := mixedRun()
		if err := ApplyBaseline(&r, Baseline{Entries: []BaselineEntry{entry("PATCH-NUL", "")}}, "b", "d", day); err == nil {
			t.Error("a typo in a requirement ID was accepted")
		}
	})
}

// Every writer shows known failures apart from new ones, and says on its first line that
// the report is not a certification.
func TestWritersShowTheBaseline(t *testing.T) {
	r := baselineRun()
	for _, f := range Formats() {
		out := string(render(t, f.Write, r))
		if f.Name == "json" || f.Name == "badge" {
			if !strings.Contains(out, "baseline") {
				t.Errorf("%s does not mention the baseline", f.File)
			}
			continue
		}
		if !strings.Contains(out, "known failure") && !strings.Contains(out, "Known failures") && !strings.Contains(out, "known") {
			t.Errorf("%s does not mark the known failure", f.File)
		}
	}
	md := string(render(t, WriteMarkdown, r))
	first, _, _ := strings.Cut(md, "\n")
	if !strings.Contains(first, "Not a certification") {
		t.Errorf("summary.md's first line does not say it is not a certification: %s", first)
	}
	for _, want := range []string{"**New failures (1)**", "**Known failures (1)**", "Stale entries (1)"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
}
