package cases

import "time"

// Lease is one scenario's hold on its case from the pool: a case lent to it alone, or a
// share of a batch (a case written by several scenarios that expect a refusal), with what
// the scenario knows of the case. The zero Lease holds nothing and may not share.
//
// A Lease is not safe for concurrent use: its scenario serialises the calls (the steps
// lock their world around Wrote, the one call a burst of requests makes at once).
type Lease struct {
	shared    bool // the scenario may join a batch
	rested    bool // the scenario waits until its case has not been written for a while
	held      *Case
	state     State     // the held case as last read back
	known     bool      // state is the held case as it is now
	lastWrite time.Time // of the case, as far as the scenario knows
	batch     *Batch
	pending   bool // a member of batch that has not written yet
}

// NewLease is the hold of a scenario that may share its case (shared) or waits for its
// case to rest (rested); it holds no case until Take or Join.
func NewLease(shared, rested bool) Lease { return Lease{shared: shared, rested: rested} }

// Shared says the scenario may join a batch.
func (l *Lease) Shared() bool { return l.shared }

// Alone keeps the scenario out of any batch from now on.
func (l *Lease) Alone() { l.shared = false }

// Rested says the scenario waits until its case has not been written for a while.
func (l *Lease) Rested() bool { return l.rested }

// Take holds c, lent to this scenario alone, as the pool knows it.
func (l *Lease) Take(c *Case) {
	l.held, l.lastWrite = c, c.LastWrite
	l.state, l.known = c.State, c.Known
}

// Held is the case lent to this scenario alone; nil when it holds none (or a share).
func (l *Lease) Held() *Case { return l.held }

// State is the held case as last read back, and whether that is the case as it is now.
func (l *Lease) State() (State, bool) { return l.state, l.known }

// Drop lets go of the held case without giving it back (the pool has retired it).
func (l *Lease) Drop() { l.held = nil }

// LastWrite is when the case was last written, as far as the scenario knows.
func (l *Lease) LastWrite() time.Time { return l.lastWrite }

// Open hands the held case to batch b, which this scenario opened and is a member of.
func (l *Lease) Open(p *Pool, b *Batch, setup map[string]any) {
	p.Opened(b, l.held, l.state, l.lastWrite, setup)
	l.held = nil // the batch holds the case now
	l.batch, l.pending = b, true
}

// Join makes the scenario a member of batch b, whose case is ready.
func (l *Lease) Join(b *Batch) {
	l.lastWrite = b.Since
	l.batch, l.pending = b, true
}

// Batch is the batch the scenario is a member of; nil when it is in none.
func (l *Lease) Batch() *Batch { return l.batch }

// LeaveBatch ends the scenario's membership (its write is to be sent again alone).
func (l *Lease) LeaveBatch() { l.batch = nil }

// Wrote notes a request that may have changed the case: a batch member's one write,
// or the end of what the scenario knows of its own case.
func (l *Lease) Wrote(p *Pool) {
	if l.batch != nil {
		l.Written(p)
		return
	}
	l.known, l.lastWrite = false, time.Now()
}

// Written tells the batch that this member has sent its write (or never will), once.
func (l *Lease) Written(p *Pool) {
	if l.batch != nil && l.pending {
		l.pending = false
		p.Wrote(l.batch)
	}
}

// Read records a read-back of case id as the held case's known state.
func (l *Lease) Read(id string, st State) {
	if l.held != nil && id == l.held.ID && l.batch == nil {
		l.state, l.known = st, true
	}
}

// Finish gives the case back to the pool once the scenario ended, with the body that
// last brought it to a populated state (setup); a disruptive scenario's case is retired
// instead, unless it is the --case-id case.
func (l *Lease) Finish(p *Pool, disruptive bool, setup map[string]any) {
	l.Written(p)
	switch {
	case l.held != nil && disruptive && !l.held.Existing:
		p.Retire(l.held) // what the scenario did to it must not reach another scenario
	case l.held != nil:
		p.Release(l.held, l.state, l.known, l.lastWrite, setup)
	}
	l.held = nil
}
