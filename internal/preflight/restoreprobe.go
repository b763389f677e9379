package preflight

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
)

// RestoreError is an existing case (--case-id) that the run could not put back as it
// was: the target ignores null, so every empty field the scenarios fill would stay
// filled. Changed says what the probe itself left changed ("" when the case is as it
// was: the run stopped before writing anything else).
type RestoreError struct {
	CaseID, Msg, Changed string
}

func (e *RestoreError) Error() string { return e.Msg }

// probeRestore makes sure the existing case can be put back before the run writes it.
// Scenarios fill its empty fields, and the restore at the end empties them again with
// null; a target that ignores null would keep the user's case changed for good. So, on
// one field that holds a value (null would clear it), the probe writes null, reads the
// case, and puts the value back: when null left the value, the target ignores null and
// the case is as it was (the probe changed nothing). A case without empty fields needs
// no null to be restored, and is not probed.
func probeRestore(ctx context.Context, cfg Config, doc gjson.Result) error {
	p, id := cfg.Profile, cfg.CaseID
	var empty []string
	var probe *fixtures.Field
	for i, f := range p.Fields {
		if !f.Readable() || !f.Clears() {
			continue
		}
		v := doc.Get(f.Name)
		switch {
		case cases.IsNull(v):
			empty = append(empty, f.Name)
		case probe == nil && f.Ref == "" && len(p.LinkedGroup(f.Name)) == 1 && f.Name != p.MarkerField:
			probe = &p.Fields[i]
		}
	}
	if len(empty) == 0 {
		return nil
	}
	if probe == nil {
		return &RestoreError{CaseID: id, Msg: fmt.Sprintf("--case-id %s: the run would fill its empty fields (%s) and could not check first that the target clears them again with null: "+
			"no field of the case holds a value to try null on (nothing was changed); give a case with a free-text field set, or run without --case-id", id, list(empty))}
	}
	was := doc.Get(probe.Name)
	update := fixtures.Path(p.Paths.Update, id)
	write := func(v any) (client.Exchange, error) {
		return cfg.Client.Do(ctx, client.Request{Method: http.MethodPatch, Path: update, JSON: map[string]any{probe.Name: v}})
	}
	ex, err := write(nil)
	if err != nil {
		return &RestoreError{CaseID: id, Msg: fmt.Sprintf("--case-id %s: trying null on %s before the run failed: %v", id, probe.Name, err),
			Changed: "unknown: " + probe.Name + " may be null, was " + cases.Shown(was)}
	}
	if ex.Status/100 != 2 {
		return &RestoreError{CaseID: id, Msg: fmt.Sprintf("--case-id %s: the target refused null for %s (%s), so the run could not empty the fields it fills (%s) again; "+
			"nothing was changed: run without --case-id, on cases the run creates", id, probe.Name, ex.Summary(), list(empty))}
	}
	after, err := cases.ReadCase(ctx, cfg.Client.Do, p, id)
	now := after.Doc()
	switch {
	case err != nil || after.Fault != "":
		// The value may or may not be gone: put it back whatever the read said.
	case !cases.IsNull(now.Get(probe.Name)) && cases.SameRead(p, *probe, was, now.Get(probe.Name)):
		return &RestoreError{CaseID: id, Msg: fmt.Sprintf("--case-id %s: the target ignores null (a PATCH of {%q: null} answered %d and %s still reads %s), "+
			"so the run could not empty again the fields it would fill (%s); nothing was changed: run without --case-id, on cases the run creates",
			id, probe.Name, ex.Status, probe.Name, cases.Shown(was), list(empty))}
	}
	// Null cleared the value (or the read failed): put it back and check.
	if ex, err := write(was.Value()); err != nil || ex.Status/100 != 2 {
		return &RestoreError{CaseID: id, Msg: fmt.Sprintf("--case-id %s: trying null on %s before the run, its value %s could not be put back (%s)", id, probe.Name, cases.Shown(was), answer(ex, err)),
			Changed: probe.Name + " is null, was " + cases.Shown(was)}
	}
	back, err := cases.ReadCase(ctx, cfg.Client.Do, p, id)
	if err != nil || back.Fault != "" {
		return &RestoreError{CaseID: id, Msg: fmt.Sprintf("--case-id %s: after trying null on %s and putting its value back, the case cannot be read to check", id, probe.Name),
			Changed: "unknown: " + probe.Name + " was " + cases.Shown(was)}
	}
	if got := back.Doc().Get(probe.Name); !cases.SameRead(p, *probe, was, got) {
		return &RestoreError{CaseID: id, Msg: fmt.Sprintf("--case-id %s: trying null on %s before the run, its value %s could not be put back (it reads %s)", id, probe.Name, cases.Shown(was), cases.Shown(got)),
			Changed: probe.Name + " is " + cases.Shown(got) + ", was " + cases.Shown(was)}
	}
	return nil
}

// list names at most six fields.
func list(names []string) string {
	if len(names) > 6 {
		return strings.Join(names[:6], ", ") + fmt.Sprintf(" and %d more", len(names)-6)
	}
	return strings.Join(names, ", ")
}

func answer(ex client.Exchange, err error) string {
	if err != nil {
		return err.Error()
	}
	return ex.Summary()
}
