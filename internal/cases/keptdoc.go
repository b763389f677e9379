package cases

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
)

// maxKeptValue is the largest raw value of a key the profile does not name that a case's
// remembered state keeps.
const maxKeptValue = 64 << 10

// StateOf is the state a read of a case leaves: the read's document as keptDoc keeps it,
// and the read's evidence.
func StateOf(p *fixtures.Profile, ex client.Exchange) State {
	return State{Doc: keptDoc(p, ex.JSON()), Ex: ex.Evidence(client.MaxEvidenceBody)}
}

// Kept is the exchange a scenario keeps to judge after it answered (its last write, a
// read of its case): the answer whole when it is a few KB; a larger JSON object as keptDoc
// keeps it; any other larger answer cut at maxKeptValue (it stays what it was: not JSON).
// A scenario waiting for its next request would otherwise pin megabytes of an answer it
// judges by a few keys, once for every scenario running (four per request in flight).
func Kept(p *fixtures.Profile, ex client.Exchange) client.Exchange {
	if len(ex.ResponseBody) <= maxKeptValue {
		return ex
	}
	if doc := ex.JSON(); doc.IsObject() {
		return ex.WithResponseBody(keptDoc(p, doc).Raw, true)
	}
	if !ex.ValidJSON() {
		return ex.WithResponseBody(client.CapText(ex.ResponseBody, maxKeptValue), false)
	}
	return ex
}

// keptDoc is the copy of a case read that a case's state keeps between scenarios. A read
// of a few KB is kept whole; a larger one keeps every key the profile names, whatever its
// size, and the others up to maxKeptValue each: a target answering megabytes in a field
// no scenario compares would otherwise pin that answer once for every case of the pool
// (66 cases at --concurrency 32). The copy never points into the read's body.
func keptDoc(p *fixtures.Profile, doc gjson.Result) gjson.Result {
	if len(doc.Raw) <= maxKeptValue || !doc.IsObject() {
		return gjson.Parse(strings.Clone(doc.Raw))
	}
	named := map[string]bool{"id": true, p.MarkerField: true, p.RecordTypeField: true,
		p.AuditFields.Created: true, p.AuditFields.LastModified: true}
	for _, f := range p.Fields {
		named[strings.SplitN(f.Name, ".", 2)[0]] = true
	}
	for _, list := range [][]string{p.ReadOnly, p.Nested} {
		for _, k := range list {
			named[strings.SplitN(k, ".", 2)[0]] = true
		}
	}
	var b strings.Builder
	b.WriteByte('{')
	doc.ForEach(func(k, v gjson.Result) bool {
		if !named[k.Str] && len(v.Raw) > maxKeptValue {
			return true
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(k.Raw)
		b.WriteByte(':')
		b.WriteString(v.Raw)
		return true
	})
	b.WriteByte('}')
	return gjson.Parse(b.String())
}
