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
	counted := Summarize(run.Requirements)
	compareCounts(problem, "must", run.Summary.Must, counted.Must)
	compareCounts(problem, "should", run.Summary.Should, counted.Should)
	if run.Summary.Info != counted.Info {
		problem("summary.info is %+v but the requirements give %+v", run.Summary.Info, counted.Info)
	}
	// An error verdict may come from outside the requirements (a run that broke), so it
	// is never contradicted; any other verdict must follow from the requirements.
	if run.Verdict != VerdictError && run.Verdict != judged.Verdict {
		problem("verdict is %q but the requirements give %q", run.Verdict, judged.Verdict)
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
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}
