package steps

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/brief"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/sfid"
)

// requestsPhrases are the steps of requests.feature (identity, request and response).
var requestsPhrases = []Phrase{
	phrase1(`^I PATCH another field through the case's (15|18)-character id$`,
		`I PATCH another field through the case's 15-character id`, (*World).patchThroughIDForm, MayShare),
	literal("I PATCH a well-formed case id that does not exist", (*World).patchUnknownID, MayShare),
	literal("no case exists under that id", (*World).thenNoCaseUnderUnknownID, OwnCase),
	phrase1(`^I PATCH the case id "([^"]*)"$`, `I PATCH the case id "not-an-id"`, (*World).patchRawID, MayShare),
	phrase1(`^I PATCH the case with the raw body (.+)$`, `I PATCH the case with the raw body {"description": 'x'}`, (*World).patchRawBody, MayShare),
	phrase1(`^I PATCH another field with the content type "([^"]*)"$`, `I PATCH another field with the content type "text/plain"`, (*World).patchWithContentType, MayShare),
	literal("I record whether the PATCH was applied", (*World).observeApplied, OwnCase),
	phrase1(`^I send an abusive PATCH: (.+)$`, `I send an abusive PATCH: JSON nested 10000 deep`, (*World).patchAbusive, OwnCase),
	literal("I PATCH the location id of one location and the location number of another", (*World).patchBothLocations, MayShare),
	literal("the location id reads back as the one sent", (*World).thenLocationIDAsSent, OwnCase),
	phrase1(`^I PATCH the location number "([^"]*)"$`, `I PATCH the location number "CASECERT-NO-SUCH-LOCATION"`, (*World).patchLocationNumber, MayShare),
	phrase1(`^I provoke a (.+)$`, `I provoke a validation error`, (*World).provoke, MayShare),

	phrase1(`^the answer is (\d{3})$`, `the answer is 404`, (*World).thenStatus, MayShareIfRefused),
	phrase2(`^the answer is (\d{3}) or (\d{3})$`, `the answer is 400 or 404`, (*World).thenStatusEither, MayShareIfRefused),
	literal("the answer is not a 5xx", (*World).thenNot5xx, OwnCase),
	literal("the answer is an UpdatedResponse naming the case by its 18-character id", (*World).thenUpdatedResponse, OwnCase),
	literal("the refusal answers a JSON error with a message", (*World).thenRefusalShape, MayShare),
	literal("the answer says Content-Type application/json", (*World).thenContentTypeJSON, OwnCase),
}

// probeRequest is a PATCH setting the probe field to a new value, at path ("" for the
// scenario's case).
func (w *World) probeRequest(ctx context.Context, path string) (client.Request, error) {
	f, err := w.probeField()
	if err != nil {
		return client.Request{}, err
	}
	body, err := w.newValues(ctx, f.Name)
	if err != nil {
		return client.Request{}, err
	}
	w.sent = body
	if path == "" {
		path = w.updatePath()
	}
	return client.Request{Method: http.MethodPatch, Path: path, JSON: body}, nil
}

func (w *World) sendProbe(ctx context.Context, adjust func(*client.Request)) error {
	req, err := w.probeRequest(ctx, "")
	if err != nil {
		return err
	}
	adjust(&req)
	return w.send(ctx, req)
}

func (w *World) patchThroughIDForm(ctx context.Context, form string) error {
	id, err := sfid.Normalize(w.caseID)
	if err != nil {
		return w.violation("", "", "the case id to be a Salesforce id (15 or 18 characters)", fmt.Sprintf("%q from the create answer", w.caseID))
	}
	if form == "15" {
		id = id[:15]
	}
	req, err := w.probeRequest(ctx, fixtures.Path(w.env.Profile.Paths.Update, id))
	if err != nil {
		return err
	}
	return w.send(ctx, req)
}

// unknownID is a well-formed id of the case's kind that no record has.
func (w *World) unknownID() string {
	prefix := "500"
	if sfid.Valid(w.caseID) {
		prefix = w.caseID[:3]
	}
	return sfid.Make(prefix, 200_000_000_000_000+int64(w.gen.Intn(1_000_000_000)))
}

func (w *World) patchUnknownID(ctx context.Context) error {
	w.caseID = w.unknownID()
	return w.patchProbe(ctx)
}

func (w *World) thenNoCaseUnderUnknownID(ctx context.Context) error {
	ex, err := w.do(ctx, client.Request{Method: http.MethodGet, Path: fixtures.Path(w.env.Profile.Paths.Read, w.caseID)})
	if err != nil {
		return err
	}
	if ex.Status/100 == 2 {
		return w.violation("", "a PATCH of the unknown id "+w.caseID, "no case under that id afterwards (404)", ex.Summary())
	}
	return nil
}

