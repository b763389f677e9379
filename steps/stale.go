package steps

import (
	"context"
	"fmt"
	"slices"

	"github.com/tidwall/gjson"
)

// StaleReads is what a scenario observed when the first read after a PATCH the target
// accepted lacked the write and a second read showed it: a cache in front of the API, or
// reads served by a replica behind the writes. A client that reads after writing sees
// the old value, so the scenario fails; the message says why, not "observed the old value".
const StaleReads = "the first read after the PATCH showed the state before it; a second read showed it applied: stale reads (a cache?)"

// readBack is the read of the case after the last write (afterCase's). When it lacks an
// accepted write (unapplied), the case is read once more before judging: a second read
// that shows the write makes the scenario fail as a stale read. A target that applies
// what it accepts is read once, as before.
func (w *World) readBack(ctx context.Context) (gjson.Result, error) {
	first, err := w.readCase(ctx)
	if err != nil {
		return first, err
	}
	missing := w.unapplied(first)
	if len(missing) == 0 {
		return first, nil
	}
	second, err := w.readCase(ctx)
	if err != nil {
		return first, err
	}
	still := w.unapplied(second)
	if !slices.ContainsFunc(missing, func(name string) bool { return !slices.Contains(still, name) }) {
		return first, nil // not applied on a second read either: judged on what the target stored
	}
	sent := jsonText(w.sent[missing[0]])
	if len(missing) > 1 {
		sent += fmt.Sprintf(" (and %d more fields)", len(missing)-1)
	}
	return first, w.violation(missing[0], sent, "the value sent on the first read after the PATCH", StaleReads)
}

// unapplied names the fields of the last write, accepted by the target, that doc does not
// show as sent: readable, writable fields (null only where null is accepted). Their
// value before the write is not asked for: when the read of the case before the write
// was stale too (the lease's read of a case after another scenario's PATCH), it is not
// the state the write changed. nil when the last write was not an accepted PATCH
// (nothing was promised).
func (w *World) unapplied(doc gjson.Result) []string {
	if !w.accepted {
		return nil
	}
	return w.unappliedOf(doc, w.sent)
}

// unappliedOf names the fields of sent (an accepted write) that doc does not show as sent.
func (w *World) unappliedOf(doc gjson.Result, sent map[string]any) []string {
	p := w.env.Profile
	var out []string
	for name, v := range sent {
		f, ok := p.Field(name)
		if !ok || !f.Readable() || p.IsReadOnly(name) || v == nil && !f.IsNullable() {
			continue
		}
		if !matchesSent(p, f, v, doc.Get(name)) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
