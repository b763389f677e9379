package client

import (
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// Exchange is the record of one attempt: what was sent and what came back, with every
// secret already redacted. It is the evidence reports embed.
type Exchange struct {
	Method         string
	URL            string
	RequestHeaders map[string]string // canonical names, several values joined with ", "
	RequestBody    string
	Status         int // 0 if no answer
	// Proto is the protocol the answer came in ("HTTP/1.1", "HTTP/2.0"); "" if no answer.
	Proto           string
	ResponseHeaders map[string]string
	ResponseBody    string
	Duration        time.Duration
	// Curl reproduces the request: "$CASECERT_TOKEN" stands for the configured (or token
	// source) token, [REDACTED] for other secrets.
	Curl string
	// Err is the text of the transport error, if any: no answer, or an answer cut short
	// (then Status is set and the body is what arrived).
	Err     string
	Attempt int // 1-based; each retry is an exchange of its own
	// Truncated says ResponseBody was cut at Config.MaxBody.
	Truncated bool

	// bodyJSON caches whether ResponseBody is JSON casecert parses (see CheckJSON): it
	// is found once, when the answer is read, since a body can be megabytes.
	bodyJSON jsonState
}

type jsonState uint8

const (
	jsonUnknown jsonState = iota // not checked yet (an Exchange not made by Do)
	jsonValid
	jsonInvalid
)

func checkedJSON(body string) jsonState {
	if ValidJSON(body) {
		return jsonValid
	}
	return jsonInvalid
}

// ValidJSON says the response body is valid JSON nested at most MaxJSONDepth deep.
func (e Exchange) ValidJSON() bool {
	if e.bodyJSON == jsonUnknown {
		return ValidJSON(e.ResponseBody)
	}
	return e.bodyJSON == jsonValid
}

// JSONProblem says why the response body is not JSON casecert parses ("JSON nested
// deeper than 64 levels", "not valid JSON"), or "" when it is.
func (e Exchange) JSONProblem() string {
	if e.ValidJSON() {
		return ""
	}
	if err := CheckJSON(e.ResponseBody); err != nil {
		return err.Error()
	}
	return ""
}

// JSON parses the response body. A body that is not valid JSON, or is nested deeper than
// MaxJSONDepth, is the empty Result: every lookup finds nothing. Values found in it are
// slices of the body: copy (strings.Clone) what is kept beyond the scenario.
func (e Exchange) JSON() gjson.Result {
	if !e.ValidJSON() {
		return gjson.Result{}
	}
	return gjson.Parse(e.ResponseBody)
}

// WithResponseBody is the exchange with another response body (a smaller copy of the
// answer that keeps what is judged, see cases.Kept); valid says whether it is JSON.
func (e Exchange) WithResponseBody(body string, valid bool) Exchange {
	e.ResponseBody, e.bodyJSON = body, jsonInvalid
	if valid {
		e.bodyJSON = jsonValid
	}
	return e
}

// Header is the value of the answer's header name, whatever the case of either ("" when
// the answer has none): the one lookup of an exchange's response headers.
func (e Exchange) Header(name string) string {
	if v, ok := e.ResponseHeaders[name]; ok {
		return v
	}
	for k, v := range e.ResponseHeaders {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// IsJSON says the response Content-Type is application/json or a +json type.
func (e Exchange) IsJSON() bool {
	ct := e.Header("Content-Type")
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		// A malformed parameter still leaves a readable type before the ";".
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// ErrorMessage is the human-readable message of an error answer, in any of the shapes
// targets use ({"message": ...}, [{"message": ...}], {"error": {"message": ...}} or an
// OAuth {"error_description": ...}); "" when there is none. It is a copy, cut at
// maxErrorMessage bytes, so it never pins the answer.
func (e Exchange) ErrorMessage() string {
	doc := e.JSON()
	for _, path := range []string{"message", "0.message", "error.message", "error_description"} {
		if m := doc.Get(path); m.Type == gjson.String && strings.TrimSpace(m.Str) != "" {
			return CapText(m.Str, maxErrorMessage)
		}
	}
	return ""
}

const maxErrorMessage = 2 << 10

// ErrorCode is the machine-readable code of an error answer ({"errorCode": ...},
// [{"errorCode": ...}] or {"error": {"errorCode": ...}}); "" when there is none.
func (e Exchange) ErrorCode() string {
	doc := e.JSON()
	for _, path := range []string{"errorCode", "0.errorCode", "error.errorCode"} {
		if c := doc.Get(path); c.Type == gjson.String && c.Str != "" {
			return c.Str
		}
	}
	return ""
}

// Summary is a short, one-line account of the answer for messages: the status and the
// body's first 200 characters, or why there was no answer.
func (e Exchange) Summary() string {
	if e.Status == 0 {
		return "no answer (" + e.Err + ")"
	}
	head := e.ResponseBody
	if len(head) > 1<<10 { // only the start is shown: a body of megabytes is not split into words
		head = head[:1<<10]
	}
	body := strings.Join(strings.Fields(head), " ")
	if r := []rune(body); len(r) > 200 {
		body = string(r[:200]) + "…"
	}
	if body == "" {
		body = "(empty body)"
	}
	return fmt.Sprintf("%d %s", e.Status, body)
}
