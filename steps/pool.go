package steps

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	messages "github.com/cucumber/messages/go/v34"
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

// caseState is a case as read back, with the exchange that read it: a scenario that
// starts from it keeps that exchange as the evidence of its precondition.
type caseState struct {
	doc gjson.Result
	ex  client.Exchange
}

// pooled is one case of the pool.
type pooled struct {
	id       string
	children bool           // created with one child of each nested kind
	existing bool           // the --case-id case: fit for every scenario, never created
	fresh    bool           // created by the run and not read yet
	setup    map[string]any // the body that last brought the case to a populated state
	busy     bool           // lent to a scenario or held by a batch
	retired  bool           // could not be brought to a precondition: never lent again
	// state is the case as it is now when known: read after its last write.
	state     caseState
	known     bool
	lastWrite time.Time
}

// batch is a case shared by scenarios that each send one write expected to be refused,
// and the one read-back after all of them.
type batch struct {
	// ready is closed once the opener has a case for the batch (c and base set) or
	// failed to get one (c nil): the members that joined meanwhile wait for it.
	ready   chan struct{}
	c       *pooled
	base    caseState
	since   time.Time      // the last write of c before the batch
	setup   map[string]any // the body that last brought c to a populated state
	members int
	pending int // members that have not sent their write yet
	closed  bool
	reading bool
	done    chan struct{}
	// Set before done is closed.
	after   caseState
	changed bool
	err     error
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
	cases            []*pooled
	created, general int // cases created (or being created), and of those without children
	creating         int // cases being created
	running, blocked int // scenarios started, and of those waiting for the pool
	open             *batch
	wake             chan struct{} // closed and replaced whenever a waiter may proceed
	parked           *pooled       // the case kept at rest, until a rested scenario takes it
	parkedOnce       bool
}

// NewPool returns the pool of a run. ctx bounds the read-backs of batches.
func NewPool(ctx context.Context, env *Env, cfg PoolConfig) *Pool {
	p := &Pool{
		ctx: ctx, env: env, limit: cfg.MaxCases, batchSize: cfg.BatchSize,
		slots: make(chan struct{}, max(cfg.InFlight, 1)), wake: make(chan struct{}),
	}
	fields := populatedFields(env)
	p.populated.Store(&fields)
	if p.batchSize < 1 {
		p.batchSize = max(cfg.InFlight, 1)
	}
	if len(env.Profile.Nested) > 0 && p.limit >= 2 {
		p.reserve = 1
	}
	p.rest = cfg.Rested && p.limit-p.reserve >= 3
	for _, id := range cfg.Adopt {
		p.cases = append(p.cases, &pooled{id: id, lastWrite: time.Now(), fresh: true, setup: cfg.AdoptBody})
		p.created++
		p.general++
	}
	if cfg.CaseID != "" {
		p.limit, p.reserve = 0, 0
		p.cases = append(p.cases, &pooled{id: cfg.CaseID, existing: true})
	}
	return p
}

