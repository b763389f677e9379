//go:build browser

package reports

// The browser test opens report.html in headless Chromium: the page must render under its
// own strict Content-Security-Policy with nothing but inline CSS, show the verdict and the
// failing scenario's curl line, filter with CSS alone and expand everything for print.
// Run it with `make test-browser` (needs Debian's chromium, or CHROME_BIN).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/casecert/casecert/internal/headless"
)

func TestBrowserReport(t *testing.T) {
	b := startBrowser(t)
	page := writePage(t, "report.html", render(t, WriteHTML, mixedRun()))

	console := b.watchConsole(t)
	b.do(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(page), chromedp.WaitVisible("#verdict"))

	verdict := run(t, b, chromedp.TextContent("#verdict"))
	if !strings.Contains(strings.ToLower(verdict), "non-conformant") {
		t.Errorf("#verdict says %q, want non-conformant", verdict)
	}
	attr := run(t, b, chromedp.AttributeValue("#verdict", "data-verdict"))
	if attr.Value != "non-conformant" {
		t.Errorf("#verdict data-verdict = %q", attr.Value)
	}

	// The failing PATCH-NULL scenario is open and its curl line visible.
	visibleCurls := run(t, b, chromedp.Evaluate[int](`[...document.querySelectorAll("pre.curl")]
		.filter(e => e.textContent.includes("curl -sS -X PATCH") && e.textContent.includes('{"description":null}') && e.checkVisibility())
		.length`))
	if visibleCurls < 1 {
		t.Error(`no visible pre.curl with "curl -sS -X PATCH ... {"description":null}"`)
	}
	// The first screen names every failed requirement, with its first evidence line.
	if missing := run(t, b, chromedp.Evaluate[string](firstScreenCheck("PATCH-NULL", "PATCH-OWNER-NULL"))); missing != "" {
		t.Error(missing)
	}
	banner := run(t, b, chromedp.Evaluate[string](`getComputedStyle(document.getElementById("verdict")).backgroundColor`))
	if banner != "rgb(207, 34, 46)" {
		t.Errorf("verdict banner background %s, want red", banner)
	}

	shot := run(t, b, chromedp.FullScreenshot(100))
	shotPath := os.Getenv("CASECERT_SCREENSHOT")
	if shotPath == "" {
		shotPath = filepath.Join(t.TempDir(), "report.png")
	}
	if err := os.MkdirAll(filepath.Dir(shotPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shotPath)

	// CSS-only filters: "passed" hides the failed requirement rows, "must" the info ones.
	const rowsShown = `[...document.querySelectorAll("#requirements tbody tr")].filter(e => e.checkVisibility()).map(e => e.className).join(" ")`
	b.do(t, chromedp.Click(`label[for="fs-passed"]`))
	shown := run(t, b, chromedp.Evaluate[string](rowsShown))
	if strings.Contains(shown, "st-failed") || !strings.Contains(shown, "st-passed") {
		t.Errorf("status filter passed shows rows %q", shown)
	}
	b.do(t, chromedp.Click(`label[for="fs-all"]`), chromedp.Click(`label[for="fl-info"]`))
	shown = run(t, b, chromedp.Evaluate[string](rowsShown))
	if strings.Contains(shown, "lv-must") || !strings.Contains(shown, "lv-info") {
		t.Errorf("level filter info shows rows %q", shown)
	}

	// Print: every row and every collapsed scenario's evidence is shown, filters are not.
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	printed := run(t, b, chromedp.Evaluate[string](`JSON.stringify({
		rows: [...document.querySelectorAll("#requirements tbody tr")].every(e => e.checkVisibility()),
		filters: document.querySelector(".filters").checkVisibility(),
		collapsed: [...document.querySelectorAll("details:not([open]) pre")].filter(e => e.checkVisibility()).length,
		all: document.querySelectorAll("details:not([open]) pre").length,
		body: getComputedStyle(document.body).backgroundColor
	})`))
	t.Logf("print media: %s", printed)
	if os.Getenv("CASECERT_SCREENSHOT") != "" {
		printShot := strings.TrimSuffix(shotPath, ".png") + "-print.png"
		if err := os.WriteFile(printShot, run(t, b, chromedp.FullScreenshot(100)), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("print screenshot: %s", printShot)
	}
	for _, want := range []string{`"rows":true`, `"filters":false`, `"body":"rgb(255, 255, 255)"`} {
		if !strings.Contains(printed, want) {
			t.Errorf("print media: %s lacks %s", printed, want)
		}
	}
	if !regexp.MustCompile(`"collapsed":([1-9][0-9]*),"all":([0-9]+)`).MatchString(printed) || !sameCounts(printed) {
		t.Errorf("print media does not expand collapsed details: %s", printed)
	}

	if msgs := console(); len(msgs) > 0 {
		t.Errorf("the page logged errors or CSP violations:\n%s", strings.Join(msgs, "\n"))
	}
}

// TestBrowserFirstScreenOfManyFailures: with more failed requirements than get their
// evidence on the first screen, every one of them is still named within it.
func TestBrowserFirstScreenOfManyFailures(t *testing.T) {
	r := fixtureBaseRun()
	var catalog []CatalogEntry
	var ids []string
	for i := 1; i <= 14; i++ {
		id := fmt.Sprintf("REQ-%d", i)
		ids = append(ids, id)
		catalog = append(catalog, CatalogEntry{ID: id, Level: LevelMust, Title: "per date field: `2023-02-29`, `2025-13-01`, `2025-00-10`, `2025-1-5`, `2025/01/05`, `05-01-2025`, `2025-01-05T00:00:00Z` refused, a long title " + id})
		ex := patchExchange(`{"description":null}`, 200, `{"id":"x"}`)
		r.Scenarios = append(r.Scenarios, Scenario{ID: "f;" + id, Name: id, Requirements: []string{id}, Status: StatusFailed,
			Error: id + `: field "description": sent null; expected null; observed "` + strings.Repeat("abc ", 80) + `"`, Exchanges: []Exchange{ex}})
	}
	b := startBrowser(t)
	// A run against the reference server with several faults: its reproduce lines are the
	// longest (casecert serve and run with every --fault).
	r.Target.Reference = true
	r.Target.Fault = "null-ignored,date-lenient,datetime-lenient,bad-json-500,basic-accepted,content-type-ignored"
	page := writePage(t, "many.html", render(t, WriteHTML, judged(r, catalog)))
	b.do(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(page), chromedp.WaitVisible("#verdict"))
	if missing := run(t, b, chromedp.Evaluate[string](firstScreenCheck(ids...))); missing != "" {
		t.Error(missing)
	}
}

// firstScreenCheck is a script that returns "" when every requirement in ids is named
// (an element with its data-requirement, its ID in the text) visibly within the first
// viewport, else what is missing.
func firstScreenCheck(ids ...string) string {
	list, _ := json.Marshal(ids)
	return `(() => {
		const missing = [];
		for (const id of ` + string(list) + `) {
			const e = document.querySelector('#first-failures [data-requirement="' + id + '"]');
			if (!e) { missing.push(id + ": not on the page's first section"); continue; }
			const r = e.getBoundingClientRect();
			if (!e.checkVisibility() || !e.textContent.includes(id) || r.top < 0 || r.bottom > window.innerHeight) {
				missing.push(id + ": not within the first viewport (" + Math.round(r.top) + ".." + Math.round(r.bottom) + " of " + window.innerHeight + ")");
			}
		}
		return missing.join("; ");
	})()`
}

// TestBrowserConsoleWatchSeesCSPViolations is the control of the console check above: a
// page that breaks its CSP must be caught, or the check proves nothing.
func TestBrowserConsoleWatchSeesCSPViolations(t *testing.T) {
	b := startBrowser(t)
	page := writePage(t, "bad.html", []byte(`<!DOCTYPE html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
</head><body><script>document.title = "ran"</script><img src="https://example.invalid/x.png"></body></html>`))
	console := b.watchConsole(t)
	b.do(t, chromedp.Navigate(page))
	msgs := console()
	if len(msgs) == 0 {
		t.Error("a page with an inline script and an external image under the strict CSP logged nothing")
	}
	t.Logf("caught: %q", msgs)
}

// sameCounts: every collapsed payload is visible in print.
func sameCounts(printed string) bool {
	m := regexp.MustCompile(`"collapsed":(\d+),"all":(\d+)`).FindStringSubmatch(printed)
	return m != nil && m[1] == m[2]
}

type browser struct{ ctx context.Context }

func startBrowser(t *testing.T) browser {
	t.Helper()
	return browser{headless.Start(t)}
}

func (b browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func run[T any](t *testing.T, b browser, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// watchConsole collects console errors, warnings, exceptions and browser-log entries
// (where CSP violations are reported) from now on; the returned func waits briefly for
// late messages and returns what was seen.
func (b browser) watchConsole(t *testing.T) func() []string {
	t.Helper()
	ctx, cancel := context.WithCancel(b.ctx)
	t.Cleanup(cancel)
	var (
		mu   sync.Mutex
		msgs []string
	)
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleWarning, chromedp.ConsoleException:
			default:
				if m.Source != "security" && !strings.Contains(m.Text, "Content Security Policy") {
					continue
				}
			}
			mu.Lock()
			msgs = append(msgs, m.String())
			mu.Unlock()
		}
	}()
	return func() []string {
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), msgs...)
	}
}

func writePage(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return (&url.URL{Scheme: "file", Path: path}).String()
}
