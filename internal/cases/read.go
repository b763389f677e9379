package cases

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/sfid"
)

// Do sends one request: the client's, or a scenario's (which waits for a slot and keeps
// the exchange as evidence).
type Do func(ctx context.Context, req client.Request) (client.Exchange, error)

// Read is one read of a case: the answer, and its judgement.
type Read struct {
	Ex client.Exchange
	// Fault is "" when the answer is the case (200 with a JSON object), else what came
	// instead (see ReadFault), or that the answer is another case (Other).
	Fault string
	// Other is the id of the case the target answered with, when it is not the case
	// asked for (a proxy or cache keyed wrongly): no verdict may be drawn from its fields.
	Other string
}

// Doc is the case read, when Fault is "".
func (r Read) Doc() gjson.Result { return r.Ex.JSON() }

// ReadCase reads case id through the profile's read path, judged by ReadFault, and checks
// that the case answered is the one asked for: its id field (IDField) names id, in either
// of the 15- and 18-character forms of a Salesforce id. A read without that field cannot
// be checked and is taken as it is. The error is the request's (no answer); an answer that
// is not the case is r.Fault. Every read of a case (a scenario's, a batch's, the existing
// case's, the preflight's) is this one; a run's reads go through Env.ReadCase, which also
// stops the run on a run of reads answered with another case.
func ReadCase(ctx context.Context, do Do, p *fixtures.Profile, id string) (r Read, err error) {
	r.Ex, err = do(ctx, client.Request{Method: http.MethodGet, Path: fixtures.Path(p.Paths.Read, id)})
	if err != nil {
		return r, err
	}
	r.Fault = ReadFault(r.Ex)
	if r.Fault == "" {
		if other := answeredID(p, r.Doc()); other != "" && !sfid.Same(id, other) {
			r.Other = strings.Clone(other)
			r.Fault = WrongCase(id, r.Other)
		}
	}
	return r, nil
}

// WrongCase is the fault of a read of case asked answered with case answered.
func WrongCase(asked, answered string) string {
	return fmt.Sprintf("the target answered the read of %s with case %s", asked, answered)
}

// answeredID is the id a read of a case names as its own, "" when it names none (no id
// field, or one that is not a string or a number).
func answeredID(p *fixtures.Profile, doc gjson.Result) string {
	v := doc.Get(gjson.Escape(p.IDField()))
	if v.Type != gjson.String && v.Type != gjson.Number {
		return ""
	}
	return v.String()
}

// ReadCase is the package's ReadCase for a run: a read answered with another case counts
// towards the run-wide stop of the client (client.StopAfterWrongCase in a row stop the
// run: the target is not the Case API), and a read of the case asked for resets it.
func (e *Env) ReadCase(ctx context.Context, do Do, id string) (Read, error) {
	r, err := ReadCase(ctx, do, e.Profile, id)
	if err == nil && e.Client != nil {
		if r.Other != "" {
			e.Client.WrongCase(r.Fault)
		} else if r.Fault == "" {
			e.Client.RightCase()
		}
	}
	return r, err
}

// ChildrenFault is an answer to a read of a case's child records that is not 200 with
// JSON.
type ChildrenFault struct {
	Kind string
	Ex   client.Exchange
}

func (e *ChildrenFault) Error() string {
	return fmt.Sprintf("the %s cannot be read: %s", e.Kind, e.Ex.Summary())
}

// ReadChildren reads the child records of case id, one read per nested kind of the
// profile. An answer that is not 200 with JSON ends it with a *ChildrenFault.
func ReadChildren(ctx context.Context, do Do, p *fixtures.Profile, id string) (map[string]gjson.Result, error) {
	out := map[string]gjson.Result{}
	for _, kind := range p.Nested {
		ex, err := do(ctx, client.Request{Method: http.MethodGet, Path: fixtures.Path(p.Paths.Children[kind], id)})
		if err != nil {
			return nil, err
		}
		if ex.Status != http.StatusOK || !ex.ValidJSON() {
			return nil, &ChildrenFault{Kind: kind, Ex: ex}
		}
		out[kind] = ex.JSON()
	}
	return out, nil
}
