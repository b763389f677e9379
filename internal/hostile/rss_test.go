package hostile_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/casecert/casecert/internal/hostile"
)

// BenchmarkHostileTargets runs the built casecert binary (the whole suite, default
// settings, --timeout 3s) against each hostile target and reports the peak RSS of the
// process (getrusage of the child: the kernel's high-water mark, VmHWM), the size of the
// report directory, the wall time and the exit code. Figures, not asserts: memory and
// time are measured here, never in timed unit tests.
//
// CASECERT_BIN runs a given binary instead of building this tree (to compare versions);
// CASECERT_HOSTILE picks targets (e.g. "deep" or "big-field,huge-headers"); CASECERT_ARGS adds flags to the run
// (e.g. "--concurrency 8").
//
//	go test -run '^$' -bench HostileTargets -benchtime 1x ./internal/hostile/
func BenchmarkHostileTargets(b *testing.B) {
	bin := os.Getenv("CASECERT_BIN")
	if bin == "" {
		bin = filepath.Join(b.TempDir(), "casecert")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/casecert/casecert/cmd/casecert").CombinedOutput()
		if err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	for _, kind := range hostile.Kinds {
		if only := os.Getenv("CASECERT_HOSTILE"); only != "" && !slices.Contains(strings.Split(only, ","), string(kind)) {
			continue
		}
		b.Run(string(kind), func(b *testing.B) {
			// Calm for the preflight (a read, a create, its read-back), hostile for the
			// suite: a target hostile from its first answer only meets the preflight.
			srv, err := hostile.StartAfter(kind, 3)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			for i := 0; i < b.N; i++ {
				m := measure(b, bin, srv.URL)
				b.ReportMetric(m.rssMB, "peak-RSS-MB")
				b.ReportMetric(m.dirMB, "report-dir-MB")
				b.ReportMetric(m.wall.Seconds(), "wall-s")
				b.ReportMetric(float64(m.exit), "exit-code")
			}
		})
	}
}

type measurement struct {
	rssMB, dirMB float64
	wall         time.Duration
	exit         int
}

func measure(b *testing.B, bin, url string) measurement {
	dir := b.TempDir()
	args := []string{"run", "--base-url", url, "--token", "hostile-token", "--timeout", "3s", "--report-dir", dir, "--seed", "7"}
	cmd := exec.Command(bin, append(args, strings.Fields(os.Getenv("CASECERT_ARGS"))...)...)
	start := time.Now()
	err := cmd.Run()
	m := measurement{wall: time.Since(start)}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		b.Fatal(err)
	}
	m.exit = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rssMB = float64(ru.Maxrss) / 1024 // kilobytes on Linux
	}
	m.dirMB = float64(dirSize(b, dir)) / (1 << 20)
	b.Logf("%s: exit %d, peak RSS %.0f MB, report dir %.1f MB, %s", url, m.exit, m.rssMB, m.dirMB, m.wall.Round(time.Millisecond))
	return m
}

func dirSize(t testing.TB, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
