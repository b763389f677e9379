package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/reports"
)

// runJSON runs the whole suite against the built-in reference server (with the given
// extra flags) and returns the path of its report.json.
func runJSON(t *testing.T, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"run", "--report-dir", dir, "--format", "json", "--seed", "7", "--concurrency", "4"}, extra...)
	env, stdout, stderr := testEnv(t, args...)
	code := Main(env)
	require.Contains(t, []ExitCode{ExitConformant, ExitNonConformant}, code, stdout.String()+stderr.String())
	return filepath.Join(dir, "report.json")
}

// failingSubset is enough of the suite for a report with every outcome (PATCH-NULL fails
// under null-ignored, the rest pass, AUTH-INVALID has a skipped row) at a tenth of the cost.
const failingSubset = "@PATCH-NULL,@PATCH-OMIT,@FMT-TIME,@AUTH-MISSING,@AUTH-INVALID,@PATCH-UNKNOWN,@REQ-NO-5XX"

// verifyReport runs "casecert verify path" and returns its exit code and output.
func verifyReport(t *testing.T, path string) (ExitCode, string) {
	t.Helper()
	env, stdout, stderr := testEnv(t, "verify", path)
	code := Main(env)
	return code, stdout.String() + stderr.String()
}

var digestField = regexp.MustCompile(`"report_digest": "[^"]*"`)

// redigestReport recomputes report_digest over the edited bytes, as a forger who knows the
// algorithm would: then only the consistency checks stand between the edit and "verified".
func redigestReport(t *testing.T, doc []byte) []byte {
	t.Helper()
	d, err := reports.ReportDigest(doc)
	require.NoError(t, err)
	require.True(t, digestField.Match(doc), "no report_digest field")
	return digestField.ReplaceAll(doc, []byte(`"report_digest": "`+d+`"`))
}

// topLevelKey returns the offset of a top-level key of report.json (two-space indentation).
func topLevelKey(t *testing.T, doc []byte, key string) int {
	t.Helper()
	i := bytes.Index(doc, []byte("\n  \""+key+"\": "))
	require.GreaterOrEqual(t, i, 0, "report.json has no top-level %q", key)
	return i
}

// replaceAfter replaces the first old after offset from with repl.
func replaceAfter(t *testing.T, doc []byte, from int, old, repl string) []byte {
	t.Helper()
	i := bytes.Index(doc[from:], []byte(old))
	require.GreaterOrEqual(t, i, 0, "%q not found after offset %d", old, from)
	i += from
	out := append([]byte{}, doc[:i]...)
	out = append(out, repl...)
	return append(out, doc[i+len(old):]...)
}

// TestVerifyDetectsEdits edits a real report.json the ways someone dressing up a failed
// certification would, and checks that "casecert verify" refuses each edit, both as is
// (the report digest no longer matches) and with the digest recomputed (the statuses,
// counts and verdict no longer follow from the scenarios).
//
// It catches: verify accepting a changed file; a digest that does not cover requirement
// or scenario statuses, summary counts or the verdict; consistency checks that miss an
// edit once the digest is forged; verify exiting 0 on a broken file or panicking on a
// truncated one; and verify rejecting an intact report because it is non-conformant or
// because it ran a custom profile.
func TestVerifyDetectsEdits(t *testing.T) {
	t.Parallel()
	path := runJSON(t, "--fault", "null-ignored", "--tags", failingSubset)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	var run reports.Run
	require.NoError(t, json.Unmarshal(orig, &run))
	require.Equal(t, reports.VerdictNonConformant, run.Verdict)

	t.Run("intact", func(t *testing.T) {
		code, out := verifyReport(t, path)
		assert.Equal(t, ExitConformant, code, "an intact report verifies even though its verdict is non-conformant\n%s", out)
		assert.Contains(t, out, "verified")
		assert.NotContains(t, out, "NOT VERIFIED")
		assert.Contains(t, out, "ok   suite digest matches")
	})

	// A must scenario that passed, located in the raw bytes by its id: its status is the
	// first "status" after the id (schema order: id, name, ..., status).
	var passedScenario string
	for _, sc := range run.Scenarios {
		if sc.Status == reports.StatusPassed && sc.Level == reports.LevelMust {
			passedScenario = sc.ID
			break
		}
	}
	require.NotEmpty(t, passedScenario)
	scenarioAt := topLevelKey(t, orig, "scenarios")
	idAt := bytes.Index(orig[scenarioAt:], []byte(`"id": `+strconv.Quote(passedScenario)))
	require.GreaterOrEqual(t, idAt, 0)
	idAt += scenarioAt

	summaryMust := regexp.MustCompile(`("summary": \{\s*"must": \{\s*"passed": )(\d+)`)
	require.True(t, summaryMust.Match(orig), "summary.must.passed not found")

	edits := []struct {
		name string
		edit func([]byte) []byte
	}{
		{"requirement passed to failed", func(d []byte) []byte {
			return replaceAfter(t, d, topLevelKey(t, d, "requirements"), `"status": "passed"`, `"status": "failed"`)
		}},
		{"requirement failed to passed", func(d []byte) []byte {
			return replaceAfter(t, d, topLevelKey(t, d, "requirements"), `"status": "failed"`, `"status": "passed"`)
		}},
		{"scenario passed to failed", func(d []byte) []byte {
			return replaceAfter(t, d, idAt, `"status": "passed"`, `"status": "failed"`)
		}},
		{"summary count", func(d []byte) []byte {
			return summaryMust.ReplaceAllFunc(d, func(m []byte) []byte {
				sub := summaryMust.FindSubmatch(m)
				n, _ := strconv.Atoi(string(sub[2]))
				return append(append([]byte{}, sub[1]...), strconv.Itoa(n+1)...)
			})
		}},
		{"verdict", func(d []byte) []byte {
			return replaceAfter(t, d, topLevelKey(t, d, "verdict"), `"non-conformant"`, `"conformant"`)
		}},
	}
	for _, e := range edits {
		edited := e.edit(orig)
		require.NotEqual(t, orig, edited, "%s: the edit changed nothing", e.name)
		for _, forged := range []bool{false, true} {
			name := e.name
			doc := edited
			if forged {
				name += " with the digest recomputed"
				doc = redigestReport(t, edited)
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				p := filepath.Join(t.TempDir(), "report.json")
				require.NoError(t, os.WriteFile(p, doc, 0o644))
				code, out := verifyReport(t, p)
				assert.Equal(t, ExitNonConformant, code, out)
				assert.Contains(t, out, "NOT VERIFIED")
				if forged {
					assert.Contains(t, out, "ok   report digest matches", "the forged digest itself checks out")
					assert.Contains(t, out, "FAIL summary counts", "the consistency check must catch what the digest no longer does")
				} else {
					assert.Contains(t, out, "FAIL report digest")
				}
			})
		}
	}

	for name, doc := range map[string][]byte{
		"truncated": orig[:len(orig)/2],
		"empty":     {},
		"not json":  []byte("<html>report</html>\n"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "report.json")
			require.NoError(t, os.WriteFile(p, doc, 0o644))
			var code ExitCode
			var out string
			require.NotPanics(t, func() { code, out = verifyReport(t, p) })
			assert.Equal(t, ExitNonConformant, code, out)
			assert.Contains(t, out, "not a casecert report")
			assert.NotContains(t, out, ": verified")
		})
	}

	t.Run("custom profile", func(t *testing.T) {
		t.Parallel()
		yaml := string(fixtures.DefaultYAML())
		renamed := strings.Replace(yaml, "{name: department, type: string}", "{name: dept_code, type: string}", 1)
		require.NotEqual(t, yaml, renamed, "the default profile no longer has the department field")
		profile := filepath.Join(t.TempDir(), "renamed.yaml")
		require.NoError(t, os.WriteFile(profile, []byte(renamed), 0o644))
		// A tagged run with a fault is enough: the suite digest covers the whole suite, whatever --tags runs.
		p := runJSON(t, "--profile", profile, "--fault", "null-ignored", "--tags", failingSubset)
		code, out := verifyReport(t, p)
		assert.Equal(t, ExitConformant, code, "a custom profile is not tampering\n%s", out)
		assert.Contains(t, out, "suite digest differs")
		assert.Contains(t, out, ": verified")
	})
}

