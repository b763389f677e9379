package steps

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/sfid"
)

// patchPhrases are the steps of patch.feature, and the Given and PATCH steps every
// feature starts from.
var patchPhrases = []Phrase{
	literal("a case with every field populated", (*World).givenCase, MayShare),
	literal("a case with one child of each nested kind", (*World).givenCaseWithChildren, OwnCase),
	literal("a case owned by a user other than the integration user", (*World).givenCaseWithOtherOwner, OwnCase),
	phrase1(`^a case whose "([^"]*)" has a time of day$`, `a case whose "incident_local_date" has a time of day`, (*World).givenCaseWithTimeOf, OwnCase),
	phrase1(`^a case whose "([^"]*)" is true$`, `a case whose "police_involved" is true`, (*World).givenCaseWithTrue, OwnCase),

	phrase1(`^I PATCH "([^"]*)" with a new value$`, `I PATCH "description" with a new value`, (*World).patchNewValue, MayShare),
	phrase1(`^I PATCH "([^"]*)" to null$`, `I PATCH "department" to null`, (*World).patchNull, MayShare),
	phrase2(`^I PATCH "([^"]*)" with "([^"]*)"$`, `I PATCH "incident_local_date" with "2024-02-29"`, (*World).patchString, MayShare),
	literal("I PATCH another field", (*World).patchProbe, MayShare),
	literal("I PATCH 3 fields with new values and 3 fields to null", (*World).patchMixed, MayShare),
	phrase1(`^I PATCH read-only "([^"]*)" with a different value beside a new value of another field$`,
		`I PATCH read-only "created_date" with a different value beside a new value of another field`, (*World).patchReadOnly, OwnCase),
	phrase1(`^I PATCH the case with a "([^"]*)" array$`, `I PATCH the case with a "persons" array`, (*World).patchNested, MayShare),
	literal("I PATCH an empty object", (*World).patchEmpty, MayShare),
	literal("I send the same PATCH of every free-text field twice", (*World).patchTwice, OwnCase),
	literal("8 clients each PATCH a different field at the same time", (*World).patchConcurrently, OwnCase),
	literal("I PATCH the record type with a different value", (*World).patchRecordType, MayShare),
	literal("I PATCH an unknown field", (*World).patchUnknown, MayShare),
	literal("a second has passed since the case was written", (*World).waitASecond, RestedCase),

	literal("the PATCH succeeds", (*World).thenSucceeded, OwnCase),
	literal("the PATCH is refused with a 4xx", (*World).thenRefused4xx, MayShare),
	literal("the PATCH succeeds or is refused with a 4xx", (*World).thenSucceededOrRefused, OwnCase),
	phrase1(`^every field except "([^"]*)" reads back unchanged$`, `every field except "description" reads back unchanged`, (*World).thenOthersUnchanged, OwnCase),
	literal("every field not in the body reads back unchanged", (*World).thenUnsentUnchanged, OwnCase),
	literal("every field reads back unchanged", (*World).thenAllUnchanged, MayShare),
	phrase1(`^"([^"]*)" reads back as the value sent$`, `"description" reads back as the value sent`, (*World).thenReadsBackAsSent, OwnCase),
	phrase1(`^"([^"]*)" reads back as null$`, `"department" reads back as null`, (*World).thenReadsBackNull, OwnCase),
	phrase1(`^"([^"]*)" reads back as false, or the PATCH was refused with a 4xx that changed nothing$`,
		`"police_involved" reads back as false, or the PATCH was refused with a 4xx that changed nothing`, (*World).thenNullStoredFalse, OwnCase),
	literal("the fields in the body read back as sent", (*World).thenBodyAsSent, OwnCase),
	phrase1(`^"([^"]*)" reads back unchanged$`, `"incident_local_time" reads back unchanged`, (*World).thenFieldUnchanged, OwnCase),
	literal("the owner reads back unchanged", (*World).thenOwnerUnchanged, OwnCase),
	phrase1(`^read-only "([^"]*)" ignored the value sent$`, `read-only "created_date" ignored the value sent`, (*World).thenReadOnlyIgnored, OwnCase),
	literal("the case's children read back unchanged", (*World).thenChildrenUnchanged, OwnCase),
	phrase1(`^the paired local time of "([^"]*)" reads back unchanged$`, `the paired local time of "incident_local_date" reads back unchanged`, (*World).thenPairedTimeUnchanged, OwnCase),
	literal("the last-modified date has advanced and the created date is unchanged", (*World).thenAuditMoved, OwnCase),
	literal("the record type reads back unchanged", (*World).thenRecordTypeUnchanged, OwnCase),
	literal("I record what the target did with the unknown field", (*World).observeUnknown, OwnCase),
}

