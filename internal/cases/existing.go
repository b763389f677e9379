package cases

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
)

// CaseSnapshot is the existing case of a --case-id run as it was before the run: its
// fields, and its child records of each nested kind.
type CaseSnapshot struct {
	Case     gjson.Result
	Children map[string]gjson.Result
}

// Snapshot reads the existing case of a --case-id run, and its child records, before the
// run changes it.
func Snapshot(ctx context.Context, env *Env) (CaseSnapshot, error) {
	doc, err := readExisting(ctx, env)
	if err != nil {
		return CaseSnapshot{}, err
	}
	children, err := ReadChildren(ctx, env.Client.Do, env.Profile, env.CaseID)
	if fault, ok := errors.AsType[*ChildrenFault](err); ok {
		return CaseSnapshot{}, fmt.Errorf("the %s of case %s cannot be read: %s", fault.Kind, env.CaseID, fault.Ex.Summary())
	}
	if err != nil {
		return CaseSnapshot{}, err
	}
	return CaseSnapshot{Case: doc, Children: children}, nil
}

func readExisting(ctx context.Context, env *Env) (gjson.Result, error) {
	r, err := env.ReadCase(ctx, env.Client.Do, env.CaseID)
	if err != nil {
		return gjson.Result{}, err
	}
	if r.Fault != "" {
		return gjson.Result{}, fmt.Errorf("the case %s cannot be read: %s", env.CaseID, r.Fault)
	}
	return r.Doc(), nil
}

// Restore writes every readable field of the case back to its value in the snapshot, and
// each write-only field the user gave a value for (WriteOnlyRestore) back to that value,
// and reads the case again to check. It returns whether every field is as it was, and
// names what is not. The run never sent any other write-only field (see unrestorable).
func Restore(ctx context.Context, env *Env, snap CaseSnapshot) (bool, string) {
	snapshot := snap.Case
	p := env.Profile
	body := map[string]any{}
	for name, v := range env.WriteOnlyRestore {
		body[name] = v
	}
	for _, f := range p.Fields {
		v := snapshot.Get(f.Name)
		if !f.Readable() || !v.Exists() || IsNull(v) && !f.IsNullable() {
			continue
		}
		body[f.Name] = writable(f, v)
	}
	// A linked pair is restored through one of its fields: the first that has a value.
	for _, group := range p.LinkedFields {
		kept := false
		for _, name := range group {
			if v, ok := body[name]; ok && v != nil && !kept {
				kept = true
				continue
			}
			if kept {
				delete(body, name)
			}
		}
	}
	ex, err := env.Client.Do(ctx, client.Request{Method: http.MethodPatch, Path: fixtures.Path(p.Paths.Update, env.CaseID), JSON: body})
	if err != nil {
		return false, "restoring the case failed: " + err.Error()
	}
	if ex.Status/100 != 2 {
		return false, "restoring the case was refused: " + ex.Summary()
	}
	nowSnap, err := Snapshot(ctx, env)
	if err != nil {
		return false, "reading the case back after restoring it failed: " + err.Error()
	}
	now := nowSnap.Case
	var differ []string
	for _, f := range p.Fields {
		if f.Readable() && !SameRead(p, f, snapshot.Get(f.Name), now.Get(f.Name)) {
			differ = append(differ, fmt.Sprintf("%s is %s, was %s", f.Name, Shown(now.Get(f.Name)), Shown(snapshot.Get(f.Name))))
		}
	}
	// The run never writes child records back: any change to them is left as it is.
	for _, kind := range p.Nested {
		if was, ok := snap.Children[kind]; ok && !JSONEqual(was, nowSnap.Children[kind]) {
			differ = append(differ, fmt.Sprintf("%s are %s, were %s (the run cannot write child records back)", kind, Shown(nowSnap.Children[kind]), Shown(was)))
		}
	}
	if len(differ) > 0 {
		return false, "not restored: " + strings.Join(differ, "; ") + writeOnlyNote(env)
	}
	return true, fmt.Sprintf("every readable field of case %s was restored to its value before the run", env.CaseID) + writeOnlyNote(env)
}

// writable is a read value in the form the contract takes it back: a local time that a
// platform reads back in its own serialisation (Apex's 14:30:00.000Z) is written as
// HH:MM:SS:mmm, which every target of the contract accepts.
func writable(f fixtures.Field, v gjson.Result) any {
	if f.Type == fixtures.TypeLocalTime && v.Type == gjson.String {
		if ms, ok := fixtures.ParseLocalTime(v.Str); ok {
			return fmt.Sprintf("%02d:%02d:%02d:%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
		}
	}
	return v.Value()
}

// writeOnlyNote says what became of the write-only fields on a --case-id run.
func writeOnlyNote(env *Env) string {
	var given, unsent []string
	for _, f := range env.Profile.Fields {
		if f.Readable() {
			continue
		}
		if _, ok := env.WriteOnlyRestore[f.Name]; ok {
			given = append(given, f.Name)
		} else {
			unsent = append(unsent, f.Name)
		}
	}
	note := ""
	if len(given) > 0 {
		note += "; write-only " + strings.Join(given, ", ") + " written back with the value given by --restore (it cannot be read back to check)"
	}
	if len(unsent) > 0 {
		note += "; write-only " + strings.Join(unsent, ", ") + " never sent, so left as it was"
	}
	return note
}
