package client

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stops collects what OnStop was told.
type stops struct {
	mu  sync.Mutex
	got []*StopError
}

func (s *stops) on(e *StopError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, e)
}

func (s *stops) all() []*StopError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*StopError(nil), s.got...)
}

func TestStopOnQuotaExceeded(t *testing.T) {
	_, base := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		if n < 3 {
			fmt.Fprint(w, `{"ok":true}`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`)
	})
	var st stops
	c, _ := newClient(t, Config{BaseURL: base, OnStop: st.on})
	for range 4 {
		_, err := c.Do(t.Context(), Request{Path: "/x"})
		require.NoError(t, err, "a 403 is an answer")
	}
	got := st.all()
	require.Len(t, got, 1, "OnStop is told once")
	assert.True(t, got[0].Quota)
	assert.Contains(t, got[0].Reason, "REQUEST_LIMIT_EXCEEDED (TotalRequests Limit exceeded.)")
	assert.Equal(t, got[0], c.Stopped())
}

func TestNoStopOnOtherForbidden(t *testing.T) {
	for _, body := range []string{`[{"message":"no","errorCode":"INSUFFICIENT_ACCESS"}]`, `{"errorCode":"REQUEST_LIMIT_EXCEEDED"}`, `REQUEST_LIMIT_EXCEEDED`} {
		_, base := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, body)
		})
		var st stops
		c, _ := newClient(t, Config{BaseURL: base, OnStop: st.on})
		_, err := c.Do(t.Context(), Request{Path: "/x"})
		require.NoError(t, err)
		assert.Empty(t, st.all(), body)
	}
}

func TestStopAfterTransportErrorsInARow(t *testing.T) {
	// A listener that accepts and closes at once: every request gets no answer.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	healthy := true
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			ok := healthy
			mu.Unlock()
			if ok {
				go func() {
					buf := make([]byte, 4096)
					conn.Read(buf)
					fmt.Fprint(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
					conn.Close()
				}()
				continue
			}
			conn.Close()
		}
	}()
	var st stops
	c, _ := newClient(t, Config{BaseURL: "http://" + ln.Addr().String(), OnStop: st.on, Timeout: 2 * time.Second})
	setHealthy := func(v bool) { mu.Lock(); healthy = v; mu.Unlock() }

	setHealthy(false)
	for range 4 {
		_, err := c.Do(t.Context(), Request{Path: "/x"})
		require.Error(t, err)
	}
	setHealthy(true)
	_, err = c.Do(t.Context(), Request{Path: "/x"})
	require.NoError(t, err)
	assert.Empty(t, st.all(), "an answer resets the count")

	setHealthy(false)
	for range DefaultStopAfter {
		_, err := c.Do(t.Context(), Request{Path: "/x"})
		require.Error(t, err)
	}
	got := st.all()
	require.Len(t, got, 1)
	assert.False(t, got[0].Quota)
	assert.Contains(t, got[0].Reason, "the target stopped answering: 5 requests in a row got no answer")
}

func TestCancelledRequestsDoNotCountAsNoAnswer(t *testing.T) {
	_, base := serve(t, nil)
	var st stops
	c, _ := newClient(t, Config{BaseURL: base, OnStop: st.on})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for range 10 {
		_, err := c.Do(ctx, Request{Path: "/x"})
		require.Error(t, err)
	}
	assert.Empty(t, st.all())
}

func TestRetryBudget(t *testing.T) {
	rec, base := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	var st stops
	// Budget 10s: each request waits 3s twice, so the second request spends 6s more than fits.
	c, waits := newClient(t, Config{BaseURL: base, Retries: 2, RetryBudget: 10 * time.Second, OnStop: st.on})
	ex, err := c.Do(t.Context(), Request{Path: "/x"})
	require.NoError(t, err)
	assert.Equal(t, 3, ex.Attempt)
	assert.Empty(t, st.all())

	ex, err = c.Do(t.Context(), Request{Path: "/x"})
	require.ErrorIs(t, err, ErrRetryBudget)
	assert.Equal(t, 429, ex.Status, "the last answer is returned")
	assert.Equal(t, 2, ex.Attempt, "one retry fitted the budget, the next did not")
	assert.Len(t, *waits, 3)
	assert.Len(t, rec.all(), 5)
	got := st.all()
	require.Len(t, got, 1)
	assert.Contains(t, got[0].Reason, "the target keeps asking to retry later")
	assert.Contains(t, got[0].Reason, "retry budget of 10s")
}

func TestRetryBudgetDefault(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", Timeout: 3 * time.Second})
	require.NoError(t, err)
	assert.Equal(t, 12*time.Second, c.cfg.RetryBudget)
	_, err = New(Config{BaseURL: "http://127.0.0.1:1", RetryBudget: -1})
	assert.Error(t, err)
}
