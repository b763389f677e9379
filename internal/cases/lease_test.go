package cases

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
)

// A lease of a case of one's own: what the scenario knows of the case follows its reads
// and writes, and goes back to the pool with the case; a disruptive scenario's case is
// retired instead.
func TestLeaseOfACaseOfItsOwn(t *testing.T) {
	p := NewPool(context.Background(), &Env{Profile: fixtures.Default()}, PoolConfig{MaxCases: 4, InFlight: 2})
	l := NewLease(true, false)
	assert.True(t, l.Shared())
	l.Alone()
	assert.False(t, l.Shared(), "Alone keeps the scenario out of any batch")

	c := p.Added("case-1", false, map[string]any{"description": "x"})
	created := c.LastWrite
	l.Take(c)
	assert.Same(t, c, l.Held())
	_, known := l.State()
	assert.False(t, known, "a case just created has not been read")

	read := State{Doc: gjson.Parse(`{"description": "x"}`)}
	l.Read("another-case", read)
	_, known = l.State()
	assert.False(t, known, "a read of another case says nothing of the held one")
	l.Read("case-1", read)
	st, known := l.State()
	assert.True(t, known)
	assert.Equal(t, read.Doc.Raw, st.Doc.Raw)

	l.Wrote(p)
	_, known = l.State()
	assert.False(t, known, "after a write, the last read-back is no longer the case")
	assert.True(t, l.LastWrite().After(created) || l.LastWrite().Equal(created))
	wrote := l.LastWrite()

	l.Finish(p, false, map[string]any{"description": "y"})
	assert.Nil(t, l.Held())
	assert.False(t, c.busy || c.retired, "the case went back to the pool")
	assert.Equal(t, wrote, c.LastWrite)
	assert.Equal(t, map[string]any{"description": "y"}, c.Setup)

	d := p.Added("case-2", false, nil)
	l2 := NewLease(false, true)
	assert.True(t, l2.Rested())
	l2.Take(d)
	l2.Finish(p, true, nil)
	assert.True(t, d.retired, "a disruptive scenario's case is never lent again")
}

// A batch member tells the batch of its one write exactly once, whether it wrote, left
// the batch or ended without writing.
func TestLeaseInABatchCountsItsWriteOnce(t *testing.T) {
	p := NewPool(context.Background(), &Env{Profile: fixtures.Default()}, PoolConfig{MaxCases: 4, InFlight: 2})
	b, opener := p.Join()
	require.True(t, opener)
	_, opener = p.Join()
	require.False(t, opener)
	c := p.Added("case-1", false, nil)
	opening := NewLease(true, false)
	opening.Take(c)
	opening.Open(p, b, nil)
	assert.Nil(t, opening.Held(), "the batch holds the case")
	assert.Same(t, b, opening.Batch())
	joining := NewLease(true, false)
	joining.Join(b)
	assert.Equal(t, b.Since, joining.LastWrite())

	p.mu.Lock()
	before := b.pending
	p.mu.Unlock()
	opening.Wrote(p)
	opening.Wrote(p) // a second request of the member is not a second write
	opening.Finish(p, false, nil)
	p.mu.Lock()
	assert.Equal(t, before-1, b.pending)
	p.mu.Unlock()
}
