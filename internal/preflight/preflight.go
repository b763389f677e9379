// Package preflight fails a run fast, with its cause, before the suite starts: it reads one
// case (is the target there, does it take the token, is it the Case API at all) and
// creates and reads back one case with the body every scenario's setup sends (does the
// target accept the profile). When the create is refused, it finds the field the target
// blames by retrying with fewer fields, and names the profile fix.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/brief"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/sfid"
)

// Config is what the preflight needs.
type Config struct {
	Client  *client.Client
	Profile *fixtures.Profile
	// CaseID is the existing case of a --case-id run: it is read, and no case is created.
	CaseID string
	// Body is the setup body, as every scenario creates its case with.
	Body map[string]any
	// Created is told every case the preflight creates (for the report's cleanup list).
	Created func(id string)
	// MaxBlameCreates bounds the creates spent finding a blamed field; default 12.
	MaxBlameCreates int
}

// Error is why the run cannot start. Profile says the profile is at fault (exit 2);
// otherwise the target could not be judged (exit 3).
type Error struct {
	Profile bool
	Msg     string
}

func (e *Error) Error() string { return e.Msg }

// VersionRefused is a target that refuses every create with the run's API-Version header
// but creates a case without it. That is an answer about VER-CURRENT, not a target that
// cannot be judged: the caller may run the suite without the header (VER-CURRENT's own
// scenario sends the version and is judged on it).
type VersionRefused struct {
	Version string
	Answer  string // the refusal, one line
}

func (e *VersionRefused) Error() string {
	return fmt.Sprintf("the target refuses API-Version %q (%s) but creates a case without the header", e.Version, e.Answer)
}