// --- Given ---------------------------------------------------------------------------

func (w *World) givenCase(ctx context.Context) error { return w.takeCase(ctx, cases.Want{}) }

// givenCaseWithChildren creates a case with one child of each nested kind the profile
// has a sample of; kinds without a sample are left without children.
func (w *World) givenCaseWithChildren(ctx context.Context) error {
	if err := w.lacks("nested"); err != nil {
		return err
	}
	return w.takeCase(ctx, cases.Want{Children: true})
}

func (w *World) givenCaseWithOtherOwner(ctx context.Context) error {
	if err := w.lacks("owner-field", "other-owner"); err != nil {
		return err
	}
	others := w.env.Profile.OtherOwners()
	wt := cases.Want{Set: map[string]any{}, Accept: map[string][]any{}}
	for _, f := range w.env.Profile.FieldsWithRef(fixtures.RefOwner) {
		wt.Set[f.Name] = w.gen.Pick(others)
		for _, id := range others {
			wt.Accept[f.Name] = append(wt.Accept[f.Name], id)
		}
	}
	if err := w.takeCase(ctx, wt); err != nil {
		return err
	}
	return w.ownerHeld()
}

func (w *World) givenCaseWithTimeOf(ctx context.Context, dateField string) error {
	timeField, ok := w.env.Profile.TimeFieldFor(dateField)
	if !ok {
		return fmt.Errorf("%s: the profile pairs no local time with %q", w.req, dateField)
	}
	const timeOfDay = "14:30:00"
	return w.takeCase(ctx, cases.Want{Set: map[string]any{timeField: timeOfDay}, Accept: map[string][]any{timeField: {timeOfDay}}})
}

// givenCaseWithTrue makes a case whose boolean field is true, so that a null stored as
// false is told from a null ignored.
func (w *World) givenCaseWithTrue(ctx context.Context, name string) error {
	f, err := w.field(name)
	if err != nil {
		return err
	}
	if f.Type != fixtures.TypeBoolean {
		return fmt.Errorf("%s: field %q is a %s, not a boolean", w.req, name, f.Type)
	}
	return w.takeCase(ctx, cases.Want{Set: map[string]any{name: true}, Accept: map[string][]any{name: {true}}})
}

// --- When ----------------------------------------------------------------------------

func (w *World) patchNewValue(ctx context.Context, name string) error {
	body, err := w.newValues(ctx, name)
	if err != nil {
		return err
	}
	return w.patch(ctx, body)
}

// newValues is a body that gives name a new valid value; a linked field (a location's
// id or number) is sent alone, since the target keeps the pair consistent itself.
func (w *World) newValues(ctx context.Context, name string) (map[string]any, error) {
	f, err := w.field(name)
	if err != nil {
		return nil, err
	}
	if f.Ref == fixtures.RefLocation {
		if err := w.lacks("two-locations"); err != nil {
			return nil, err
		}
	}
	if f.Ref == fixtures.RefOwner {
		if err := w.lacks("two-owners"); err != nil {
			return nil, err
		}
	}
	return w.freshValues(ctx, []fixtures.Field{f})
}

func (w *World) patchNull(ctx context.Context, name string) error {
	if _, err := w.field(name); err != nil {
		return err
	}
	return w.patch(ctx, map[string]any{name: nil})
}

func (w *World) patchString(ctx context.Context, name, value string) error {
	if _, err := w.field(name); err != nil {
		return err
	}
	return w.patch(ctx, map[string]any{name: value})
}

// probeField is a free-text field to change beside what a scenario is about.
func (w *World) probeField() (fixtures.Field, error) {
	if err := w.lacks("free-text"); err != nil {
		return fixtures.Field{}, err
	}
	f, _ := w.env.Profile.ProbeField()
	return f, nil
}

func (w *World) patchProbe(ctx context.Context) error {
	f, err := w.probeField()
	if err != nil {
		return err
	}
	return w.patchNewValue(ctx, f.Name)
}

