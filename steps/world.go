// Package steps is the godog glue of casecert: a per-scenario world carried in the
// context, and one table of phrases per feature file (patch.go for patch.feature, and so
// on), compiled once and registered on every scenario by Register. Steps are thin: they
// parse the Gherkin argument and call one world method, which talks to the target through
// the driver (internal/client) and judges raw JSON with gjson.
package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/brief"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
)

// Env is what every scenario of a run shares: the case lifecycle's (cases.Env) and what
// the steps need besides. It is read-only once the run starts, apart from the Created
// callback.
type Env struct {
	cases.Env
	Seed int64
	// ExpiredToken is an expired token of the target (AUTH-INVALID); "" when none is known.
	ExpiredToken string
	// Token is the bearer token in use, for the steps that send it altered. Never logged:
	// exchanges redact it.
	Token string
	// Pool lends the run's cases to its scenarios and bounds the requests in flight;
	// nil: a default pool, made on first use.
	Pool     *cases.Pool
	poolOnce sync.Once
}

// DisruptiveTag marks a scenario that may damage the target beyond its own case: it runs
// after every other scenario, alone, and its case is never lent again.
const DisruptiveTag = "@disruptive"

// Outcome is what a finished scenario leaves for the results model.
type Outcome struct {
	Exchanges  []client.Exchange
	Observed   string
	SkipReason string
	// Inapplicable: the skip holds whatever the run is given (no flag or profile key
	// would let the scenario run), so it leaves its requirement wholly judged.
	Inapplicable bool
	FailedStep   string
	Err          error
}

type worldKey struct{}

// World is one scenario's state. Steps find it in the context under an unexported key.
type World struct {
	env *Env
	gen *fixtures.Gen
	// setupGen makes the populated bodies that create a case or bring it to a
	// precondition: a stream of its own, so that the values the scenario sends are the
	// same whether or not the case it was lent needed that setup.
	setupGen *fixtures.Gen
	req      string // the scenario's requirement ID, for messages
	// amended is the reason of a platform amendment that makes the scenario's
	// requirement info on this target: its check records what it saw instead of failing.
	amended string
	mu      sync.Mutex
	out     Outcome

	caseID   string
	setup    map[string]any  // the body the setup wrote the case with
	before   gjson.Result    // the case as read back after setup
	keyed    cases.Keyed     // before's fields by key, made on first use (beforeGet)
	sent     map[string]any  // body fields of the last PATCH (nil value = null)
	last     client.Exchange // the last PATCH (or raw request)
	after    *gjson.Result   // the case read back after the last write, once asked for
	stale    error           // after is a stale read (StaleReads): the violation
	accepted bool            // the last write is a PATCH the target accepted (2xx)
	children map[string]gjson.Result
	moving   map[string]bool // read-only fields the target changes on every update
	lastReq  client.Request  // the request of last

	// hold is the case from the pool (lease.go): lent to this scenario alone, or a
	// share of a batch, a case written by several scenarios that expect a refusal.
	hold cases.Lease

	// disruptive: the scenario may damage the target beyond its case (DisruptiveTag): it
	// shares its case with no one, and no scenario gets that case after it.
	disruptive bool
}

// NewWorld starts a scenario's world; sc gives its steps, and Finish ends it. With sc nil
// the world stands outside any scenario (it takes no case from the pool).
func NewWorld(env *Env, scenarioID string, requirements []string, sc *godog.Scenario) *World {
	w := &World{env: env, gen: fixtures.NewGen(fixtures.ScenarioSeed(env.Seed, scenarioID), env.Profile),
		setupGen: fixtures.NewGen(fixtures.ScenarioSeed(env.Seed, scenarioID+"/setup"), env.Profile)}
	if len(requirements) > 0 {
		w.req = requirements[0]
	}
	w.disruptive = sc != nil && slices.ContainsFunc(sc.Tags, func(t *messages.PickleTag) bool { return t.Name == DisruptiveTag })
	w.hold = cases.NewLease(sc != nil && Shareable(sc.Steps) && !w.disruptive, sc != nil && WantsRestedCase(sc.Steps))
	if sc != nil {
		env.casePool().Begin()
	}
	return w
}

// Alone keeps the scenario off shared cases (a batch): a rerun of a failed scenario is
// judged on a case of its own. Call it before the first step.
func (w *World) Alone() { w.hold.Alone() }

// Amend tells the world its requirement is amended on the profile's platform (reason ""
// for none): the checks that know the amendment observe instead of judging.
func (w *World) Amend(reason string) { w.amended = reason }

// WithWorld stores w in ctx.
func WithWorld(ctx context.Context, w *World) context.Context {
	return context.WithValue(ctx, worldKey{}, w)
}

