package client

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxEvidenceBody is the most of one body (request or response) an Exchange keeps as
// evidence once its request is judged: enough for any case, small enough that a target
// answering megabytes cannot fill memory or the report.
const MaxEvidenceBody = 16 << 10

// Evidence returns the exchange as it is kept for the report: bodies, the curl line and
// each side's headers (see CapHeaders) cut at maxBody bytes (with a note of what was left
// out), every string copied, so the evidence never pins the full answer in memory.
func (e Exchange) Evidence(maxBody int) Exchange {
	out := e
	out.Method = strings.Clone(e.Method)
	out.URL = CapText(e.URL, maxBody)
	out.RequestBody = CapText(e.RequestBody, maxBody)
	out.ResponseBody = CapText(e.ResponseBody, maxBody)
	out.Curl = CapText(e.Curl, maxBody)
	out.Err = CapText(e.Err, maxBody)
	out.RequestHeaders = CapHeaders(e.RequestHeaders, maxBody)
	out.ResponseHeaders = CapHeaders(e.ResponseHeaders, maxBody)
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

// OmittedHeaders is the key under which CapHeaders notes the headers it left out (not a
// legal header name, so it cannot be the target's).
const OmittedHeaders = "[casecert]"

// CapHeaders returns a copy of h that holds about max bytes of names and values: each
// value cut at a quarter of max by CapText, then each header, in name order, kept while it
// still fits; the rest are counted under OmittedHeaders.
func CapHeaders(h map[string]string, max int) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	used, left, leftBytes := 0, 0, 0
	for _, k := range sortedKeys(h) {
		v := CapText(h[k], max/4)
		if used+len(k)+len(v) > max {
			left++
			leftBytes += len(k) + len(h[k])
			continue
		}
		used += len(k) + len(v)
		out[strings.Clone(k)] = v
	}
	if left > 0 {
		out[OmittedHeaders] = fmt.Sprintf("%d more headers (%d bytes) not kept in the report", left, leftBytes)
	}
	return out
}

// HeaderBytes is the size of h's names and values.
func HeaderBytes(h map[string]string) int {
	n := 0
	for k, v := range h {
		n += len(k) + len(v)
	}
	return n
}
