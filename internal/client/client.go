// Package client is the HTTP driver of casecert: every call the harness makes to a target
// goes through Client.Do, which builds the request, rate-limits, retries 429/503 answers,
// bounds time and body size, and returns one Exchange per attempt as evidence. Secrets are
// redacted in the Exchange itself, so no report writer or console line can leak them.
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"
)

// UserAgent and Version make the default User-Agent header, "casecert/<version>";
// Config.UserAgent carries the command line's own version.
var (
	UserAgent = "casecert"
	Version   = "dev"
)

// Defaults of Config.
const (
	DefaultAPIVersion = "1.0"
	// NoAPIVersion as Config.APIVersion sends no API-Version header unless a request asks.
	NoAPIVersion   = "-"
	DefaultTimeout = 15 * time.Second
	DefaultRetries = 2
	DefaultMaxBody = 4 << 20
	// DefaultMaxHeaderBytes caps an answer's headers (status line included): a
	// Salesforce answer carries 2-4 KB of them, the transport's own default is 10 MB.
	DefaultMaxHeaderBytes = 256 << 10
	DefaultRetryBackoff   = time.Second
	// MaxRetryWait caps every wait before a retry, whatever Retry-After asks for.
	MaxRetryWait = 10 * time.Second
)

// Config configures a Client. Only BaseURL is required.
type Config struct {
	BaseURL     string             // e.g. http://127.0.0.1:1234/services/apexrest/ThinkLP ; request paths are appended
	Token       string             // static bearer token (secret)
	TokenSource oauth2.TokenSource // optional, used instead of Token when set (its tokens are secrets too)
	Secrets     []string           // extra secret strings (client secret, expired token) redacted wherever they appear
	// RedactHeaders names headers whose values are always redacted, besides
	// Authorization, Cookie, Set-Cookie and Proxy-Authorization.
	RedactHeaders []string
	// Headers are sent with every request (an API gateway's key), unless the request
	// sets the same header itself. Their values are secrets: redacted wherever they appear.
	Headers    http.Header
	APIVersion string        // sent as API-Version unless the request says otherwise; default "1.0"; NoAPIVersion: none
	UserAgent  string        // default UserAgent + "/" + Version
	Timeout    time.Duration // per attempt, answer and body included; default 15s
	// Retries is how many times a 429 or 503 answer is retried, after the wait its
	// Retry-After asks for (seconds or HTTP-date, capped at MaxRetryWait). 0 means no
	// retry: the zero Config does not retry, the command line passes DefaultRetries.
	Retries int
	// RetryBackoff is the wait before a retry when the answer carries no usable
	// Retry-After; it doubles with each attempt, capped at MaxRetryWait. Default 1s.
	RetryBackoff time.Duration
	Rate         float64 // max requests per second, 0 = unlimited (burst 1)
	// MaxBody caps the response body kept, in bytes; default 4 MiB. A longer body is
	// truncated in the Exchange and Do returns an error wrapping ErrBodyTooLarge.
	MaxBody int64
	// BodyBudget bounds the bytes of the answers being read at once, over every request
	// of the client (see bodyBudget); default DefaultBodyBudget. An answer longer than
	// 64 KiB waits for room (within its Timeout) before it reads on.
	BodyBudget int64
	// MaxHeaderBytes caps the response headers read, in bytes; default
	// DefaultMaxHeaderBytes. An answer with more is a *TransportError naming the cap. It
	// is set on the HTTPClient's *http.Transport (a copy of it) when that has no lower cap.
	MaxHeaderBytes int64
	// HTTPClient sends the requests (TLS is configured by the caller). Default: a client
	// with dial and TLS handshake timeouts. Redirects are never followed, whatever its
	// CheckRedirect says: every answer the target gives is evidence of its own.
	HTTPClient *http.Client
	// OnExchange, when set, is called with every attempt that was sent, failed ones
	// included, from the goroutine of Do (so concurrently when Do is).
	OnExchange func(Exchange)
	// StopAfter attempts in a row without an answer (refused, reset, timed out, cut off)
	// are a target that stopped answering; default DefaultStopAfter, negative: never.
	StopAfter int
	// RetryBudget bounds the total wait before retries over every request of the client;
	// a retry that does not fit is not made. Default RetryBudgetTimeouts x Timeout.
	RetryBudget time.Duration
	// OnStop, when set, is told once when a stop condition is met: StopAfter transport
	// errors in a row, a 403 REQUEST_LIMIT_EXCEEDED answer, or the retry budget spent.
	OnStop func(*StopError)
}

