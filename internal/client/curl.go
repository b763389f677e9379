package client

import (
	"net/http"
	"strings"
)

// curlCommand writes a curl command line that sends the recorded (already redacted)
// request again. With tokenAuth the Authorization credential is "$CASECERT_TOKEN", in
// double quotes so that the shell expands it; everything else is single-quoted.
func curlCommand(method, url string, headers map[string]string, tokenAuth, hasBody bool, body, userAgent string) string {
	var b strings.Builder
	b.WriteString("curl -sS")
	if method == http.MethodHead {
		b.WriteString(" --head")
	} else {
		b.WriteString(" -X " + shellQuote(method))
	}
	b.WriteString(" " + shellQuote(url))

	header := func(name, value string) {
		if value == "" {
			b.WriteString(" -H " + shellQuote(name+";")) // curl's spelling of an empty header
			return
		}
		b.WriteString(" -H " + shellQuote(name+": "+value))
	}
	// The headers that matter first, in the order of the contract's examples.
	for _, name := range []string{"Content-Type", "Authorization", APIVersionHeader} {
		v, ok := headers[name]
		switch {
		case name == "Content-Type" && !ok && hasBody:
			b.WriteString(" -H 'Content-Type:'") // curl would add its own otherwise
		case !ok:
		case name == "Authorization" && tokenAuth:
			scheme, _, _ := strings.Cut(v, " ")
			b.WriteString(` -H "Authorization: ` + dquoteEscape(scheme) + ` $CASECERT_TOKEN"`)
		default:
			header(name, v)
		}
	}
	for _, name := range sortedKeys(headers) {
		v := headers[name]
		switch {
		case name == "Content-Type", name == "Authorization", name == APIVersionHeader:
		case name == "Accept" && v == "application/json":
		case name == "User-Agent" && v == userAgent:
		default:
			header(name, v)
		}
	}
	if hasBody {
		b.WriteString(" --data-raw " + shellQuote(body))
	}
	return b.String()
}

// shellQuote single-quotes s for a POSIX shell, unless it needs no quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// dquoteEscape escapes what the shell would interpret inside double quotes.
func dquoteEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return r.Replace(s)
}
