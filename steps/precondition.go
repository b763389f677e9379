package steps

import (
	"errors"
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
)

// A scenario judges only from a precondition that held: "unchanged" or "cleared" over a
// field that was never stored proves nothing, so before such a judgement the baseline is
// checked to hold what the setup wrote. When it does not, the scenario could not be
// judged (a setup error, never a violation of the requirement and never a pass).

// setupNotHeld is the error of a precondition that did not hold.
func (w *World) setupNotHeld(field, sent, readBack string) error {
	return w.cannotJudge("setup did not hold: %s was sent %s, read back %s", field, sent, readBack)
}

// setupHeld checks that each named field the setup populated reads back populated in the
// baseline. Fields the setup did not send (or sent as null) have no precondition here.
func (w *World) setupHeld(names ...string) error {
	var errs []error
	for _, name := range names {
		if got, ok := w.unheld(name); ok {
			errs = append(errs, w.setupNotHeld(name, jsonText(w.setup[name]), shown(got)))
		}
	}
	return errors.Join(errs...)
}

// unheld says whether name was populated by the setup but reads back empty in the
// baseline, and what was read back.
func (w *World) unheld(name string) (gjson.Result, bool) {
	sent, ok := w.setup[name]
	if !ok || sent == nil {
		return gjson.Result{}, false
	}
	got := w.beforeGet(name)
	return got, cases.IsNull(got)
}

// ownerHeld checks that the owner fields read back as the owner the setup set: a case
// whose owner was reset at creation cannot show that a PATCH keeps it.
func (w *World) ownerHeld() error {
	var errs []error
	for _, f := range w.env.Profile.FieldsWithRef(fixtures.RefOwner) {
		sent, ok := w.setup[f.Name]
		if !ok || !f.Readable() {
			continue
		}
		if got := w.before.Get(f.Name); !matchesSent(w.env.Profile, f, sent, got) {
			errs = append(errs, w.setupNotHeld(f.Name, jsonText(sent), shown(got)))
		}
	}
	return errors.Join(errs...)
}

// childrenHeld checks that the case reads back the child records its setup created (a
// kind the setup sent no child of has no precondition here).
func (w *World) childrenHeld() error {
	var errs []error
	for _, kind := range w.env.Profile.Nested {
		sent, ok := w.setup[kind].([]any)
		if ok && len(sent) > 0 && len(w.children[kind].Array()) == 0 {
			errs = append(errs, w.setupNotHeld(kind, fmt.Sprintf("%d child record(s) in the create body", len(sent)), shown(w.children[kind])))
		}
	}
	return errors.Join(errs...)
}

// writeHeld checks that the fields of the last PATCH read back as sent in doc: the first
// of two identical PATCHes must have taken effect for the second to show anything.
func (w *World) writeHeld(doc gjson.Result) error {
	var errs []error
	for _, f := range w.env.Profile.Fields {
		sent, ok := w.sent[f.Name]
		if !ok || !f.Readable() {
			continue
		}
		if got := doc.Get(f.Name); !matchesSent(w.env.Profile, f, sent, got) {
			errs = append(errs, w.setupNotHeld(f.Name, jsonText(sent)+" by the first PATCH", shown(got)))
		}
	}
	return errors.Join(errs...)
}