// Client is the driver. It is safe for concurrent use.
type Client struct {
	cfg      Config
	base     *url.URL
	baseText string
	hc       *http.Client
	limiter  *rate.Limiter // nil: unlimited
	redactHd map[string]bool
	requests atomic.Int64
	watch    stopWatch
	budget   *bodyBudget

	mu     sync.Mutex
	tokens []string // every token the TokenSource has handed out

	sleep func(ctx context.Context, d time.Duration) error // replaced in tests
	now   func() time.Time
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := parseBase(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.Timeout < 0:
		return nil, errors.New("timeout must not be negative")
	case cfg.Retries < 0:
		return nil, errors.New("retries must not be negative")
	case cfg.Rate < 0:
		return nil, errors.New("rate must not be negative")
	case cfg.MaxBody < 0:
		return nil, errors.New("body cap must not be negative")
	case cfg.BodyBudget < 0:
		return nil, errors.New("body budget must not be negative")
	case cfg.MaxHeaderBytes < 0:
		return nil, errors.New("header cap must not be negative")
	case cfg.RetryBackoff < 0:
		return nil, errors.New("retry backoff must not be negative")
	case cfg.RetryBudget < 0:
		return nil, errors.New("retry budget must not be negative")
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = UserAgent + "/" + Version
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.BodyBudget == 0 {
		cfg.BodyBudget = DefaultBodyBudget
	}
	if cfg.MaxHeaderBytes == 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = DefaultRetryBackoff
	}
	if cfg.StopAfter == 0 {
		cfg.StopAfter = DefaultStopAfter
	}
	if cfg.RetryBudget == 0 {
		cfg.RetryBudget = RetryBudgetTimeouts * cfg.Timeout
	}
	cfg.Secrets = append([]string(nil), cfg.Secrets...)
	for _, vs := range cfg.Headers {
		cfg.Secrets = append(cfg.Secrets, vs...)
	}

	c := &Client{
		cfg:      cfg,
		base:     base,
		baseText: strings.TrimRight(cfg.BaseURL, "/"),
		hc:       noRedirects(cfg.HTTPClient, cfg.MaxHeaderBytes),
		redactHd: map[string]bool{},
		budget:   newBodyBudget(cfg.BodyBudget),
		sleep:    sleepCtx,
		now:      time.Now,
	}
	if cfg.Rate > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), 1)
	}
	redact := append([]string{"Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization"}, cfg.RedactHeaders...)
	for name := range cfg.Headers {
		redact = append(redact, name)
	}
	for _, h := range redact {
		c.redactHd[http.CanonicalHeaderKey(strings.TrimSpace(h))] = true
	}
	return c, nil
}

