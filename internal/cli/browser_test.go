//go:build browser

package cli

// The browser test of a real run: the report.html that "casecert run --fault null-ignored"
// writes, opened in headless Chromium. Run it with `make test-browser` (needs Debian's
// chromium, or CHROME_BIN).

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/casecert/casecert/internal/headless"
)

// TestBrowserRealFailingReport renders the report of a real failing run.
//
// It catches what the fixture-driven reports/browser_test.go cannot: a real report too
// large or too broken to render, a failing PATCH-NULL scenario that is collapsed or
// missing from the page, curl lines that lost the $CASECERT_TOKEN placeholder, and a
// verdict banner that does not say non-conformant.
func TestBrowserRealFailingReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--fault", "null-ignored", "--report-dir", dir, "--format", "json,html", "--seed", "7", "--concurrency", "4")
	if code := Main(env); code != ExitNonConformant {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitNonConformant, stdout, stderr)
	}
	page := (&url.URL{Scheme: "file", Path: filepath.Join(dir, "report.html")}).String()

	ctx := headless.Start(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(page), chromedp.WaitVisible("#verdict")); err != nil {
		t.Fatal(err)
	}

	verdict, err := chromedp.Run(ctx, chromedp.TextContent("#verdict"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(verdict), "non-conformant") {
		t.Errorf("#verdict says %q, want non-conformant", verdict)
	}

	// The first screen names each failed requirement with its first evidence line (what was
	// expected and observed first) and a reproduce line that starts the reference server
	// with the fault (and the run's flags).
	firstScreen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const missing = [];
		for (const id of ["PATCH-NULL", "PATCH-MIXED"]) {
			const e = document.querySelector('#first-failures [data-requirement="' + id + '"]');
			if (!e) { missing.push(id + ": not in #first-failures"); continue; }
			const r = e.getBoundingClientRect();
			if (!e.checkVisibility() || r.top < 0 || r.bottom > window.innerHeight) missing.push(id + ": not within the first viewport");
			const ev = e.querySelector("p.ev"), rp = e.querySelector("p.rp"), curl = e.querySelector("details>summary");
			if (!ev || !ev.checkVisibility() || !/expected .*observed .*sent /.test(ev.textContent)) missing.push(id + ": no visible evidence line");
			if (!rp || !rp.checkVisibility() || !(rp.textContent.includes("casecert run --fault null-ignored ") && rp.textContent.includes(" --tags @" + id + " "))) missing.push(id + ": no visible reproduce command");
			if (!curl || !curl.checkVisibility() || !curl.textContent.includes("start casecert serve --fault null-ignored first")) missing.push(id + ": the curl line does not say to start casecert serve --fault first");
		}
		return missing.join("; ");
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if firstScreen != "" {
		t.Error(firstScreen)
	}

	// A failing scenario of PATCH-NULL, in the "Failing scenarios" section, shows a curl
	// line for its PATCH that uses the placeholder, not the token.
	curl, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const scenarios = [...document.querySelectorAll("#failing details.scenario.failed")]
			.filter(d => d.querySelector("summary").textContent.includes("PATCH-NULL"));
		for (const d of scenarios) {
			for (const pre of d.querySelectorAll("pre.curl")) {
				const text = pre.textContent;
				if (text.includes("-X PATCH") && pre.checkVisibility()) return text;
			}
		}
		return "found " + scenarios.length + " failing PATCH-NULL scenarios, none with a visible PATCH curl line";
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(curl, "curl") || !strings.Contains(curl, "$CASECERT_TOKEN") {
		t.Errorf("visible curl line of a failing PATCH-NULL scenario: %q, want a curl command with $CASECERT_TOKEN", curl)
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shotPath := os.Getenv("CASECERT_SCREENSHOT_REAL")
	if shotPath == "" {
		shotPath = filepath.Join(t.TempDir(), "real-report.png")
	}
	if err := os.MkdirAll(filepath.Dir(shotPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shotPath)
}
