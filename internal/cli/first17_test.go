package cli

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/features"
	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// TestUndefinedStepInFeaturesExits2AtLoad (issue 17 item 13): a --features file with a
// step no phrase matches is a suite error: exit 2 before any request, naming the file,
// the line and the closest phrase (it was each scenario's error, and exit 4).
func TestUndefinedStepInFeaturesExits2AtLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"requirements.yaml", "requests.feature"} {
		src, err := fs.ReadFile(features.FS, name)
		require.NoError(t, err)
		if name == "requests.feature" {
			require.Contains(t, string(src), "    Then the answer is 400 or 404\n")
			src = []byte(strings.Replace(string(src), "    Then the answer is 400 or 404\n", "    Then the answr is 400 or 404\n", 1))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), src, 0o600))
	}
	line := 1 + strings.Count(strings.Split(mustRead(t, filepath.Join(dir, "requests.feature")), "the answr is")[0], "\n")
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer srv.Close()
	env, stdout, stderr := testEnv(t, "run", "--features", dir, "--base-url", srv.URL, "--token", "t", "--report-dir", filepath.Join(t.TempDir(), "r"))
	assert.Equal(t, ExitUsage, Main(env), stdout.String()+stderr.String())
	want := filepath.Join(dir, "requests.feature") + ":" + strconv.Itoa(line) + `: undefined step "Then the answr is 400 or 404": no phrase matches it; did you mean "the answer is 400 or 404"?`
	assert.Contains(t, stderr.String(), want)
	assert.Zero(t, requests.Load(), "a suite error sends nothing")
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// TestConsoleCountsAgree (issue 17 item 16): the first line and the summary count the
// same results (scenarios and run-wide checks, named apart: it was "420 scenarios" then
// "422 scenarios"); `list` counts a requirement's results as the report lists them
// (REQ-NO-5XX: its scenarios and its run-wide check); one scenario is "1 scenario"; and the
// level lines count skipped and error as the not judged they are, not beside them.
func TestConsoleCountsAgree(t *testing.T) {
	t.Parallel()
	env, stdout, _ := testEnv(t, "list")
	require.Equal(t, ExitConformant, Main(env))
	listed := ""
	for _, line := range strings.Split(stdout.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "REQ-NO-5XX" {
			listed = f[2]
		}
	}
	// The counts are the catalog's: a requirement added to it must not break this test.
	st, err := loadSuite(env, "", fixtures.Default())
	require.NoError(t, err)
	runWide := 0
	for _, r := range st.Catalog {
		if r.RunWide != "" {
			runWide++
		}
	}
	require.Positive(t, runWide)
	assert.Contains(t, stdout.String(), fmt.Sprintf("%d requirements: %d scenarios and %d run-wide checks", len(st.Catalog), len(st.Pickles), runWide))

	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--tags", "@REQ-NO-5XX", "--report-dir", dir)
	Main(env)
	assert.Contains(t, stderr.String(), "(profile reference, 6 scenarios and 2 run-wide checks, seed ")
	assert.Contains(t, stdout.String(), "\n  6 scenarios and 2 run-wide checks (8 passed, ")
	_, run := readReport(t, dir)
	for _, r := range run.Requirements {
		if r.ID == "REQ-NO-5XX" {
			assert.Equal(t, listed, strconv.Itoa(len(r.Scenarios)), "list and the report count REQ-NO-5XX's results alike")
		}
	}
	assert.Regexp(t, `\n  must:   2 passed, 0 failed, 28 not judged \(28 skipped, 0 error\)\n`, stdout.String())

	env, stdout, stderr = testEnv(t, "run", "--tags", "@PATCH-OWNER-KEPT", "--report-dir", t.TempDir())
	Main(env)
	assert.Contains(t, stderr.String(), "(profile reference, 1 scenario and 2 run-wide checks, seed ")
	assert.Contains(t, stdout.String(), "\n  1 scenario and 2 run-wide checks (3 passed, ")
	assert.NotContains(t, stdout.String()+stderr.String(), " 1 scenarios")
}

