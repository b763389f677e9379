package cases

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
)

// Do sends one request: the client's, or a scenario's (which waits for a slot and keeps
// the exchange as evidence).
type Do func(ctx context.Context, req client.Request) (client.Exchange, error)

// Read is one read of a case: the answer, and its judgement.
type Read struct {
	Ex client.Exchange
	// Fault is "" when the answer is the case (200 with a JSON object), else what came
	// instead (see ReadFault).
	Fault string
}

// Doc is the case read, when Fault is "".
func (r Read) Doc() gjson.Result { return r.Ex.JSON() }

// ReadCase reads case id through the profile's read path, judged by ReadFault. The
// error is the request's (no answer); an answer that is not the case is r.Fault. Every
// read of a case (a scenario's, a batch's, the existing case's, the preflight's) is this
// one.
func ReadCase(ctx context.Context, do Do, p *fixtures.Profile, id string) (r Read, err error) {
	r.Ex, err = do(ctx, client.Request{Method: http.MethodGet, Path: fixtures.Path(p.Paths.Read, id)})
	if err != nil {
		return r, err
	}
	r.Fault = ReadFault(r.Ex)
	return r, nil
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
