package client

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// Redacted replaces every secret in an Exchange.
const Redacted = "[REDACTED]"

// minSecretLen is the shortest secret replaced inside URLs, bodies and error text;
// shorter ones would mangle unrelated text, so they are only replaced in header values.
const minSecretLen = 6

// redactor replaces secrets, and the forms they take once URL- or JSON-escaped.
type redactor struct {
	all       []string // every form of every secret, longest first
	longForms []string // the forms of at least minSecretLen bytes
	long      *strings.Replacer
	any       *strings.Replacer
}

func newRedactor(secrets []string) *redactor {
	seen := map[string]bool{}
	r := &redactor{}
	for _, s := range secrets {
		for _, f := range forms(s) {
			if f != "" && !seen[f] {
				seen[f] = true
				r.all = append(r.all, f)
			}
		}
	}
	// Longest first: the replacer tries its patterns in order, so a secret that contains
	// another is replaced whole.
	sort.SliceStable(r.all, func(i, j int) bool { return len(r.all[i]) > len(r.all[j]) })
	var long, any []string
	for _, f := range r.all {
		any = append(any, f, Redacted)
		if len(f) >= minSecretLen {
			long = append(long, f, Redacted)
			r.longForms = append(r.longForms, f)
		}
	}
	r.long = strings.NewReplacer(long...)
	r.any = strings.NewReplacer(any...)
	return r
}

// forms are the spellings of s that a target may echo: as is, URL-escaped, JSON-escaped.
func forms(s string) []string {
	if s == "" {
		return nil
	}
	out := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	for _, html := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(s) == nil {
			q := strings.TrimSuffix(b.String(), "\n")
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`))
		}
	}
	return out
}

// text redacts secrets of at least minSecretLen characters. Text without a secret, the
// usual case, is returned as it is: a strings.Replacer would copy a body of megabytes
// twice to find nothing.
func (r *redactor) text(s string) string {
	for _, f := range r.longForms {
		if strings.Contains(s, f) {
			return r.long.Replace(s)
		}
	}
	return s
}

// header redacts every secret, however short.
func (r *redactor) header(s string) string { return r.any.Replace(s) }

func (r *redactor) holdsSecret(s string) bool {
	for _, f := range r.all {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// redactAuthorization keeps the scheme word and redacts the credential:
// "Bearer abc" -> "Bearer [REDACTED]".
func redactAuthorization(v string) string {
	scheme, _, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !isToken(scheme) {
		return Redacted
	}
	return scheme + " " + Redacted
}

// credential is the part of an Authorization value after its scheme word.
func credential(v string) string {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !isToken(scheme) || strings.TrimSpace(rest) == "" {
		return v
	}
	return strings.TrimSpace(rest)
}

// isToken says s is an HTTP token of letters, digits and -._~+ (an auth scheme).
func isToken(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune("-._~+!#$%&'*^`|", c):
		default:
			return false
		}
	}
	return true
}