// WorldFrom returns the world of the scenario running in ctx.
func WorldFrom(ctx context.Context) *World {
	w, _ := ctx.Value(worldKey{}).(*World)
	return w
}

// Outcome returns what the scenario recorded.
func (w *World) Outcome() Outcome {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out
}

// StepFailed records the first failing step.
func (w *World) StepFailed(step string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.out.FailedStep == "" {
		w.out.FailedStep, w.out.Err = step, err
	}
}

// Observe records what an info scenario saw.
func (w *World) Observe(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if w.out.Observed != "" {
		w.out.Observed += "; "
	}
	w.out.Observed += msg
}

// lacks skips the scenario, with the profile's reason, when the profile does not meet
// one of the needs (fixtures.Needs).
func (w *World) lacks(needs ...string) error {
	for _, n := range needs {
		if reason := w.env.Profile.Lacks(n); reason != "" {
			need, _ := fixtures.LookupNeed(n)
			return w.skip("%s; to judge it: %s", reason, need.Fix)
		}
	}
	return nil
}

// inapplicable skips a scenario that cannot apply to this target whatever the run is
// given (an opaque token has no signature to alter): unlike skip, it does not leave its
// requirement partly judged.
func (w *World) inapplicable(format string, args ...any) error {
	w.mu.Lock()
	w.out.Inapplicable = true
	w.mu.Unlock()
	return w.skip(format, args...)
}

// skip marks the scenario as not applicable to this target and returns godog.ErrSkip.
func (w *World) skip(format string, args ...any) error {
	w.mu.Lock()
	w.out.SkipReason = fmt.Sprintf(format, args...)
	w.mu.Unlock()
	return godog.ErrSkip
}

// do sends one request, once there is room for one more in flight, and keeps its
// exchange as evidence.
func (w *World) do(ctx context.Context, req client.Request) (client.Exchange, error) {
	if err := w.skipUnrestorable(req); err != nil {
		return client.Exchange{}, err
	}
	release, err := w.env.casePool().Slot(ctx)
	if err != nil {
		return client.Exchange{}, err
	}
	defer release()
	return w.exchange(ctx, req)
}

// doAtOnce sends one request whatever is in flight (a burst sent at once on purpose).
func (w *World) doAtOnce(ctx context.Context, req client.Request) (client.Exchange, error) {
	if err := w.skipUnrestorable(req); err != nil {
		return client.Exchange{}, err
	}
	return w.exchange(ctx, req)
}

// exchange sends req and keeps its exchange as evidence; do and doAtOnce have checked it.
func (w *World) exchange(ctx context.Context, req client.Request) (client.Exchange, error) {
	ex, err := w.env.Client.Do(ctx, req)
	w.noteWrite(req)
	w.mu.Lock()
	// The evidence is a capped copy: the full answer (up to the driver's cap) is only
	// the caller's, for judging, and is not kept for the report.
	w.out.Exchanges = append(w.out.Exchanges, ex.Evidence(client.MaxEvidenceBody))
	w.mu.Unlock()
	if err != nil {
		return ex, fmt.Errorf("%s: %s %s: %w", w.req, req.Method, ex.URL, err)
	}
	return ex, nil
}

// Violation is a step error saying the target broke the scenario's requirement: the only
// error that makes a scenario failed. Any other step error (setup refused, no answer, a
// cut-off answer, a read-back that did not work) means the scenario could not be judged,
// and it ends as error.
type Violation struct{ msg string }

func (v *Violation) Error() string { return v.msg }

// IsViolation says err holds a Violation (a joined or wrapped one too).
func IsViolation(err error) bool {
	var v *Violation
	return errors.As(err, &v)
}

// violation is one way the target broke the scenario's requirement.
func (w *World) violation(field, sent, expected, observed string) error {
	var b strings.Builder
	b.WriteString(w.req)
	if field != "" {
		fmt.Fprintf(&b, ": field %q", field)
	}
	// What was expected and observed come first: a line cut for a card or the console
	// keeps them, and loses the tail of what was sent (a URL, a long body).
	b.WriteString(": expected " + expected + "; observed " + observed)
	if sent != "" {
		b.WriteString("; sent " + sent)
	}
	return &Violation{msg: b.String()}
}

// sentShown is what the last request sent, for messages: its raw body when the scenario
// sent one (malformed JSON, a non-object), else the values it sent.
func (w *World) sentShown() string {
	if w.lastReq.Body != nil {
		return strconv.Quote(string(w.lastReq.Body))
	}
	return jsonText(w.sent)
}

// cannotJudge is a step error that keeps the scenario from being judged (it is not a
// violation of the requirement): a setup the target refused, an answer that cannot be read.
func (w *World) cannotJudge(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{w.req}, args...)...)
}