func targetErr(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// Check runs the preflight. It returns nil when the suite can start.
func Check(ctx context.Context, cfg Config) error {
	if cfg.MaxBlameCreates == 0 {
		cfg.MaxBlameCreates = 12
	}
	id := cfg.CaseID
	if id == "" {
		id = sfid.Make("500", 0) // well-formed, and no target has it
	}
	read, err := cases.ReadCase(ctx, cfg.Client.Do, cfg.Profile, id)
	ex := read.Ex
	if err := unanswered(cfg.Client, ex, err); err != nil {
		return err
	}
	if err := refusedToken(ex); err != nil {
		return err
	}
	if err := notCaseAPI(ex, false); err != nil {
		return err
	}
	if err := wrongCase(read); err != nil {
		return err
	}
	if cfg.CaseID != "" {
		if read.Fault != "" {
			return targetErr("--case-id %s cannot be read: GET %s answered %s", cfg.CaseID, ex.URL, read.Fault)
		}
		return probeRestore(ctx, cfg, read.Doc())
	}
	c := creator{cfg: cfg}
	created, err := c.create(ctx, cfg.Body)
	if err != nil {
		return err
	}
	if created.ok {
		return c.readBack(ctx, created.id)
	}
	return c.blame(ctx, created.ex)
}

// unanswered is the target that cannot be reached (or answered nothing complete).
func unanswered(cl *client.Client, ex client.Exchange, err error) error {
	if err == nil && ex.Status != 0 {
		return nil
	}
	var tr *client.TokenRefusedError
	if errors.As(err, &tr) {
		// The target was never asked: the token endpoint said no.
		return targetErr("%v: check --token-url, --client-id and --client-secret (the target at %s was not asked)", tr, cl.BaseURL())
	}
	var te *client.TransportError
	if errors.As(err, &te) {
		return targetErr("the target at %s cannot be reached: %s %s: %s", cl.BaseURL(), te.Method, te.URL, te.Reason)
	}
	return targetErr("the target at %s gave no usable answer to %s %s: %v", cl.BaseURL(), ex.Method, ex.URL, err)
}

// refusedToken is a 401, or a 403 (a quota answer named as such).
func refusedToken(ex client.Exchange) error {
	switch {
	case isQuota(ex):
		return targetErr("the target's request quota is exhausted: %s %s answered 403 REQUEST_LIMIT_EXCEEDED (%s)", ex.Method, ex.URL, ex.ErrorMessage())
	case ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden:
		return targetErr("the target refused the token (%s %s answered %s): check --token or the OAuth settings", ex.Method, ex.URL, ex.Summary())
	}
	return nil
}

func isQuota(ex client.Exchange) bool {
	_, ok := client.QuotaExceeded(ex)
	return ok
}

// notCaseAPI is an answer no Case API gives: a redirect, an HTML page, and (on the
// create path) 404 or 405: the base URL or the profile's path points elsewhere.
func notCaseAPI(ex client.Exchange, create bool) error {
	what := ""
	switch {
	case ex.Status >= 300 && ex.Status < 400:
		what = "a redirect"
	case isHTML(ex):
		what = "an HTML page"
	case create && (ex.Status == http.StatusNotFound || ex.Status == http.StatusMethodNotAllowed):
		what = "no such resource"
	default:
		return nil
	}
	got := fmt.Sprintf("%d, Content-Type %q", ex.Status, ex.Header("Content-Type"))
	if loc := ex.Header("Location"); loc != "" {
		got += fmt.Sprintf(", Location %q", loc)
	}
	return targetErr("this is not the Case API at this URL: %s %s answered %s (%s); check --base-url and the profile's paths", ex.Method, ex.URL, what, got)
}

// wrongCase is a read of one case answered with another: a proxy or cache keyed wrongly,
// or not the Case API at all. No scenario could be judged on such reads.
func wrongCase(read cases.Read) error {
	if read.Other == "" {
		return nil
	}
	return targetErr("this is not the Case API at this URL: %s (GET %s); no verdict can be drawn from another case's fields", read.Fault, read.Ex.URL)
}

func isHTML(ex client.Exchange) bool {
	mt, _, _ := mime.ParseMediaType(ex.Header("Content-Type"))
	if mt == "text/html" || mt == "application/xhtml+xml" {
		return true
	}
	body := strings.ToLower(strings.TrimSpace(ex.ResponseBody))
	return strings.HasPrefix(body, "<!doctype html") || strings.HasPrefix(body, "<html")
}

// creator creates cases for the preflight.
type creator struct {
	cfg     Config
	creates int
}

type createResult struct {
	ok bool
	id string
	ex client.Exchange
}

// create posts body; ok when the target accepted it and named the new case.
func (c *creator) create(ctx context.Context, body map[string]any) (createResult, error) {
	return c.createWith(ctx, body, nil)
}

// createWith is create with an API-Version of its own (nil: the client's).
func (c *creator) createWith(ctx context.Context, body map[string]any, version *string) (createResult, error) {
	c.creates++
	ex, err := c.cfg.Client.Do(ctx, client.Request{Method: http.MethodPost, Path: c.cfg.Profile.Paths.Create, JSON: body, APIVersion: version})
	if err := unanswered(c.cfg.Client, ex, err); err != nil {
		return createResult{}, err
	}
	if err := refusedToken(ex); err != nil {
		return createResult{}, err
	}
	if err := notCaseAPI(ex, true); err != nil {
		return createResult{}, err
	}
	if ex.Status/100 != 2 {
		return createResult{ex: ex}, nil
	}
	id := cases.CreatedID(ex)
	if id == "" {
		return createResult{}, targetErr("this is not the Case API at this URL: %s %s answered %s, which names no case id (no \"id\", no Location)", ex.Method, ex.URL, ex.Summary())
	}
	if c.cfg.Created != nil {
		c.cfg.Created(id)
	}
	return createResult{ok: true, id: id, ex: ex}, nil
}

// readBack reads the case the preflight created.
func (c *creator) readBack(ctx context.Context, id string) error {
	read, err := cases.ReadCase(ctx, c.cfg.Client.Do, c.cfg.Profile, id)
	ex := read.Ex
	if err := unanswered(c.cfg.Client, ex, err); err != nil {
		return err
	}
	if err := notCaseAPI(ex, false); err != nil {
		return err
	}
	if err := wrongCase(read); err != nil {
		return err
	}
	if read.Fault != "" {
		return targetErr("the case created by the preflight (%s) cannot be read back: %s %s answered %s; check the profile's paths.read", id, ex.Method, ex.URL, read.Fault)
	}
	return unknownFields(c.cfg.Profile, c.cfg.Body, ex)
}

// blame finds a field whose removal makes the target accept the setup body: it first
// checks that a body of no profile field but the marker is accepted (else the refusal is
// not about one field), then halves the suspects, keeping the half whose removal is
// accepted.
func (c *creator) blame(ctx context.Context, refusal client.Exchange) error {
	p := c.cfg.Profile
	body := c.cfg.Body
	var suspects []string
	for name := range body {
		if name != p.MarkerField {
			suspects = append(suspects, name)
		}
	}
	slices.Sort(suspects)
	without := func(drop []string) map[string]any {
		out := map[string]any{}
		for k, v := range body {
			if !slices.Contains(drop, k) {
				out[k] = v
			}
		}
		return out
	}
	refused := func() error {
		return targetErr("the target refuses to create a case, even with fewer fields: %s %s answered %s", refusal.Method, refusal.URL, refusal.Summary())
	}
	res, err := c.create(ctx, without(suspects))
	if err != nil {
		return err
	}
	if !res.ok {
		if v := c.cfg.Client.APIVersion(); v != "" {
			none := ""
			res, err := c.createWith(ctx, without(suspects), &none)
			if err != nil {
				return err
			}
			if res.ok {
				return &VersionRefused{Version: v, Answer: fmt.Sprintf("%s %s answered %s", refusal.Method, refusal.URL, refusal.Summary())}
			}
		}
		return refused()
	}
	confirmed := false // a create without exactly the one suspect left was accepted
	for len(suspects) > 1 && c.creates < c.cfg.MaxBlameCreates {
		half := suspects[:len(suspects)/2]
		res, err := c.create(ctx, without(half))
		if err != nil {
			return err
		}
		if res.ok {
			suspects, confirmed = half, len(half) == 1
		} else {
			// Not in the first half alone: keep the second (it holds a blamed field,
			// or the first half holds another; the confirmation below tells).
			suspects = suspects[len(suspects)/2:]
		}
	}
	if len(suspects) != 1 {
		return refused()
	}
	if !confirmed {
		res, err := c.create(ctx, without(suspects))
		if err != nil {
			return err
		}
		confirmed = res.ok
	}
	return c.profileFault(suspects[0], refusal, confirmed)
}

// profileFault names the field, the value sent, what the target said and the fix.
func (c *creator) profileFault(name string, refusal client.Exchange, alone bool) error {
	p := c.cfg.Profile
	f, _ := p.Field(name)
	where := fmt.Sprintf("field %q", name)
	file := p.Source
	if file == "" {
		file = "the embedded profile"
	}
	if f.Line() > 0 {
		where += fmt.Sprintf(" (%s:%d)", file, f.Line())
	}
	var fix string
	switch {
	case f.Ref == fixtures.RefLocation:
		fix = "fixtures.locations must name locations that exist on the target (number and id)"
	case f.Ref == fixtures.RefOwner:
		fix = "fixtures.owners and fixtures.integration_user must name users that exist on the target"
	case len(f.Values) > 0:
		fix = fmt.Sprintf("values: must list only values the target accepts for %q", name)
	case f.MaxLength > 0:
		fix = fmt.Sprintf("check the type (%s) and max_length (%d) of %q", f.Type, f.MaxLength, name)
	default:
		fix = fmt.Sprintf("check the type (%s) of %q, or remove the field if the target does not have it", f.Type, name)
	}
	msg := refusal.ErrorMessage()
	if msg == "" {
		msg = refusal.Summary()
	}
	blamed, after := "because of "+where, "without that field it creates the case"
	if !alone {
		blamed, after = "because of several fields, among them "+where, "without the profile's fields it creates the case"
	}
	return &Error{Profile: true, Msg: fmt.Sprintf("the target refuses the case the profile describes %s: sent %s; %s %s answered %d (%s); %s. Fix the profile: %s",
		blamed, brief.JSON(c.cfg.Body[name]), refusal.Method, refusal.URL, refusal.Status, msg, after, fix)}
}
