package refserver

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/casecert/casecert/internal/sfid"
)

// caseRef names a case from the path: by its 18-character id, or (plain-ids fault) by
// its sequence number.
type caseRef struct {
	id  string
	seq int64
}

func (s *Server) caseRef(raw string) (caseRef, error) {
	if s.faults.on("plain-ids") && len(raw) < 15 {
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil && n > 0 {
			return caseRef{seq: n}, nil
		}
	}
	id, err := sfid.Normalize(raw)
	if err != nil {
		if s.faults.on("malformed-id-500") {
			return caseRef{}, fmt.Errorf("looking up case %q: %w", raw, err)
		}
		return caseRef{}, badRequest("MALFORMED_ID", fmt.Sprintf("case id %q: %v", raw, err))
	}
	if len(raw) == 15 && s.faults.on("id15-unknown") {
		return caseRef{}, notFound("no case with id " + raw)
	}
	return caseRef{id: id}, nil
}

// load reads the case a ref names; a missing case is a 404.
func (s *Server) load(ctx context.Context, q querier, ref caseRef) (record, error) {
	rec, err := s.st.loadCase(ctx, q, ref.id, ref.seq)
	if errors.Is(err, sql.ErrNoRows) {
		name := ref.id
		if name == "" {
			name = strconv.FormatInt(ref.seq, 10)
		}
		return nil, notFound("no case with id " + name)
	}
	return rec, err
}

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

// insertNew creates a case from a checked plan; id "" means a fresh one.
func (s *Server) insertNew(ctx context.Context, q querier, id string, p *writePlan) (record, error) {
	seq, err := nextSeq(ctx, q, "cases")
	if err != nil {
		return nil, err
	}
	if id == "" {
		id = sfid.Make("500", seq)
	}
	now := s.stamp().Format(instantLayout)
	rec := record{
		"seq": seq, "id": id, "incident_number": fmt.Sprintf("C-%06d", seq), "record_type": recordTypeLP,
		"total_estimated_value": 0.0, "total_recovered_value": 0.0,
		"created_date": now, "created_by_id": integrationUser, "last_modified_date": now, "last_modified_by_id": integrationUser,
	}
	for k, v := range p.set {
		rec[k] = v
	}
	if err := s.st.insertCase(ctx, q, rec); err != nil {
		return nil, err
	}
	if err := s.writeChildren(ctx, q, id, p); err != nil {
		return nil, err
	}
	return s.st.loadCase(ctx, q, id, 0)
}

// writeChildren replaces the child collections the plan names and rolls the items up.
func (s *Server) writeChildren(ctx context.Context, q querier, caseID string, p *writePlan) error {
	if len(p.children) == 0 {
		return nil
	}
	for _, kind := range sortedKinds() {
		list, ok := p.children[kind]
		if !ok {
			continue
		}
		if err := deleteChildren(ctx, q, caseID, kind); err != nil {
			return err
		}
		for _, data := range list {
			if _, err := insertChild(ctx, q, caseID, kind, data); err != nil {
				return err
			}
		}
	}
	return rollUp(ctx, q, caseID)
}

// createCase handles POST /incidents: the case and its nested children in one transaction.
func (s *Server) createCase(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	body, err := s.readObject(w, r, false)
	if err != nil {
		return err
	}
	var rec record
	err = s.st.inTx(ctx, func(tx *sql.Tx) error {
		p, err := s.plan(ctx, tx, body, modeCreate, nil)
		if err != nil {
			return err
		}
		if len(p.errs) > 0 {
			return validationError(p.errs)
		}
		rec, err = s.insertNew(ctx, tx, "", p)
		return err
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", s.caseURL(rec))
	if s.faults.on("plain-ids") {
		s.writeJSON(w, http.StatusCreated, s.renderCase(rec))
		return nil
	}
	s.writeJSON(w, http.StatusCreated, s.envelope(rec, "Case created"))
	return nil
}

// patchCase handles PATCH /incidents/{id}: omitted fields kept, null cleared, values set,
// as one UPDATE of only the sent columns inside a transaction.
func (s *Server) patchCase(ctx context.Context, w http.ResponseWriter, r *http.Request, ref caseRef) error {
	body, err := s.readObject(w, r, s.faults.on("not-object-accepted"))
	if err != nil {
		return err
	}
	if len(body) == 0 && s.faults.on("empty-refused") {
		return badRequest("INVALID_FIELD", "the body names no field to update")
	}
	if s.faults.on("lost-update") {
		return s.patchWithoutTx(ctx, w, body, ref)
	}
	var rec record
	var rejected error
	err = s.st.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.load(ctx, tx, ref)
		var nf *apiError
		if errors.As(err, &nf) && ref.id != "" && s.faults.on("unknown-id-creates") {
			p, err := s.plan(ctx, tx, body, modeCreate, nil)
			if err != nil {
				return err
			}
			if len(p.errs) > 0 {
				return validationError(p.errs)
			}
			rec, err = s.insertNew(ctx, tx, ref.id, p)
			return err
		}
		if err != nil {
			return err
		}
		rec = cur
		p, err := s.plan(ctx, tx, body, modePatch, cur)
		if err != nil {
			return err
		}
		if len(p.errs) > 0 {
			rejected = validationError(p.errs)
			if !s.faults.on("partial-apply") {
				return rejected
			}
		}
		s.touch(cur, p.set)
		if err := s.st.updateCase(ctx, tx, cur["id"].(string), p.set); err != nil {
			return err
		}
		return s.writeChildren(ctx, tx, cur["id"].(string), p)
	})
	if err != nil {
		return err
	}
	if rejected != nil {
		return rejected
	}
	s.updated(w, rec)
	return nil
}

