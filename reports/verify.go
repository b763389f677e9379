package reports

import (
	"fmt"
	"slices"
)

// VerifyResult is what Verify found. The report digest is a checksum, not a signature:
// it proves that the file is the one the tool wrote, not who ran the tool.
type VerifyResult struct {
	// ReportDigestOK: report_digest matches the document.
	ReportDigestOK bool
	// CountsOK: each requirement's status follows from its scenarios, the summary from
	// the requirements and the verdict from the summary.
	CountsOK bool
	// SuiteDigestMatches: the report ran the suite built into this binary. A mismatch is
	// not tampering by itself: a custom --profile changes the digest.
	SuiteDigestMatches bool
	// SignedBy is the key id the report says it was signed with ("" when unsigned). It is
	// not checked here: CheckSignature checks a signature against a key the caller trusts.
	SignedBy string
	// Problems lists every mismatch, one sentence each.
	Problems []string
}

// OK reports whether the report is intact and self-consistent.
func (v VerifyResult) OK() bool { return v.ReportDigestOK && v.CountsOK }

// Verify checks a report.json: its report_digest against its bytes; each requirement's
// status against its scenarios (judged again with the report's own requirement list as
// catalog), the summary counts against the requirements and the verdict against them; and
// its suite digest against embeddedSuiteDigest. It returns an error only when the
// document cannot be read as a report at all.
func Verify(doc []byte, embeddedSuiteDigest string) (VerifyResult, error) {
	run, err := decodeReport(doc)
	if err != nil {
		return VerifyResult{}, err
	}
	digest, err := ReportDigest(doc)
	if err != nil {
		return VerifyResult{}, err
	}
	var res VerifyResult
	if run.Signature != nil {
		res.SignedBy = run.Signature.KeyID
	}
	problem := func(format string, args ...any) { res.Problems = append(res.Problems, fmt.Sprintf(format, args...)) }

	res.ReportDigestOK = digest == run.ReportDigest
	if !res.ReportDigestOK {
		problem("report_digest is %q but the document hashes to %q: the file was changed after it was written", run.ReportDigest, digest)
	}

	countsBefore := len(res.Problems)
	seen := map[string]bool{}
	for _, sc := range run.Scenarios {
		if seen[sc.ID] {
			problem("scenario %s appears more than once", sc.ID)
		}
		seen[sc.ID] = true
		if !slices.Contains(ScenarioStatuses, sc.Status) {
			problem("scenario %s has status %q, which is not one of %v", sc.ID, sc.Status, ScenarioStatuses)
		}
	}
	for _, req := range run.Requirements {
		if !slices.Contains(RequirementStatuses, req.Status) {
			problem("requirement %s has status %q, which is not one of %v", req.ID, req.Status, RequirementStatuses)
		}
	}
	if !slices.Contains(Verdicts, run.Verdict) {
		problem("verdict %q is not one of %v", run.Verdict, Verdicts)
	}
	catalog := make([]CatalogEntry, len(run.Requirements))
	for i, req := range run.Requirements {
		catalog[i] = CatalogEntry{ID: req.ID, Level: req.Level, Title: req.Title}
	}
	judged := run
	Judge(&judged, catalog)
	for i, req := range run.Requirements {
		want := judged.Requirements[i]
		if req.Status != want.Status {
			problem("requirement %s is %q but its scenarios make it %q", req.ID, req.Status, want.Status)
		}
		if !slices.Equal(sortedCopy(req.Scenarios), want.Scenarios) {
			problem("requirement %s lists scenarios %v but the scenarios carrying it are %v", req.ID, req.Scenarios, want.Scenarios)
		}
	}
	counted := Summarize(run.Requirements, run.Scenarios)
	compareCounts(problem, "must", run.Summary.Must, counted.Must)
	compareCounts(problem, "should", run.Summary.Should, counted.Should)
	if run.Summary.Info != counted.Info {
		problem("summary.info is %+v but the requirements give %+v", run.Summary.Info, counted.Info)
	}
	if run.Summary.Scenarios != counted.Scenarios {
		problem("summary.scenarios is %+v but the scenarios give %+v", run.Summary.Scenarios, counted.Scenarios)
	}
	// The verdict follows from the requirements and from whether the run stopped early
	// (run.stopped), by the one fold; so does its reason.
	if run.Verdict != judged.Verdict {
		problem("verdict is %q but the requirements give %q", run.Verdict, judged.Verdict)
	}
	if run.VerdictReason != "" && run.VerdictReason != judged.VerdictReason {
		problem("verdict_reason is %q but the requirements give %q", run.VerdictReason, judged.VerdictReason)
	}
	res.CountsOK = len(res.Problems) == countsBefore

	res.SuiteDigestMatches = run.Suite.Digest == embeddedSuiteDigest
	if !res.SuiteDigestMatches {
		problem("suite digest %s differs from this casecert's %s: the report ran another suite or a custom --profile", run.Suite.Digest, embeddedSuiteDigest)
	}
	return res, nil
}

func compareCounts(problem func(string, ...any), level string, got, want Counts) {
	if got.Passed != want.Passed {
		problem("summary.%s.passed is %d but the requirements give %d", level, got.Passed, want.Passed)
	}
	if got.Failed != want.Failed {
		problem("summary.%s.failed is %d but the requirements give %d", level, got.Failed, want.Failed)
	}
	if got.Skipped != want.Skipped {
		problem("summary.%s.skipped is %d but the requirements give %d", level, got.Skipped, want.Skipped)
	}
	if got.Error != want.Error {
		problem("summary.%s.error is %d but the requirements give %d", level, got.Error, want.Error)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}
