// Package refserver is the reference implementation of the Case API that casecert
// certifies: PATCH/POST/GET of loss-prevention cases and their child persons, vehicles
// and items, kept in SQLite, behind Bearer JWT auth and the API-Version header.
//
// Without a target, casecert certifies this server; its self-tests turn on fault switches
// (Options.Faults), each of which breaks exactly one rule, to prove that every check of
// the harness can fail. The server is an http.Handler and never listens by itself.
package refserver

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/casecert/casecert/fixtures"
)

// DefaultBasePath is where the Case API lives unless Options.BasePath says otherwise.
const DefaultBasePath = "/services/apexrest/ThinkLP"

// maxBody caps request bodies; a longer one gets 413.
const maxBody = 1 << 20

// Options configure a Server. The zero value is a working server.
type Options struct {
	DBPath   string           // "" = fresh SQLite file in a new temp dir (removed by Close); ":memory:" allowed
	BasePath string           // default DefaultBasePath
	TokenKey []byte           // HS256 key; if empty, a random one is generated (see Server.TokenKey)
	Faults   []string         // names of fault switches to turn on (see Faults)
	Now      func() time.Time // clock, default time.Now
	// Profile is the shape served: field names, types, limits, read-only, nested and
	// linked keys, paths and seeded fixtures. nil: the default profile.
	Profile *fixtures.Profile
	// Platform is how the server stores, serialises and authenticates: a name of
	// platform.Names(); "" is generic (the contract as documented). As salesforce it
	// behaves as an Apex REST service on an org: whole-second date-times, Apex
	// serialisation, checkbox null stored as false, opaque session ids, the platform's
	// 401 and error arrays.
	Platform string
}

// Server is the reference Case API. It is safe for concurrent use.
type Server struct {
	base    string
	key     []byte
	faults  faultSet
	mode    mode   // the platform it behaves as
	profile string // the platform of the profile served
	now     func() time.Time
	codec   codec
	sc      *schema
	st      *store
	delete  bool // DELETE of the case path is served (the profile names paths.delete)
	served  *fixtures.Profile
	broken  breakage // what an abuse did to the server (disrupt.go)
	// readOnlyWrittenOnce: the one PATCH the fault readonly-written-once stored a
	// read-only field of has been served.
	readOnlyWrittenOnce atomic.Bool
}

// New opens the store, seeds the fixtures and returns the server. It never listens.
func New(opts Options) (*Server, error) {
	faults, err := newFaultSet(opts.Faults)
	if err != nil {
		return nil, err
	}
	s := &Server{
		base:   strings.TrimRight(opts.BasePath, "/"),
		key:    append([]byte(nil), opts.TokenKey...),
		faults: faults,
		now:    opts.Now,
	}
	host, mode, err := newMode(s, opts.Platform)
	if err != nil {
		return nil, err
	}
	s.mode = mode
	s.codec = codec{faults: faults, wholeSeconds: host.WholeSeconds()}
	if s.base == "" {
		s.base = DefaultBasePath
	}
	if !strings.HasPrefix(s.base, "/") {
		s.base = "/" + s.base
	}
	if s.now == nil {
		s.now = time.Now
	}
	if len(s.key) == 0 {
		s.key = make([]byte, 32)
		if _, err := rand.Read(s.key); err != nil {
			return nil, err
		}
	}
	profile := opts.Profile
	if profile == nil {
		profile = fixtures.Default()
	}
	s.profile = profile.Platform
	s.delete = profile.Paths.Delete != ""
	s.served = profile
	if s.sc, err = newSchema(profile); err != nil {
		return nil, fmt.Errorf("profile %s: %w", profile.Name, err)
	}
	if host.CheckboxNullFalse() {
		s.sc.checkboxesStoreFalse()
	}
	if s.st, err = openStore(opts.DBPath, s.sc); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the store and removes its temporary directory, if it made one.
func (s *Server) Close() error { return s.st.close() }

// TokenKey returns the HS256 key tokens are checked with.
func (s *Server) TokenKey() []byte { return append([]byte(nil), s.key...) }

// MintToken returns a credential for the integration user that expires ttl from now (a
// negative ttl gives an already expired one): a signed HS256 JWT, or as the platform's
// mode mints them (on salesforce an opaque session id, live or already revoked).
func (s *Server) MintToken(ttl time.Duration) (string, error) { return s.mode.mint(ttl) }

// WriteCredentials tells serve's user how to authenticate to the server at origin
// ("http://host:port"): a token to export, and what else its platform offers. An
// expired token, for a run's --expired-token, is MintToken's with a negative ttl.
func (s *Server) WriteCredentials(w io.Writer, origin string) error {
	return s.mode.greet(w, origin, s.profile)
}

// apiError is an answer other than success; handlers return it and ServeHTTP writes it.
type apiError struct {
	status      int
	code, msg   string
	fields      []string
	bearerError bool // a 401 for a token that was given: the challenge says invalid_token
	allow       string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(code, msg string, fields ...string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, msg: msg, fields: fields}
}

func notFound(msg string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "NOT_FOUND", msg: msg}
}