// patchMixed sets three fields, nulls three others and omits the rest, in one body.
func (w *World) patchMixed(ctx context.Context) error {
	if err := w.lacks("plain-fields"); err != nil {
		return err
	}
	set, null := w.env.Profile.MixedFields()
	body, err := w.freshValues(ctx, set)
	if err != nil {
		return err
	}
	for _, f := range null {
		body[f.Name] = nil
	}
	return w.patch(ctx, body)
}

// patchReadOnly sends a read-only field with a different value next to a writable
// change, after a control PATCH (learnMovingFields).
func (w *World) patchReadOnly(ctx context.Context, name string) error {
	if err := w.learnMovingFields(ctx); err != nil {
		return err
	}
	probe, err := w.probeField()
	if err != nil {
		return err
	}
	body, err := w.newValues(ctx, probe.Name)
	if err != nil {
		return err
	}
	body[name] = w.readOnlyValue(w.before.Get(name))
	return w.patch(ctx, body)
}

// learnMovingFields sends a control PATCH of one writable field and notes which read-only
// fields it changed: those the target changes on every update by itself (a last-modified
// date), which are judged by "the value sent was not stored" instead of "unchanged". The
// case as read after it is the scenario's baseline.
func (w *World) learnMovingFields(ctx context.Context) error {
	probe, err := w.probeField()
	if err != nil {
		return err
	}
	body, err := w.newValues(ctx, probe.Name)
	if err != nil {
		return err
	}
	if w.env.Profile.Host().WholeSeconds() {
		// Two writes within one second share a whole-second stamp: without the wait, a
		// last-modified date could look still after the control PATCH and then move.
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", w.req, ctx.Err())
		}
	}
	if err := w.patch(ctx, body); err != nil {
		return err
	}
	if w.last.Status/100 != 2 {
		return w.cannotJudge("setup: the control PATCH of %q alone was refused: %s", probe.Name, w.last.Summary())
	}
	control, err := w.afterCase(ctx)
	if err != nil {
		return err
	}
	w.moving = map[string]bool{}
	for _, name := range w.env.Profile.ReadOnly {
		was := w.before.Get(name)
		w.moving[name] = !cases.SameRead(w.env.Profile, fixtures.Field{Name: name, Type: guessType(was)}, was, control.Get(name))
	}
	w.before = control
	return nil
}

// differentRaw is a value unlike a read-back one, of the same JSON type where it can be,
// and one a field that the target moves forward on every update (a counter, a date) does
// not reach by itself: numbers and instants go back, never up.
func differentRaw(r gjson.Result) any {
	switch r.Type {
	case gjson.Number:
		return r.Float() - 1000.5
	case gjson.True:
		return false
	case gjson.False:
		return true
	case gjson.String:
		if t, ok := instant(r); ok {
			return t.Add(-48 * time.Hour).UTC().Format(time.RFC3339)
		}
		if sfid.Valid(r.Str) {
			return "005000000000009AAA"
		}
		return r.Str + "-X"
	}
	return "casecert-readonly"
}

func (w *World) patchNested(ctx context.Context, kind string) error {
	// Send a fresh child (the profile's sample, or without one an object of one text
	// key) and, where the case has a child, a changed copy of it.
	child := map[string]any{"name": "casecert " + w.gen.Word()}
	if sample, ok := w.env.Profile.NestedSamples[kind]; ok {
		child = map[string]any(sample)
	}
	existing := w.children[kind]
	items := []any{child}
	if first := existing.Get("0"); first.IsObject() {
		changed := map[string]any{}
		first.ForEach(func(k, v gjson.Result) bool {
			changed[k.Str] = v.Value()
			if v.Type == gjson.String && k.Str != "id" {
				changed[k.Str] = v.Str + " (changed)"
			}
			return true
		})
		items = append(items, changed)
	}
	return w.patch(ctx, map[string]any{kind: items})
}

func (w *World) patchEmpty(ctx context.Context) error { return w.patch(ctx, map[string]any{}) }

// patchTwice sends one body twice and keeps the state after the first as the baseline.
func (w *World) patchTwice(ctx context.Context) error {
	body := map[string]any{}
	for _, f := range w.env.Profile.Fields {
		if f.IsFreeText() && f.Readable() {
			body[f.Name] = w.gen.Value(f)
		}
	}
	if len(body) == 0 {
		return w.skip("the profile has no free-text field")
	}
	if err := w.patch(ctx, body); err != nil {
		return err
	}
	if w.last.Status/100 != 2 {
		return w.violation("", "a PATCH of the free-text fields", "a 2xx answer", w.last.Summary())
	}
	first, err := w.afterCase(ctx)
	if err != nil {
		return err
	}
	if err := w.writeHeld(first); err != nil {
		return err
	}
	w.before = first
	return w.patch(ctx, body)
}

