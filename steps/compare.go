package steps

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
)

// text is a read-back value's text: a string's contents, or the raw JSON otherwise.
func text(r gjson.Result) string {
	if r.Type == gjson.String {
		return r.Str
	}
	return r.Raw
}

// sentText is a sent value's text, comparable with text().
func sentText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// matchesSent compares a read-back value with the value sent, by meaning, date-times at
// the profile's precision (p nil: to the millisecond).
func matchesSent(p *fixtures.Profile, f fixtures.Field, sent any, got gjson.Result) bool {
	if sent == nil {
		if f.Null == fixtures.NullFalse { // a checkbox stores false for null
			return got.Type == gjson.False
		}
		return cases.IsNull(got)
	}
	if cases.IsNull(got) {
		return false
	}
	switch sent.(type) {
	case bool:
		return (got.Type == gjson.True || got.Type == gjson.False) && got.Bool() == sent
	case float64:
		return got.Type == gjson.Number && p.Same(fixtures.TypeNumber, sentText(sent), got.Raw)
	}
	return p.Same(f.Type, sentText(sent), text(got))
}

// instant reads a date-time read-back (RFC 3339 or a basic offset such as +0000).
func instant(r gjson.Result) (time.Time, bool) {
	if r.Type != gjson.String {
		return time.Time{}, false
	}
	return fixtures.ParseInstant(r.Str)
}

// field returns the profile field, or a step error naming the profile.
func (w *World) field(name string) (fixtures.Field, error) {
	f, ok := w.env.Profile.Field(name)
	if !ok {
		return f, fmt.Errorf("%s: field %q is not in the profile %q", w.req, name, w.env.Profile.Name)
	}
	return f, nil
}

// unchangedExcept checks that every readable field other than those named (and their
// linked fields) reads back as it was after setup. It reports every difference.
func (w *World) unchangedExcept(ctx context.Context, except ...string) error {
	after, err := w.afterCase(ctx)
	if err != nil {
		return err
	}
	skip := map[string]bool{}
	for _, name := range except {
		for _, linked := range w.env.Profile.LinkedGroup(name) {
			skip[linked] = true
		}
	}
	var errs []error
	afterKeyed := cases.KeyedOf(after)
	for _, f := range w.env.Profile.Fields {
		if skip[f.Name] || !f.Readable() {
			continue
		}
		if err := w.setupHeld(f.Name); err != nil {
			errs = append(errs, err) // never stored: "unchanged" would prove nothing
			continue
		}
		was, now := w.beforeGet(f.Name), afterKeyed.Get(f.Name)
		if !cases.SameRead(w.env.Profile, f, was, now) {
			sent := "nothing for it"
			if v, ok := w.sent[f.Name]; ok {
				sent = jsonText(v)
			}
			errs = append(errs, w.violation(f.Name, sent, shown(was)+" (unchanged)", shown(now)))
		}
	}
	return errors.Join(errs...)
}

// readsBackAsSent checks that each named field reads back as the value last sent.
func (w *World) readsBackAsSent(ctx context.Context, names ...string) error {
	after, err := w.afterCase(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		f, err := w.field(name)
		if err != nil {
			return err
		}
		if !f.Readable() {
			continue
		}
		sent, ok := w.sent[name]
		if !ok {
			return fmt.Errorf("%s: no value of %q was sent", w.req, name)
		}
		if got := after.Get(name); !matchesSent(w.env.Profile, f, sent, got) {
			want := jsonText(sent) + " (by meaning)"
			switch {
			case sent == nil && f.Null == fixtures.NullFalse:
				want = "false (the field's null stores false)"
			case sent == nil:
				want = "null or absent"
			}
			errs = append(errs, w.violation(name, jsonText(sent), want, shown(got)))
		}
	}
	return errors.Join(errs...)
}
