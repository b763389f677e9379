package cases

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
)

// The case pool: a run creates a few cases and lends them to its scenarios, one at a
// time, instead of creating a case per scenario. A case is lent in the state it was last
// read back in; a scenario whose precondition that state does not meet first brings the
// case to it (one PATCH, then the read-back that checks it). Scenarios that expect their
// one write to be refused share a case and one read-back after all their writes (a
// batch): a refused PATCH changes nothing, so when the shared read-back shows no change,
// none of them changed anything. When it shows a change, each member is judged again on
// a case of its own.
//
// The pool also bounds the requests in flight (slots), so that scenarios waiting for a
// batch or a case do not hold the target's capacity: the run keeps more scenarios going
// than requests in flight.

// State is a case as read back, with the exchange that read it: a scenario that
// starts from it keeps that exchange as the evidence of its precondition.
type State struct {
	Doc gjson.Result
	Ex  client.Exchange
}

// Case is one case of the pool. Its exported fields are read by the scenario it is
// lent to, and written by the pool only while no scenario holds it.
type Case struct {
	ID       string
	children bool           // created with one child of each nested kind
	Existing bool           // the --case-id case: fit for every scenario, never created
	fresh    bool           // created by the run and not read yet
	Setup    map[string]any // the body that last brought the case to a populated state
	busy     bool           // lent to a scenario or held by a batch
	retired  bool           // could not be brought to a precondition: never lent again
	// State is the case as it is now when Known: read after its last write.
	State     State
	Known     bool
	LastWrite time.Time
	// Unread is the body of an accepted PATCH of the last scenario that held the case that
	// no read has shown since: the next holder's first read checks for it, since behind a
	// cache that read shows the state before it (stale reads). Set by the holder before
	// it gives the case back.
	Unread map[string]any
	// UnreadRaw says the case took writes whose values are unknown (a body the harness
	// did not build, malformed JSON a target took; a batch's writes, which should all
	// have been refused): the next holder reads the case twice.
	UnreadRaw bool
}

// Batch is a case shared by scenarios that each send one write expected to be refused,
// and the one read-back after all of them.
type Batch struct {
	// ready is closed once the opener has a case for the batch (Case and Base set) or
	// failed to get one (Case nil): the members that joined meanwhile wait for it.
	ready   chan struct{}
	Case    *Case
	Base    State
	Since   time.Time      // the last write of Case before the batch
	Setup   map[string]any // the body that last brought Case to a populated state
	members int
	pending int // members that have not sent their write yet
	closed  bool
	reading bool
	done    chan struct{}
	// Set before done is closed.
	After   State
	Changed bool
	Err     error
}

// PoolConfig sizes a pool.
type PoolConfig struct {
	MaxCases  int // cases the run may create; 0 with CaseID
	InFlight  int // requests in flight at once
	BatchSize int // scenarios sharing one read-back; default InFlight
	CaseID    string
	// Rested keeps one case unwritten for the scenario that waits for its case to rest
	// (PATCH-AUDIT waits a second after the case's last write): that case has rested
	// since early in the run when the scenario comes.
	Rested bool
	// Adopt are cases already created with AdoptBody (the preflight's): lent first,
	// counted against MaxCases.
	Adopt     []string
	AdoptBody map[string]any
}

// Pool lends the cases of a run to its scenarios. It is safe for concurrent use.
type Pool struct {
	ctx       context.Context // the run's, for the batch read-backs no scenario owns
	env       *Env
	limit     int // cases the run may create
	reserve   int // of which kept for one case with children
	batchSize int
	slots     chan struct{}
	// populated is what a populated case reads back with a value: every readable field
	// of the populated body, less those the target did not keep when it created a case
	// with them (copy on write, read without mu).
	populated atomic.Pointer[[]fixtures.Field]
	rest      bool // park a case for a scenario that wants one at rest

	mu               sync.Mutex
	cases            []*Case
	created, general int // cases created (or being created), and of those without children
	creating         int // cases being created
	running, blocked int // scenarios started, and of those waiting for the pool
	open             *Batch
	wake             chan struct{} // closed and replaced whenever a waiter may proceed
	parked           *Case         // the case kept at rest, until a rested scenario takes it
	parkedOnce       bool
}

