// Package hostile serves targets that answer the Case API's paths in ways meant to exhaust
// or mislead a client: legal but huge fields, bodies over the driver's cap, gzip bombs,
// JSON nested millions deep, megabytes of headers, another case's answer to a read, stale
// reads. Tests and benchmarks point casecert at them (on 127.0.0.1 only) to show
// that its memory, time and report size stay bounded whatever a target answers.
package hostile

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/casecert/casecert/internal/sfid"
)

// Kind is one way of being hostile.
type Kind string

// The hostile targets.
const (
	// BigField behaves like a plain Case API (create, read, update, children) but every
	// answer carries one legal JSON string field of FieldSize bytes.
	BigField Kind = "big-field"
	// BigBody answers everything with a JSON object of BodySize bytes (over the driver's cap).
	BigBody Kind = "big-body"
	// GzipBomb answers everything gzip-encoded: a few hundred KiB on the wire that inflate
	// to BombSize bytes of JSON.
	GzipBomb Kind = "gzip-bomb"
	// Deep answers everything with a case whose extra field is an array nested Depth deep.
	Deep Kind = "deep"
	// HugeHeaders is a plain Case API whose every answer carries HeaderCount extra
	// headers of HeaderSize bytes each.
	HugeHeaders Kind = "huge-headers"
	// OtherCase is a plain Case API except that a read of one case answers another (a
	// proxy or cache keyed wrongly): the document's own id is the other case's.
	OtherCase Kind = "other-case"
	// StaleReads is a plain Case API behind a cache: the first read of a case after an
	// accepted PATCH answers the state before it; the next read is right.
	StaleReads Kind = "stale-reads"
)

// Kinds lists every hostile target.
var Kinds = []Kind{BigField, BigBody, GzipBomb, Deep, HugeHeaders, OtherCase, StaleReads}

// Sizes of the hostile answers.
const (
	FieldSize = 3 << 20
	BodySize  = 4<<20 + 4<<10
	BombSize  = 1 << 30
	Depth     = 2_000_000

	HeaderCount = 40
	HeaderSize  = 65 << 10
)

// decoyID is the case OtherCase answers every read of another case with.
var decoyID = sfid.Make("500", 999_999)

// Server is a running hostile target.
type Server struct {
	*httptest.Server
	mu    sync.Mutex
	seq   int64
	cases map[string]map[string]any
	stale map[string]map[string]any // StaleReads: the state a case's next read answers
	fat   string                    // HugeHeaders: the value of each extra header
	tail  []byte                    // appended to every case object: `,"key":...}`
	bomb  []byte                    // the gzip bomb, compressed
	kind  Kind
	calm  int // requests answered as a plain Case API before turning hostile
	seen  int
}

// Start serves a target of the given kind on 127.0.0.1 until Close, hostile from its
// first answer.
func Start(kind Kind) (*Server, error) { return StartAfter(kind, 0) }

