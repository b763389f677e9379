package steps

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/sfid"
)

// formatsPhrases are the steps of formats.feature.
var formatsPhrases = []Phrase{
	phrase2(`^I PATCH "([^"]*)" with the JSON value (.+)$`, `I PATCH "initial_case_value" with the JSON value "12.5"`, (*World).patchJSON, MayShare),
	phrase2(`^I PATCH "([^"]*)" with a text of its maximum length in "([^"]*)"$`,
		`I PATCH "police_officer" with a text of its maximum length in "é"`, (*World).patchMaxLength, MayShare),
	phrase1(`^I PATCH "([^"]*)" with a text one character over its maximum length$`,
		`I PATCH "police_officer" with a text one character over its maximum length`, (*World).patchOverLength, MayShare),
	phrase2(`^I PATCH "([^"]*)" with the (15|18)-character form of another existing record's id$`,
		`I PATCH "owner_id" with the 15-character form of another existing record's id`, (*World).patchIDForm, MayShare),
	phrase2(`^I PATCH "([^"]*)" with an existing record's id with (.+)$`,
		`I PATCH "owner_id" with an existing record's id with a wrong checksum suffix`, (*World).patchBadID, MayShare),
	phrase1(`^I PATCH new values of several fields together with an invalid (.+)$`,
		`I PATCH new values of several fields together with an invalid date-time`, (*World).patchWithOneInvalid, MayShare),
	phrase1(`^I record whether the PATCH was accepted and what "([^"]*)" reads back as$`,
		`I record whether the PATCH was accepted and what "incident_local_time" reads back as`, (*World).observeAccepted, OwnCase),

	literal("the PATCH is refused with 400", (*World).thenRefused400, MayShare),
}

func (w *World) patchJSON(ctx context.Context, name, raw string) error {
	if _, err := w.field(name); err != nil {
		return err
	}
	if !client.ValidJSON(raw) {
		return fmt.Errorf("%s: the step's JSON value %s is not valid JSON", w.req, raw)
	}
	return w.patch(ctx, map[string]any{name: gjson.Parse(raw).Value()})
}

func (w *World) thenRefused400(ctx context.Context) error {
	if w.last.Status != http.StatusBadRequest {
		return w.violation("", w.sentShown(), "400 Bad Request", w.last.Summary())
	}
	return w.thenAllUnchanged(ctx)
}

func (w *World) boundedField(name string) (fixtures.Field, error) {
	f, err := w.field(name)
	if err == nil && f.MaxLength == 0 {
		err = fmt.Errorf("%s: field %q has no max_length in the profile", w.req, name)
	}
	return f, err
}

func (w *World) patchMaxLength(ctx context.Context, name, letter string) error {
	f, err := w.boundedField(name)
	if err != nil {
		return err
	}
	return w.patch(ctx, map[string]any{name: strings.Repeat(letter, f.MaxLength)})
}

func (w *World) patchOverLength(ctx context.Context, name string) error {
	f, err := w.boundedField(name)
	if err != nil {
		return err
	}
	return w.patch(ctx, map[string]any{name: strings.Repeat("a", f.MaxLength+1)})
}

// existingID is an id of a fixture record that field may name, the scenario's own pick;
// with change, the case is first moved off it if it points there (moveOff), so that the
// PATCH can show a change.
func (w *World) existingID(ctx context.Context, f fixtures.Field, change bool) (string, error) {
	var ids []string
	switch f.Ref {
	case fixtures.RefOwner:
		ids = append(ids, w.env.Profile.Fixtures.Owners...)
		ids = append(ids, w.env.Profile.Fixtures.IntegrationUser)
	case fixtures.RefLocation:
		for _, l := range w.env.Profile.Fixtures.Locations {
			ids = append(ids, l.ID)
		}
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == "" || !sfid.Valid(id) })
	current := text(w.before.Get(f.Name))
	if !slices.ContainsFunc(ids, func(id string) bool { return !fixtures.SameValue(fixtures.TypeSFID, id, current) }) {
		return "", w.skip("the profile's fixtures name no other record %q may point at", f.Name)
	}
	// The scenario's own pick (see freshValues), the case moved off it if it points there.
	body := map[string]any{f.Name: w.gen.Pick(ids)}
	if change {
		if err := w.moveOff(ctx, []fixtures.Field{f}, body); err != nil {
			return "", err
		}
	}
	id, _ := sfid.Normalize(fmt.Sprint(body[f.Name]))
	return id, nil
}