// slot waits for room for one more request in flight; release frees it.
func (p *Pool) slot(ctx context.Context) (release func(), err error) {
	select {
	case p.slots <- struct{}{}:
		return func() { <-p.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// begin and end bracket a scenario: a batch is read back early when every scenario
// still running waits for the pool.
func (p *Pool) begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running++
}

func (p *Pool) end() {
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

// want is what a scenario needs of its case.
type want struct {
	children bool
	// set are values the populated body carries when the case is brought to the
	// precondition (or created).
	set map[string]any
	// accept names fields that must read back as one of the given values (an owner
	// other than the integration user, a time of day).
	accept map[string][]any
	rested bool // best a case that has not been written for a long time
}

// errNoChildCase: the run may create no case with children.
var errNoChildCase = errors.New("no case with children may be created (--max-cases is below 2)")

// errNoCase: every case the run may create was made and none can be used any more.
var errNoCase = errors.New("setup: every case the run may create (--max-cases) is used up: none could be brought back to a scenario's precondition")

// acquire lends a free case fit for wt, best one whose known state already meets it.
// With no such case and room for one more, it returns create: the caller creates the
// case and hands it to added (or tells createFailed). Otherwise it waits.
func (p *Pool) acquire(ctx context.Context, wt want, fits func(gjson.Result) bool) (c *pooled, create bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		var best *pooled
		rank := 0
		usable := false
		for _, c := range p.cases {
			if c.retired || !c.existing && c.children != wt.children {
				continue
			}
			if c == p.parked && !wt.rested {
				continue
			}
			usable = true
			if c.busy {
				continue
			}
			r := 1 // state unknown: read it first
			if c.known {
				r = 2 // known, to be brought to the precondition
				if fits(c.state.doc) {
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
		case wt.children && p.created-p.general < p.reserve,
			!wt.children && p.general < p.limit-p.reserve:
			p.created++
			p.creating++
			if !wt.children {
				p.general++
			}
			return nil, true, nil
		case wt.children && p.reserve == 0 && !usable:
			return nil, false, errNoChildCase
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
		if isNull(doc.Get(f.Name)) {
			return false
		}
	}
	return true
}

// learnUnkept reads the first read-back of a case the run created with the populated
// body: a field it reads back without is one the target does not keep (a profile field
// it does not know, say), and no case will ever have it; it is dropped from what a
// populated case must have, so that the pool does not refuse every case for it. The
// scenarios about such a field judge it themselves.
func (p *Pool) learnUnkept(c *pooled, doc gjson.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !c.fresh {
		return
	}
	c.fresh = false
	cur := *p.populated.Load()
	kept := slices.DeleteFunc(slices.Clone(cur), func(f fixtures.Field) bool { return isNull(doc.Get(f.Name)) })
	if len(kept) < len(cur) {
		p.populated.Store(&kept)
	}
}

// retire takes a lent case out of the pool for good.
func (p *Pool) retire(c *pooled) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.busy, c.retired = false, true
	p.signal()
}

// added registers a case the caller created after acquire said create; it is lent to
// the caller.
func (p *Pool) added(id string, children bool, body map[string]any) *pooled {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := &pooled{id: id, children: children, busy: true, lastWrite: time.Now(), fresh: true, setup: body}
	p.cases = append(p.cases, c)
	p.creating--
	return c
}

// createFailed gives back the room acquire reserved for a case that was not created.
func (p *Pool) createFailed(children bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.created--
	p.creating--
	if !children {
		p.general--
	}
	p.signal()
}

// release returns a lent case with what the scenario knows of it.
func (p *Pool) release(c *pooled, st caseState, known bool, lastWrite time.Time, setup map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.busy, c.state, c.known, c.setup = false, st, known, setup
	if lastWrite.After(c.lastWrite) {
		c.lastWrite = lastWrite
	}
	if p.rest && !p.parkedOnce && !c.children && !c.existing && known && p.isPopulated(st.doc) {
		p.parked, p.parkedOnce = c, true
	}
	p.signal()
}

// join adds a scenario to the open batch. With none open, it opens one and returns
// opener true: the caller leases a case for it and tells ready (or failed).
func (p *Pool) join() (b *batch, opener bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if b = p.open; b == nil {
		b = &batch{ready: make(chan struct{}), done: make(chan struct{})}
		p.open, opener = b, true
	}
	b.members++
	b.pending++
	if b.members >= p.batchSize {
		p.closeBatch(b)
	}
	return b, opener
}

// opened hands the batch the case its opener leased, in the known state st, last
// written at lastWrite.
func (p *Pool) opened(b *batch, c *pooled, st caseState, lastWrite time.Time, setup map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b.c, b.base, b.since, b.setup = c, st, lastWrite, setup
	close(b.ready)
	p.maybeRead(b)
	p.signal()
}

// openFailed tells the members of a batch that its opener got no case; each then opens
// a batch of its own.
func (p *Pool) openFailed(b *batch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b.pending--
	if p.open == b {
		p.open = nil
	}
	close(b.ready)
	p.signal()
}

// whenReady waits until the opener of b has its case (false: it got none, and the caller
// left the batch).
func (p *Pool) whenReady(ctx context.Context, b *batch) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		select {
		case <-b.ready:
			if b.c == nil {
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

// wrote tells the batch that a member sent its write (or will send none).
func (p *Pool) wrote(b *batch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b.pending--
	p.maybeRead(b)
}

// closeBatch stops a batch taking members; call with mu held.
func (p *Pool) closeBatch(b *batch) {
	b.closed = true
	if p.open == b {
		p.open = nil
	}
	p.maybeRead(b)
}

// maybeRead starts the read-back of a closed batch once every member has written;
// call with mu held.
func (p *Pool) maybeRead(b *batch) {
	if b.closed && b.pending == 0 && !b.reading && b.c != nil {
		b.reading = true
		go p.readBatch(b)
	}
}

// readBatch reads the case of a batch back after every member's write and compares it
// with the state the batch started from.
func (p *Pool) readBatch(b *batch) {
	after, err := p.readState(p.ctx, b.c.id)
	changed := false
	if err == nil {
		changed = len(p.env.differences(b.base.doc, after.doc, nil)) > 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b.after, b.changed, b.err = after, changed, err
	b.c.busy, b.c.state, b.c.known, b.c.setup = false, after, err == nil, b.setup
	b.c.lastWrite = time.Now()
	close(b.done)
	p.signal()
}

// readState reads a case with no scenario to record it (a batch's read-back).
func (p *Pool) readState(ctx context.Context, id string) (caseState, error) {
	release, err := p.slot(ctx)
	if err != nil {
		return caseState{}, err
	}
	defer release()
	ex, err := p.env.Client.Do(ctx, client.Request{Method: http.MethodGet, Path: fixtures.Path(p.env.Profile.Paths.Read, id)})
	st := caseState{ex: ex.Evidence(client.MaxEvidenceBody)}
	if err != nil {
		return st, err
	}
	if ReadFault(ex) != "" {
		return st, errors.New("reading the shared case back: expected 200 with a JSON object; observed " + ex.Summary())
	}
	st.doc = ex.JSON()
	return st, nil
}

// wait waits for the read-back of a batch the caller wrote in.
func (p *Pool) wait(ctx context.Context, b *batch) error {
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

// differences names the readable fields of the profile whose read-backs a and b differ,
// leaving out skip and the fields linked to them.
func (env *Env) differences(a, b gjson.Result, skip map[string]bool) []fixtures.Field {
	var out []fixtures.Field
	for _, f := range env.Profile.Fields {
		if skip[f.Name] || !f.Readable() {
			continue
		}
		if !sameRead(env.Profile, f, a.Get(f.Name), b.Get(f.Name)) {
			out = append(out, f)
		}
	}
	return out
}

// phraseRested is the step after which a scenario waits for its case to rest.
const phraseRested = "a second has passed since the case was written"

// WantsRestedCase tells from a scenario's steps whether it waits for its case to rest.
func WantsRestedCase(steps []*messages.PickleStep) bool {
	return slices.ContainsFunc(steps, func(st *messages.PickleStep) bool { return st.Text == phraseRested })
}

// sharedThens are the Then steps of a scenario that expects its one write to be refused
// (and, for some, to change nothing): such scenarios may share a case and a read-back.
var sharedThens = map[string]bool{
	"the PATCH is refused with 400":                              true,
	"the PATCH is refused with a 4xx":                            true,
	"the answer is 401":                                          true,
	"the answer is 401 with a WWW-Authenticate Bearer challenge": true,
	"the answer is 415 or 400":                                   true,
	"the answer is a 4xx JSON error with a message":              true,
	"every field reads back unchanged":                           true,
}

// Shareable tells from a scenario's steps whether it may join a batch: it starts from a
// populated case (its one Given), writes once (its one When), and its Thens only expect
// a refusal and no change.
func Shareable(steps []*messages.PickleStep) bool {
	var given, when, then int
	for _, st := range steps {
		switch st.Type {
		case messages.PickleStepType_CONTEXT:
			if st.Text != "a case with every field populated" {
				return false
			}
			given++
		case messages.PickleStepType_ACTION:
			when++
		case messages.PickleStepType_OUTCOME:
			if !sharedThens[st.Text] {
				return false
			}
			then++
		default:
			return false
		}
	}
	return given == 1 && when == 1 && then > 0
}
