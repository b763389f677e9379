package cli

import (
	"fmt"
	"net/http"
	"strings"
)

// headerList is the --header flag: 'Name: value' pairs sent with every request to the
// target (an API gateway's key). Their values are secrets: redacted like the token.
type headerList []header

type header struct{ name, value string }

// reservedHeaders are set by the run itself: a flag of their own says what to send.
var reservedHeaders = map[string]string{
	"Authorization":  "--token (or --token-url)",
	"Api-Version":    "--api-version",
	"Content-Type":   "nothing: the scenarios send their own",
	"Content-Length": "nothing: it is computed",
	"Host":           "--base-url",
}

func (h *headerList) String() string {
	var names []string
	for _, x := range *h {
		names = append(names, x.name+": [REDACTED]")
	}
	return strings.Join(names, ", ")
}

func (h *headerList) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || value == "" {
		return fmt.Errorf("write 'Name: value'")
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return fmt.Errorf("%q is not a header name", name)
		}
	}
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("the value of %s holds a line break", name)
	}
	if use, ok := reservedHeaders[http.CanonicalHeaderKey(name)]; ok {
		return fmt.Errorf("%s is set by the run; use %s", name, use)
	}
	*h = append(*h, header{name: name, value: value})
	return nil
}

// httpHeader is the list as an http.Header.
func (h headerList) httpHeader() http.Header {
	out := http.Header{}
	for _, x := range h {
		out.Add(x.name, x.value)
	}
	return out
}
