package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"golang.org/x/oauth2"

	"github.com/casecert/casecert/internal/brief"
)

// ErrBodyTooLarge is wrapped by the error of Do when an answer is longer than
// Config.MaxBody.
var ErrBodyTooLarge = errors.New("response body too large")

// TransportError is a request that got no (complete) answer: connection refused, no
// answer in time, a TLS failure, the connection dropped, the caller cancelled. Its
// message says what happened in plain words and holds no secret.
type TransportError struct {
	Method string // of the request
	URL    string // of the request, redacted
	Reason string // e.g. "connection refused", "no answer within 15s"
	Err    error  // the cause, e.g. a *net.OpError, context.DeadlineExceeded
	// timeout is set when the attempt ran out of time.
	timeout bool
}

func (e *TransportError) Error() string { return e.Reason }

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// Timeout says the request got no answer in time.
func (e *TransportError) Timeout() bool { return e.timeout }

// TokenRefusedError is an OAuth 2.0 token endpoint that answered and refused to give a
// token (a wrong client id or secret, a grant the client may not use): the target itself
// was never asked. It is the Err of the request's TransportError. Its text holds no
// secret.
type TokenRefusedError struct {
	URL         string // of the token endpoint, redacted
	Status      int    // of its answer
	Code        string // RFC 6749's error code, e.g. invalid_client; "" when the answer had none
	Description string // its error_description, redacted and cut
}

func (e *TokenRefusedError) Error() string {
	what := fmt.Sprintf("the OAuth token endpoint %s refused the client credentials: it answered %d", e.URL, e.Status)
	if e.Code != "" {
		what += " " + e.Code
	}
	if e.Description != "" {
		what += " (" + e.Description + ")"
	}
	return what
}

// tokenRefused is the TokenRefusedError of an error of a token source, if it is one.
func tokenRefused(err error, red *redactor) (*TokenRefusedError, bool) {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return nil, false
	}
	tr := &TokenRefusedError{Status: re.Response.StatusCode, Code: red.text(re.ErrorCode),
		Description: brief.FirstLine(red.text(re.ErrorDescription), 200)}
	if re.Response.Request != nil && re.Response.Request.URL != nil {
		tr.URL = red.text(re.Response.Request.URL.String())
	}
	return tr, true
}

// transportError turns an error of http.Client.Do or of reading the body into a
// TransportError. ctx is the caller's context, actx the attempt's.
func (c *Client) transportError(ctx, actx context.Context, p *prepared, red *redactor, err error) *TransportError {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // its text repeats the URL, which may hold a secret
	}
	te := &TransportError{Method: p.method, URL: red.text(p.url.String()), Err: cause}
	var (
		ne       net.Error
		dns      *net.DNSError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
	)
	switch {
	case ctx.Err() != nil:
		te.Reason = "request cancelled before an answer (" + ctx.Err().Error() + ")"
		te.Err = ctx.Err()
	case errors.Is(actx.Err(), context.DeadlineExceeded):
		te.Reason, te.timeout = fmt.Sprintf("no answer within %s", c.cfg.Timeout), true
	case headersTooLong(cause):
		te.Reason = fmt.Sprintf("the answer's headers are longer than %d bytes (casecert's cap on response headers): not read", c.cfg.MaxHeaderBytes)
	case errors.Is(cause, syscall.ECONNREFUSED):
		te.Reason = "connection refused"
	case errors.As(cause, &dns):
		if dns.IsNotFound {
			te.Reason = fmt.Sprintf("host %q not found", dns.Name)
		} else {
			te.Reason = "host name lookup failed: " + dns.Error()
		}
	case errors.As(cause, &unknown):
		te.Reason = "TLS: the target's certificate is signed by an unknown authority"
	case errors.As(cause, &hostname):
		te.Reason = "TLS: " + hostname.Error()
	case errors.As(cause, &invalid):
		te.Reason = "TLS: the target's certificate is not valid: " + invalid.Error()
	case errors.As(cause, &verify):
		te.Reason = "TLS: the target's certificate cannot be verified: " + verify.Err.Error()
	case errors.As(cause, &record):
		te.Reason = "TLS handshake failed: the target does not answer in TLS"
	case errors.As(cause, &alert):
		te.Reason = "TLS handshake refused by the target: " + alert.Error()
	case errors.Is(cause, syscall.ECONNRESET), errors.Is(cause, io.EOF), errors.Is(cause, io.ErrUnexpectedEOF):
		te.Reason = "the target closed the connection before a complete answer"
	case errors.As(cause, &ne) && ne.Timeout():
		te.Reason, te.timeout = "no answer in time: "+cause.Error(), true
	default:
		te.Reason = "request failed: " + cause.Error()
	}
	te.Reason = red.text(te.Reason)
	return te
}

// headersTooLong says the transport refused an answer whose headers were over
// Transport.MaxResponseHeaderBytes (HTTP/1: "server response headers exceeded N bytes";
// HTTP/2: "response header list larger than advertised limit"). net/http exports no
// error value for either.
func headersTooLong(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "response headers exceeded") || strings.Contains(msg, "header list larger than")
}
