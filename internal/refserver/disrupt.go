package refserver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
)

// The faults of a target that one abusive request breaks beyond its own case: the harness
// runs such requests last, with a health probe after each (requirements.md, "Disruptive
// scenarios"), and must name the request that broke the target.
//
//   - deep-json-poisons behaves like json-server 0.17: a PATCH whose body nests deeper
//     than poisonDepth is stored (200), and from then on every write answers 500
//     "RangeError: Maximum call stack size exceeded" (json-server cannot serialise its
//     database any more) until that case is written again.
//   - abuse-breaks-for-good: after a body over 1 MiB, every request answers 500.

// poisonDepth is the nesting json-server's serialiser no longer survives (well under the
// 10000 of the REQ-NO-5XX abuse, well over anything a case holds).
const poisonDepth = 1000

// breakage is what an abuse did to the server.
type breakage struct {
	mu       sync.Mutex
	poisoned string // the case whose stored body breaks every write (deep-json-poisons)
	dead     bool   // every request fails (abuse-breaks-for-good)
}

var (
	errRangeError = &apiError{status: http.StatusInternalServerError, code: "INTERNAL_ERROR", msg: "RangeError: Maximum call stack size exceeded"}
	errBroken     = &apiError{status: http.StatusInternalServerError, code: "INTERNAL_ERROR", msg: "the server is broken since it was sent a body over 1 MiB"}
)

// disrupted answers a request the way a server an abuse broke does: handled is true when
// it answered (or failed) the request itself.
func (s *Server) disrupted(ctx context.Context, w http.ResponseWriter, r *http.Request, what, rawID string) (handled bool, err error) {
	b := &s.broken
	b.mu.Lock()
	dead, poisoned := b.dead, b.poisoned
	b.mu.Unlock()
	if dead {
		return true, errBroken
	}
	if !s.faults.on("deep-json-poisons") || r.Method == http.MethodGet {
		return false, nil
	}
	if what == "item" && r.Method == http.MethodPatch {
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			return false, nil // readObject answers it
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
		ref, err := s.caseRef(rawID)
		if err != nil {
			return true, err
		}
		if jsonDepth(data) > poisonDepth {
			rec, err := s.load(ctx, s.st.pool(), ref)
			if err != nil {
				return true, err
			}
			b.mu.Lock()
			b.poisoned = rec[colID].(string)
			b.mu.Unlock()
			s.updated(w, rec)
			return true, nil
		}
		if rec, err := s.load(ctx, s.st.pool(), ref); poisoned != "" && err == nil && rec[colID] == poisoned {
			b.mu.Lock()
			b.poisoned = "" // the case is rewritten: the database serialises again
			b.mu.Unlock()
			return false, nil
		}
	}
	if poisoned != "" {
		return true, errRangeError
	}
	return false, nil
}

// tooLarge is told of a body over maxBody.
func (s *Server) tooLarge() {
	if s.faults.on("abuse-breaks-for-good") {
		s.broken.mu.Lock()
		s.broken.dead = true
		s.broken.mu.Unlock()
	}
}

// jsonDepth is the deepest nesting of arrays and objects in data (strings skipped).
func jsonDepth(data []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}
