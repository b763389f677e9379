package refserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/casecert/casecert/internal/platform"
)

// mode is how the server behaves as one platform (internal/platform): its auth, the
// Content-Type and shape of its answers, how stored times read back. Every platform has
// one in modes (TestEveryPlatformHasAMode), chosen once in New; handlers ask it and never
// test the platform's name. What the platform says of itself (whole-second date-times,
// checkboxes that cannot hold null) New reads from the platform.
type mode interface {
	// mint returns a credential for the integration user valid for ttl; for a negative
	// ttl one that is already expired (or revoked).
	mint(ttl time.Duration) (string, error)
	// authorize checks the Authorization header, split into its scheme and credential
	// (both "" when there is none).
	authorize(scheme, cred string) error
	// route serves the platform's own endpoints outside the base path and reports
	// whether r was one of them.
	route(w http.ResponseWriter, r *http.Request) bool
	// contentType is the Content-Type of the JSON answers.
	contentType() string
	// challenge is the WWW-Authenticate header of an error answer, "" for none.
	challenge(e *apiError) string
	// errorBody is the JSON body of an error answer.
	errorBody(e *apiError) []byte
	// showDateTime and showLocalTime are how a stored date-time (instantLayout) and a
	// stored local time (HH:MM:SS:mmm) read back.
	showDateTime(stored string) string
	showLocalTime(stored string) string
	// greet tells serve's user how to authenticate to the server at origin (scheme and
	// host); profilePlatform is the platform of the profile served.
	greet(w io.Writer, origin, profilePlatform string) error
}

// modes holds each platform's mode constructor, by platform name; each mode's file adds
// its own from init.
var modes = map[string]func(*Server) mode{}

func init() { modes[platform.GenericName] = func(s *Server) mode { return generic{s} } }

// newMode checks Options.Platform and returns the platform and the server's mode of it.
func newMode(s *Server, name string) (platform.Platform, mode, error) {
	p, err := platform.Lookup(name)
	if err != nil {
		return nil, nil, err
	}
	newMode, ok := modes[p.Name()]
	if !ok {
		return nil, nil, fmt.Errorf("the reference server cannot behave as platform %q", p.Name())
	}
	return p, newMode(s), nil
}

// generic is the contract as documented: Bearer JWTs (HS256) with a challenge on 401,
// errors as {errorCode, message, fields}.
type generic struct{ s *Server }

// mint returns a signed HS256 JWT that expires ttl from now.
func (g generic) mint(ttl time.Duration) (string, error) {
	now := g.s.now()
	claims := jwt.RegisteredClaims{
		Issuer:    "casecert-refserver",
		Subject:   g.s.sc.integrationUser,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(g.s.key)
}

// authorize checks the Bearer JWT.
func (g generic) authorize(scheme, cred string) error {
	unauthorized := func(given bool, msg string) error {
		return &apiError{status: http.StatusUnauthorized, code: "INVALID_SESSION_ID", msg: msg, bearerError: given}
	}
	switch {
	case scheme == "":
		return unauthorized(false, "missing Authorization header: send Authorization: Bearer <token>")
	case !strings.EqualFold(scheme, "Bearer"):
		return unauthorized(false, "unsupported authorization scheme "+scheme+": send Authorization: Bearer <token>")
	case cred == "":
		return unauthorized(false, "empty bearer token")
	}
	if err := g.checkToken(cred); err != nil {
		return unauthorized(true, "invalid token: "+err.Error())
	}
	return nil
}

func (g generic) checkToken(token string) error {
	s := g.s
	claims := &jwt.RegisteredClaims{}
	if s.faults.on("signature-unchecked") {
		if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
			return err
		}
		if !s.faults.on("expiry-unchecked") && (claims.ExpiresAt == nil || !s.now().Before(claims.ExpiresAt.Time)) {
			return jwt.ErrTokenExpired
		}
		return nil
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(s.now)}
	if s.faults.on("expiry-unchecked") {
		opts = append(opts, jwt.WithoutClaimsValidation())
	} else {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return s.key, nil }, opts...)
	return err
}

func (generic) route(http.ResponseWriter, *http.Request) bool { return false }

func (generic) contentType() string { return "application/json" }

func (generic) challenge(e *apiError) string {
	switch {
	case e.status != http.StatusUnauthorized:
		return ""
	case e.bearerError:
		return `Bearer realm="casecert", error="invalid_token"`
	}
	return `Bearer realm="casecert"`
}

func (generic) errorBody(e *apiError) []byte {
	fields := e.fields
	if fields == nil {
		fields = []string{}
	}
	body, _ := json.Marshal(struct {
		ErrorCode string   `json:"errorCode"`
		Message   string   `json:"message"`
		Fields    []string `json:"fields"`
	}{e.code, e.msg, fields})
	return body
}

func (generic) showDateTime(stored string) string  { return stored }
func (generic) showLocalTime(stored string) string { return showLocalTime(stored) }

func (g generic) greet(w io.Writer, _, _ string) error {
	token, err := g.mint(24 * time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "token (valid 24h):\n  export CASECERT_TOKEN=%s\n", token)
	return nil
}
