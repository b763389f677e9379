package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// testEnv is an Env over the real file system with captured output.
func testEnv(t testing.TB, args ...string) (Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	env := OSEnv(context.Background())
	var stdout, stderr bytes.Buffer
	env.Args, env.Stdout, env.Stderr = args, &stdout, &stderr
	env.Getenv = func(string) string { return "" }
	return env, &stdout, &stderr
}

// certify runs the whole suite against the reference server with the given faults.
func certify(t *testing.T, faults ...string) (ExitCode, reports.Run, string) {
	t.Helper()
	dir := t.TempDir()
	args := []string{"run", "--report-dir", dir, "--format", "json", "--seed", "7", "--concurrency", "4"}
	for _, f := range faults {
		args = append(args, "--fault", f)
	}
	env, stdout, stderr := testEnv(t, args...)
	code := Main(env)
	_, run := readReport(t, dir)
	return code, run, stdout.String() + stderr.String()
}

// readReport reads dir/report.json.
func readReport(t testing.TB, dir string) ([]byte, reports.Run) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var run reports.Run
	require.NoError(t, json.Unmarshal(data, &run))
	return data, run
}

type faultCase struct {
	fault   string
	fails   []string
	mayFail []string
}

func loadFaultTable(t *testing.T) []faultCase {
	f, err := os.Open("testdata/faults.txt")
	require.NoError(t, err)
	defer f.Close()
	var out []faultCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Fields(line)
		require.GreaterOrEqual(t, len(parts), 2, line)
		out = append(out, faultCase{fault: parts[0], fails: strings.Split(parts[1], ","), mayFail: parts[2:]})
	}
	return out
}

func failed(run reports.Run, level string) []string {
	var out []string
	for _, r := range run.Requirements {
		if r.Status == reports.StatusFailed && (level == "" || r.Level == level) {
			out = append(out, r.ID)
		}
	}
	return out
}

func levelOf(run reports.Run, id string) string {
	for _, r := range run.Requirements {
		if r.ID == id {
			return r.Level
		}
	}
	return ""
}

// The reference server passes every must and should requirement: no false alarms.
func TestReferenceServerIsConformant(t *testing.T) {
	code, run, out := certify(t)
	assert.Equal(t, ExitConformant, code, out)
	assert.Equal(t, reports.VerdictConformant, run.Verdict)
	assert.Empty(t, failed(run, ""), "no requirement may fail against the reference server")
	for _, s := range run.Scenarios {
		if s.Status == reports.StatusFailed {
			t.Errorf("%s: %s", s.ID, s.Error)
		}
	}
}

// Every fault switch makes its requirement fail, and no unrelated must requirement.
func TestEveryFaultIsCaught(t *testing.T) {
	table := loadFaultTable(t)
	known := map[string]bool{}
	for _, f := range refserver.Faults() {
		known[f.Name] = true
	}
	for _, tc := range table {
		t.Run(tc.fault, func(t *testing.T) {
			require.True(t, known[tc.fault], "the reference server has no fault %q", tc.fault)
			t.Parallel()
			code, run, out := certify(t, tc.fault)
			for _, id := range tc.fails {
				level := levelOf(run, id)
				require.NotEmpty(t, level, "%s is not in the catalog", id)
				if level == reports.LevelMust {
					assert.Equal(t, ExitNonConformant, code, out)
				}
				assert.Contains(t, failed(run, ""), id, "fault %s must fail %s", tc.fault, id)
			}
			for _, id := range failed(run, reports.LevelMust) {
				if !slices.Contains(tc.fails, id) && !slices.Contains(tc.mayFail, id) && !slices.Contains(tc.mayFail, "*") {
					t.Errorf("fault %s also failed unrelated must requirement %s", tc.fault, id)
				}
			}
		})
	}
}

// No must or should requirement that has scenarios is left without a fault proving it can fail.
func TestEveryRequirementHasAFault(t *testing.T) {
	table := loadFaultTable(t)
	proven := map[string]bool{}
	for _, tc := range table {
		for _, id := range tc.fails {
			proven[id] = true
		}
	}
	env, stdout, _ := testEnv(t, "list")
	require.Equal(t, ExitConformant, Main(env))
	for _, line := range strings.Split(stdout.String(), "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) < 3 || fields[1] == reports.LevelInfo || fields[2] == "0" || !strings.Contains(fields[0], "-") {
			continue
		}
		assert.True(t, proven[fields[0]], "%s (%s) has scenarios but no fault proving it can fail", fields[0], fields[1])
	}
}