// TestMergeShardsOfOneRun splits a real report into two shards (every other scenario, so
// each requirement is split across both) and merges them back.
//
// It catches: merge losing or duplicating scenarios, judging a requirement from one shard
// only (a failure in one shard must fail the merged requirement), a merged verdict that
// differs from the unsplit run's, and a merged report.json that does not verify.
func TestMergeShardsOfOneRun(t *testing.T) {
	t.Parallel()
	orig, err := os.ReadFile(runJSON(t, "--fault", "null-ignored", "--tags", failingSubset))
	require.NoError(t, err)
	var run reports.Run
	require.NoError(t, json.Unmarshal(orig, &run))
	require.Equal(t, reports.VerdictNonConformant, run.Verdict)

	catalog := make([]reports.CatalogEntry, len(run.Requirements))
	for i, r := range run.Requirements {
		catalog[i] = reports.CatalogEntry{ID: r.ID, Level: r.Level, Title: r.Title}
	}
	dir := t.TempDir()
	var shardPaths []string
	for i := range 2 {
		shard := run
		shard.Scenarios = nil
		for j, sc := range run.Scenarios {
			if j%2 == i {
				shard.Scenarios = append(shard.Scenarios, sc)
			}
		}
		shard.Suite.Shard = strconv.Itoa(i+1) + "/2"
		shard.Run.Requests = run.Run.Requests / 2
		reports.Judge(&shard, catalog)
		var buf bytes.Buffer
		require.NoError(t, reports.WriteJSON(&buf, shard))
		p := filepath.Join(dir, "shard"+strconv.Itoa(i+1), "report.json")
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
		code, out := verifyReport(t, p)
		require.Equal(t, ExitConformant, code, "shard %d must verify on its own\n%s", i+1, out)
		shardPaths = append(shardPaths, p)
	}

	out := filepath.Join(dir, "merged")
	env, stdout, stderr := testEnv(t, append([]string{"merge", "-o", out}, shardPaths...)...)
	require.Equal(t, ExitNonConformant, Main(env), "merge exits with the merged verdict's code\n"+stdout.String()+stderr.String())
	assert.Contains(t, stdout.String(), "NON-CONFORMANT")

	_, merged := readReport(t, out)
	assert.Equal(t, run.Verdict, merged.Verdict)
	assert.Equal(t, run.Summary, merged.Summary)
	assert.Len(t, merged.Scenarios, len(run.Scenarios))
	want, got := map[string]reports.Status{}, map[string]reports.Status{}
	for _, r := range run.Requirements {
		want[r.ID] = r.Status
	}
	for _, r := range merged.Requirements {
		got[r.ID] = r.Status
	}
	assert.Equal(t, want, got, "requirement statuses of the merged shards")

	code, vout := verifyReport(t, filepath.Join(out, "report.json"))
	assert.Equal(t, ExitConformant, code, "the merged report verifies\n%s", vout)
}