// TestEvidenceBelongsToItsRequirement (issue 17 item 14). Against a server that checks no
// token, the cause comes first: AUTH-MISSING is the first card of report.html and the
// console, and RES-ERROR does not fail on an answer that was no refusal (its missing-token
// row could not judge an error shape: it is not judged, naming why). A card's evidence line
// starts with what was expected and observed, not the URL and body sent.
func TestEvidenceBelongsToItsRequirement(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--fault", "no-auth", "--tags", "@RES-ERROR,@AUTH-MISSING", "--report-dir", dir, "--format", "json,html")
	require.Equal(t, ExitNonConformant, Main(env), stdout.String()+stderr.String())
	page := mustRead(t, filepath.Join(dir, "report.html"))
	cards := regexp.MustCompile(`<li class="ff-\w+" data-requirement="([A-Z0-9-]+)">.*?<p class="ev" title="[^"]*">([^<]*)</p>`).FindAllStringSubmatch(page, -1)
	require.NotEmpty(t, cards, page)
	assert.Equal(t, "AUTH-MISSING", cards[0][1], "the cause is the first card")
	evidence := html.UnescapeString(cards[0][2])
	assert.True(t, strings.HasPrefix(evidence, "AUTH-MISSING: expected 401; observed 200 "), evidence)
	assert.Contains(t, evidence, "; sent PATCH http://127.0.0.1:", "what was sent comes after")
	for _, c := range cards {
		assert.NotEqual(t, "RES-ERROR", c[1], "RES-ERROR judges the shape of a refusal; a PATCH without a token that got 200 is AUTH-MISSING's")
	}
	assert.Less(t, strings.Index(stdout.String(), "  AUTH-MISSING (must), "), max(strings.Index(stdout.String(), "  RES-ERROR (must), "), len(stdout.String())))
	_, run := readReport(t, dir)
	for _, r := range run.Requirements {
		if r.ID == "RES-ERROR" {
			assert.Equal(t, reports.StatusError, r.Status, r.Reason)
			assert.Contains(t, r.Reason, "was not refused (observed 200")
		}
	}
}

// TestOwnerKeptJudgesTheOwnerAlone (issue 17 item 14): PATCH-OWNER-KEPT judges its own
// field. A server that keeps the owner but clears every other omitted field passes it
// (PATCH-OMIT fails there), and the fault that resets the owner still fails it, with
// evidence naming owner_id alone.
func TestOwnerKeptJudgesTheOwnerAlone(t *testing.T) {
	t.Parallel()
	status := func(fault string) (reports.Requirement, string) {
		dir := t.TempDir()
		env, stdout, stderr := testEnv(t, "run", "--fault", fault, "--tags", "@PATCH-OWNER-KEPT,@PATCH-OMIT", "--report-dir", dir, "--format", "json")
		Main(env)
		_, run := readReport(t, dir)
		for _, r := range run.Requirements {
			if r.ID == "PATCH-OMIT" {
				require.Equal(t, reports.StatusFailed, r.Status, "the fault drops fields: %s %s", stdout, stderr)
			}
		}
		errText := ""
		for _, sc := range run.Scenarios {
			if slices.Contains(sc.Requirements, "PATCH-OWNER-KEPT") {
				errText = sc.Error
			}
		}
		for _, r := range run.Requirements {
			if r.ID == "PATCH-OWNER-KEPT" {
				return r, errText
			}
		}
		t.Fatal("no PATCH-OWNER-KEPT in the report")
		return reports.Requirement{}, ""
	}
	kept, _ := status("omit-clears-but-owner")
	assert.Equal(t, reports.StatusPassed, kept.Status, kept.Reason)
	reset, errText := status("owner-reset")
	assert.Equal(t, reports.StatusFailed, reset.Status)
	assert.Regexp(t, `^PATCH-OWNER-KEPT: field "owner_id": expected "[0-9A-Za-z]{18}" \(unchanged\); observed "005000000000001AAA"; sent nothing for it$`, errText,
		"the evidence names the owner alone")
}

