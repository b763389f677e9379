package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// APIVersionHeader is the version header, spelled as the contract spells it. It is sent
// and recorded with exactly this spelling (HTTP/1.1 sends a header's name as it is keyed).
const APIVersionHeader = "API-Version"

// headerName is the name a header is recorded and sent under: canonical, except the
// version header, which keeps the contract's spelling.
func headerName(k string) string {
	name := http.CanonicalHeaderKey(k)
	if name == http.CanonicalHeaderKey(APIVersionHeader) {
		return APIVersionHeader
	}
	return name
}

// setHeader replaces every spelling of a header's name with the given values (none:
// the header is removed).
func setHeader(h http.Header, k string, vs []string) {
	for have := range h {
		if strings.EqualFold(have, k) {
			delete(h, have)
		}
	}
	if len(vs) > 0 {
		h[headerName(k)] = slices.Clone(vs)
	}
}

// Auth says how a request is authorised.
type Auth int

const (
	AuthDefault Auth = iota // the configured token or token source (none when neither is set)
	AuthNone                // no Authorization header
	AuthRaw                 // Request.AuthHeader verbatim as the Authorization value
)

// Request is one call to the target.
type Request struct {
	Method string     // default GET
	Path   string     // relative to BaseURL, may contain a query; or an absolute http(s) URL, used as is
	Query  url.Values // appended to the query of Path
	Body   []byte     // nil = no body; non-nil and empty = an empty body
	JSON   any        // alternative to Body: marshalled with encoding/json, HTML characters unescaped
	// ContentType defaults to "application/json" when there is a body; "-" sends none.
	ContentType string
	// Header adds or overrides headers, set after all others (Authorization included).
	// A name with no values removes that header.
	Header     http.Header
	Auth       Auth
	AuthHeader string // with AuthRaw
	// AuthSecret says the AuthRaw value is secret (a tampered or expired token): it is
	// redacted. Otherwise it is shown as sent ("Bearer garbage", "Basic ...").
	AuthSecret bool
	APIVersion *string // nil = Config.APIVersion; pointer to "" = no API-Version header; else that value
}

// prepared is a request as far as it does not depend on the attempt.
type prepared struct {
	req     Request
	method  string
	url     *url.URL
	body    []byte
	hasBody bool
	header  http.Header // without the default Authorization
	secrets []string    // secrets of this request only
	rawAuth bool        // Authorization is a secret AuthRaw value
}

func (c *Client) prepare(req Request) (*prepared, error) {
	p := &prepared{req: req, method: strings.ToUpper(strings.TrimSpace(req.Method))}
	if p.method == "" {
		p.method = http.MethodGet
	}
	u, err := c.resolve(req.Path)
	if err != nil {
		return p, err
	}
	if len(req.Query) > 0 {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += req.Query.Encode()
	}
	p.url = u
	if pw, ok := u.User.Password(); ok && pw != "" {
		p.secrets = append(p.secrets, pw)
	}

	switch {
	case req.Body != nil:
		p.body, p.hasBody = req.Body, true
	case req.JSON != nil:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(req.JSON); err != nil {
			return p, fmt.Errorf("request body: %w", err)
		}
		p.body, p.hasBody = bytes.TrimSuffix(buf.Bytes(), []byte("\n")), true
	}

	h := http.Header{}
	h.Set("Accept", "application/json")
	h.Set("User-Agent", c.cfg.UserAgent)
	for k, vs := range c.cfg.Headers {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	version := c.cfg.APIVersion
	if version == NoAPIVersion {
		version = ""
	}
	if req.APIVersion != nil {
		version = *req.APIVersion
	}
	if version != "" {
		// Set by key, not with Set: Go would canonicalise the name to Api-Version, and a
		// target's header map may be case-sensitive (Apex's is).
		h[APIVersionHeader] = []string{version}
	}
	switch ct := req.ContentType; {
	case ct == "-":
	case ct != "":
		h.Set("Content-Type", ct)
	case p.hasBody:
		h.Set("Content-Type", "application/json")
	}
	switch req.Auth {
	case AuthDefault, AuthNone:
	case AuthRaw:
		h.Set("Authorization", req.AuthHeader)
		if req.AuthSecret {
			p.rawAuth = true
			p.secrets = append(p.secrets, credential(req.AuthHeader))
		}
	default:
		return p, fmt.Errorf("unknown Auth value %d", req.Auth)
	}
	p.header = h
	return p, nil
}

// resolve appends path to the base URL, or takes an absolute URL as is.
func (c *Client) resolve(path string) (*url.URL, error) {
	lower := strings.ToLower(path)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		u, err := url.Parse(path)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("request URL %q is not a valid URL", path)
		}
		return u, nil
	}
	full := c.baseText
	if path != "" && !strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "?") {
		full += "/"
	}
	full += path
	u, err := url.Parse(full)
	if err != nil {
		return nil, fmt.Errorf("request path %q does not make a valid URL", path)
	}
	return u, nil
}