func (w *World) patchRawID(ctx context.Context, id string) error {
	w.caseID = id
	body := map[string]any{}
	if f, ok := w.env.Profile.ProbeField(); ok {
		body[f.Name] = w.gen.Value(f)
	}
	return w.patch(ctx, body)
}

func (w *World) patchRawBody(ctx context.Context, body string) error {
	w.sent = map[string]any{}
	return w.send(ctx, client.Request{Method: http.MethodPatch, Path: w.updatePath(), Body: []byte(body)})
}

func (w *World) patchWithContentType(ctx context.Context, contentType string) error {
	return w.sendProbe(ctx, func(r *client.Request) { r.ContentType = contentType })
}

func (w *World) observeApplied(ctx context.Context) error {
	after, accepted, err := w.observeRefusal(ctx)
	if !accepted {
		return err
	}
	applied := true
	for name, v := range w.sent {
		f, _ := w.env.Profile.Field(name)
		applied = applied && matchesSent(w.env.Profile, f, v, after.Get(name))
	}
	if applied {
		w.Observe("accepted (%d) and applied", w.last.Status)
	} else {
		w.Observe("accepted (%d) but not applied", w.last.Status)
	}
	return nil
}

func (w *World) patchAbusive(ctx context.Context, abuse string) error {
	// Any body field will do: the abuse is in the body, not in the value.
	field := w.env.Profile.Fields[0].Name
	if f, ok := w.env.Profile.ProbeField(); ok {
		field = f.Name
	}
	var body string
	switch abuse {
	case "a body over 1 MiB":
		body = fmt.Sprintf(`{%q: %q}`, field, strings.Repeat("a", 1<<20+1024))
	case "JSON nested 10000 deep":
		body = fmt.Sprintf(`{%q: %s%s}`, field, strings.Repeat("[", 10000), strings.Repeat("]", 10000))
	case "invalid UTF-8":
		body = fmt.Sprintf(`{%q: "caf%s"}`, field, "\xff\xfe")
	case "5000 unknown fields":
		var b strings.Builder
		b.WriteString("{")
		for i := range 5000 {
			fmt.Fprintf(&b, `"casecert_extra_%d": "x",`, i)
		}
		fmt.Fprintf(&b, `%q: "x"}`, field)
		body = b.String()
	case "a number too large for float":
		body = fmt.Sprintf(`{%q: 1e400}`, field)
		for _, f := range w.env.Profile.Fields {
			if f.Type == fixtures.TypeNumber {
				body = fmt.Sprintf(`{%q: 1e400}`, f.Name)
				break
			}
		}
	case "an empty body":
		body = ""
	default:
		return fmt.Errorf("%s: unknown abuse %q", w.req, abuse)
	}
	w.sent = map[string]any{}
	return w.send(ctx, client.Request{Method: http.MethodPatch, Path: w.updatePath(), Body: []byte(body)})
}

// patchBothLocations sends the id of a location the case is not at and the number of
// another one: the case's own when the profile names only two. Either way the id and the
// number lead to different locations.
func (w *World) patchBothLocations(ctx context.Context) error {
	if err := w.lacks("location-fields", "two-locations"); err != nil {
		return err
	}
	idField, numberField := w.env.Profile.LocationFields()
	locs := w.env.Profile.Fixtures.Locations
	// The scenario's own picks (see freshValues), the case moved off the id's location.
	byID := locs[w.gen.Intn(len(locs))]
	f, err := w.field(idField)
	if err != nil {
		return err
	}
	body := map[string]any{idField: byID.ID}
	if err := w.moveOff(ctx, []fixtures.Field{f}, body); err != nil {
		return err
	}
	if i := slices.IndexFunc(locs, func(l fixtures.Location) bool {
		return fixtures.SameValue(fixtures.TypeSFID, l.ID, fmt.Sprint(body[idField]))
	}); i >= 0 {
		byID = locs[i]
	}
	others := slices.DeleteFunc(slices.Clone(locs), func(l fixtures.Location) bool { return l == byID })
	byNumber := others[w.gen.Intn(len(others))]
	return w.patch(ctx, map[string]any{idField: byID.ID, numberField: byNumber.Number})
}

func (w *World) thenLocationIDAsSent(ctx context.Context) error {
	idField, _ := w.env.Profile.LocationFields()
	return w.readsBackAsSent(ctx, idField)
}

func (w *World) patchLocationNumber(ctx context.Context, number string) error {
	if err := w.lacks("location-number"); err != nil {
		return err
	}
	_, numberField := w.env.Profile.LocationFields()
	return w.patch(ctx, map[string]any{numberField: number})
}

