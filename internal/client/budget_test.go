package client

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Long answers read at once never hold more than the run-wide body budget, whatever the
// number of requests in flight, and every one of them is read whole (an answer waiting
// for room holds none, so the wait ends); short answers never wait for it.
func TestBodyBudgetBoundsAnswersReadAtOnce(t *testing.T) {
	const size = 320 << 10
	long := strings.Repeat("x", size)
	_, base := serve(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if strings.HasSuffix(r.URL.Path, "/short") {
			w.Write([]byte(`{"id":"a"}`))
			return
		}
		if strings.HasSuffix(r.URL.Path, "/sized") {
			w.Header().Set("Content-Length", "327680")
		}
		for i := 0; i < size; i += 32 << 10 { // in pieces, so that reads overlap
			w.Write([]byte(long[i : i+32<<10]))
			w.(http.Flusher).Flush()
			time.Sleep(time.Millisecond)
		}
	})
	c, _ := newClient(t, Config{BaseURL: base, Timeout: 10 * time.Second, MaxBody: 1 << 20, BodyBudget: 1 << 20})
	var wg sync.WaitGroup
	for i := range 24 {
		path := []string{"/long", "/sized", "/short"}[i%3]
		wg.Go(func() {
			ex, err := c.Do(t.Context(), Request{Path: path})
			assert.NoError(t, err)
			if path != "/short" {
				assert.Len(t, ex.ResponseBody, size)
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, c.budget.peak.Load(), int64(1<<20))
	assert.Positive(t, c.budget.peak.Load(), "long answers took room")
	assert.Zero(t, c.budget.held.Load(), "every answer gave its room back")
}

// A long answer that finds no room in the budget within the attempt's timeout is a
// transport error that says why, not "no answer".
func TestBodyBudgetWaitNamesTheBudget(t *testing.T) {
	_, base := serve(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Write([]byte(strings.Repeat("x", 200<<10)))
	})
	c, _ := newClient(t, Config{BaseURL: base, Timeout: 300 * time.Millisecond, BodyBudget: 1 << 20})
	require.NoError(t, c.budget.take(t.Context(), 1<<20)) // another answer holds it all
	_, err := c.Do(t.Context(), Request{Path: "/x"})
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Contains(t, te.Reason, "run-wide budget of 1048576 bytes for answers being read")
	c.budget.give(1 << 20)
	ex, err := c.Do(t.Context(), Request{Path: "/x"})
	require.NoError(t, err)
	assert.Len(t, ex.ResponseBody, 200<<10)
}
