package client

import (
	"regexp"
	"strconv"
)

// LimitInfoHeader is the header a Salesforce org reports its API usage in, on answers:
// "api-usage=18/15000", possibly followed by ", per-app-api-usage=17/250(appName=x)".
const LimitInfoHeader = "Sforce-Limit-Info"

var apiUsage = regexp.MustCompile(`(?:^|[,\s])api-usage=(\d+)/(\d+)`)

// APIUsage reads the org-wide API usage an answer reports: calls used and allowed in the
// current 24 hours. ok is false when the answer has no (readable) Sforce-Limit-Info.
func APIUsage(ex Exchange) (used, limit int, ok bool) {
	m := apiUsage.FindStringSubmatch(ex.Header(LimitInfoHeader))
	if m == nil {
		return 0, 0, false
	}
	u, errU := strconv.Atoi(m[1])
	l, errL := strconv.Atoi(m[2])
	return u, l, errU == nil && errL == nil
}
