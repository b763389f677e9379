package refserver

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/casecert/casecert/internal/platform"
)

// salesforceMode is the server behaving as an Apex REST service on a Salesforce org: it
// serialises and authenticates as one does, the behaviours of the spec's salesforce.md
// that a correct implementation there cannot avoid (whole-second date-times and
// checkboxes that store false for null New reads from internal/platform's description).
type salesforceMode struct {
	s        *Server
	sessions *sessions
}

func init() {
	modes[platform.SalesforceName] = func(s *Server) mode { return salesforceMode{s, newSessions()} }
}

// mint returns an opaque session id: live, or already revoked for a negative ttl.
func (m salesforceMode) mint(ttl time.Duration) (string, error) {
	tok, err := m.sessions.mint()
	if err == nil && ttl < 0 {
		m.sessions.revoke(tok)
	}
	return tok, err
}

func (m salesforceMode) route(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != RevokePath {
		return false
	}
	m.serveRevoke(w, r)
	return true
}

func (salesforceMode) contentType() string { return apexContentType }

// challenge: the org's 401 has no WWW-Authenticate.
func (salesforceMode) challenge(*apiError) string { return "" }

func (salesforceMode) showDateTime(stored string) string  { return apexInstant(stored) }
func (salesforceMode) showLocalTime(stored string) string { return apexTime(stored) }

func (m salesforceMode) greet(w io.Writer, origin, _ string) error {
	token, err := m.mint(24 * time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "behaving as a Salesforce org; session id (opaque, valid until revoked):\n  export CASECERT_TOKEN='%s'\n", token)
	fmt.Fprintf(w, "revoke a session:\n  curl -s -X POST --data-urlencode token=\"$CASECERT_TOKEN\" %s%s\n", origin, RevokePath)
	return nil
}

// RevokePath is where a Salesforce org revokes a session (RFC 7009 style: POST token=...).
const RevokePath = "/services/oauth2/revoke"

// apexInstantLayout is how Apex's JSON serialiser writes a Datetime: milliseconds always,
// a basic offset (+0000) and never Z. Date-time fields keep whole seconds.
const apexInstantLayout = "2006-01-02T15:04:05.000-0700"

// orgID is the 15-character id of the org the server's session ids belong to.
const orgID = "00D000000000001"

// sessionMessage is the platform's answer to every missing, bad or revoked session,
// given before any Apex code runs.
const sessionMessage = "Session expired or invalid"

// apexContentType is the Content-Type of the platform's JSON answers.
const apexContentType = "application/json;charset=UTF-8"

// apexInstant shows a stored instant (UTC, instantLayout) as Apex serialises it.
func apexInstant(stored string) string {
	t, err := time.Parse(instantLayout, stored)
	if err != nil {
		return stored
	}
	return t.UTC().Format(apexInstantLayout)
}

// apexTime shows a stored local time (HH:MM:SS:mmm) as Apex serialises a Time:
// HH:MM:SS.mmmZ, the Z carrying no zone meaning.
func apexTime(stored string) string {
	if len(stored) != len(midnight) {
		return stored
	}
	return stored[:8] + "." + stored[9:] + "Z"
}

// sessions are the opaque session ids of a salesforce-mode server: minted, live until
// revoked. A revoked id is what an expired session looks like to a caller.
type sessions struct {
	mu      sync.Mutex
	live    map[string]bool
	revoked map[string]bool
}

func newSessions() *sessions {
	return &sessions{live: map[string]bool{}, revoked: map[string]bool{}}
}

// sessionAlphabet makes the secret part; the platform's also has dots, left out here so
// that no session id is ever shaped like a JWT.
const sessionAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

// mint returns a new live session id shaped like the platform's: 00D<org>!<secret>.
func (ss *sessions) mint() (string, error) {
	secret := make([]byte, 96)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	for i, b := range secret {
		secret[i] = sessionAlphabet[int(b)%len(sessionAlphabet)]
	}
	tok := orgID + "!AQ" + string(secret)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.live[tok] = true
	return tok, nil
}

// revoke ends a live session; it reports whether there was one.
func (ss *sessions) revoke(tok string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.live[tok] {
		return false
	}
	delete(ss.live, tok)
	ss.revoked[tok] = true
	return true
}

var (
	errSessionUnknown = errors.New("no such session")
	errSessionRevoked = errors.New("the session was revoked")
)

// check says whether tok is a live session; revokedOK (the expiry-unchecked fault)
// accepts revoked sessions too, orgOnly (the signature-unchecked fault) any id of the
// org whatever its secret part.
func (ss *sessions) check(tok string, revokedOK, orgOnly bool) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch {
	case ss.live[tok]:
		return nil
	case ss.revoked[tok] && revokedOK:
		return nil
	case ss.revoked[tok]:
		return errSessionRevoked
	case orgOnly && strings.HasPrefix(tok, orgID+"!"):
		return nil
	}
	return errSessionUnknown
}

// authorize checks a credential as the platform does: any missing, malformed, unknown
// or revoked session gets the same 401, before the service runs.
func (m salesforceMode) authorize(scheme, cred string) error {
	if (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth")) && cred != "" &&
		m.sessions.check(cred, m.s.faults.on("expiry-unchecked"), m.s.faults.on("signature-unchecked")) == nil {
		return nil
	}
	return &apiError{status: http.StatusUnauthorized, code: "INVALID_SESSION_ID", msg: sessionMessage}
}

// serveRevoke is the org's token revocation endpoint: POST token=<session>. It answers
// 200 when the session was live and 400 invalid_token otherwise, as the platform does.
func (m salesforceMode) serveRevoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	tok := r.FormValue("token")
	if tok == "" || !m.sessions.revoke(tok) {
		body, _ := json.Marshal(map[string]string{"error": "invalid_token", "error_description": "invalid token"})
		w.Header().Set("Content-Type", apexContentType)
		w.WriteHeader(http.StatusBadRequest)
		w.Write(body)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// errorBody is the platform's error shape: a JSON array of {message, errorCode}, with
// the fields a validation error names.
func (salesforceMode) errorBody(e *apiError) []byte {
	type apexError struct {
		Message   string   `json:"message"`
		ErrorCode string   `json:"errorCode"`
		Fields    []string `json:"fields,omitempty"`
	}
	body, _ := json.Marshal([]apexError{{e.msg, e.code, e.fields}})
	return body
}
