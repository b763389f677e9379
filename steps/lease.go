package steps

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
)

// How a scenario gets its case from the pool (internal/cases): the world's side.

// casePool is the run's pool; an Env built without one (tests) gets a default pool.
func (env *Env) casePool() *cases.Pool {
	env.poolOnce.Do(func() {
		if env.Pool == nil {
			env.Pool = cases.NewPool(context.Background(), &env.Env, cases.PoolConfig{MaxCases: cases.DefaultMaxCases(cases.DefaultInFlight), InFlight: cases.DefaultInFlight, CaseID: env.CaseID})
		}
	})
	return env.Pool
}

// takeCase gives the scenario a case fit for wt: a share of a batch when the scenario
// only expects its write to be refused, else a case of its own.
func (w *World) takeCase(ctx context.Context, wt cases.Want) error {
	wt.Rested = w.hold.Rested()
	if w.hold.Shared() && !wt.Children && len(wt.Set) == 0 {
		return w.joinBatch(ctx)
	}
	return w.lease(ctx, wt)
}

// unmet names what a case's read-back lacks of wt: a populated field that is null or
// absent, or a field that does not read back as one of the values it must have.
func (w *World) unmet(doc gjson.Result, wt cases.Want) []string {
	var out []string
	keyed := cases.KeyedOf(doc)
	for _, f := range w.env.casePool().Populated() {
		if got := keyed.Get(f.Name); cases.IsNull(got) {
			out = append(out, f.Name+" is "+shown(got))
		}
	}
	for name, values := range wt.Accept {
		f, _ := w.env.Profile.Field(name)
		got := doc.Get(name)
		if !slices.ContainsFunc(values, func(v any) bool { return matchesSent(w.env.Profile, f, v, got) }) {
			out = append(out, fmt.Sprintf("%s is %s, not %s", name, shown(got), jsonText(values)))
		}
	}
	slices.Sort(out)
	return out
}

// lease borrows a case of its own from the pool (creating one when the pool may) and
// brings it to wt: when its known state does not meet wt, one PATCH of the populated
// body (with wt's values) and the read-back that checks it.
func (w *World) lease(ctx context.Context, wt cases.Want) error {
	pool := w.env.casePool()
	fits := func(doc gjson.Result) bool { return len(w.unmet(doc, wt)) == 0 }
	for {
		c, create, err := pool.Acquire(ctx, wt, fits)
		if err != nil {
			if err == cases.ErrNoChildCase {
				return w.skip("%v", err)
			}
			return err
		}
		w.setup = nil
		if create {
			id, err := w.createCase(ctx, wt)
			if err != nil {
				pool.CreateFailed(wt.Children)
				return err
			}
			c = pool.Added(id, wt.Children, w.setup)
		}
		err = w.prepare(ctx, c, wt)
		if err == nil {
			break
		}
		var unfit *unfitError
		if !errors.As(err, &unfit) || create || c.Existing {
			return err
		}
		// A case the target will not bring back (a write it drops, say) is no use to
		// any scenario: take another one, a fresh one if need be.
		pool.Retire(c)
		w.hold.Drop()
	}
	st, _ := w.hold.State()
	w.before = st.Doc
	w.setupFrom(w.hold.Held().Setup, wt)
	if wt.Children {
		// The children's baseline: on a case the run created, one of each kind the
		// profile has a sample of; on an existing case, whatever it has (a PATCH must
		// not create any either).
		var err error
		if w.children, err = w.readChildren(ctx); err != nil {
			return err
		}
		return w.childrenHeld()
	}
	return nil
}

// setupFrom sets what the scenario's preconditions are checked against (w.setup, see
// precondition.go) on a lent case: the body that last brought the case to a populated
// state (at its creation or since), unless the scenario sent one itself; a field wt
// asks to be one of several values is the value the case reads back as.
func (w *World) setupFrom(body map[string]any, wt cases.Want) {
	if w.setup == nil {
		w.setup = maps.Clone(body)
	}
	if w.setup == nil {
		w.setup = map[string]any{}
	}
	for name := range wt.Accept {
		w.setup[name] = w.before.Get(name).Value()
	}
}

// prepare takes c as the scenario's case and brings it to wt.
func (w *World) prepare(ctx context.Context, c *cases.Case, wt cases.Want) error {
	w.hold.Take(c)
	w.caseID = c.ID
	if st, known := w.hold.State(); known {
		w.keep(st.Ex)
	} else {
		doc, err := w.readCase(ctx)
		if err != nil {
			return err
		}
		if c.UnreadRaw || len(w.unappliedOf(doc, c.Unread)) > 0 {
			// The last holder's accepted write does not show: read once more (readBack), so
			// that the scenario starts from the case as it is, not as a cache kept it.
			if _, err := w.readCase(ctx); err != nil {
				return err
			}
		}
	}
	c.Unread, c.UnreadRaw = nil, false
	st, _ := w.hold.State()
	w.env.casePool().LearnUnkept(c, st.Doc)
	if len(w.unmet(st.Doc, wt)) > 0 {
		return w.bringTo(ctx, wt)
	}
	return nil
}

// unfitError: a case could not be brought to a scenario's precondition.
type unfitError struct{ error }

func (e *unfitError) Unwrap() error { return e.error }

