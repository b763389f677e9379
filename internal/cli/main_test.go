package cli

import (
	"runtime/debug"
	"testing"
)

// TestMain lets the heap grow to five times the live data between collections (GOGC=400)
// unless GOGC asks for more, as internal/selftest does: this package runs casecert whole
// some sixty times, in parallel and under -race, and those runs allocate much and keep
// little. That takes about a quarter off its CPU time under -race, for a peak near 1.1 GB.
func TestMain(m *testing.M) {
	if old := debug.SetGCPercent(400); old < 0 || old > 400 {
		debug.SetGCPercent(old)
	}
	m.Run()
}
