package cli

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/hostile"
	"github.com/casecert/casecert/internal/preflight"
)

// The console's verdict block names each failed requirement with its first evidence
// line and how to reproduce it; a --fault run says to start casecert serve first.
func TestVerdictBlockSaysWhatFailedFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--fault", "null-ignored", "--tags", "@PATCH-NULL,@PATCH-MIXED,@PATCH-OMIT",
		"--report-dir", dir, "--format", "json", "--seed", "7")
	require.Equal(t, ExitNonConformant, Main(env), stdout.String()+stderr.String())
	out := stdout.String()
	for _, id := range []string{"PATCH-NULL", "PATCH-MIXED"} {
		block := out[strings.Index(out, "  "+id+" (must), "):]
		lines := strings.Split(block, "\n")
		require.GreaterOrEqual(t, len(lines), 5, block)
		assert.Regexp(t, `^  `+id+` \(must\), \d+ of \d+ scenarios? failed(, \d+ the same way)?: `, lines[0])
		assert.Regexp(t, `^    `+id+`: field "[a-z_]+": expected null or absent; observed .*; sent null$`, lines[1], "the first evidence line: expected and observed first")
		assert.Contains(t, lines[2], "reproduce: casecert run --fault null-ignored --tags @"+id+" --seed 7")
		assert.Contains(t, lines[3], "casecert serve --fault null-ignored")
		assert.Contains(t, lines[3], "first start the reference server")
		assert.Regexp(t, `(curl -sS -X PATCH 'http://127\.0\.0\.1:8080/services/apexrest/ThinkLP/incidents/|the request as curl, \d+ characters: report\.html)`, lines[4])
	}
	assert.NotContains(t, out, "PATCH-OMIT (must), ", "only failed requirements are listed")
}

// The preflight is bounded by --timeout like every request, not by a cap of its own
// (it used to cut a user's --timeout 60s to 30 s).
func TestPreflightHonoursTimeout(t *testing.T) {
	t.Parallel()
	deadlines := make(chan time.Duration, 1)
	hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		dl, ok := r.Context().Deadline()
		if !ok {
			dl = time.Now().Add(time.Hour)
		}
		select {
		case deadlines <- time.Until(dl):
		default:
		}
		return &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})}
	cl, err := client.New(client.Config{BaseURL: "http://127.0.0.1:1", Token: "t0ken-abc", Timeout: 60 * time.Second, HTTPClient: hc})
	require.NoError(t, err)
	err = preflight.Check(context.Background(), preflight.Config{Client: cl, Profile: fixtures.Default()})
	require.ErrorContains(t, err, "401")
	assert.Greater(t, <-deadlines, 55*time.Second, "the preflight's request gets the whole --timeout")
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Hostile targets end in a defined verdict with a bounded report directory. (Peak RSS of
// full runs is measured by internal/hostile's BenchmarkHostileTargets.)
func TestHostileTargetsKeepTheReportSmall(t *testing.T) {
	t.Parallel()
	for _, kind := range []hostile.Kind{hostile.BigField, hostile.BigBody, hostile.GzipBomb, hostile.Deep, hostile.HugeHeaders} {
		t.Run(string(kind), func(t *testing.T) {
			srv, err := hostile.StartAfter(kind, 3) // calm through the preflight
			require.NoError(t, err)
			defer srv.Close()
			dir := t.TempDir()
			env, stdout, stderr := testEnv(t, "run", "--base-url", srv.URL, "--token", "t0ken-abc", "--timeout", "10s",
				"--report-dir", dir, "--seed", "7", "--tags", "@AUTH-MISSING,@ID-FORMS")
			code := Main(env)
			want := []ExitCode{ExitNonConformant, ExitUnreachable, ExitIncomplete}
			if kind == hostile.BigField {
				// Legal answers, only large: judged on what they say (this toy target has no
				// auth and knows no 15-character ids, so it fails those requirements).
				want = []ExitCode{ExitConformant, ExitNonConformant}
			}
			assert.Contains(t, want, code, stdout.String()+stderr.String())
			size := dirSize(t, dir)
			t.Logf("%s: exit %d, report dir %d KB", kind, code, size>>10)
			assert.Less(t, size, int64(25<<20), "report directory")
			data, run := readReport(t, dir)
			assert.Less(t, len(data), 8<<20)
			for _, sc := range run.Scenarios {
				for _, ex := range sc.Exchanges {
					assert.LessOrEqual(t, len(ex.ResponseBody), client.MaxEvidenceBody+100, "evidence bodies are capped")
				}
			}
			switch kind {
			case hostile.BigBody, hostile.GzipBomb:
				assert.Contains(t, string(data), "bytes; the first 4194304 are kept", "the error says the answer was cut")
			case hostile.Deep:
				assert.Contains(t, string(data), "(JSON nested deeper than 64 levels)", "a too-deep answer is not a JSON case, and the report says why")
			case hostile.HugeHeaders:
				assert.Empty(t, run.FailedIDs(""), "an answer not read is no violation")
				assert.Contains(t, string(data), "headers are longer than 262144 bytes")
			}
		})
	}
}

func dirSize(t *testing.T, dir string) int64 {
	var n int64
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		info, err := os.Stat(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		n += info.Size()
	}
	return n
}
