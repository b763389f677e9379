package cli

import (
	"testing"
)

// BenchmarkFullRun certifies the built-in reference server with the whole suite and
// default settings, as `make run` does, and reports scenarios and requests per run.
func BenchmarkFullRun(b *testing.B) {
	var scenarios, requests int
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		env, stdout, stderr := testEnv(b, "run", "--report-dir", dir, "--seed", "7")
		if code := Main(env); code != ExitConformant {
			b.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		_, run := readReport(b, dir)
		scenarios, requests = len(run.Scenarios), run.Run.Requests
	}
	b.ReportMetric(float64(scenarios), "scenarios/run")
	b.ReportMetric(float64(requests), "requests/run")
}
