package client

import (
	"fmt"
	"maps"
	"strings"
	"unicode/utf8"
)

// MaxEvidenceBody is the most of one body (request or response) an Exchange keeps as
// evidence once its request is judged: enough for any case, small enough that a target
// answering megabytes cannot fill memory or the report.
const MaxEvidenceBody = 16 << 10

// Evidence returns the exchange as it is kept for the report: bodies and the curl line
// cut at maxBody bytes (with a note of what was left out), every string copied, so the
// evidence never pins the full answer in memory.
func (e Exchange) Evidence(maxBody int) Exchange {
	out := e
	out.Method = strings.Clone(e.Method)
	out.URL = CapText(e.URL, maxBody)
	out.RequestBody = CapText(e.RequestBody, maxBody)
	out.ResponseBody = CapText(e.ResponseBody, maxBody)
	out.Curl = CapText(e.Curl, maxBody)
	out.Err = CapText(e.Err, maxBody)
	out.RequestHeaders = cloneHeaders(e.RequestHeaders, maxBody)
	out.ResponseHeaders = cloneHeaders(e.ResponseHeaders, maxBody)
	return out
}

// CapText returns a copy of s cut at max bytes (on a rune boundary) with a note of how
// many bytes were left out.
func CapText(s string, max int) string {
	if len(s) <= max {
		return strings.Clone(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("\n[casecert: %d more bytes not kept in the report]", len(s)-cut)
}

func cloneHeaders(h map[string]string, max int) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range maps.All(h) {
		out[strings.Clone(k)] = CapText(v, max)
	}
	return out
}