// validationError turns refused fields into one 400.
func validationError(errs []fieldError) *apiError {
	msgs := make([]string, len(errs))
	fields := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
		fields[i] = e.field
	}
	return badRequest("INVALID_FIELD", strings.Join(msgs, "; "), fields...)
}

// ServeHTTP routes a request: base path, auth, API version, then the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.writeError(w, &apiError{status: http.StatusInternalServerError, code: "INTERNAL_ERROR", msg: fmt.Sprintf("internal error: %v", v)})
		}
	}()
	if err := s.serve(w, r); err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{status: http.StatusInternalServerError, code: "INTERNAL_ERROR", msg: err.Error()}
		}
		s.writeError(w, ae)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Path == OpenAPIPath && r.Method == http.MethodGet {
		return s.serveOpenAPI(w)
	}
	if s.mode.route(w, r) {
		return nil
	}
	rest, ok := strings.CutPrefix(r.URL.Path, s.base)
	if !ok || !strings.HasPrefix(rest, "/") {
		return notFound("no such resource: " + r.URL.Path)
	}
	if err := s.authorize(r); err != nil {
		return err
	}
	if err := s.checkVersion(r); err != nil {
		return err
	}
	parts := strings.Split(rest[1:], "/")
	for _, p := range parts {
		if p == "" {
			return notFound("no such resource: " + r.URL.Path)
		}
	}
	ctx := r.Context()
	what, rawID, kind := s.sc.routes.match(parts)
	if handled, err := s.disrupted(ctx, w, r, what, rawID); handled {
		return err
	}
	switch what {
	case "collection":
		switch r.Method {
		case http.MethodGet:
			return s.listCases(ctx, w, r)
		case http.MethodPost:
			return s.createCase(ctx, w, r)
		}
		return methodNotAllowed(r, "GET, POST")
	case "item":
		switch {
		case r.Method == http.MethodGet, r.Method == http.MethodPatch:
		case r.Method == http.MethodDelete && s.delete:
		case s.delete:
			return methodNotAllowed(r, "GET, PATCH, DELETE")
		default:
			return methodNotAllowed(r, "GET, PATCH")
		}
		ref, err := s.caseRef(rawID)
		if err != nil {
			return err
		}
		switch r.Method {
		case http.MethodGet:
			return s.getCase(ctx, w, ref)
		case http.MethodDelete:
			return s.deleteCase(ctx, w, ref)
		}
		return s.patchCase(ctx, w, r, ref)
	case "child":
		switch r.Method {
		case http.MethodGet, http.MethodPost:
		default:
			return methodNotAllowed(r, "GET, POST")
		}
		ref, err := s.caseRef(rawID)
		if err != nil {
			return err
		}
		if r.Method == http.MethodGet {
			return s.listChildren(ctx, w, ref, kind)
		}
		return s.addChild(ctx, w, r, ref, kind)
	}
	return notFound("no such resource: " + r.URL.Path)
}

