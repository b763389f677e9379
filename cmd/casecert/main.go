// Command casecert certifies implementations of the Case API; see the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/casecert/casecert/internal/cli"
)

// memoryLimit is the Go heap's soft limit unless GOMEMLIMIT says otherwise: the garbage
// collector works harder as the heap nears it, so a target answering megabytes to
// every request keeps casecert's resident memory under 256 MB (see
// internal/hostile's BenchmarkHostileTargets).
const memoryLimit = 128 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(cli.OSEnv(ctx))
	stop()
	os.Exit(int(code))
}
