package refserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/casecert/casecert/fixtures"
)

// writeMode tells creation from update: some rules differ (owner default, date without
// time, read-only and nested fields).
type writeMode int

const (
	modeCreate writeMode = iota
	modePatch
)

// writePlan is a checked request body: the columns to set, the child collections to
// (re)write, and the refused fields.
type writePlan struct {
	set      map[string]any
	children map[string][]map[string]json.RawMessage
	errs     []fieldError
}

// plan checks body and computes what a write stores. cur is the stored case on PATCH.
func (s *Server) plan(ctx context.Context, q querier, body map[string]json.RawMessage, mode writeMode, cur record) (*writePlan, error) {
	p := &writePlan{set: map[string]any{}, children: map[string][]map[string]json.RawMessage{}}
	if s.faults.on("stores-nothing") {
		return p, nil
	}
	patch := mode == modePatch
	setsValue := false
	for _, f := range s.sc.fields {
		if raw, ok := body[f.name]; ok && !isNull(raw) {
			setsValue = true
		}
	}
	ignoreNulls := patch && (s.faults.on("null-ignored") || s.faults.on("mixed-null-ignored") && setsValue)
	for _, f := range s.sc.fields {
		raw, ok := body[f.name]
		if !ok {
			continue
		}
		if isNull(raw) {
			switch {
			case f.notNull && !(patch && s.faults.on("owner-null-accepted")):
				p.errs = append(p.errs, fieldError{f.name, "cannot be null"})
			case ignoreNulls && !f.notNull:
			case f.kind == kindBool && f.nullFalse:
				p.set[f.name] = false // a checkbox cannot hold null
			default:
				p.set[f.name] = nil
			}
			continue
		}
		v, err := s.codec.decode(f, raw)
		if err != nil {
			p.errs = append(p.errs, fieldError{f.name, err.Error()})
			continue
		}
		p.set[f.name] = v
	}
	for _, name := range s.sc.owners {
		owner, ok := p.set[name].(string)
		if !ok {
			continue
		}
		exists, err := ownerExists(ctx, q, owner)
		if err != nil {
			return nil, err
		}
		if !exists {
			p.errs = append(p.errs, fieldError{name, "no User or Queue with id " + owner})
			delete(p.set, name)
		}
	}
	if err := s.planLocation(ctx, q, p); err != nil {
		return nil, err
	}
	if patch {
		s.planReadOnly(body, p)
	}
	if raw, ok := body[s.sc.recordType]; ok && s.sc.recordType != "" && patch && s.faults.on("recordtype-applied") && jsonType(raw) == "string" {
		var rt string
		json.Unmarshal(raw, &rt)
		p.set[colRecordType] = rt
	}
	if !patch || s.faults.on("nested-updated") {
		for _, kind := range s.sc.kinds {
			if raw, ok := body[kind]; ok {
				list, errs := s.sc.parseChildren(kind, raw)
				p.children[kind] = list
				p.errs = append(p.errs, errs...)
			}
		}
	}
	if patch {
		s.planPatchRules(body, p, cur)
		return p, nil
	}
	for _, name := range s.sc.owners {
		if _, ok := p.set[name]; !ok {
			p.set[name] = s.sc.integrationUser
		}
	}
	for _, pair := range s.sc.datePairs {
		if p.set[pair[0]] != nil && p.set[pair[1]] == nil {
			p.set[pair[1]] = midnight
		}
	}
	return p, nil
}

// planLocation resolves the linked pair of the location id and number fields: the id
// wins when both name a location, and setting one sets the other to match.
func (s *Server) planLocation(ctx context.Context, q querier, p *writePlan) error {
	idField, numberField := s.sc.locID, s.sc.locNumber
	vals := map[string]any{}
	for _, k := range []string{idField, numberField} {
		if v, ok := p.set[k]; ok && k != "" {
			vals[k] = v
			delete(p.set, k)
		}
	}
	if len(vals) == 0 {
		return nil
	}
	order := []string{idField, numberField}
	if s.faults.on("location-number-wins") {
		order = []string{numberField, idField}
	}
	// store sets both fields of the pair (those the profile has) to one location.
	store := func(id, number any) {
		if idField != "" {
			p.set[idField] = id
		}
		if numberField != "" {
			p.set[numberField] = number
		}
	}
	for _, k := range order {
		v, ok := vals[k].(string)
		if !ok || k == "" {
			continue
		}
		column := "number"
		if k == idField {
			column = "id"
		}
		id, number, err := findLocation(ctx, q, column, v)
		if err != nil {
			return err
		}
		switch {
		case id != "":
			store(id, number)
		case k == numberField && s.faults.on("location-unknown-accepted"):
			store(nil, v)
		default:
			p.errs = append(p.errs, fieldError{k, fmt.Sprintf("no Location with %s %q", column, v)})
		}
		return nil
	}
	store(nil, nil)
	return nil
}