// parseBase accepts an absolute http or https URL without credentials, query or fragment
// (paths are appended to it, and credentials in a URL would end up in evidence).
func parseBase(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("base URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("base URL %q is not a URL", raw)
	}
	switch {
	case !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https"):
		return nil, fmt.Errorf("base URL %q must start with http:// or https://", raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("base URL %q has no host", raw)
	case u.User != nil:
		return nil, fmt.Errorf("base URL must not carry credentials (give a token instead)")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("base URL %q must not have a query or fragment: request paths are appended to it", raw)
	}
	return u, nil
}

// noRedirects returns a copy of hc (or a default client) that hands back 3xx answers as
// they are and reads at most maxHeader bytes of an answer's headers.
func noRedirects(hc *http.Client, maxHeader int64) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
		if tr, ok := c.Transport.(*http.Transport); ok && (tr.MaxResponseHeaderBytes <= 0 || tr.MaxResponseHeaderBytes > maxHeader) {
			tr = tr.Clone()
			tr.MaxResponseHeaderBytes = maxHeader
			c.Transport = tr
		}
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// Connecting is bounded by the attempt's deadline (Config.Timeout), as a whole.
		tr.DialContext = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
		tr.TLSHandshakeTimeout = 0
		tr.MaxIdleConnsPerHost = 32
		tr.MaxResponseHeaderBytes = maxHeader
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		c.Transport = tr
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// APIVersion is the API-Version header sent by default; "" when none is.
func (c *Client) APIVersion() string {
	if c.cfg.APIVersion == NoAPIVersion {
		return ""
	}
	return c.cfg.APIVersion
}

// BaseURL is the configured base URL without a trailing slash.
func (c *Client) BaseURL() string { return c.baseText }

// Requests is the number of HTTP attempts sent so far.
func (c *Client) Requests() int64 { return c.requests.Load() }

// Do sends req, retrying 429 and 503 answers, and returns the exchange of the last
// attempt. Every attempt sent is passed to Config.OnExchange. An answer of any status is
// not an error; err is set when there was no complete answer: a *TransportError (refused,
// timeout, TLS, cancelled), ErrBodyTooLarge, or a request that could not be built or
// sent within the context. The returned Exchange is filled as far as the request got.
func (c *Client) Do(ctx context.Context, req Request) (Exchange, error) {
	p, err := c.prepare(req)
	if err != nil {
		return c.unsent(p, 1, err), err
	}
	var last Exchange
	for attempt := 1; ; attempt++ {
		if err := c.waitTurn(ctx); err != nil {
			if attempt > 1 {
				return last, err
			}
			return c.unsent(p, attempt, err), err
		}
		res := c.attempt(ctx, p, attempt)
		if res.sent && c.cfg.OnExchange != nil {
			c.cfg.OnExchange(res.ex)
		}
		if res.sent {
			c.observe(res.ex, res.err, ctx.Err() != nil)
		}
		last = res.ex
		if res.err != nil || !retryable(res.ex.Status) || attempt > c.cfg.Retries {
			return res.ex, res.err
		}
		wait := retryWait(res.retryAfter, c.now(), c.cfg.RetryBackoff, attempt)
		if !c.spendRetry(wait, res.ex) {
			return last, fmt.Errorf("retry of the %d answer after %s not made: %w", res.ex.Status, wait, ErrRetryBudget)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return last, fmt.Errorf("retry of the %d answer after %s abandoned: %w", res.ex.Status, wait, err)
		}
	}
}

// waitTurn waits for the rate limiter.
func (c *Client) waitTurn(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("request not sent: %w", err)
	}
	if c.limiter == nil {
		return nil
	}
	if err := c.limiter.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("request not sent while waiting for the rate limit: %w", ctx.Err())
		}
		// The limiter refuses up front when the next slot is after the deadline.
		return fmt.Errorf("request not sent: the next slot of the rate limit is after the deadline: %w", context.DeadlineExceeded)
	}
	return nil
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// sleepCtx waits d, or returns at once when ctx would end first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return fmt.Errorf("the wait ends after the deadline: %w", context.DeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// token returns the bearer token of the default Authorization ("" when none is configured)
// and its scheme. A TokenSource is asked under the attempt's deadline, since
// oauth2.TokenSource.Token takes no context and a hanging token endpoint must not hang Do.
func (c *Client) token(ctx context.Context) (scheme, token string, err error) {
	if c.cfg.TokenSource == nil {
		if c.cfg.Token == "" {
			return "", "", nil
		}
		return "Bearer", c.cfg.Token, nil
	}
	type result struct {
		tok *oauth2.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		tok, err := c.cfg.TokenSource.Token()
		ch <- result{tok, err}
	}()
	select {
	case <-ctx.Done():
		return "", "", ctx.Err()
	case r := <-ch:
		if r.err != nil {
			return "", "", r.err
		}
		if r.tok == nil || r.tok.AccessToken == "" {
			return "", "", errors.New("the token source gave an empty token")
		}
		c.remember(r.tok.AccessToken)
		return r.tok.Type(), r.tok.AccessToken, nil
	}
}

func (c *Client) remember(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.tokens {
		if t == tok {
			return
		}
	}
	c.tokens = append(c.tokens, tok)
}

// secrets lists every secret known to the client now, plus extra.
func (c *Client) secrets(extra ...string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := make([]string, 0, 1+len(c.cfg.Secrets)+len(c.tokens)+len(extra))
	s = append(s, c.cfg.Token)
	s = append(s, c.cfg.Secrets...)
	s = append(s, c.tokens...)
	return append(s, extra...)
}
