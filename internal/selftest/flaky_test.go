package selftest

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/cli"
	"github.com/casecert/casecert/internal/xmlcheck"
	"github.com/casecert/casecert/reports"
)

// flakyFault fails PATCH-READONLY on its first PATCH of a read-only field only: without
// --rerun-failed the table (TestEveryFaultIsCaught) sees it failed, with reruns it is flaky.
const flakyFault, flakyReq = "readonly-written-once", "PATCH-READONLY"

// checkFlaky asserts a report in which the flaky fault's requirement is flaky: nothing
// failed, and the flaky scenario keeps both attempts' evidence.
func checkFlaky(t *testing.T, run reports.Run) {
	t.Helper()
	assert.Empty(t, run.FailedIDs(""), "nothing fails when the failure is not seen again")
	assert.Equal(t, []string{flakyReq}, run.FlakyIDs(""))
	flaky := 0
	for _, sc := range run.Scenarios {
		if sc.Status != reports.StatusFlaky {
			assert.Empty(t, sc.Reruns, "%s (%s) was rerun", sc.ID, sc.Status)
			continue
		}
		flaky++
		assert.Equal(t, []string{flakyReq}, sc.Requirements)
		assert.Contains(t, sc.Error, flakyReq+":", "the first attempt's violation is kept")
		assert.NotEmpty(t, sc.Exchanges, "the first attempt's evidence")
		require.Len(t, sc.Reruns, 1, "the first rerun passed: no other")
		a := sc.Reruns[0]
		assert.Equal(t, 2, a.Attempt)
		assert.Equal(t, reports.StatusPassed, a.Status)
		assert.Empty(t, a.Error)
		assert.NotEmpty(t, a.Exchanges, "the passing attempt's evidence")
	}
	assert.Equal(t, 1, flaky, "the fault stores one PATCH, so one scenario is flaky")
}

