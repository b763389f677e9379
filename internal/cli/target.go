package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/internal/suite"
)

// target is what the run certifies: a given URL, or the reference server in-process.
type target struct {
	baseURL, token, expiredToken string
	reference                    bool
	host                         platform.Platform // the reference server behaves as
	stop                         func()
}

func (t *target) describe() string {
	if t.reference && t.host.Title() != "" {
		return "the built-in reference server, behaving as " + t.host.Title() + ", at " + t.baseURL
	}
	if t.reference {
		return "the built-in reference server at " + t.baseURL
	}
	return t.baseURL
}

// startTarget returns the given URL, or starts the reference server in-process on the
// profile's platform: a profile of a platform certifies the server behaving as it.
func startTarget(env Env, o *runOptions, p *fixtures.Profile) (*target, error) {
	if o.baseURL != "" {
		return &target{baseURL: strings.TrimRight(o.baseURL, "/"), token: o.token, expiredToken: o.expiredToken, stop: func() {}}, nil
	}
	srv, err := refserver.New(refserver.Options{Faults: o.faults, Profile: p, Platform: p.Platform})
	if err != nil {
		return nil, usagef("reference server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, &targetError{fmt.Errorf("starting the reference server: %w", err)}
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	token, err := srv.MintToken(time.Hour)
	if err != nil {
		hs.Close()
		srv.Close()
		return nil, &targetError{err}
	}
	expired, err := srv.MintToken(-time.Hour)
	if err != nil {
		hs.Close()
		srv.Close()
		return nil, &targetError{err}
	}
	return &target{
		baseURL: "http://" + ln.Addr().String() + refserver.DefaultBasePath,
		token:   token, expiredToken: expired, reference: true, host: p.Host(),
		stop: func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			hs.Shutdown(ctx)
			srv.Close()
		},
	}, nil
}

// newClient is the driver of the run: every exchange goes to rec (the run-wide checks),
// and a stop condition (no answer several times in a row, 403 REQUEST_LIMIT_EXCEEDED,
// the retry budget spent) goes to onStop.
// version is the API-Version header sent by default (client.NoAPIVersion: none).
func newClient(env Env, o *runOptions, p *fixtures.Profile, t *target, version string, rec *suite.Recorder, onStop func(*client.StopError)) (*client.Client, error) {
	hc, err := httpClient(env, o)
	if err != nil {
		return nil, err
	}
	cfg := client.Config{
		BaseURL: t.baseURL, Token: t.token, APIVersion: version,
		Timeout: o.timeout, Retries: o.retries, Rate: o.rate, HTTPClient: hc,
		RedactHeaders: o.redactHeaders, Headers: o.headers.httpHeader(), OnExchange: rec.Observe, UserAgent: "casecert/" + Version,
		OnStop: onStop,
	}
	if t.expiredToken != "" {
		cfg.Secrets = append(cfg.Secrets, t.expiredToken)
	}
	if o.tokenURL != "" {
		cc := clientcredentials.Config{ClientID: o.clientID, ClientSecret: o.clientSecret, TokenURL: o.tokenURL}
		ctx := context.WithValue(env.Context, oauth2.HTTPClient, hc)
		cfg.TokenSource = cc.TokenSource(ctx)
		cfg.Secrets = append(cfg.Secrets, o.clientSecret)
	}
	cl, err := client.New(cfg)
	if err != nil {
		return nil, usagef("--base-url: %v", err)
	}
	return cl, nil
}

func httpClient(env Env, o *runOptions) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	// Connecting and the TLS handshake get the whole --timeout, like the rest of the
	// attempt (whose deadline bounds them anyway), not the transport's own 30 s and 10 s.
	tr.DialContext = (&net.Dialer{Timeout: o.timeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = o.timeout
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.caCert != "" {
		pem, err := env.ReadFile(o.caCert)
		if err != nil {
			return nil, usagef("--ca-cert: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usagef("--ca-cert: %s holds no PEM certificate", o.caCert)
		}
		tlsCfg.RootCAs = pool
	}
	if o.insecure {
		fmt.Fprintln(env.Stderr, "casecert: WARNING: --insecure-skip-verify: the target's TLS certificate is not checked; the report says so")
		tlsCfg.InsecureSkipVerify = true
	}
	tr.TLSClientConfig = tlsCfg
	return &http.Client{Transport: tr}, nil
}