// planReadOnly handles read-only fields in a PATCH body: ignored, unless a fault says
// otherwise.
func (s *Server) planReadOnly(body map[string]json.RawMessage, p *writePlan) {
	written := s.faults.on("readonly-written")
	if s.faults.on("readonly-written-once") && len(p.errs) == 0 && s.namesStoredReadOnly(body) {
		// The first such PATCH of the server's life, and no other: a failure that a
		// rerun of the same scenario does not see again.
		written = s.readOnlyWrittenOnce.CompareAndSwap(false, true)
	}
	for _, f := range s.sc.readOnly {
		raw, ok := body[f.name]
		if !ok {
			continue
		}
		switch {
		case s.faults.on("readonly-refused"):
			p.errs = append(p.errs, fieldError{f.name, "is read-only"})
		case written && f.col != colID && f.col != "":
			if isNull(raw) {
				p.set[f.col] = nil
			} else if v, err := s.codec.decode(field{name: f.name, kind: f.kind}, raw); err == nil {
				p.set[f.col] = v
			}
		}
	}
}

// namesStoredReadOnly tells whether a PATCH body names a read-only field that has a
// column of its own (one readonly-written would store).
func (s *Server) namesStoredReadOnly(body map[string]json.RawMessage) bool {
	for _, f := range s.sc.readOnly {
		if _, ok := body[f.name]; ok && f.col != colID && f.col != "" {
			return true
		}
	}
	return false
}

// planPatchRules applies what only a PATCH does; all but the audit stamp are faults.
func (s *Server) planPatchRules(body map[string]json.RawMessage, p *writePlan, cur record) {
	if v, ok := p.set[s.sc.dropped]; ok && v != nil && s.faults.on("set-dropped") {
		delete(p.set, s.sc.dropped)
	}
	for _, name := range s.sc.owners {
		if _, ok := body[name]; !ok && s.faults.on("owner-reset") {
			p.set[name] = s.sc.integrationUser
		}
	}
	if s.faults.on("date-resets-time") {
		for _, pair := range s.sc.datePairs {
			if _, sent := body[pair[1]]; p.set[pair[0]] != nil && !sent {
				p.set[pair[1]] = midnight
			}
		}
	}
	if s.faults.on("not-idempotent") {
		for _, f := range s.sc.fields {
			if v, ok := p.set[f.name].(string); ok && f.kind == kindString && cur[f.name] == v {
				p.set[f.name] = v + " (2)"
			}
		}
	}
	if s.faults.on("omit-clears") || s.faults.on("omit-clears-but-owner") {
		for _, f := range s.sc.fields {
			if _, ok := p.set[f.name]; !ok && !(f.ref == fixtures.RefOwner && s.faults.on("omit-clears-but-owner")) {
				p.set[f.name] = nil
				if f.notNull {
					p.set[f.name] = s.sc.integrationUser
				}
			}
		}
	}
}

// touch stamps a successful PATCH: last_modified_date moves forward by at least 1 ms,
// even for two writes within the same millisecond.
func (s *Server) touch(cur record, set map[string]any) {
	if s.faults.on("audit-frozen") || s.faults.on("stores-nothing") {
		return
	}
	now := s.stamp()
	if prevText, ok := cur[colModified].(string); ok {
		if prev, err := time.Parse(instantLayout, prevText); err == nil && !now.After(prev) {
			// At whole seconds two writes within one share the stamp.
			if now = prev; !s.codec.wholeSeconds {
				now = prev.Add(time.Millisecond)
			}
		}
	}
	if _, ok := set[colModified]; !ok {
		set[colModified] = now.Format(instantLayout)
	}
	if _, ok := set[colModifiedBy]; !ok {
		set[colModifiedBy] = s.sc.integrationUser
	}
}

// parseChildren checks a nested array of child objects; null means none.
func (sc *schema) parseChildren(kind string, raw json.RawMessage) ([]map[string]json.RawMessage, []fieldError) {
	if isNull(raw) {
		return []map[string]json.RawMessage{}, nil
	}
	var elems []json.RawMessage
	if jsonType(raw) != "array" || json.Unmarshal(raw, &elems) != nil {
		return nil, []fieldError{{kind, "want an array of objects"}}
	}
	out := []map[string]json.RawMessage{}
	var errs []fieldError
	for i, e := range elems {
		obj, err := sc.childObject(kind, e)
		for _, fe := range err {
			errs = append(errs, fieldError{fmt.Sprintf("%s[%d].%s", kind, i, fe.field), fe.msg})
		}
		out = append(out, obj)
	}
	return out, errs
}

// childObject checks one child: a JSON object whose item values are numbers. Its id is
// the server's to give, so a sent one is dropped.
func (sc *schema) childObject(kind string, raw json.RawMessage) (map[string]json.RawMessage, []fieldError) {
	var obj map[string]json.RawMessage
	if jsonType(bytes.TrimSpace(raw)) != "object" || json.Unmarshal(raw, &obj) != nil {
		return nil, []fieldError{{"", "want a JSON object"}}
	}
	delete(obj, "id")
	var errs []fieldError
	if kind == sc.itemsKind {
		for _, k := range []string{"estimated_value", "recovered_value"} {
			if v, ok := obj[k]; ok && !isNull(v) && jsonType(v) != "number" {
				errs = append(errs, fieldError{k, "want a JSON number, got " + jsonType(v)})
			}
		}
	}
	return obj, errs
}
