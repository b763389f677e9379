package steps

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
)

// Probe is the health check of the disruptive phase (requirements.md, "Disruptive
// scenarios"): a read of a case of its own and a harmless PATCH of one free-text field of
// it, sent together. It is measured once before the first disruptive scenario, and again after each: a
// target that answered it before and fails it now was broken by the scenario in between.
type Probe struct {
	w     *World
	field fixtures.Field // "" name: the profile has no free-text field, the probe only reads
	n     int
}

// NewProbe takes a case of its own from the pool (never lent again; on a --case-id run,
// the existing case, restored at the end with the rest) and checks it once: an error
// when the target fails the probe before any disruptive scenario ran.
func NewProbe(ctx context.Context, env *Env) (*Probe, error) {
	w := NewWorld(env, "health-probe", []string{"health probe"}, nil)
	if err := w.lease(ctx, cases.Want{}); err != nil {
		return nil, fmt.Errorf("the health probe could not get a case: %w", err)
	}
	if c := w.hold.Held(); !c.Existing {
		env.casePool().Retire(c)
	}
	w.hold.Drop()
	p := &Probe{w: w}
	p.field, _ = env.Profile.ProbeField()
	if _, err := p.Check(ctx); err != nil {
		return nil, fmt.Errorf("the target failed the health probe before the disruptive scenarios (they were not run): it answers %w", err)
	}
	return p, nil
}

// Check runs the probe once. The error says how the target failed it: what it answered
// to which request ("500 ... to a write (PATCH URL of FIELD)"); the exchanges are the probe's, for the evidence of a scenario that
// broke the target.
func (p *Probe) Check(ctx context.Context) ([]client.Exchange, error) {
	w := p.w
	w.mu.Lock()
	w.out.Exchanges = nil
	w.mu.Unlock()
	p.n++
	err := p.check(ctx)
	exs := w.Outcome().Exchanges
	// The read first, whichever answered first: the evidence reads the same every time.
	slices.SortStableFunc(exs, func(a, b client.Exchange) int {
		return cmp.Compare(readFirst(a), readFirst(b))
	})
	return exs, err
}

// check sends the probe's read and its write at once: neither depends on the other (the
// read only asks for a readable case, not for a value), so the probe costs one round trip
// between two disruptive scenarios, not two. A failed read is told before a failed write.
func (p *Probe) check(ctx context.Context) error {
	var write error
	done := make(chan struct{})
	go func() {
		defer close(done)
		write = p.write(ctx)
	}()
	read := p.read(ctx)
	<-done
	if read != nil {
		return read
	}
	return write
}

func (p *Probe) read(ctx context.Context) error {
	w := p.w
	r, err := w.env.ReadCase(ctx, w.do, w.caseID)
	if err != nil {
		return err
	}
	if r.Fault != "" {
		return fmt.Errorf("%s to a read of a case (GET %s)", r.Fault, r.Ex.URL)
	}
	return nil
}

func (p *Probe) write(ctx context.Context) error {
	if p.field.Name == "" {
		return nil
	}
	w := p.w
	body := map[string]any{p.field.Name: fmt.Sprintf("casecert health probe %d", p.n)}
	// A write refused as locked (another writer held the row a moment) is sent again, as
	// PATCH-CONCURRENT's are: the target is not broken for that.
	ex, err := w.writeThroughLocks(ctx, body, w.env.Profile.Host())
	if err != nil {
		return err
	}
	if ex.Status/100 != 2 {
		return fmt.Errorf("%s to a write (PATCH %s of %s)", ex.Summary(), ex.URL, p.field.Name)
	}
	return nil
}

// readFirst is the sort key that puts a read before a write.
func readFirst(ex client.Exchange) int {
	if ex.Method == http.MethodGet {
		return 0
	}
	return 1
}

// Broke is the violation of a disruptive scenario that broke the target (its health
// probe failed after it): msg says how.
func Broke(msg string) error { return &Violation{msg: msg} }