// provoke sends a request that must get the named kind of answer.
func (w *World) provoke(ctx context.Context, kind string) error {
	switch kind {
	case "validation error":
		// An object where a date belongs: invalid under any reading, lenient or strict.
		name := w.env.Profile.Fields[0].Name
		for _, f := range w.env.Profile.Fields {
			if f.Type == fixtures.TypeDate {
				name = f.Name
				break
			}
		}
		return w.patch(ctx, map[string]any{name: map[string]any{"not": "a date"}})
	case "malformed JSON":
		return w.patchRawBody(ctx, `{"a": `)
	case "unknown case":
		w.caseID = w.unknownID()
		return w.patchProbe(ctx)
	case "missing token":
		return w.patchNoAuth(ctx)
	case "successful PATCH":
		return w.patchProbe(ctx)
	case "case read":
		return w.send(ctx, client.Request{Method: http.MethodGet, Path: fixtures.Path(w.env.Profile.Paths.Read, w.caseID)})
	}
	return fmt.Errorf("%s: unknown kind of answer %q", w.req, kind)
}

// --- Then ----------------------------------------------------------------------------

func (w *World) thenStatus(_ context.Context, code string) error {
	want, _ := strconv.Atoi(code)
	if w.last.Status != want {
		return w.violation("", w.lastSent(), code, w.last.Summary())
	}
	return nil
}

func (w *World) thenStatusEither(_ context.Context, a, b string) error {
	if got := strconv.Itoa(w.last.Status); got != a && got != b {
		return w.violation("", w.lastSent(), a+" or "+b, w.last.Summary())
	}
	return nil
}

func (w *World) thenNot5xx(context.Context) error {
	if w.last.Status == 0 || w.last.Status >= 500 {
		return w.violation("", w.lastSent(), "an answer other than 5xx", w.last.Summary())
	}
	return nil
}

// lastSent describes the last request for messages.
func (w *World) lastSent() string {
	return fmt.Sprintf("%s %s %s", w.last.Method, w.last.URL, brief.Cut(w.last.RequestBody))
}

func (w *World) thenUpdatedResponse(context.Context) error {
	doc := w.last.JSON()
	var errs []string
	want, err := sfid.Normalize(w.caseID)
	if err != nil {
		want = w.caseID
	}
	if id := doc.Get("id"); id.Type.String() != "String" || id.Str != want || len(id.Str) != 18 {
		errs = append(errs, fmt.Sprintf("id %s (want the 18-character %q)", shown(id), want))
	}
	if s := doc.Get("success"); !s.IsBool() || !s.Bool() {
		errs = append(errs, "success "+shown(s)+" (want true)")
	}
	if m := doc.Get("message"); m.Type.String() != "String" {
		errs = append(errs, "message "+shown(m)+" (want a string)")
	}
	if a := doc.Get("attributes"); !a.IsObject() {
		errs = append(errs, "attributes "+shown(a)+" (want an object)")
	}
	if len(errs) > 0 {
		return w.violation("", w.lastSent(), "an UpdatedResponse {id, attributes, success, message}", strings.Join(errs, "; ")+" in "+w.last.Summary())
	}
	return nil
}

func (w *World) thenJSONError(context.Context) error {
	if w.last.Status/100 != 4 {
		return w.violation("", w.lastSent(), "a 4xx answer", w.last.Summary())
	}
	if w.last.ErrorMessage() == "" {
		return w.violation("", w.lastSent(), `a JSON error body with a message ({"message": ...} or [{"message": ...}])`, w.last.Summary())
	}
	return nil
}

// thenRefusalShape judges the shape of a refusal the scenario provoked. An answer that is
// not a refusal has no error shape to judge: whether that request had to be refused is its
// own requirement's (AUTH-MISSING for a missing token, ID-UNKNOWN for an unknown case), so
// the scenario could not judge the shape, and never fails on it.
func (w *World) thenRefusalShape(ctx context.Context) error {
	if w.last.Status/100 != 4 {
		return w.cannotJudge("the request meant to provoke a refusal was not refused (observed %s): there is no error answer to judge; "+
			"the requirement of that request judges that it was not refused", w.last.Summary())
	}
	return w.thenJSONError(ctx)
}

// thenContentTypeJSON judges the media type of a JSON answer. An answer without a JSON
// body is outside this requirement (RES-ERROR and RES-UPDATED judge missing bodies).
func (w *World) thenContentTypeJSON(context.Context) error {
	if strings.TrimSpace(w.last.ResponseBody) == "" || !w.last.ValidJSON() {
		return w.inapplicable("the answer (%s) carried no JSON body to judge", w.last.Summary())
	}
	ct := w.last.Header("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return w.violation("", w.lastSent(), "Content-Type application/json", fmt.Sprintf("%q on %s", ct, w.last.Summary()))
	}
	return nil
}