func (w *World) patchIDForm(ctx context.Context, name, form string) error {
	return w.patchExistingID(ctx, name, true, func(id string) (string, error) {
		if form == "15" {
			return id[:15], nil
		}
		return id, nil
	})
}

func (w *World) patchBadID(ctx context.Context, name, defect string) error {
	// Refused whatever it names: the case need not be moved off the record first.
	return w.patchExistingID(ctx, name, false, func(id string) (string, error) { return breakID(id, defect) })
}

// patchExistingID PATCHes name with an existing record's 18-character id, as shape makes it.
func (w *World) patchExistingID(ctx context.Context, name string, change bool, shape func(string) (string, error)) error {
	f, err := w.field(name)
	if err != nil {
		return err
	}
	id, err := w.existingID(ctx, f, change)
	if err != nil {
		return err
	}
	value, err := shape(id)
	if err != nil {
		return fmt.Errorf("%s: %w", w.req, err)
	}
	return w.patch(ctx, map[string]any{name: value})
}

// breakID turns a valid 18-character id into one with the named defect.
func breakID(id18, defect string) (string, error) {
	switch defect {
	case "14 characters":
		return id18[:14], nil
	case "16 characters":
		return id18[:16], nil
	case "17 characters":
		return id18[:17], nil
	case "19 characters":
		return id18 + "A", nil
	case "a non-alphanumeric character":
		return id18[:14] + "-" + id18[15:], nil
	case "a wrong checksum suffix":
		suffix := []byte(id18[15:])
		suffix[2] = map[bool]byte{true: 'B', false: 'A'}[suffix[2] == 'A']
		return id18[:15] + string(suffix), nil
	}
	return "", fmt.Errorf("unknown id defect %q", defect)
}

// patchWithOneInvalid sends valid new values for several fields plus one invalid value.
func (w *World) patchWithOneInvalid(ctx context.Context, kind string) error {
	var invalid fixtures.Field
	var bad any
pick:
	for _, f := range w.env.Profile.Fields {
		switch {
		case kind == "length" && f.MaxLength > 0:
			bad = strings.Repeat("a", f.MaxLength+1)
		case kind == "number" && f.Type == fixtures.TypeNumber:
			bad = "12.5"
		case kind == f.Type && kind == fixtures.TypeDate:
			bad = "2023-02-29"
		case kind == f.Type && kind == fixtures.TypeLocalTime:
			bad = "24:00:00"
		case kind == f.Type && kind == fixtures.TypeDateTime:
			bad = "2025-02-30T10:00:00Z"
		default:
			continue
		}
		invalid = f
		break pick
	}
	if bad == nil {
		return w.skip("the profile has no field for an invalid %s", kind)
	}
	var valid []fixtures.Field
	for _, f := range w.env.Profile.Fields {
		if f.Name != invalid.Name && f.Readable() && f.Ref == "" && len(valid) < 6 {
			valid = append(valid, f)
		}
	}
	body, err := w.freshValues(ctx, valid)
	if err != nil {
		return err
	}
	body[invalid.Name] = bad
	return w.patch(ctx, body)
}

func (w *World) observeAccepted(ctx context.Context, name string) error {
	after, accepted, err := w.observeRefusal(ctx)
	if accepted {
		w.Observe("accepted (%d); %s reads back as %s", w.last.Status, name, shown(after.Get(name)))
	}
	return err
}

// observeRefusal records a refusal of the last request, or reads the case back after
// an acceptance for the caller to describe.
func (w *World) observeRefusal(ctx context.Context) (gjson.Result, bool, error) {
	if w.last.Status/100 != 2 {
		w.Observe("refused with %d (%s)", w.last.Status, errorMessage(w.last))
		return gjson.Result{}, false, nil
	}
	after, err := w.afterCase(ctx)
	return after, err == nil, err
}
