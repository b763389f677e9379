package selftest

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cli"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// mode is one more way to certify the reference server besides the primary one (the
// default profile, every fault against the whole suite, in selftest_test.go). Each mode
// gets one full run that must be conformant with no must requirement skipped; each fault
// that applies to it runs only the scenarios of the requirements it must fail, so a mode
// costs one run plus small ones, not a second table.
type mode struct {
	name string
	// profile is the profile the run uses.
	profile string
	// served is the profile the reference server serves; "" means the run's own profile
	// (run --profile without --base-url: the in-process server of `serve --profile`).
	served string
	// openapi, when set, is an OpenAPI document: the run's profile is what `profile init`
	// drafts from it, with no hand edit (profile is then left empty).
	openapi string
	why     string
}

var modes = []mode{
	{name: "salesforce-names", profile: "../../fixtures/testdata/salesforce-names.yaml",
		why: "only the keys of profile.md's example, Salesforce API names, other paths and fixtures: no feature, step or fault may assume the default names"},
	{name: "example-profile", profile: "../../fixtures/testdata/example.yaml", served: "default",
		why: "profile.md's example as a new user writes it, against the reference server of the default profile (issue 11's symptoms)"},
	{name: "salesforce", profile: "testdata/salesforce.yaml",
		why: "platform: salesforce, served in-process by the reference server behaving as an org (Apex serialisation, whole-second date-times, checkbox null stored as false, opaque sessions): salesforce.md's table without a false alarm"},
	{name: "openapi-camel", openapi: "testdata/openapi-camel.json", served: "testdata/camel.yaml",
		why: "the profile profile init drafts from a vendor's OpenAPI 3.1 JSON (camelCase names, allOf and component $refs, readOnly only in the read schema), against serve --profile of the profile it describes"},
	{name: "openapi-page", openapi: "testdata/openapi-page.yaml", served: "default",
		why: "the profile profile init drafts from an OpenAPI 3.0 YAML document in the style of the vendor's Update Case page (its field descriptions, nullable: true), against the reference server"},
}

// certifyMode runs casecert for a mode with the given fault switches, --tags and extra
// flags.
func certifyMode(t *testing.T, m mode, faults []string, tags string, extra ...string) (cli.ExitCode, reports.Run, string) {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"run", "--profile", profileOf(t, m), "--report-dir", dir, "--format", "json", "--seed", "7", "--concurrency", "4"}, extra...)
	if tags != "" {
		args = append(args, "--tags", tags)
	}
	if m.served == "" {
		for _, f := range faults {
			args = append(args, "--fault", f)
		}
	} else {
		var served *fixtures.Profile
		if m.served != "default" {
			served = parseProfile(t, m.served)
		}
		srv, err := refserver.New(refserver.Options{DBPath: ":memory:", Faults: faults, Profile: served})
		require.NoError(t, err)
		hs := httptest.NewServer(srv)
		t.Cleanup(func() { hs.Close(); srv.Close() })
		token, err := srv.MintToken(time.Hour)
		require.NoError(t, err)
		expired, err := srv.MintToken(-time.Hour)
		require.NoError(t, err)
		args = append(args, "--base-url", hs.URL+refserver.DefaultBasePath, "--token", token, "--expired-token", expired)
	}
	return runReport(t, dir, args...)
}

// Every mode is conformant, with no false alarm and no must requirement skipped.
func TestModesAreConformant(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			code, run, out := certifyMode(t, m, nil, "")
			assert.Equal(t, cli.ExitConformant, code, out)
			assert.Equal(t, reports.VerdictConformant, run.Verdict, m.why)
			for _, r := range run.Requirements {
				if r.Status == reports.StatusFailed || r.Level == reports.LevelMust && r.Status != reports.StatusPassed {
					t.Errorf("%s (%s) is %s: %s", r.ID, r.Level, r.Status, r.Reason)
				}
			}
			for _, s := range run.Scenarios {
				if s.Status == reports.StatusFailed {
					t.Errorf("%s: %s", s.ID, s.Error)
				}
			}
			if run.Target.Platform == platform.SalesforceName {
				salesforceReadBacksWereNotReported(t, run)
			}
		})
	}
}

// Every fault that applies to a mode fails its requirements there too, and no other must
// requirement of their scenarios. A fault that does not apply says why in its row (Needs,
// NotOn).
func TestModesCatchEveryFault(t *testing.T) {
	for _, m := range modes {
		p := parseProfile(t, profileOf(t, m))
		for _, f := range refserver.Faults() {
			t.Run(m.name+"/"+f.Name, func(t *testing.T) {
				for _, need := range f.Needs {
					if reason := p.Lacks(need); reason != "" {
						t.Skipf("does not apply: %s", reason)
					}
				}
				if ok, why := f.AppliesOn(p.Platform); !ok {
					t.Skipf("does not apply on %s: %s", p.Platform, why)
				}
				t.Parallel()
				code, run, out := certifyMode(t, m, []string{f.Name}, "@"+strings.Join(f.Fails, ",@"))
				for _, id := range f.Fails {
					assert.Contains(t, run.FailedIDs(""), id, "fault %s must fail %s under %s", f.Name, id, m.name)
				}
				if slices.ContainsFunc(run.Requirements, func(r reports.Requirement) bool {
					return r.Level == reports.LevelMust && slices.Contains(f.Fails, r.ID)
				}) {
					assert.Equal(t, cli.ExitNonConformant, code, out)
				}
				if f.BreaksAll {
					return
				}
				for _, id := range run.FailedIDs(reports.LevelMust) {
					if !slices.Contains(f.Fails, id) && !slices.Contains(f.MayFail, id) {
						t.Errorf("fault %s also failed unrelated must requirement %s under %s", f.Name, id, m.name)
					}
				}
			})
		}
	}
}

// A fault's Needs name needs of the profile table, so "does not apply" always has a reason.
func TestFaultNeedsAreKnown(t *testing.T) {
	for _, f := range refserver.Faults() {
		for _, n := range f.Needs {
			_, ok := fixtures.LookupNeed(n)
			assert.True(t, ok, "fault %s needs %q, which fixtures.Needs does not have", f.Name, n)
		}
	}
}

func parseProfile(t *testing.T, path string) *fixtures.Profile {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	p, err := fixtures.Parse(path, data)
	require.NoError(t, err)
	return p
}

// drafts are the profiles `profile init` drafted for the modes with an OpenAPI document,
// once each, in draftDir (removed by TestMain).
var (
	draftMu  sync.Mutex
	drafts   = map[string]string{}
	draftDir string
)

// profileOf is the profile a mode's runs use: its file, or the one `profile init` drafts
// from its OpenAPI document (which must end with profile check judging every must).
func profileOf(t *testing.T, m mode) string {
	t.Helper()
	if m.openapi == "" {
		return m.profile
	}
	draftMu.Lock()
	defer draftMu.Unlock()
	if path, ok := drafts[m.name]; ok {
		return path
	}
	if draftDir == "" {
		dir, err := os.MkdirTemp("", "casecert-drafts")
		require.NoError(t, err)
		draftDir = dir
	}
	path := filepath.Join(draftDir, m.name+".yaml")
	code, stdout, stderr := casecert(t, "profile", "init", "--openapi", m.openapi, "-o", path)
	require.Equal(t, cli.ExitConformant, code, stdout+stderr)
	require.Contains(t, stdout, "every must requirement is judged")
	drafts[m.name] = path
	return path
}