// StartAfter serves a target that answers its first calm requests as a plain Case API
// (so a run gets past its preflight) and is hostile from then on.
func StartAfter(kind Kind, calm int) (*Server, error) {
	s := &Server{kind: kind, cases: map[string]map[string]any{}, stale: map[string]map[string]any{}, calm: calm}
	switch kind {
	case HugeHeaders:
		s.fat = strings.Repeat("h", HeaderSize)
	case OtherCase:
		s.cases[decoyID] = map[string]any{"id": decoyID, "status": "Closed", "description": "another case"}
	case StaleReads:
	case BigField:
		s.tail = []byte(`,"hostile_notes":"` + strings.Repeat("n", FieldSize) + `"}`)
	case Deep:
		s.tail = []byte(`,"hostile_nesting":` + strings.Repeat("[", Depth) + strings.Repeat("]", Depth) + `}`)
	case BigBody:
		s.tail = []byte(`,"hostile_padding":"` + strings.Repeat("p", BodySize) + `"}`)
	case GzipBomb:
		bomb, err := Bomb(BombSize)
		if err != nil {
			return nil, err
		}
		s.bomb = bomb
	default:
		return nil, fmt.Errorf("unknown hostile target %q", kind)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// Bomb is gzip that inflates to a JSON object whose one string is about n bytes of
// zeros. It is built from gzip members (a reader joins them into one stream), so the
// zeros are compressed once, not n bytes at a time.
func Bomb(n int) ([]byte, error) {
	member := func(data []byte) ([]byte, error) {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return nil, err
		}
		zw.Write(data)
		if err := zw.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	head, err := member([]byte(`{"id":"` + sfid.Make("500", 1) + `","hostile_zeros":"`))
	if err != nil {
		return nil, err
	}
	const chunk = 1 << 20
	zeros, err := member(bytes.Repeat([]byte("0"), chunk))
	if err != nil {
		return nil, err
	}
	tail, err := member([]byte(`"}`))
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), head...)
	for written := 0; written < n; written += chunk {
		out = append(out, zeros...)
	}
	return append(out, tail...), nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	s.mu.Lock()
	s.seen++
	calm := s.seen <= s.calm
	s.mu.Unlock()
	if s.kind == HugeHeaders && !calm {
		for i := range HeaderCount {
			w.Header().Set(fmt.Sprintf("X-Hostile-%02d", i), s.fat)
		}
	}
	if s.kind == GzipBomb && !calm {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(s.bomb)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) == 0 || parts[0] != "incidents" {
		s.answer(w, http.StatusNotFound, map[string]any{"message": "not found"}, calm)
		return
	}
	var body map[string]any
	if r.Body != nil {
		json.NewDecoder(r.Body).Decode(&body)
	}
	switch {
	case len(parts) == 1 && r.Method == http.MethodPost:
		s.mu.Lock()
		s.seq++
		id := sfid.Make("500", s.seq)
		c := map[string]any{"id": id}
		for k, v := range body {
			if k != "id" {
				c[k] = v
			}
		}
		s.cases[id] = c
		s.mu.Unlock()
		w.Header().Set("Location", "/incidents/"+id)
		s.answer(w, http.StatusCreated, c, calm)
	case len(parts) == 2 && r.Method == http.MethodPatch && hasNull(body, "owner_id"):
		// a case always has an owner (the minimal Case API refuses to clear it)
		s.answer(w, http.StatusBadRequest, map[string]any{"message": "owner_id cannot be null"}, calm)
	case len(parts) == 2 && (r.Method == http.MethodGet || r.Method == http.MethodPatch):
		s.mu.Lock()
		c, ok := s.cases[parts[1]]
		if ok && r.Method == http.MethodPatch {
			if s.kind == StaleReads && !calm {
				s.stale[parts[1]] = maps.Clone(c)
			}
			for k, v := range body {
				if k != "id" {
					c[k] = v
				}
			}
		}
		if ok && r.Method == http.MethodGet && !calm {
			switch old, isStale := s.stale[parts[1]]; {
			case s.kind == StaleReads && isStale:
				c = old
				delete(s.stale, parts[1])
			case s.kind == OtherCase && parts[1] != decoyID:
				c = s.cases[decoyID]
			}
		}
		var copied map[string]any
		if ok {
			copied = maps.Clone(c)
		}
		s.mu.Unlock()
		if !ok {
			s.answer(w, http.StatusNotFound, map[string]any{"message": "no such case"}, calm)
			return
		}
		s.answer(w, http.StatusOK, copied, calm)
	case len(parts) == 3 && r.Method == http.MethodGet:
		s.answer(w, http.StatusOK, map[string]any{"records": []any{}}, calm)
	default:
		s.answer(w, http.StatusBadRequest, map[string]any{"message": "not supported"}, calm)
	}
}

func hasNull(body map[string]any, key string) bool {
	v, ok := body[key]
	return ok && v == nil
}

// answer writes obj with the hostile tail spliced in before its closing brace (unless
// the target is still calm).
func (s *Server) answer(w http.ResponseWriter, status int, obj map[string]any, calm bool) {
	b, _ := json.Marshal(obj)
	w.WriteHeader(status)
	if calm || len(s.tail) == 0 {
		w.Write(b)
		return
	}
	w.Write(b[:len(b)-1])
	if len(obj) == 0 {
		w.Write(s.tail[1:])
		return
	}
	w.Write(s.tail)
}
