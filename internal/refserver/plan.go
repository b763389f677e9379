package refserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
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
	patch := mode == modePatch
	setsValue := false
	for _, f := range catalog {
		if raw, ok := body[f.name]; ok && !isNull(raw) {
			setsValue = true
		}
	}
	ignoreNulls := patch && (s.faults.on("null-ignored") || s.faults.on("mixed-null-ignored") && setsValue)
	for _, f := range catalog {
		raw, ok := body[f.name]
		if !ok {
			continue
		}
		if isNull(raw) {
			switch {
			case f.notNull && !(patch && s.faults.on("owner-null-accepted")):
				p.errs = append(p.errs, fieldError{f.name, "cannot be null"})
			case ignoreNulls && !f.notNull:
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
	if owner, ok := p.set["owner_id"].(string); ok {
		exists, err := ownerExists(ctx, q, owner)
		if err != nil {
			return nil, err
		}
		if !exists {
			p.errs = append(p.errs, fieldError{"owner_id", "no User or Queue with id " + owner})
			delete(p.set, "owner_id")
		}
	}
	if err := s.planLocation(ctx, q, p); err != nil {
		return nil, err
	}
	if patch {
		s.planReadOnly(body, p)
	}
	if raw, ok := body["record_type"]; ok && patch && s.faults.on("recordtype-applied") && jsonType(raw) == "string" {
		var rt string
		json.Unmarshal(raw, &rt)
		p.set["record_type"] = rt
	}
	if !patch || s.faults.on("nested-updated") {
		for _, kind := range sortedKinds() {
			if raw, ok := body[kind]; ok {
				list, errs := parseChildren(kind, raw)
				p.children[kind] = list
				p.errs = append(p.errs, errs...)
			}
		}
	}
	if patch {
		s.planPatchRules(body, p, cur)
		return p, nil
	}
	if _, ok := p.set["owner_id"]; !ok {
		p.set["owner_id"] = integrationUser
	}
	for _, pair := range datePairs {
		if p.set[pair[0]] != nil && p.set[pair[1]] == nil {
			p.set[pair[1]] = midnight
		}
	}
	return p, nil
}

// planLocation resolves the linked pair location_id / location_number: location_id wins
// when both name a location, and setting one sets the other to match.
func (s *Server) planLocation(ctx context.Context, q querier, p *writePlan) error {
	vals := map[string]any{}
	for _, k := range []string{"location_id", "location_number"} {
		if v, ok := p.set[k]; ok {
			vals[k] = v
			delete(p.set, k)
		}
	}
	if len(vals) == 0 {
		return nil
	}
	order := []string{"location_id", "location_number"}
	if s.faults.on("location-number-wins") {
		order = []string{"location_number", "location_id"}
	}
	for _, k := range order {
		v, ok := vals[k].(string)
		if !ok {
			continue
		}
		column := map[string]string{"location_id": "id", "location_number": "number"}[k]
		id, number, err := findLocation(ctx, q, column, v)
		if err != nil {
			return err
		}
		switch {
		case id != "":
			p.set["location_id"], p.set["location_number"] = id, number
		case k == "location_number" && s.faults.on("location-unknown-accepted"):
			p.set["location_id"], p.set["location_number"] = nil, v
		default:
			p.errs = append(p.errs, fieldError{k, fmt.Sprintf("no Location with %s %q", column, v)})
		}
		return nil
	}
	p.set["location_id"], p.set["location_number"] = nil, nil
	return nil
}

// planReadOnly handles read-only fields in a PATCH body: ignored, unless a fault says
// otherwise.
func (s *Server) planReadOnly(body map[string]json.RawMessage, p *writePlan) {
	for _, f := range readOnlyFields {
		raw, ok := body[f.name]
		if !ok {
			continue
		}
		switch {
		case s.faults.on("readonly-refused"):
			p.errs = append(p.errs, fieldError{f.name, "is read-only"})
		case s.faults.on("readonly-written") && f.name != "id":
			if isNull(raw) {
				p.set[f.name] = nil
			} else if v, err := s.codec.decode(f, raw); err == nil {
				p.set[f.name] = v
			}
		}
	}
}

// planPatchRules applies what only a PATCH does; all but the audit stamp are faults.
func (s *Server) planPatchRules(body map[string]json.RawMessage, p *writePlan, cur record) {
	if v, ok := p.set["summary"]; ok && v != nil && s.faults.on("set-dropped") {
		delete(p.set, "summary")
	}
	if _, ok := body["owner_id"]; !ok && s.faults.on("owner-reset") {
		p.set["owner_id"] = integrationUser
	}
	if s.faults.on("date-resets-time") {
		for _, pair := range datePairs {
			if _, sent := body[pair[1]]; p.set[pair[0]] != nil && !sent {
				p.set[pair[1]] = midnight
			}
		}
	}
	if s.faults.on("not-idempotent") {
		for _, f := range catalog {
			if v, ok := p.set[f.name].(string); ok && f.kind == kindString && cur[f.name] == v {
				p.set[f.name] = v + " (2)"
			}
		}
	}
	if s.faults.on("omit-clears") {
		for _, f := range catalog {
			if _, ok := p.set[f.name]; !ok {
				p.set[f.name] = nil
				if f.notNull {
					p.set[f.name] = integrationUser
				}
			}
		}
	}
}

// touch stamps a successful PATCH: last_modified_date moves forward by at least 1 ms,
// even for two writes within the same millisecond.
func (s *Server) touch(cur record, set map[string]any) {
	if s.faults.on("audit-frozen") {
		return
	}
	now := s.stamp()
	if prevText, ok := cur["last_modified_date"].(string); ok {
		if prev, err := time.Parse(instantLayout, prevText); err == nil && !now.After(prev) {
			now = prev.Add(time.Millisecond)
		}
	}
	if _, ok := set["last_modified_date"]; !ok {
		set["last_modified_date"] = now.Format(instantLayout)
	}
	if _, ok := set["last_modified_by_id"]; !ok {
		set["last_modified_by_id"] = integrationUser
	}
}

func sortedKinds() []string {
	kinds := make([]string, 0, len(nestedKinds))
	for k := range nestedKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

// parseChildren checks a nested array of child objects; null means none.
func parseChildren(kind string, raw json.RawMessage) ([]map[string]json.RawMessage, []fieldError) {
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
		obj, err := childObject(kind, e)
		for _, fe := range err {
			errs = append(errs, fieldError{fmt.Sprintf("%s[%d].%s", kind, i, fe.field), fe.msg})
		}
		out = append(out, obj)
	}
	return out, errs
}

// childObject checks one child: a JSON object whose item values are numbers. Its id is
// the server's to give, so a sent one is dropped.
func childObject(kind string, raw json.RawMessage) (map[string]json.RawMessage, []fieldError) {
	var obj map[string]json.RawMessage
	if jsonType(bytes.TrimSpace(raw)) != "object" || json.Unmarshal(raw, &obj) != nil {
		return nil, []fieldError{{"", "want a JSON object"}}
	}
	delete(obj, "id")
	var errs []fieldError
	if kind == "items" {
		for _, k := range []string{"estimated_value", "recovered_value"} {
			if v, ok := obj[k]; ok && !isNull(v) && jsonType(v) != "number" {
				errs = append(errs, fieldError{k, "want a JSON number, got " + jsonType(v)})
			}
		}
	}
	return obj, errs
}