// attemptResult is one attempt: its exchange and what Do needs to decide on a retry.
type attemptResult struct {
	ex         Exchange
	err        error
	sent       bool
	retryAfter string
}

// attempt sends the request once, under the per-attempt timeout.
func (c *Client) attempt(ctx context.Context, p *prepared, n int) attemptResult {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	h := p.header.Clone()
	var tokenAuth string // the full Authorization value when it carries the configured or source token
	if p.req.Auth == AuthDefault {
		scheme, tok, err := c.token(actx)
		if err != nil {
			err = c.tokenError(ctx, actx, p, err)
			return attemptResult{ex: c.unsent(p, n, err), err: err}
		}
		if tok != "" {
			tokenAuth = scheme + " " + tok
			h.Set("Authorization", tokenAuth)
		}
	}
	for k, vs := range p.req.Header {
		setHeader(h, k, vs)
	}
	if h.Get("Authorization") != tokenAuth {
		tokenAuth = "" // overridden by Request.Header
	}

	red := newRedactor(c.secrets(p.secrets...))
	ex := Exchange{
		Method:         p.method,
		URL:            red.text(p.url.String()),
		RequestHeaders: c.recordHeaders(h, red, p.rawAuth),
		Attempt:        n,
	}
	if p.hasBody {
		ex.RequestBody = red.text(string(p.body))
	}
	ex.Curl = red.text(curlCommand(p.method, ex.URL, ex.RequestHeaders, tokenAuth != "", p.hasBody, ex.RequestBody, c.cfg.UserAgent))

	var body io.Reader
	if p.hasBody {
		body = bytes.NewReader(p.body)
	}
	hr, err := http.NewRequestWithContext(actx, p.method, p.url.String(), body)
	if err != nil {
		err = fmt.Errorf("request cannot be built: %s", red.text(err.Error()))
		ex.Err = err.Error()
		return attemptResult{ex: ex, err: err}
	}
	if p.hasBody && len(p.body) == 0 {
		hr.Body, hr.ContentLength = http.NoBody, 0
	}
	hr.Header = h
	if host := h.Get("Host"); host != "" {
		hr.Host = host
	}

	c.requests.Add(1)
	start := time.Now()
	resp, err := c.hc.Do(hr)
	if err != nil {
		ex.Duration = time.Since(start)
		err = c.transportError(ctx, actx, p, red, err)
		ex.Err = err.Error()
		return attemptResult{ex: ex, err: err, sent: true}
	}
	defer resp.Body.Close()
	ex.Status, ex.Proto = resp.StatusCode, resp.Proto
	ex.ResponseHeaders = c.recordHeaders(resp.Header, red, false)
	raw, tooLarge, release, readErr := c.readBody(actx, resp)
	defer release()
	ex.Duration = time.Since(start)
	res := attemptResult{ex: ex, sent: true, retryAfter: resp.Header.Get("Retry-After")}
	switch {
	case tooLarge:
		res.ex.Truncated = true
		what := "the answer is longer than"
		if resp.Uncompressed {
			what = "the answer inflates (gzip) to more than"
		}
		res.err = fmt.Errorf("%w: %s %d bytes; the first %d are kept", ErrBodyTooLarge, what, c.cfg.MaxBody, c.cfg.MaxBody)
	case errors.Is(readErr, errBodyBudget) && ctx.Err() == nil:
		res.err = &TransportError{Method: p.method, URL: ex.URL, Err: readErr, timeout: true,
			Reason: fmt.Sprintf("the answer's body (over %d bytes) was not read within %s: casecert's run-wide budget of %d bytes for answers being read was taken by other long answers", bodyChunk, c.cfg.Timeout, c.budget.size)}
		res.ex.Err = res.err.Error()
	case readErr != nil:
		res.err = c.transportError(ctx, actx, p, red, readErr)
		res.ex.Err = res.err.Error()
	}
	res.ex.ResponseBody = red.text(raw)
	res.ex.bodyJSON = checkedJSON(res.ex.ResponseBody)
	return res
}

