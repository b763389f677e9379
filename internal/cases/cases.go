// Package cases is the case lifecycle below the steps: what a run needs of a case and
// how it gets it, without any Gherkin. It creates cases with the populated body, reads
// them (judging every read-back the same way), lends them to scenarios from a pool
// (leases and batches), snapshots and restores the existing case of a --case-id run, and
// deletes the cases a run created. steps builds its phrases on it; the preflight and the
// runner use it directly.
package cases

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/brief"
	"github.com/casecert/casecert/internal/client"
)

// Env is what the case lifecycle of a run needs: the target, the profile, and what the
// run writes into and learns of its cases. It is read-only once the run starts, apart
// from the Created callback.
type Env struct {
	Client  *client.Client
	Profile *fixtures.Profile
	RunID   string // written into the profile's marker field of every case a run creates
	// Created is told the id of every case the run creates (for the report's cleanup).
	Created func(id string)
	// CaseID, when set, is an existing case that every scenario works on, one at a time,
	// instead of creating cases of its own (--case-id).
	CaseID string
	// WriteOnlyRestore holds, on a CaseID run, the value before the run of each write-only
	// field the user gave (--restore FIELD=VALUE). Those are the only write-only fields
	// such a run sends: no other can be read back, so none other could be restored.
	WriteOnlyRestore map[string]any
}

// DefaultInFlight is the default number of requests in flight: the work waits on the
// network, not on the CPU.
const DefaultInFlight = 8

// DefaultMaxCases is the default --max-cases for a number of requests in flight: two
// cases per request in flight, one for the batch of refusals and one with children.
func DefaultMaxCases(inFlight int) int { return 2*inFlight + 2 }

// PopulatedBody is a valid value for every body field, linked fields kept consistent,
// the run's marker set: the body a case is created with, drawn from gen.
func PopulatedBody(p *fixtures.Profile, gen *fixtures.Gen, runID string) map[string]any {
	body := map[string]any{}
	for _, f := range p.Fields {
		body[f.Name] = gen.Value(f)
	}
	if len(p.Fixtures.Locations) > 0 {
		loc := p.Fixtures.Locations[gen.Intn(len(p.Fixtures.Locations))]
		for _, f := range p.FieldsWithRef(fixtures.RefLocation) {
			if f.Type == fixtures.TypeSFID {
				body[f.Name] = loc.ID
			} else {
				body[f.Name] = loc.Number
			}
		}
	} else {
		for _, f := range p.FieldsWithRef(fixtures.RefLocation) {
			delete(body, f.Name)
		}
	}
	if p.MarkerField != "" {
		body[p.MarkerField] = runID
	}
	return body
}

// populatedFields are the fields a populated case must read back with a value: every
// readable field the populated body sets (whatever values it picks).
func populatedFields(p *fixtures.Profile) []fixtures.Field {
	body := PopulatedBody(p, fixtures.NewGen(1, p), "")
	var out []fixtures.Field
	for _, f := range p.Fields {
		if v, ok := body[f.Name]; ok && v != nil && f.Readable() {
			out = append(out, f)
		}
	}
	return out
}

// CreatedID finds the new case's id in a create answer: "id" at the top (string or
// number), under a "data" or "record" object, or the last segment of Location. The id
// is a copy: a slice of the answer would keep the whole answer alive as long as the run
// remembers its cases.
func CreatedID(ex client.Exchange) string {
	doc := ex.JSON()
	for _, path := range []string{"id", "data.id", "record.id", "0.id"} {
		if r := doc.Get(path); r.Exists() && (r.Type == gjson.String || r.Type == gjson.Number) && r.String() != "" {
			return strings.Clone(r.String())
		}
	}
	if loc := ex.Header("Location"); loc != "" {
		return strings.Clone(loc[strings.LastIndex(loc, "/")+1:])
	}
	return ""
}

// ReadFault judges the answer to a read of one case: "" when it is 200 with a JSON
// object (the case), else what came instead, in one line, with why a 200's body is not
// JSON casecert reads. Every read-back of a case (a scenario's, a batch's, the existing
// case's, the preflight's) is judged by it.
func ReadFault(ex client.Exchange) string {
	if ex.Status == http.StatusOK && ex.JSON().IsObject() {
		return ""
	}
	if p := ex.JSONProblem(); p != "" && ex.Status == http.StatusOK {
		return ex.Summary() + " (" + p + ")"
	}
	return ex.Summary()
}

// IsNull reports a read-back value that is null or absent (both mean "cleared").
func IsNull(r gjson.Result) bool { return !r.Exists() || r.Type == gjson.Null }

// text is a read-back value's text: a string's contents, or the raw JSON otherwise.
func text(r gjson.Result) string {
	if r.Type == gjson.String {
		return r.Str
	}
	return r.Raw
}

// SameRead compares two read-backs of one field by meaning.
func SameRead(p *fixtures.Profile, f fixtures.Field, a, b gjson.Result) bool {
	if IsNull(a) || IsNull(b) {
		return IsNull(a) == IsNull(b)
	}
	if a.Type != b.Type {
		return false
	}
	return p.Same(f.Type, text(a), text(b))
}

// JSONEqual compares two JSON documents by value (key order ignored).
func JSONEqual(a, b gjson.Result) bool {
	return fmt.Sprint(a.Value()) == fmt.Sprint(b.Value())
}

// Shown renders a read-back value for messages: absent, null or its JSON.
func Shown(r gjson.Result) string {
	if !r.Exists() {
		return "absent"
	}
	return brief.Cut(r.Raw)
}

// Populated is what a populated case reads back with a value (see Pool.populated).
func (p *Pool) Populated() []fixtures.Field { return *p.populated.Load() }

// Delete deletes the cases a run created through the profile's delete path, a few at a
// time. It returns the ids deleted (a 2xx, or a 404: already gone) and those that remain.
func (p *Pool) Delete(ctx context.Context, ids []string) (deleted, remaining []string) {
	env := p.env
	if env.Profile.Paths.Delete == "" {
		return nil, slices.Clone(ids)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			ok := false
			if release, err := p.Slot(ctx); err == nil {
				ex, err := env.Client.Do(ctx, client.Request{Method: http.MethodDelete, Path: fixtures.Path(env.Profile.Paths.Delete, id)})
				release()
				ok = err == nil && (ex.Status/100 == 2 || ex.Status == http.StatusNotFound)
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				deleted = append(deleted, id)
			} else {
				remaining = append(remaining, id)
			}
		})
	}
	wg.Wait()
	slices.Sort(deleted)
	slices.Sort(remaining)
	return deleted, remaining
}

// SetupBody is the populated body of a run with this seed, as the preflight sends it:
// the preflight creates one case with it before the suite starts, and the pool adopts
// that case.
func SetupBody(p *fixtures.Profile, seed int64, runID string) map[string]any {
	return PopulatedBody(p, fixtures.NewGen(fixtures.ScenarioSeed(seed, "preflight"), p), runID)
}