// caseOnServer starts a reference server with opts and creates one case with a few fields
// set and the rest empty (default field names), as a user's case on a staging org is.
func caseOnServer(t *testing.T, opts refserver.Options) (base, token, id string, read func() gjson.Result) {
	t.Helper()
	srv, err := refserver.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	token, err = srv.MintToken(time.Hour)
	require.NoError(t, err)
	base = hs.URL + refserver.DefaultBasePath
	_, created := call(t, http.MethodPost, base+"/incidents", token, `{"description": "shoplifting at the north entrance", "status": "Open", "incident_local_time": "14:30:00", "police_involved": false}`)
	id = gjson.Get(created, "id").String()
	require.NotEmpty(t, id, created)
	return base, token, id, func() gjson.Result {
		_, body := call(t, http.MethodGet, base+"/incidents/"+id, token, "")
		return gjson.Parse(body)
	}
}

// TestCaseIDProbesTheRestoreFirst (issue 17 item 15): on a target that ignores null, a
// --case-id run would fill the case's empty fields and could never empty them again. It
// tries null on one field that holds a value first, sees it ignored, and stops before
// writing anything else (exit 3, saying why, the case as it was). On targets that clear
// with null (generic, and salesforce with its profile) the probe passes and puts the value
// back: no false alarm.
func TestCaseIDProbesTheRestoreFirst(t *testing.T) {
	t.Parallel()
	fields := []string{"description", "status", "incident_local_date", "incident_local_time", "initial_case_value",
		"location_id", "owner_id", "summary", "region", "department", "police_involved"}
	base, token, id, read := caseOnServer(t, refserver.Options{DBPath: ":memory:", Faults: []string{"null-ignored"}})
	before := read()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--base-url", base, "--token", token, "--case-id", id, "--tags", "@PATCH-SET,@PATCH-NULL", "--report-dir", dir, "--format", "json")
	require.Equal(t, ExitUnreachable, Main(env), stdout.String()+stderr.String())
	assert.Contains(t, stderr.String(), `--case-id `+id+`: the target ignores null (a PATCH of {"description": null} answered 200 and description still reads "shoplifting at the north entrance"), so the run could not empty again the fields it would fill (`)
	assert.Contains(t, stderr.String(), "nothing was changed")
	after := read()
	for _, f := range fields {
		assert.Equal(t, before.Get(f).Raw, after.Get(f).Raw, "%s: the case is as it was", f)
	}
	_, run := readReport(t, dir)
	assert.True(t, run.Cleanup.Restored)
	assert.Equal(t, "the run stopped before changing case "+id, run.Cleanup.Detail)
	for _, sc := range run.Scenarios {
		assert.Equal(t, reports.StatusNotRun, sc.Status, sc.ID)
	}

	for _, tc := range []struct {
		name    string
		opts    refserver.Options
		profile []string
	}{
		{"generic", refserver.Options{DBPath: ":memory:"}, nil},
		{"salesforce", refserver.Options{DBPath: ":memory:", Platform: platform.SalesforceName}, []string{"--profile", "../selftest/testdata/salesforce.yaml"}},
	} {
		base, token, id, read := caseOnServer(t, tc.opts)
		before := read()
		dir := t.TempDir()
		args := append([]string{"run", "--base-url", base, "--token", token, "--case-id", id, "--tags", "@PATCH-NULL", "--report-dir", dir, "--format", "json"}, tc.profile...)
		env, stdout, stderr := testEnv(t, args...)
		require.Equal(t, ExitIncomplete, Main(env), "%s: %s", tc.name, stdout.String()+stderr.String())
		_, run := readReport(t, dir)
		assert.True(t, run.Cleanup.Restored, "%s: %s", tc.name, run.Cleanup.Detail)
		after := read()
		for _, f := range fields {
			assert.Equal(t, before.Get(f).Raw, after.Get(f).Raw, "%s: %s restored", tc.name, f)
		}
	}
}

