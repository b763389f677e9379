package refserver

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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

// insertNew creates a case from a checked plan; id "" means a fresh one.
func (s *Server) insertNew(ctx context.Context, q querier, id string, p *writePlan) (record, error) {
	seq, err := nextSeq(ctx, q, sqlNextCaseSeq)
	if err != nil {
		return nil, err
	}
	if id == "" {
		id = sfid.Make("500", seq)
	}
	now := s.stamp().Format(instantLayout)
	user := s.sc.integrationUser
	rec := record{
		colSeq: seq, colID: id, colNumber: fmt.Sprintf("C-%06d", seq), colRecordType: recordTypeLP,
		colTotalEst: 0.0, colTotalRec: 0.0,
		colCreated: now, colCreatedBy: user, colModified: now, colModifiedBy: user,
	}
	for k, v := range p.set {
		rec[k] = v
	}
	if s.faults.on("stores-nothing") {
		rec = record{"seq": seq, "id": id}
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
	for _, kind := range s.sc.kinds {
		list, ok := p.children[kind]
		if !ok {
			continue
		}
		if err := deleteChildren(ctx, q, caseID, kind); err != nil {
			return err
		}
		for _, data := range list {
			if _, err := insertChild(ctx, q, caseID, kind, s.sc.prefixes[kind], data); err != nil {
				return err
			}
		}
	}
	return rollUp(ctx, q, caseID, s.sc.itemsKind)
}

// createCase handles POST /incidents: the case and its nested children in one transaction.
func (s *Server) createCase(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	body, err := s.readObject(w, r, false)
	if err != nil {
		return err
	}
	var rec record
	err = s.st.inTx(ctx, func(tx conn) error {
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
	err = s.st.inTx(ctx, func(tx conn) error {
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
		if err := s.st.updateCase(ctx, tx, cur[colID].(string), p.set); err != nil {
			return err
		}
		return s.writeChildren(ctx, tx, cur[colID].(string), p)
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
	cur, err := s.load(ctx, s.st.pool(), ref)
	if err != nil {
		return err
	}
	p, err := s.plan(ctx, s.st.pool(), body, modePatch, cur)
	if err != nil {
		return err
	}
	if len(p.errs) > 0 {
		return validationError(p.errs)
	}
	// Wide enough that concurrent PATCHes overlap even on a loaded machine.
	time.Sleep(100 * time.Millisecond)
	row := map[string]any{}
	for _, f := range s.sc.fields {
		row[f.name] = cur[f.name]
	}
	for k, v := range p.set {
		row[k] = v
	}
	s.touch(cur, row)
	if err := s.st.updateCase(ctx, s.st.pool(), cur[colID].(string), row); err != nil {
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
	rec, err := s.load(ctx, s.st.pool(), ref)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, s.renderCase(rec))
	return nil
}

// deleteCase handles DELETE /incidents/{id} (Options.Delete): the case and its children
// are removed; 204.
func (s *Server) deleteCase(ctx context.Context, w http.ResponseWriter, ref caseRef) error {
	err := s.st.inTx(ctx, func(tx conn) error {
		rec, err := s.load(ctx, tx, ref)
		if err != nil {
			return err
		}
		return s.st.deleteCase(ctx, tx, rec["id"].(string))
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listFilters maps query parameters to columns.
var (
	listEqualFilters = [][2]string{{"status", "status"}, {"incidentType", "incident_type"}, {"investigationType", "investigation_type"}}
	listDateFilters  = [][2]string{{"createdDate", colCreated}, {"lastModifiedDate", colModified}}
)

// listCases handles GET /incidents: the AND of the filters, as a JSON array of cases.
func (s *Server) listCases(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	query := r.URL.Query()
	f := caseFilter{equal: map[string]string{}}
	for _, ef := range listEqualFilters {
		if _, ok := s.sc.field(ef[1]); !ok {
			continue
		}
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
	recs, err := s.st.listCases(ctx, s.st.pool(), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, jsonArray(len(recs), func(i int) []byte { return s.renderCase(recs[i]) }))
	return nil
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
	rec, err := s.load(ctx, s.st.pool(), ref)
	if err != nil {
		return err
	}
	list, err := listChildren(ctx, s.st.pool(), rec[colID].(string), kind)
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
	data, errs := s.sc.childObject(kind, raw)
	if len(errs) > 0 {
		return validationError(errs)
	}
	var c child
	err = s.st.inTx(ctx, func(tx conn) error {
		rec, err := s.load(ctx, tx, ref)
		if err != nil {
			return err
		}
		caseID := rec[colID].(string)
		if c.id, err = insertChild(ctx, tx, caseID, kind, s.sc.prefixes[kind], data); err != nil {
			return err
		}
		c.data = data
		if kind == s.sc.itemsKind {
			return rollUp(ctx, tx, caseID, kind)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusCreated, renderChild(c))
	return nil
}