// patchWithoutTx is the lost-update fault: read the whole row, wait, write the whole row.
func (s *Server) patchWithoutTx(ctx context.Context, w http.ResponseWriter, body map[string]json.RawMessage, ref caseRef) error {
	cur, err := s.load(ctx, s.st.db, ref)
	if err != nil {
		return err
	}
	p, err := s.plan(ctx, s.st.db, body, modePatch, cur)
	if err != nil {
		return err
	}
	if len(p.errs) > 0 {
		return validationError(p.errs)
	}
	// Wide enough that concurrent PATCHes overlap even on a loaded machine.
	time.Sleep(100 * time.Millisecond)
	row := map[string]any{}
	for _, f := range catalog {
		row[f.name] = cur[f.name]
	}
	for k, v := range p.set {
		row[k] = v
	}
	s.touch(cur, row)
	if err := s.st.updateCase(ctx, s.st.db, cur["id"].(string), row); err != nil {
		return err
	}
	s.updated(w, cur)
	return nil
}

// updated answers a successful PATCH.
func (s *Server) updated(w http.ResponseWriter, rec record) {
	if s.faults.on("no-updated-response") {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.writeJSON(w, http.StatusOK, s.envelope(rec, "Case updated"))
}

// getCase handles GET /incidents/{id}.
func (s *Server) getCase(ctx context.Context, w http.ResponseWriter, ref caseRef) error {
	rec, err := s.load(ctx, s.st.db, ref)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, s.renderCase(rec))
	return nil
}

// listFilters maps query parameters to columns.
var (
	listEqualFilters = [][2]string{{"status", "status"}, {"incidentType", "incident_type"}, {"investigationType", "investigation_type"}}
	listDateFilters  = [][2]string{{"createdDate", "created_date"}, {"lastModifiedDate", "last_modified_date"}}
)

// listCases handles GET /incidents: the AND of the filters, as a JSON array of cases.
func (s *Server) listCases(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	query := r.URL.Query()
	f := caseFilter{equal: map[string]string{}}
	for _, ef := range listEqualFilters {
		if v := query.Get(ef[0]); v != "" {
			f.equal[ef[1]] = v
		}
	}
	for _, df := range listDateFilters {
		for _, bound := range []string{"From", "To"} {
			param := df[0] + bound
			v := query.Get(param)
			if v == "" {
				continue
			}
			rf, err := dateFilter(df[1], v, bound == "To")
			if err != nil {
				return badRequest("INVALID_FILTER", fmt.Sprintf("%s: %v", param, err), param)
			}
			f.ranges = append(f.ranges, rf)
		}
	}
	recs, err := s.st.listCases(ctx, s.st.db, f)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, jsonArray(len(recs), func(i int) []byte { return s.renderCase(recs[i]) }))
	return nil
}

// jsonArray joins n rendered JSON values into an array.
func jsonArray(n int, item func(int) []byte) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(item(i))
	}
	b.WriteByte(']')
	return b.Bytes()
}

