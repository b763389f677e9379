# Browser check of report.html (included by the top-level Makefile).
# Needs Debian's chromium (apt-get install -y chromium) or CHROME_BIN pointing at a Chrome.
# Writes a full-page screenshot of a failing run's report to bin/report-screenshot.png
# (and its print view to bin/report-screenshot-print.png) for a human to look at.

.PHONY: test-browser
test-browser: ## render report.html in headless Chromium: CSP, verdict, curl lines, filters, print; screenshot in bin/
	@mkdir -p bin
	CASECERT_SCREENSHOT=$(CURDIR)/bin/report-screenshot.png go test -tags browser -run Browser -count=1 ./reports/