// A failure seen on the first attempt only is flaky with --rerun-failed: conformant with
// warnings, exit 0 with a warning, exit 1 with --fail-on-flaky, both attempts' evidence
// in report.json, a <flakyFailure> in junit.xml valid against the XSD; merge keeps it and
// gates on --fail-on-flaky too. Under another profile (a tag subset) it is flaky as well.
func TestFlakyFaultIsFlakyWhenRerun(t *testing.T) {
	t.Run("default profile, exit 0 with a warning", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		code, run, out := runReport(t, dir, "run", "--report-dir", dir, "--format", "json,junit,cucumber", "--seed", "7", "--concurrency", "4",
			"--fault", flakyFault, "--rerun-failed", "2")
		assert.Equal(t, cli.ExitConformant, code, out)
		assert.Equal(t, reports.VerdictWarnings, run.Verdict)
		assert.True(t, strings.HasPrefix(run.VerdictReason, "1 must requirement flaky (failed, then passed when run again): "+flakyReq), run.VerdictReason)
		assert.Contains(t, out, "WARNING: 1 requirement flaky")
		assert.Contains(t, out, "  flaky: "+flakyReq+" (must)", "the verdict block names the flaky must")
		assert.Contains(t, out, " passed, 0 failed, 1 flaky, ", "the console counts the flaky must apart")
		assert.Equal(t, 2, run.Run.RerunFailed)
		checkFlaky(t, run)
		junit := validJUnit(t, dir)
		assert.Equal(t, 1, strings.Count(junit, "<flakyFailure "), "the flaky testcase has one <flakyFailure>, its failed attempt")
		assert.NotContains(t, junit, "<failure ")
		cucumberFlaky(t, dir)

		merged := t.TempDir()
		code, mrun, out := runReport(t, merged, "merge", "-o", merged, filepath.Join(dir, "report.json"))
		assert.Equal(t, cli.ExitConformant, code, out)
		checkFlaky(t, mrun)
		code, _, out = runReport(t, merged, "merge", "-o", merged, "--fail-on-flaky", filepath.Join(dir, "report.json"))
		assert.Equal(t, cli.ExitNonConformant, code, out)

		code, stdout, stderr := casecert(t, "verify", "--certification", filepath.Join(dir, "report.json"))
		assert.Equal(t, cli.ExitNonConformant, code, stdout+stderr)
		assert.Contains(t, stdout+stderr, "not a certification: it reran failed scenarios (--rerun-failed 2)")
	})
	t.Run("merge of two shards keeps each shard's flaky scenario", func(t *testing.T) {
		t.Parallel()
		var inputs []string
		for _, shard := range []string{"1/2", "2/2"} {
			dir := t.TempDir()
			_, run, out := runReport(t, dir, "run", "--report-dir", dir, "--format", "json", "--seed", "7", "--concurrency", "4",
				"--fault", flakyFault, "--tags", "@"+flakyReq, "--shard", shard, "--rerun-failed", "1")
			require.Equal(t, []string{flakyReq}, run.FlakyIDs(""), out)
			inputs = append(inputs, filepath.Join(dir, "report.json"))
		}
		merged := t.TempDir()
		code, run, out := runReport(t, merged, append([]string{"merge", "-o", merged}, inputs...)...)
		assert.Equal(t, cli.ExitIncomplete, code, out)
		assert.Equal(t, []string{flakyReq}, run.FlakyIDs(""))
		assert.Empty(t, run.FailedIDs(""))
		assert.Equal(t, 1, run.Run.RerunFailed, "a merge of shards that reran is not a certification either")
		flaky := 0
		for _, sc := range run.Scenarios {
			if sc.Status == reports.StatusFlaky {
				flaky++
				assert.Len(t, sc.Reruns, 1)
			}
		}
		assert.Equal(t, 2, flaky, "each shard's server stored its first read-only PATCH")
	})
	t.Run("--fail-on-flaky, another seed: exit 1", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		code, run, out := runReport(t, dir, "run", "--report-dir", dir, "--format", "json,junit", "--seed", "11", "--concurrency", "4",
			"--fault", flakyFault, "--rerun-failed", "1", "--fail-on-flaky")
		junit := validJUnit(t, dir)
		assert.Equal(t, 1, strings.Count(junit, `<failure message="`+flakyReq+` (must) is flaky, and --fail-on-flaky fails the run on it" type="casecert.flaky">`),
			"junit.xml agrees with the exit code: the flaky gate is a <failure>")
		assert.Equal(t, 1, strings.Count(junit, "<flakyFailure "))
		assert.Equal(t, cli.ExitNonConformant, code, out)
		assert.Equal(t, reports.VerdictWarnings, run.Verdict, "the gate changes the exit code, not the verdict")
		assert.True(t, run.Run.FailOnFlaky)
		checkFlaky(t, run)
	})
	t.Run("a failure seen every time stays failed, with its attempts (the disruptive phase)", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		code, run, out := runReport(t, dir, "run", "--report-dir", dir, "--format", "json,junit", "--seed", "7", "--concurrency", "4",
			"--fault", "lost-update", "--tags", "@PATCH-CONCURRENT", "--rerun-failed", "2")
		junit := validJUnit(t, dir)
		assert.Equal(t, 2*strings.Count(junit, "<failure "), strings.Count(junit, "<rerunFailure "), "each failed testcase has a <rerunFailure> per rerun")
		assert.Equal(t, cli.ExitNonConformant, code, out)
		assert.Equal(t, []string{"PATCH-CONCURRENT"}, run.FailedIDs(""))
		for _, sc := range run.Scenarios {
			if sc.Status == reports.StatusFailed {
				require.Len(t, sc.Reruns, 2, sc.ID)
				for i, a := range sc.Reruns {
					assert.Equal(t, i+2, a.Attempt)
					assert.Equal(t, reports.StatusFailed, a.Status)
					assert.Contains(t, a.Error, "PATCH-CONCURRENT")
					assert.NotEmpty(t, a.Exchanges)
				}
			}
		}
	})
	t.Run("salesforce-names profile, its requirement alone", func(t *testing.T) {
		t.Parallel()
		code, run, out := certifyMode(t, modes[0], []string{flakyFault}, "@"+flakyReq, "--rerun-failed", "1")
		assert.Equal(t, cli.ExitIncomplete, code, out)
		checkFlaky(t, run)
	})
}

// validJUnit reads dir's junit.xml and checks it against the JUnit XSD.
func validJUnit(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "junit.xml")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	xsd, err := filepath.Abs(filepath.Join("..", "..", "reports", "testdata", "junit-10.xsd"))
	require.NoError(t, err)
	xmlcheck.Validate(t, path, xsd)
	return string(data)
}

// cucumberFlaky checks dir's cucumber.json: the flaky scenario passed, its failed attempt
// an embedding.
func cucumberFlaky(t *testing.T, dir string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "cucumber.json"))
	require.NoError(t, err)
	var features []struct {
		Elements []struct {
			Tags  []struct{ Name string }
			Steps []struct {
				Result     struct{ Status string }
				Embeddings []struct {
					Data     string
					MimeType string `json:"mime_type"`
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(data, &features))
	found := 0
	for _, f := range features {
		for _, el := range f.Elements {
			if !slices.ContainsFunc(el.Tags, func(tg struct{ Name string }) bool { return tg.Name == "@casecert-flaky" }) {
				continue
			}
			found++
			require.Len(t, el.Steps, 1)
			assert.Equal(t, "passed", el.Steps[0].Result.Status)
			require.Len(t, el.Steps[0].Embeddings, 1)
			text, err := base64.StdEncoding.DecodeString(el.Steps[0].Embeddings[0].Data)
			require.NoError(t, err)
			assert.Contains(t, string(text), flakyReq+":")
			assert.Equal(t, "text/plain", el.Steps[0].Embeddings[0].MimeType)
		}
	}
	assert.Equal(t, 1, found)
}
