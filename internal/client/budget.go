package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// DefaultBodyBudget is the default Config.BodyBudget: 8 answers of the default cap
// read at once.
const DefaultBodyBudget = 8 * DefaultMaxBody

// errBodyBudget is an answer whose body was not read in time because the run-wide body
// budget was taken by other answers being read.
var errBodyBudget = errors.New("body budget")

// bodyBudget bounds the bytes of the answers being read at once, over every request of
// the client: without it, memory grows with --concurrency times the body cap (32 answers
// of 3 MiB, each read into chunks and copied once, took over 300 MB). An answer of at most
// one chunk (every Case API answer seen so far) is read without asking it; a longer one
// waits for room for what it may still hold (its Content-Length, else the body cap)
// before it reads on. Only an answer already past its first chunk holds room, and it
// gives it back once read: an answer waiting for room holds none, so the wait always ends.
type bodyBudget struct {
	sem  *semaphore.Weighted
	size int64
	// held and peak are the room taken now and at most so far (for tests).
	held, peak atomic.Int64
}

// take waits for n bytes of room (ctx bounds the wait); give gives them back.
func (b *bodyBudget) take(ctx context.Context, n int64) error {
	if err := b.sem.Acquire(ctx, n); err != nil {
		return err
	}
	now := b.held.Add(n)
	for p := b.peak.Load(); now > p && !b.peak.CompareAndSwap(p, now); p = b.peak.Load() {
	}
	return nil
}

func (b *bodyBudget) give(n int64) {
	b.held.Add(-n)
	b.sem.Release(n)
}

func newBodyBudget(size int64) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(size), size: size}
}

// readBody reads at most max bytes of the answer (after the transport's transparent
// gzip decoding, so a gzip bomb stops at max too) into one string of its exact size: sized
// up front from Content-Length when the target gives one, else read in pooled chunks and
// copied once, so a body of megabytes is never grown by doubling (which allocated about
// three times its size for every answer). tooLarge says the answer had more. A body
// longer than one chunk first waits for room in the run-wide body budget (ctx bounds the
// wait); release gives the room back, once the caller is done with the full body.
func (c *Client) readBody(ctx context.Context, resp *http.Response) (body string, tooLarge bool, release func(), err error) {
	max := c.cfg.MaxBody
	release = func() {}
	limited := io.LimitReader(resp.Body, max)
	first := bodyChunks.Get().(*[bodyChunk]byte)
	n, err := fill(limited, first[:])
	if err != nil || n < bodyChunk {
		body = string(first[:n])
		bodyChunks.Put(first)
		if err == nil && int64(n) == max {
			tooLarge = moreThan(resp.Body)
		}
		return body, tooLarge, release, err
	}
	need := max
	if resp.ContentLength > 0 {
		need = min(resp.ContentLength, max)
	}
	need = min(need, c.budget.size)
	if err := c.budget.take(ctx, need); err != nil {
		bodyChunks.Put(first)
		return "", false, release, fmt.Errorf("%w: %w", errBodyBudget, err)
	}
	release = func() { c.budget.give(need) }
	var b strings.Builder
	if resp.ContentLength > 0 {
		b.Grow(int(min(resp.ContentLength, max)))
		b.Write(first[:])
		bodyChunks.Put(first)
		_, err = io.Copy(&b, limited)
	} else {
		err = readChunked(&b, first, limited)
	}
	if err != nil || int64(b.Len()) < max {
		return b.String(), false, release, err
	}
	return b.String(), moreThan(resp.Body), release, nil
}

// fill reads r into buf until buf is full or r ends (err nil) or fails. Unlike
// io.ReadFull it tells an answer cut short (the body's io.ErrUnexpectedEOF) from one that
// is only shorter than buf.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// moreThan says r has one more byte: the answer goes on past the cap.
func moreThan(r io.Reader) bool {
	var one [1]byte
	n, _ := io.ReadFull(r, one[:])
	return n > 0
}