// --- cases -------------------------------------------------------------------------

// createCase creates a case with every field populated (and wt's values; children
// too, when asked) and returns its id. Setup is tolerant: any 2xx that yields an id will
// do; the id's form and the envelope are judged by their own requirements.
func (w *World) createCase(ctx context.Context, wt cases.Want) (string, error) {
	body := w.populatedWith(wt)
	if wt.Children {
		for _, kind := range w.env.Profile.Nested {
			if sample, ok := w.env.Profile.NestedSamples[kind]; ok {
				body[kind] = []any{map[string]any(sample)}
			}
		}
	}
	w.setup = body
	ex, err := w.do(ctx, client.Request{Method: http.MethodPost, Path: w.env.Profile.Paths.Create, JSON: body})
	if err != nil {
		return "", err
	}
	if ex.Status/100 != 2 {
		return "", w.cannotJudge("setup: creating a case was refused: %s", ex.Summary())
	}
	id := cases.CreatedID(ex)
	if id == "" {
		return "", w.cannotJudge("setup: the create answer carries no case id: %s", ex.Summary())
	}
	if w.env.Created != nil {
		w.env.Created(id)
	}
	return id, nil
}

// populatedWith is the populated body carrying wt's values.
func (w *World) populatedWith(wt cases.Want) map[string]any {
	body := cases.PopulatedBody(w.env.Profile, w.setupGen, w.env.RunID)
	for k, v := range wt.Set {
		body[k] = v
	}
	return body
}

// beforeGet is w.before.Get(name), from an index of w.before's fields: the checks that
// compare every field ask it once per field.
func (w *World) beforeGet(name string) gjson.Result {
	if d := w.keyed.Doc(); d.Raw != w.before.Raw || d.Index != w.before.Index || d.Type != w.before.Type {
		w.keyed = cases.KeyedOf(w.before)
	}
	return w.keyed.Get(name)
}

func (w *World) readCase(ctx context.Context) (gjson.Result, error) {
	return w.readCaseAt(ctx, w.caseID)
}

func (w *World) readCaseAt(ctx context.Context, id string) (gjson.Result, error) {
	r, err := w.env.ReadCase(ctx, w.do, id)
	if err != nil {
		return gjson.Result{}, err
	}
	if r.Other != "" {
		return gjson.Result{}, w.cannotJudge("reading the case back: %s; no verdict is drawn from another case's fields", r.Fault)
	}
	if r.Fault != "" {
		return gjson.Result{}, w.cannotJudge("reading the case back: expected 200 with a JSON object; observed %s", r.Fault)
	}
	// The read is judged on the copy the case's state keeps (every key the profile names),
	// not on the answer, which may be megabytes the scenario would pin while it waits.
	st := cases.StateOf(w.env.Profile, r.Ex)
	w.noteRead(id, st)
	return st.Doc, nil
}

func (w *World) readChildren(ctx context.Context) (map[string]gjson.Result, error) {
	out, err := cases.ReadChildren(ctx, w.do, w.env.Profile, w.caseID)
	if fault, ok := errors.AsType[*cases.ChildrenFault](err); ok {
		return nil, w.cannotJudge("reading the case's %s: expected 200 with JSON; observed %s", fault.Kind, fault.Ex.Summary())
	}
	return out, err
}

// afterCase reads the case back once per write.
func (w *World) afterCase(ctx context.Context) (gjson.Result, error) {
	if w.after != nil {
		return *w.after, w.stale
	}
	if w.hold.Batch() != nil {
		return w.batchAfter(ctx)
	}
	doc, err := w.readBack(ctx)
	w.after, w.stale = &doc, err
	return doc, err
}

// patch sends a PATCH of the case with the given JSON body.
func (w *World) patch(ctx context.Context, body map[string]any) error {
	w.sent = body
	return w.send(ctx, client.Request{Method: http.MethodPatch, Path: w.updatePath(), JSON: body})
}

// send sends a request that may write the case and remembers it as the last one.
func (w *World) send(ctx context.Context, req client.Request) error {
	w.after = nil
	ex, err := w.do(ctx, req)
	w.last, w.lastReq = cases.Kept(w.env.Profile, ex), req
	w.accepted = req.Method == http.MethodPatch && err == nil && ex.Status/100 == 2
	return err
}

func (w *World) updatePath() string { return fixtures.Path(w.env.Profile.Paths.Update, w.caseID) }

// jsonText renders a sent value the way messages show it.
func jsonText(v any) string { return brief.JSON(v) }

// shown renders a read-back value for messages: absent, null or its JSON.
func shown(r gjson.Result) string { return cases.Shown(r) }