// TestSignKeyGivenAPublicKey (issue 17 item 16): --sign-key given the public half says so
// (it printed an ASN.1 error), before any request; verify --public-key given the private
// half says so too.
func TestSignKeyGivenAPublicKey(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	dir := t.TempDir()
	pubPath, privPath := filepath.Join(dir, "public.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}), 0o600))
	require.NoError(t, os.WriteFile(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600))
	env, stdout, stderr := testEnv(t, "run", "--sign-key", pubPath, "--report-dir", filepath.Join(dir, "r"))
	assert.Equal(t, ExitUsage, Main(env), stdout.String())
	assert.Contains(t, stderr.String(), "--sign-key "+pubPath+": this is a public key (PEM PUBLIC KEY); signing needs the private key")
	assert.NotContains(t, stderr.String(), "asn1")
	env, stdout, stderr = testEnv(t, "verify", "--public-key", privPath, filepath.Join(dir, "report.json"))
	assert.Equal(t, ExitUsage, Main(env), stdout.String())
	assert.Contains(t, stderr.String(), "this is a private key (PEM PRIVATE KEY); verifying needs the public key")
}

// TestMergeWarnsOfShardSeedsOnTheConsole (issue 17 item 16): shards run with different
// seeds are not one run; merge says so on the console, not only in report.json.
func TestMergeWarnsOfShardSeedsOnTheConsole(t *testing.T) {
	t.Parallel()
	shard := func(i, seed string) string {
		dir := t.TempDir()
		env, stdout, stderr := testEnv(t, "run", "--tags", "@ID-MALFORMED", "--shard", i+"/2", "--seed", seed, "--report-dir", dir, "--format", "json")
		require.Equal(t, ExitIncomplete, Main(env), stdout.String()+stderr.String())
		return filepath.Join(dir, "report.json")
	}
	one, two := shard("1", "11"), shard("2", "22")
	env, stdout, stderr := testEnv(t, "merge", "-o", t.TempDir(), one, two)
	Main(env)
	assert.Contains(t, stdout.String()+stderr.String(), "shards ran with different seeds: 11, 22")
}

// TestBannerBreaksTheURLBetweenSegments (issue 17 item 16): the HTML banner may wrap the
// target URL only after a slash of its path, never inside a word (it broke anywhere).
func TestBannerBreaksTheURLBetweenSegments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--tags", "@PATCH-EMPTY", "--report-dir", dir, "--format", "html")
	Main(env)
	page := mustRead(t, filepath.Join(dir, "report.html"))
	assert.Regexp(t, `<div class="target"><small>Target</small>http://127\.0\.0\.1:\d+/<wbr>services/<wbr>apexrest/<wbr>ThinkLP</div>`, page, stdout.String()+stderr.String())
	banner := regexp.MustCompile(`\.banner \.target\{[^}]*\}`).FindString(page)
	assert.NotContains(t, banner, "break-all")
}

// TestDocsNameEveryFlag (issue 17 item 16): docs/cli.md, the CLI reference the README
// points to, names every flag of every command, as each command's -h lists them.
func TestDocsNameEveryFlag(t *testing.T) {
	t.Parallel()
	doc := mustRead(t, filepath.Join("..", "..", "docs", "cli.md"))
	commands := [][]string{{"profile", "check"}, {"profile", "init"}}
	for _, m := range regexp.MustCompile(`(?m)^  casecert (\w+)`).FindAllStringSubmatch(usage, -1) {
		commands = append(commands, []string{m[1]})
	}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`)
	for _, cmd := range commands {
		env, stdout, stderr := testEnv(t, append(slices.Clone(cmd), "-h")...)
		Main(env)
		help := stdout.String() + stderr.String()
		assert.True(t, regexp.MustCompile("(?m)^## .*`casecert "+cmd[0]).MatchString(doc), "docs/cli.md has a section on casecert %s", cmd[0])
		for _, m := range flagLine.FindAllStringSubmatch(help, -1) {
			name := m[1]
			if !strings.Contains(doc, "`--"+name) && !strings.Contains(doc, "`-"+name+" ") {
				t.Errorf("docs/cli.md does not name %s's flag --%s", strings.Join(cmd, " "), name)
			}
		}
	}
}