// NewPool returns the pool of a run. ctx bounds the read-backs of batches.
func NewPool(ctx context.Context, env *Env, cfg PoolConfig) *Pool {
	p := &Pool{
		ctx: ctx, env: env, limit: cfg.MaxCases, batchSize: cfg.BatchSize,
		slots: make(chan struct{}, max(cfg.InFlight, 1)), wake: make(chan struct{}),
	}
	fields := populatedFields(env.Profile)
	p.populated.Store(&fields)
	if p.batchSize < 1 {
		p.batchSize = max(cfg.InFlight, 1)
	}
	if len(env.Profile.Nested) > 0 && p.limit >= 2 {
		p.reserve = 1
	}
	p.rest = cfg.Rested && p.limit-p.reserve >= 3
	for _, id := range cfg.Adopt {
		p.cases = append(p.cases, &Case{ID: id, LastWrite: time.Now(), fresh: true, Setup: cfg.AdoptBody})
		p.created++
		p.general++
	}
	if cfg.CaseID != "" {
		p.limit, p.reserve = 0, 0
		p.cases = append(p.cases, &Case{ID: cfg.CaseID, Existing: true})
	}
	return p
}

// Slot waits for room for one more request in flight; release frees it.
func (p *Pool) Slot(ctx context.Context) (release func(), err error) {
	select {
	case p.slots <- struct{}{}:
		return func() { <-p.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Begin and end bracket a scenario: a batch is read back early when every scenario
// still running waits for the pool.
func (p *Pool) Begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running++
}

func (p *Pool) End() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running--
	p.checkIdle()
	p.signal()
}

// signal wakes every waiter; call with mu held.
func (p *Pool) signal() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// checkIdle closes the open batch when no running scenario could join it any more;
// call with mu held.
func (p *Pool) checkIdle() {
	if p.open != nil && p.blocked >= p.running {
		p.closeBatch(p.open)
	}
}

// block waits for a change of the pool (or ctx); call with mu held, returns with it held.
func (p *Pool) block(ctx context.Context) error {
	p.blocked++
	p.checkIdle()
	wake := p.wake
	p.mu.Unlock()
	var err error
	select {
	case <-wake:
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.mu.Lock()
	p.blocked--
	return err
}

// Want is what a scenario needs of its case.
type Want struct {
	Children bool
	// Set are values the populated body carries when the case is brought to the
	// precondition (or created).
	Set map[string]any
	// Accept names fields that must read back as one of the given values (an owner
	// other than the integration user, a time of day).
	Accept map[string][]any
	Rested bool // best a case that has not been written for a long time
}

// ErrNoChildCase: the run may create no case with children.
var ErrNoChildCase = errors.New("no case with children may be created (--max-cases is below 2)")

// errNoCase: every case the run may create was made and none can be used any more.
var errNoCase = errors.New("setup: every case the run may create (--max-cases) is used up: none could be brought back to a scenario's precondition")

// Acquire lends a free case fit for wt, best one whose known state already meets it.
// With no such case and room for one more, it returns create: the caller creates the
// case and hands it to added (or tells createFailed). Otherwise it waits.
func (p *Pool) Acquire(ctx context.Context, wt Want, fits func(gjson.Result) bool) (c *Case, create bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		var best *Case
		rank := 0
		usable := false
		for _, c := range p.cases {
			if c.retired || !c.Existing && c.children != wt.Children {
				continue
			}
			if c == p.parked && !wt.Rested {
				continue
			}
			usable = true
			if c.busy {
				continue
			}
			r := 1 // state unknown: read it first
			if c.Known {
				r = 2 // known, to be brought to the precondition
				if fits(c.State.Doc) {
					r = 3
				}
			}
			if c == p.parked {
				r = 4
			}
			if r > rank {
				best, rank = c, r
			}
		}
		if best != nil {
			best.busy = true
			if best == p.parked {
				p.parked = nil
			}
			return best, false, nil
		}
		switch {
		case wt.Children && p.created-p.general < p.reserve,
			!wt.Children && p.general < p.limit-p.reserve:
			p.created++
			p.creating++
			if !wt.Children {
				p.general++
			}
			return nil, true, nil
		case wt.Children && p.reserve == 0 && !usable:
			return nil, false, ErrNoChildCase
		case !usable && p.creating == 0:
			return nil, false, errNoCase
		}
		if err := p.block(ctx); err != nil {
			return nil, false, err
		}
	}
}

// isPopulated tells whether a read-back has a value in every field a populated case has.
func (p *Pool) isPopulated(doc gjson.Result) bool {
	for _, f := range *p.populated.Load() {
		if IsNull(doc.Get(f.Name)) {
			return false
		}
	}
	return true
}

// LearnUnkept reads the first read-back of a case the run created with the populated
// body: a field it reads back without is one the target does not keep (a profile field
// it does not know, say), and no case will ever have it; it is dropped from what a
// populated case must have, so that the pool does not refuse every case for it. The
// scenarios about such a field judge it themselves.
func (p *Pool) LearnUnkept(c *Case, doc gjson.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !c.fresh {
		return
	}
	c.fresh = false
	cur := *p.populated.Load()
	kept := slices.DeleteFunc(slices.Clone(cur), func(f fixtures.Field) bool { return IsNull(doc.Get(f.Name)) })
	if len(kept) < len(cur) {
		p.populated.Store(&kept)
	}
}

// Retire takes a lent case out of the pool for good.
func (p *Pool) Retire(c *Case) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.busy, c.retired = false, true
	p.signal()
}

