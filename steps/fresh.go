package steps

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/sfid"
)

// Values a scenario sends come from its own stream (World.gen, seeded by the run's seed
// and the scenario), never from the case it was lent, so a rerun with the same seed sends
// the same bodies whatever the scheduling (issue 17 item 4). Setup (creating a case,
// bringing it to a precondition) draws from World.setupGen.

// freshValues gives each field the scenario's own next value (moveOff keeps the case
// from holding it already).
func (w *World) freshValues(ctx context.Context, fields []fixtures.Field) (map[string]any, error) {
	body := map[string]any{}
	for _, f := range fields {
		body[f.Name] = w.gen.Value(f)
	}
	return body, w.moveOff(ctx, fields, body)
}

// moveOff makes sure the PATCH of body can show a change: a value of fields the case
// holds already would not show whether the PATCH changed it, so the case is first moved
// to another value of each such field (moveTo), a location together with its linked
// fields. A case shared by a batch is not the scenario's to change: there the body is
// kept as it is while one of its fields differs from the case, else its first field gets
// another value.
func (w *World) moveOff(ctx context.Context, fields []fixtures.Field, body map[string]any) error {
	p := w.env.Profile
	var clashes []fixtures.Field
	for _, f := range fields {
		old := w.before.Get(f.Name)
		if !cases.IsNull(old) && p.Same(f.Type, fmt.Sprint(body[f.Name]), fmt.Sprint(old.Value())) {
			clashes = append(clashes, f)
		}
	}
	switch {
	case len(clashes) == 0:
		return nil
	case w.hold.Batch() != nil:
		if len(clashes) == len(fields) {
			f := clashes[0]
			body[f.Name] = w.setupGen.Different(f, w.before.Get(f.Name).Value())
		}
		return nil
	}
	move := map[string]any{}
	for _, f := range clashes {
		v := body[f.Name]
		if f.Ref != fixtures.RefLocation {
			if other := w.setupGen.Different(f, v); !p.Same(f.Type, fmt.Sprint(v), fmt.Sprint(other)) { // else it has no other value
				move[f.Name] = other
			}
			continue
		}
		loc, ok := w.otherLocation(f, v)
		if !ok {
			continue
		}
		for _, lf := range p.FieldsWithRef(fixtures.RefLocation) {
			if _, inBody := body[lf.Name]; inBody && lf.Name != f.Name {
				continue // the body sets it itself
			}
			move[lf.Name] = loc.Number
			if lf.Type == fixtures.TypeSFID {
				move[lf.Name] = loc.ID
			}
		}
	}
	if len(move) == 0 {
		return nil
	}
	return w.moveTo(ctx, move)
}

// moveTo is the setup write of moveOff: one PATCH of the fields to move alone (through
// the platform's lock retries) and the read-back that checks it, which becomes the
// scenario's baseline.
func (w *World) moveTo(ctx context.Context, move map[string]any) error {
	ex, err := w.throughLocks(ctx, w.env.Profile.Host(), func() (client.Exchange, error) {
		return w.do(ctx, client.Request{Method: http.MethodPatch, Path: w.updatePath(), JSON: move})
	})
	if err != nil {
		return err
	}
	if ex.Status/100 != 2 {
		return w.cannotJudge("setup: moving case %s off the values the scenario sends was refused: %s", w.caseID, ex.Summary())
	}
	doc, err := w.readCase(ctx)
	if err != nil {
		return err
	}
	wt := cases.Want{Set: move, Accept: map[string][]any{}}
	for k, v := range move {
		wt.Accept[k] = []any{v}
	}
	if unmet := w.unmet(doc, wt); len(unmet) > 0 {
		return w.cannotJudge("setup: case %s does not read back as moved: %s", w.caseID, strings.Join(unmet, "; "))
	}
	if w.setup != nil {
		maps.Copy(w.setup, move)
	}
	w.before = doc
	return nil
}

// otherLocation is a location fixture other than the one v names (as the id or the
// number field f), picked from the setup stream.
func (w *World) otherLocation(f fixtures.Field, v any) (fixtures.Location, bool) {
	var others []fixtures.Location
	for _, loc := range w.env.Profile.Fixtures.Locations {
		name := loc.Number
		if f.Type == fixtures.TypeSFID {
			name = loc.ID
		}
		if !w.env.Profile.Same(f.Type, name, fmt.Sprint(v)) {
			others = append(others, loc)
		}
	}
	if len(others) == 0 {
		return fixtures.Location{}, false
	}
	return others[w.setupGen.Intn(len(others))], true
}

// readOnlyValue is a value for a read-only field unlike its read-back r, of the same
// JSON type where it can be, drawn from the scenario's stream (not derived from r, which
// is the lent case's).
func (w *World) readOnlyValue(r gjson.Result) any {
	var v any
	switch r.Type {
	case gjson.Number:
		v = float64(w.gen.Intn(1_000_000)) + 0.5
	case gjson.True:
		return false
	case gjson.False:
		return true
	case gjson.String:
		switch _, isInstant := instant(r); {
		case isInstant:
			t := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(w.gen.Intn(20*365*24*3600)) * time.Second)
			v = t.Format(time.RFC3339)
		case sfid.Valid(r.Str):
			return "005000000000009AAA"
		default:
			v = fmt.Sprintf("casecert-%06d", w.gen.Intn(1_000_000))
		}
	default:
		return "casecert-readonly"
	}
	if fmt.Sprint(v) == fmt.Sprint(r.Value()) {
		return differentRaw(r) // the one value the stream must not give
	}
	return v
}