func methodNotAllowed(r *http.Request, allow string) error {
	return &apiError{status: http.StatusMethodNotAllowed, code: "METHOD_NOT_ALLOWED",
		msg: fmt.Sprintf("method %s is not allowed here; allowed: %s", r.Method, allow), allow: allow}
}

// authorize checks the credential as the platform does (generic: the Bearer JWT).
func (s *Server) authorize(r *http.Request) error {
	if s.faults.on("no-auth") {
		return nil
	}
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	if strings.EqualFold(scheme, "Basic") && cred != "" && s.faults.on("basic-accepted") {
		return nil
	}
	return s.mode.authorize(scheme, cred)
}

// checkVersion accepts API-Version 1.0; a missing header means 1.0.
func (s *Server) checkVersion(r *http.Request) error {
	values, present := r.Header[http.CanonicalHeaderKey("API-Version")]
	if s.faults.on("version-unchecked") || !present {
		return nil
	}
	v := strings.TrimSpace(values[0])
	if v == "1.0" && !s.faults.on("version-current-refused") {
		return nil
	}
	return badRequest("UNSUPPORTED_API_VERSION", fmt.Sprintf("API-Version %q is not supported; supported versions: 1.0", v))
}

// readObject reads a JSON object body. With allowNonObject, a JSON body that is not an
// object reads as an empty object.
func (s *Server) readObject(w http.ResponseWriter, r *http.Request, allowNonObject bool) (map[string]json.RawMessage, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !s.faults.on("content-type-ignored") {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && mt != "application/merge-patch+json" {
			return nil, &apiError{status: http.StatusUnsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE",
				msg: fmt.Sprintf("Content-Type %q is not supported; send application/json", ct)}
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.tooLarge()
			return nil, &apiError{status: http.StatusRequestEntityTooLarge, code: "REQUEST_TOO_LARGE",
				msg: fmt.Sprintf("request body over %d bytes", maxBody)}
		}
		return nil, badRequest("JSON_PARSER_ERROR", "reading the body: "+err.Error())
	}
	if !json.Valid(data) {
		var syn any
		err := json.Unmarshal(data, &syn)
		if s.faults.on("bad-json-500") {
			return nil, fmt.Errorf("parsing the body: %v", err)
		}
		return nil, badRequest("JSON_PARSER_ERROR", fmt.Sprintf("malformed JSON: %v", err))
	}
	data = bytes.TrimSpace(data)
	if t := jsonType(data); t != "object" {
		if allowNonObject {
			return map[string]json.RawMessage{}, nil
		}
		return nil, badRequest("JSON_PARSER_ERROR", "the body must be a JSON object, got "+t)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, badRequest("JSON_PARSER_ERROR", fmt.Sprintf("malformed JSON: %v", err))
	}
	return body, nil
}

// writeJSON writes a JSON answer.
func (s *Server) writeJSON(w http.ResponseWriter, status int, body []byte) {
	ct := s.mode.contentType()
	if s.faults.on("json-as-text") {
		ct = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	w.Write(body)
}

// writeError writes every error answer of the server.
func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	if challenge := s.mode.challenge(e); challenge != "" && !s.faults.on("no-challenge") {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	if e.allow != "" {
		w.Header().Set("Allow", e.allow)
	}
	if s.faults.on("error-no-body") && e.status >= 400 && e.status < 500 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(e.status)
		return
	}
	s.writeJSON(w, e.status, s.mode.errorBody(e))
}

// stamp is the time of a write, at the resolution dates are stored with: milliseconds,
// or whole seconds on a platform that keeps those.
func (s *Server) stamp() time.Time { return s.now().UTC().Truncate(s.codec.instantResolution()) }

var _ http.Handler = (*Server)(nil)