// Added registers a case the caller created after acquire said create; it is lent to
// the caller.
func (p *Pool) Added(id string, children bool, body map[string]any) *Case {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := &Case{ID: id, children: children, busy: true, LastWrite: time.Now(), fresh: true, Setup: body}
	p.cases = append(p.cases, c)
	p.creating--
	return c
}

// CreateFailed gives back the room acquire reserved for a case that was not created.
func (p *Pool) CreateFailed(children bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.created--
	p.creating--
	if !children {
		p.general--
	}
	p.signal()
}

// Release returns a lent case with what the scenario knows of it.
func (p *Pool) Release(c *Case, st State, known bool, lastWrite time.Time, setup map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.busy, c.State, c.Known, c.Setup = false, st, known, setup
	if lastWrite.After(c.LastWrite) {
		c.LastWrite = lastWrite
	}
	if p.rest && !p.parkedOnce && !c.children && !c.Existing && known && p.isPopulated(st.Doc) {
		p.parked, p.parkedOnce = c, true
	}
	p.signal()
}

// Join adds a scenario to the open batch. With none open, it opens one and returns
// opener true: the caller leases a case for it and tells ready (or failed).
func (p *Pool) Join() (b *Batch, opener bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if b = p.open; b == nil {
		b = &Batch{ready: make(chan struct{}), done: make(chan struct{})}
		p.open, opener = b, true
	}
	b.members++
	b.pending++
	if b.members >= p.batchSize {
		p.closeBatch(b)
	}
	return b, opener
}

// Opened hands the batch the case its opener leased, in the known state st, last
// written at lastWrite.
func (p *Pool) Opened(b *Batch, c *Case, st State, lastWrite time.Time, setup map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b.Case, b.Base, b.Since, b.Setup = c, st, lastWrite, setup
	close(b.ready)
	p.maybeRead(b)
	p.signal()
}