// dateFilter reads YYYY-MM-DD (a whole UTC day) or YYYY-MM-DDTHH:mm:ssZ (a whole second,
// or an exact instant with fractions); both bounds are inclusive.
func dateFilter(column, v string, upper bool) (rangeFilter, error) {
	var start time.Time
	var span time.Duration
	if reDate.MatchString(v) {
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return rangeFilter{}, err
		}
		start, span = d, 24*time.Hour
	} else {
		if !reDateTime.MatchString(v) {
			return rangeFilter{}, errors.New("want YYYY-MM-DD or YYYY-MM-DDTHH:mm:ssZ")
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return rangeFilter{}, err
		}
		start, span = t.UTC(), time.Second
		if t.Nanosecond() != 0 {
			span = time.Millisecond
		}
	}
	if upper {
		return rangeFilter{column, "<", start.Add(span).Format(instantLayout)}, nil
	}
	return rangeFilter{column, ">=", start.Format(instantLayout)}, nil
}

// listChildren handles GET /incidents/{id}/persons|vehicles|items.
func (s *Server) listChildren(ctx context.Context, w http.ResponseWriter, ref caseRef, kind string) error {
	rec, err := s.load(ctx, s.st.db, ref)
	if err != nil {
		return err
	}
	list, err := listChildren(ctx, s.st.db, rec["id"].(string), kind)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, jsonArray(len(list), func(i int) []byte { return renderChild(list[i]) }))
	return nil
}

// addChild handles POST /incidents/{id}/persons|vehicles|items.
func (s *Server) addChild(ctx context.Context, w http.ResponseWriter, r *http.Request, ref caseRef, kind string) error {
	body, err := s.readObject(w, r, false)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(body)
	data, errs := childObject(kind, raw)
	if len(errs) > 0 {
		return validationError(errs)
	}
	var c child
	err = s.st.inTx(ctx, func(tx *sql.Tx) error {
		rec, err := s.load(ctx, tx, ref)
		if err != nil {
			return err
		}
		caseID := rec["id"].(string)
		if c.id, err = insertChild(ctx, tx, caseID, kind, data); err != nil {
			return err
		}
		c.data = data
		if kind == "items" {
			return rollUp(ctx, tx, caseID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusCreated, renderChild(c))
	return nil
}

// publicID is the id a case is shown with: its 18-character id, or its number under the
// plain-ids fault.
func (s *Server) publicID(rec record) any {
	if s.faults.on("plain-ids") {
		return rec["seq"]
	}
	return rec["id"]
}

func (s *Server) caseURL(rec record) string {
	return fmt.Sprintf("%s/incidents/%v", s.base, s.publicID(rec))
}

// envelope is the UpdatedResponse of a successful write.
func (s *Server) envelope(rec record, msg string) []byte {
	type attributes struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	out, _ := json.Marshal(struct {
		ID         any        `json:"id"`
		Attributes attributes `json:"attributes"`
		Success    bool       `json:"success"`
		Message    string     `json:"message"`
	}{s.publicID(rec), attributes{"Case", s.caseURL(rec)}, true, msg})
	return out
}

// object writes a JSON object with keys in the order they are added.
type object struct{ b bytes.Buffer }

func (o *object) add(key string, v any) {
	if o.b.Len() == 0 {
		o.b.WriteByte('{')
	} else {
		o.b.WriteByte(',')
	}
	k, _ := json.Marshal(key)
	o.b.Write(k)
	o.b.WriteByte(':')
	val, err := json.Marshal(v)
	if err != nil {
		val = []byte("null")
	}
	o.b.Write(val)
}

func (o *object) bytes() []byte {
	if o.b.Len() == 0 {
		return []byte("{}")
	}
	o.b.WriteByte('}')
	return o.b.Bytes()
}

// renderCase is the read view of a case: every field key, null when unset; write-only
// fields left out.
func (s *Server) renderCase(rec record) []byte {
	var o object
	o.add("id", s.publicID(rec))
	o.add("incident_number", rec["incident_number"])
	o.add("record_type", rec["record_type"])
	for _, f := range catalog {
		if f.writeOnly {
			continue
		}
		v := rec[f.name]
		if t, ok := v.(string); ok && f.kind == kindLocalTime {
			v = showLocalTime(t)
		}
		o.add(f.name, v)
	}
	for _, f := range readOnlyFields[2:] {
		o.add(f.name, rec[f.name])
	}
	return o.bytes()
}

func renderChild(c child) []byte {
	var o object
	o.add("id", c.id)
	keys := make([]string, 0, len(c.data))
	for k := range c.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o.add(k, c.data[k])
	}
	return o.bytes()
}