// bringTo sends the populated body with wt's values and checks the read-back meets wt.
func (w *World) bringTo(ctx context.Context, wt cases.Want) error {
	body := w.populatedWith(wt)
	if w.env.CaseID != "" {
		for _, f := range w.env.Profile.Fields {
			if _, ok := w.env.WriteOnlyRestore[f.Name]; !f.Readable() && !ok {
				delete(body, f.Name) // never sent: it could not be put back (see unrestorable)
			}
		}
	}
	w.setup = body
	// A setup write refused as locked is sent again, as the scenarios' own are on a
	// platform that refuses so (salesforce.md): the case is not unfit for it.
	ex, err := w.throughLocks(ctx, w.env.Profile.Host(), func() (client.Exchange, error) {
		return w.do(ctx, client.Request{Method: http.MethodPatch, Path: w.updatePath(), JSON: body})
	})
	if err != nil {
		return err
	}
	if ex.Status/100 != 2 {
		return &unfitError{w.cannotJudge("setup: bringing case %s to the scenario's precondition was refused: %s", w.caseID, ex.Summary())}
	}
	doc, err := w.readCase(ctx)
	if err != nil {
		return err
	}
	if len(w.unmet(doc, wt)) > 0 || len(w.unappliedOf(doc, body)) > 0 {
		// Read once more before giving the case up, or before taking as its state a read
		// that does not show the write just accepted, as a read-back after a scenario's
		// PATCH is (readBack): behind a cache the first read shows the state before the
		// write, and a case given up for it would be the run's cases used up one by one.
		if doc, err = w.readCase(ctx); err != nil {
			return err
		}
	}
	if unmet := w.unmet(doc, wt); len(unmet) > 0 {
		return &unfitError{w.cannotJudge("setup: case %s does not read back as the precondition needs after a PATCH of the populated body: %s", w.caseID, strings.Join(unmet, "; "))}
	}
	return nil
}

// joinBatch shares the open batch's case, or opens a batch on a case of its own.
func (w *World) joinBatch(ctx context.Context) error {
	pool := w.env.casePool()
	for {
		b, opener := pool.Join()
		if opener {
			if err := w.lease(ctx, cases.Want{}); err != nil {
				pool.OpenFailed(b)
				return err
			}
			w.hold.Open(pool, b, w.setup)
			return nil
		}
		ok, err := pool.WhenReady(ctx, b)
		if err != nil {
			return err
		}
		if ok {
			w.caseID, w.before = b.Case.ID, b.Base.Doc
			w.setup = maps.Clone(b.Setup)
			w.keep(b.Base.Ex)
			w.hold.Join(b)
			return nil
		}
	}
}

// noteWrite keeps track of a request that may change the case: a batch member's one
// write, or the end of what the scenario knows of its own case.
func (w *World) noteWrite(req client.Request) {
	if req.Method == http.MethodGet {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hold.Wrote(w.env.casePool())
}

// noteRead records a read-back of the scenario's own case as its known state.
func (w *World) noteRead(id string, st cases.State) {
	if w.accepted && len(w.unappliedOf(st.Doc, w.sent)) > 0 {
		// A read that does not show the write the target took may be a cache's: the
		// case's state stays unknown, and its next holder reads it (Case.Unread).
		return
	}
	w.hold.Read(id, st)
}

// batchAfter is the read-back of a batch member: the batch's shared one when it shows
// no change; otherwise the scenario's write is sent again on a case of its own and read
// back alone, since the change may be another member's.
func (w *World) batchAfter(ctx context.Context) (gjson.Result, error) {
	b, pool := w.hold.Batch(), w.env.casePool()
	w.hold.Written(pool)
	if err := pool.Wait(ctx, b); err != nil {
		return gjson.Result{}, err
	}
	w.keep(b.After.Ex)
	if b.Err != nil {
		return gjson.Result{}, fmt.Errorf("%s: %w", w.req, b.Err)
	}
	if !b.Changed {
		w.after = &b.After.Doc
		return b.After.Doc, nil
	}
	first, req := w.last, w.lastReq
	w.hold.LeaveBatch()
	if req.Path != fixtures.Path(w.env.Profile.Paths.Update, b.Case.ID) {
		return gjson.Result{}, w.cannotJudge("the shared case changed, and this scenario's request cannot be repeated alone")
	}
	if err := w.lease(ctx, cases.Want{}); err != nil {
		return gjson.Result{}, err
	}
	req.Path = w.updatePath()
	if err := w.send(ctx, req); err != nil {
		return gjson.Result{}, err
	}
	if w.last.Status/100 != first.Status/100 {
		return gjson.Result{}, w.cannotJudge("the target answered the same request %d on a shared case and %d alone", first.Status, w.last.Status)
	}
	return w.afterCase(ctx)
}

// Finish gives the scenario's case back to the pool; call it once the scenario ended.
func (w *World) Finish() {
	pool := w.env.casePool()
	if c := w.hold.Held(); c != nil {
		c.Unread, c.UnreadRaw = nil, false
		raw := w.accepted && len(w.sent) == 0
		if raw {
			// The target took a body the harness did not build (malformed JSON, say):
			// what it stored is unknown, and the read-back after it may have been stale.
			w.hold.Wrote(pool)
		}
		if _, known := w.hold.State(); !known && w.accepted {
			c.Unread = w.sent // held alone until Finish gives it back
			c.UnreadRaw = raw
		}
	}
	w.hold.Finish(pool, w.disruptive, w.setup)
	pool.End()
}

// keep adds an exchange made before the scenario (the read-back its case's state comes
// from) to its evidence.
func (w *World) keep(ex client.Exchange) {
	if ex.Method == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Exchanges = append(w.out.Exchanges, ex)
}