// OpenFailed tells the members of a batch that its opener got no case; each then opens
// a batch of its own.
func (p *Pool) OpenFailed(b *Batch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b.pending--
	if p.open == b {
		p.open = nil
	}
	close(b.ready)
	p.signal()
}

// WhenReady waits until the opener of b has its case (false: it got none, and the caller
// left the batch).
func (p *Pool) WhenReady(ctx context.Context, b *Batch) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		select {
		case <-b.ready:
			if b.Case == nil {
				b.pending--
				return false, nil
			}
			return true, nil
		default:
		}
		if err := p.block(ctx); err != nil {
			b.pending--
			p.maybeRead(b)
			return false, err
		}
	}
}

// Wrote tells the batch that a member sent its write (or will send none).
func (p *Pool) Wrote(b *Batch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b.pending--
	p.maybeRead(b)
}

// closeBatch stops a batch taking members; call with mu held.
func (p *Pool) closeBatch(b *Batch) {
	b.closed = true
	if p.open == b {
		p.open = nil
	}
	p.maybeRead(b)
}

// maybeRead starts the read-back of a closed batch once every member has written;
// call with mu held.
func (p *Pool) maybeRead(b *Batch) {
	if b.closed && b.pending == 0 && !b.reading && b.Case != nil {
		b.reading = true
		go p.readBatch(b)
	}
}

// readBatch reads the case of a batch back after every member's write and compares it
// with the state the batch started from.
func (p *Pool) readBatch(b *Batch) {
	after, err := p.readState(p.ctx, b.Case.ID)
	changed := false
	if err == nil {
		changed = len(Differences(p.env.Profile, b.Base.Doc, after.Doc, nil)) > 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b.After, b.Changed, b.Err = after, changed, err
	b.Case.busy, b.Case.State, b.Case.Known, b.Case.Setup = false, after, err == nil, b.Setup
	if changed {
		// A member's write was taken: behind a cache this read may show the state
		// before the last of them, so the next holder reads the case anew, twice.
		b.Case.Known, b.Case.UnreadRaw = false, true
	}
	b.Case.LastWrite = time.Now()
	close(b.done)
	p.signal()
}

// readState reads a case with no scenario to record it (a batch's read-back).
func (p *Pool) readState(ctx context.Context, id string) (State, error) {
	release, err := p.Slot(ctx)
	if err != nil {
		return State{}, err
	}
	defer release()
	r, err := p.env.ReadCase(ctx, p.env.Client.Do, id)
	if err != nil {
		return State{Ex: r.Ex.Evidence(client.MaxEvidenceBody)}, err
	}
	if r.Other != "" {
		return State{Ex: r.Ex.Evidence(client.MaxEvidenceBody)}, errors.New("reading the shared case back: " + r.Fault)
	}
	if r.Fault != "" {
		return State{Ex: r.Ex.Evidence(client.MaxEvidenceBody)}, errors.New("reading the shared case back: expected 200 with a JSON object; observed " + r.Fault)
	}
	return StateOf(p.env.Profile, r.Ex), nil
}

// Wait waits for the read-back of a batch the caller wrote in.
func (p *Pool) Wait(ctx context.Context, b *Batch) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		select {
		case <-b.done:
			return nil
		default:
		}
		if err := p.block(ctx); err != nil {
			return err
		}
	}
}

// Differences names the readable fields of the profile whose read-backs a and b differ,
// leaving out skip and the fields linked to them.
func Differences(p *fixtures.Profile, a, b gjson.Result, skip map[string]bool) []fixtures.Field {
	var out []fixtures.Field
	ka, kb := KeyedOf(a), KeyedOf(b)
	for _, f := range p.Fields {
		if skip[f.Name] || !f.Readable() {
			continue
		}
		if !SameRead(p, f, ka.Get(f.Name), kb.Get(f.Name)) {
			out = append(out, f)
		}
	}
	return out
}
