// Command casecert certifies implementations of the Case API; see the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/casecert/casecert/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(cli.OSEnv(ctx))
	stop()
	os.Exit(int(code))
}