const bodyChunk = 64 << 10

var bodyChunks = sync.Pool{New: func() any { return new([bodyChunk]byte) }}

// readChunked reads r to its end into chunks from bodyChunks, after first (a full chunk
// from bodyChunks, read already), then writes them to b in one allocation of the total size.
func readChunked(b *strings.Builder, first *[bodyChunk]byte, r io.Reader) error {
	chunks := []*[bodyChunk]byte{first}
	defer func() {
		for _, c := range chunks {
			bodyChunks.Put(c)
		}
	}()
	total, filled := bodyChunk, bodyChunk
	for {
		if filled == bodyChunk {
			chunks, filled = append(chunks, bodyChunks.Get().(*[bodyChunk]byte)), 0
		}
		n, err := r.Read(chunks[len(chunks)-1][filled:])
		total, filled = total+n, filled+n
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	b.Grow(total)
	for i, c := range chunks {
		b.Write(c[:min(bodyChunk, total-i*bodyChunk)])
	}
	return nil
}

// recordHeaders flattens h for the Exchange, redacting as it goes.
func (c *Client) recordHeaders(h http.Header, red *redactor, rawSecretAuth bool) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		name := headerName(k)
		v := strings.Join(vs, ", ")
		switch {
		case name == "Authorization" && (rawSecretAuth || red.holdsSecret(v)):
			v = redactAuthorization(v)
		case name == "Authorization":
			v = red.header(v)
		case c.redactHd[name]:
			v = Redacted
		default:
			v = red.header(v)
		}
		if prev, ok := out[name]; ok { // two spellings of one name
			v = prev + ", " + v
		}
		out[name] = v
	}
	return out
}

// unsent is the Exchange of a request that never left: it carries what is known and why.
func (c *Client) unsent(p *prepared, n int, err error) Exchange {
	red := newRedactor(c.secrets(p.secrets...))
	ex := Exchange{Method: p.method, Attempt: n, Err: red.text(err.Error())}
	if p.url != nil {
		ex.URL = red.text(p.url.String())
	} else {
		ex.URL = red.text(p.req.Path)
	}
	return ex
}

// sendError wraps a failure before sending (the token fetch) as a TransportError.
// tokenError is the TransportError of a token source that gave no token: a token
// endpoint that refused (its OAuth error code said), or one that could not be asked.
func (c *Client) tokenError(ctx, actx context.Context, p *prepared, err error) error {
	red := newRedactor(c.secrets(p.secrets...))
	if tr, ok := tokenRefused(err, red); ok {
		return &TransportError{Method: p.method, URL: red.text(p.url.String()), Reason: tr.Error(), Err: tr}
	}
	return c.sendError(ctx, actx, p, "getting an OAuth token failed", err)
}

func (c *Client) sendError(ctx, actx context.Context, p *prepared, what string, err error) error {
	red := newRedactor(c.secrets(p.secrets...))
	te := &TransportError{Method: p.method, URL: red.text(p.url.String()), Err: err}
	switch {
	case ctx.Err() != nil:
		te.Reason = what + ": request cancelled (" + ctx.Err().Error() + ")"
	case errors.Is(actx.Err(), context.DeadlineExceeded):
		te.Reason, te.timeout = fmt.Sprintf("%s: no answer within %s", what, c.cfg.Timeout), true
	default:
		te.Reason = what + ": " + red.text(err.Error())
	}
	return te
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
