// Package headless starts Debian's Chromium for the browser tests of report.html, with
// the flags this workplace's closed network needs (no background networking, no sync,
// no component updates) and a fresh profile per test.
package headless

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Start launches headless Chromium (CHROME_BIN, default /usr/bin/chromium) and returns a
// browser context that the test's cleanup closes. A missing browser fails the test: the
// browser tests run only where it is installed (make test-browser, .ci/run).
func Start(t testing.TB) context.Context {
	t.Helper()
	chrome := os.Getenv("CHROME_BIN")
	if chrome == "" {
		chrome = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chrome); err != nil {
		t.Fatalf("no browser at %s (apt-get install -y chromium, or set CHROME_BIN): %v", chrome, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelB := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelB)
	return bctx
}
