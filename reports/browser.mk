# Browser check of report.html (included by the top-level Makefile).
# Needs Debian's chromium (apt-get install -y chromium) or CHROME_BIN pointing at a Chrome.
# Writes full-page screenshots for a human to look at: the fixture report of a failing run
# to bin/report-screenshot.png (its print view to bin/report-screenshot-print.png), and the
# report of a real failing run (casecert run --fault null-ignored) to
# bin/real-report-screenshot.png.

.PHONY: test-browser
test-browser: ## render report.html in headless Chromium: CSP, verdict, curl lines, filters, print, a real failing run; screenshots in bin/
	@mkdir -p bin
	CASECERT_SCREENSHOT=$(CURDIR)/bin/report-screenshot.png \
	CASECERT_SCREENSHOT_REAL=$(CURDIR)/bin/real-report-screenshot.png \
		go test -tags browser -run Browser -count=1 ./reports/ ./internal/cli/
