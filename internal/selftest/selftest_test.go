package selftest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/cli"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// TestMain lets the heap grow to five times the live data between collections (GOGC=400)
// unless GOGC asks for more: this package is about fifty whole runs, which allocate much
// and keep little. That takes about a fifth off its CPU time, for a peak near 0.5 GB.
func TestMain(m *testing.M) {
	if old := debug.SetGCPercent(400); old < 0 || old > 400 {
		debug.SetGCPercent(old)
	}
	defer func() { os.RemoveAll(draftDir) }()
	m.Run()
}

// casecert runs casecert with args over the real file system, with captured output and an
// empty process environment.
func casecert(t *testing.T, args ...string) (cli.ExitCode, string, string) {
	t.Helper()
	env := cli.OSEnv(context.Background())
	var stdout, stderr bytes.Buffer
	env.Args, env.Stdout, env.Stderr = args, &stdout, &stderr
	env.Getenv = func(string) string { return "" }
	code := cli.Main(env)
	return code, stdout.String(), stderr.String()
}

// certify runs the whole suite against the reference server with the given faults and
// reads its JSON report.
func certify(t *testing.T, faults ...string) (cli.ExitCode, reports.Run, string) {
	t.Helper()
	dir := t.TempDir()
	args := []string{"run", "--report-dir", dir, "--format", "json", "--seed", "7", "--concurrency", "4"}
	for _, f := range faults {
		args = append(args, "--fault", f)
	}
	return runReport(t, dir, args...)
}

// runReport runs casecert with args and reads the report.json it wrote to dir.
func runReport(t *testing.T, dir string, args ...string) (cli.ExitCode, reports.Run, string) {
	t.Helper()
	code, stdout, stderr := casecert(t, args...)
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err, stdout+stderr)
	var run reports.Run
	require.NoError(t, json.Unmarshal(data, &run))
	return code, run, stdout + stderr
}

// requirement is one line of `casecert list`.
type requirement struct {
	level     string
	scenarios int
}

// catalog reads the requirement catalog through `casecert list`: ID, level, scenario
// count, title.
func catalog(t *testing.T) map[string]requirement {
	t.Helper()
	code, stdout, stderr := casecert(t, "list")
	require.Equal(t, cli.ExitConformant, code, stderr)
	out := map[string]requirement{}
	for _, line := range strings.Split(stdout, "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) < 3 || !strings.Contains(fields[0], "-") {
			continue
		}
		n, err := strconv.Atoi(fields[2])
		require.NoError(t, err, line)
		out[fields[0]] = requirement{level: fields[1], scenarios: n}
	}
	require.NotEmpty(t, out, "casecert list printed no requirement")
	return out
}

// The reference server passes every must and should requirement: no false alarms.
func TestReferenceServerIsConformant(t *testing.T) {
	t.Parallel()
	code, run, out := certify(t)
	assert.Equal(t, cli.ExitConformant, code, out)
	assert.Equal(t, reports.VerdictConformant, run.Verdict)
	assert.Empty(t, run.FailedIDs(""), "no requirement may fail against the reference server")
	for _, s := range run.Scenarios {
		if s.Status == reports.StatusFailed {
			t.Errorf("%s: %s", s.ID, s.Error)
		}
	}
}

// Every row of the fault table says what the fault must fail, in requirements of the
// catalog, and why it may fail any other.
func TestEveryFaultRowIsComplete(t *testing.T) {
	reqs := catalog(t)
	for _, f := range refserver.Faults() {
		if len(f.Fails) == 0 {
			t.Errorf("fault %s names no requirement it must fail (Fails)", f.Name)
		}
		for _, id := range slices.Concat(f.Fails, f.MayFail) {
			if _, ok := reqs[id]; !ok {
				t.Errorf("fault %s names %s, which is not in the requirement catalog", f.Name, id)
			}
		}
		if (len(f.MayFail) > 0 || f.BreaksAll || f.NonePass != "") && strings.TrimSpace(f.Why) == "" {
			t.Errorf("fault %s may fail other requirements but does not say why (Why)", f.Name)
		}
		for name, why := range f.NotOn {
			if !slices.Contains(platform.Names(), name) || strings.TrimSpace(why) == "" {
				t.Errorf("fault %s: NotOn %q needs a platform of the reference server and why", f.Name, name)
			}
		}
	}
}

// No must or should requirement that has scenarios is left without a fault proving it
// can fail.
func TestEveryRequirementHasAFault(t *testing.T) {
	proven := map[string]bool{}
	for _, f := range refserver.Faults() {
		for _, id := range f.Fails {
			proven[id] = true
		}
	}
	for id, r := range catalog(t) {
		if r.level == reports.LevelInfo || r.scenarios == 0 {
			continue
		}
		assert.True(t, proven[id], "%s (%s) has scenarios but no fault proving it can fail", id, r.level)
	}
}

// Every fault switch makes its requirements fail, and no unrelated must requirement.
func TestEveryFaultIsCaught(t *testing.T) {
	reqs := catalog(t)
	for _, f := range refserver.Faults() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			code, run, out := certify(t, f.Name)
			for _, id := range f.Fails {
				if reqs[id].level == reports.LevelMust {
					assert.Equal(t, cli.ExitNonConformant, code, out)
				}
				assert.Contains(t, run.FailedIDs(""), id, "fault %s must fail %s", f.Name, id)
			}
			if f.NonePass != "" {
				assert.NotContains(t, []reports.Verdict{reports.VerdictConformant, reports.VerdictWarnings}, run.Verdict, "fault %s: %s", f.Name, out)
				for _, r := range run.Requirements {
					if strings.HasPrefix(r.ID, f.NonePass) && r.Status == reports.StatusPassed {
						t.Errorf("fault %s: %s passed, but the fault leaves it nothing to judge (%s)", f.Name, r.ID, r.Reason)
					}
				}
			}
			if f.BreaksAll {
				return
			}
			for _, id := range run.FailedIDs(reports.LevelMust) {
				if !slices.Contains(f.Fails, id) && !slices.Contains(f.MayFail, id) {
					t.Errorf("fault %s also failed unrelated must requirement %s", f.Name, id)
				}
			}
		})
	}
}
