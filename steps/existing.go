package steps

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
)

// useExistingCase is the setup of a run on one existing case (--case-id): the case is
// populated with a PATCH instead of being created.
func (w *World) useExistingCase(ctx context.Context, withChildren bool, override map[string]any) error {
	body := w.populatedBody()
	for k, v := range override {
		body[k] = v
	}
	w.caseID = w.env.CaseID
	w.setup = body
	ex, err := w.do(ctx, client.Request{Method: http.MethodPatch, Path: w.updatePath(), JSON: body})
	if err != nil {
		return err
	}
	if ex.Status/100 != 2 {
		return w.cannotJudge("setup: populating the existing case %s was refused: %s", w.caseID, describe(ex))
	}
	if w.before, err = w.readCase(ctx); err != nil {
		return err
	}
	if !withChildren {
		return nil
	}
	// A run on --case-id creates no child records: the case's children are judged as
	// they are (none, if it has none: a PATCH must not create any either).
	w.children, err = w.readChildren(ctx)
	return err
}

// Snapshot reads the existing case of a --case-id run before the run changes it.
func Snapshot(ctx context.Context, env *Env) (gjson.Result, error) {
	ex, err := env.Client.Do(ctx, client.Request{Method: http.MethodGet, Path: fixtures.Path(env.Profile.Paths.Read, env.CaseID)})
	if err != nil {
		return gjson.Result{}, err
	}
	if ex.Status != http.StatusOK || !ex.JSON().IsObject() {
		return gjson.Result{}, fmt.Errorf("the case %s cannot be read: %s", env.CaseID, describe(ex))
	}
	return ex.JSON(), nil
}

// Restore writes every readable field of the case back to its value in the snapshot
// and reads the case again to check. It returns whether every field is as it was, and
// what is not. Write-only fields cannot be checked and are left as the run set them.
func Restore(ctx context.Context, env *Env, snapshot gjson.Result) (bool, string) {
	p := env.Profile
	body := map[string]any{}
	for _, f := range p.Fields {
		v := snapshot.Get(f.Name)
		if !f.Readable() || !v.Exists() || isNull(v) && !f.IsNullable() {
			continue
		}
		body[f.Name] = v.Value()
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
		return false, "restoring the case was refused: " + describe(ex)
	}
	now, err := Snapshot(ctx, env)
	if err != nil {
		return false, "reading the case back after restoring it failed: " + err.Error()
	}
	var differ []string
	for _, f := range p.Fields {
		if f.Readable() && !sameRead(p, f, snapshot.Get(f.Name), now.Get(f.Name)) {
			differ = append(differ, fmt.Sprintf("%s is %s, was %s", f.Name, shown(now.Get(f.Name)), shown(snapshot.Get(f.Name))))
		}
	}
	if len(differ) > 0 {
		return false, "not restored: " + strings.Join(differ, "; ")
	}
	return true, fmt.Sprintf("every readable field of case %s was restored to its value before the run", env.CaseID)
}