func (w *World) patchRecordType(ctx context.Context) error {
	if err := w.lacks("record-type-field"); err != nil {
		return err
	}
	name := w.env.Profile.RecordTypeField
	return w.patch(ctx, map[string]any{name: "casecert-other-record-type"})
}

const unknownField = "casecert_unknown_field"

func (w *World) patchUnknown(ctx context.Context) error {
	return w.patch(ctx, map[string]any{unknownField: "casecert " + w.gen.Word()})
}

func (w *World) waitASecond(ctx context.Context) error {
	// Platforms keep audit times to the second: give the clock a chance to move since
	// the case was last written (a case from the pool may have been written long ago).
	select {
	case <-time.After(time.Until(w.hold.LastWrite().Add(1100 * time.Millisecond))):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// --- Then ----------------------------------------------------------------------------

func (w *World) thenSucceeded(context.Context) error {
	if w.last.Status/100 != 2 {
		return w.violation("", w.sentShown(), "a 2xx answer", w.last.Summary())
	}
	return nil
}

// thenRefused4xx checks a refusal and that it changed nothing (a refused PATCH is atomic).
func (w *World) thenRefused4xx(ctx context.Context) error {
	if w.last.Status/100 != 4 {
		return w.violation("", w.sentShown(), "a 4xx refusal", w.last.Summary())
	}
	return w.thenAllUnchanged(ctx)
}

func (w *World) thenSucceededOrRefused(context.Context) error {
	if s := w.last.Status; s/100 != 2 && s/100 != 4 {
		return w.violation("", w.sentShown(), "a 2xx or a 4xx answer", w.last.Summary())
	}
	return nil
}

func (w *World) thenOthersUnchanged(ctx context.Context, name string) error {
	return w.unchangedExcept(ctx, name)
}

func (w *World) thenUnsentUnchanged(ctx context.Context) error {
	var names []string
	for k := range w.sent {
		names = append(names, k)
	}
	return w.unchangedExcept(ctx, names...)
}

func (w *World) thenAllUnchanged(ctx context.Context) error { return w.unchangedExcept(ctx) }

func (w *World) thenReadsBackAsSent(ctx context.Context, name string) error {
	return w.readsBackAsSent(ctx, name)
}

func (w *World) thenReadsBackNull(ctx context.Context, name string) error {
	if v, ok := w.sent[name]; !ok || v != nil {
		return fmt.Errorf("%s: the scenario did not send %q as null", w.req, name)
	}
	if err := w.setupHeld(name); err != nil {
		return err // a field never stored reads back null whatever the PATCH did
	}
	return w.readsBackAsSent(ctx, name)
}

// thenNullStoredFalse judges null sent to a checkbox that cannot hold it: stored as
// false, or refused cleanly (a 4xx that changed nothing).
func (w *World) thenNullStoredFalse(ctx context.Context, name string) error {
	if w.last.Status/100 == 4 {
		return w.thenAllUnchanged(ctx)
	}
	if err := w.thenSucceeded(ctx); err != nil {
		return err
	}
	return w.thenReadsBackNull(ctx, name)
}

func (w *World) thenBodyAsSent(ctx context.Context) error {
	var names []string
	for _, f := range w.env.Profile.Fields {
		if _, ok := w.sent[f.Name]; ok {
			names = append(names, f.Name)
		}
	}
	return w.readsBackAsSent(ctx, names...)
}

// thenFieldUnchanged compares one field (read-only ones included) with the baseline.
func (w *World) thenFieldUnchanged(ctx context.Context, name string) error {
	if err := w.setupHeld(name); err != nil {
		return err
	}
	after, err := w.afterCase(ctx)
	if err != nil {
		return err
	}
	was, now := w.before.Get(name), after.Get(name)
	f, ok := w.env.Profile.Field(name)
	if !ok {
		f = fixtures.Field{Name: name, Type: guessType(was)}
	}
	if !cases.SameRead(w.env.Profile, f, was, now) {
		sent := "nothing for it"
		if v, ok := w.sent[name]; ok {
			sent = jsonText(v)
		}
		return w.violation(name, sent, shown(was)+" (unchanged)", shown(now))
	}
	return nil
}

// thenReadOnlyIgnored checks a read-only field kept its value; one that the target moves
// on every update (learnMovingFields) must only not have taken the value sent.
func (w *World) thenReadOnlyIgnored(ctx context.Context, name string) error {
	if !w.moving[name] {
		return w.thenFieldUnchanged(ctx, name)
	}
	after, err := w.afterCase(ctx)
	if err != nil {
		return err
	}
	now := after.Get(name)
	if matchesSent(w.env.Profile, fixtures.Field{Name: name, Type: guessType(now)}, w.sent[name], now) {
		return w.violation(name, jsonText(w.sent[name]),
			"the value sent not to be stored (the target changes this field on every update, as a control PATCH showed)", shown(now))
	}
	return nil
}

// guessType picks the comparison for a read-only field the profile gives no type for.
func guessType(r gjson.Result) string {
	switch {
	case r.Type == gjson.Number:
		return fixtures.TypeNumber
	case r.Type == gjson.String:
		if _, ok := instant(r); ok {
			return fixtures.TypeDateTime
		}
	}
	return fixtures.TypeString
}

func (w *World) thenChildrenUnchanged(ctx context.Context) error {
	now, err := w.readChildren(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, kind := range w.env.Profile.Nested {
		if !cases.JSONEqual(w.children[kind], now[kind]) {
			errs = append(errs, w.violation(kind, "a "+kind+" array in the PATCH body", "the child records unchanged: "+shown(w.children[kind]), shown(now[kind])))
		}
	}
	return errors.Join(errs...)
}

// thenOwnerUnchanged judges the owner fields (ref: owner) alone: PATCH-OWNER-KEPT is about
// the owner, and another field the target drops is PATCH-OMIT's to judge.
func (w *World) thenOwnerUnchanged(ctx context.Context) error {
	var errs []error
	for _, f := range w.env.Profile.FieldsWithRef(fixtures.RefOwner) {
		if err := w.thenFieldUnchanged(ctx, f.Name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (w *World) thenPairedTimeUnchanged(ctx context.Context, dateField string) error {
	timeField, _ := w.env.Profile.TimeFieldFor(dateField)
	return w.thenFieldUnchanged(ctx, timeField)
}

func (w *World) thenAuditMoved(ctx context.Context) error {
	if err := w.lacks("audit-fields"); err != nil {
		return err
	}
	audit := w.env.Profile.AuditFields
	after, err := w.afterCase(ctx)
	if err != nil {
		return err
	}
	var errs []error
	was, now := w.before.Get(audit.LastModified), after.Get(audit.LastModified)
	tw, okW := instant(was)
	tn, okN := instant(now)
	if !okW || !okN || !tn.After(tw) {
		errs = append(errs, w.violation(audit.LastModified, w.sentShown(), "a later instant than "+shown(was), shown(now)))
	}
	if err := w.thenFieldUnchanged(ctx, audit.Created); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (w *World) thenRecordTypeUnchanged(ctx context.Context) error {
	name := w.env.Profile.RecordTypeField
	if got := w.before.Get(name); cases.IsNull(got) {
		// A case without a record type cannot show that the PATCH left it alone.
		return w.cannotJudge("setup did not hold: the case reads back no %s (%s), so \"unchanged\" would prove nothing", name, shown(got))
	}
	return w.thenFieldUnchanged(ctx, name)
}

func (w *World) observeUnknown(ctx context.Context) error {
	switch s := w.last.Status; {
	case s/100 == 4:
		w.Observe("an unknown field is refused with %d (%s)", s, errorMessage(w.last))
	case s/100 == 2:
		after, err := w.afterCase(ctx)
		if err != nil {
			return err
		}
		if after.Get(unknownField).Exists() {
			w.Observe("an unknown field is accepted (%d) and stored", s)
		} else {
			w.Observe("an unknown field is accepted (%d) and ignored", s)
		}
	default:
		w.Observe("an unknown field gets %s", w.last.Summary())
	}
	return nil
}

// errorMessage is the exchange's error message for messages, saying so when there is none.
func errorMessage(ex client.Exchange) string {
	if m := ex.ErrorMessage(); m != "" {
		return m
	}
	return "no message"
}
