package suite

import (
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/reports"
)

// Bounds of the evidence a run keeps, so that a target answering megabytes cannot fill
// memory or the report directory: each body (and each side's headers) is cut at
// client.MaxEvidenceBody, and once the run has kept evidenceBudget bytes of bodies and
// headers, later ones are cut at spentBody (the scenario, its error and every exchange's
// line are still all there).
const (
	evidenceBudget = 6 << 20
	spentBody      = 1 << 10
)

// budget counts the bytes of bodies and headers kept as evidence by the run.
type budget struct{ used int }

func (b *budget) keep(ex client.Exchange) reports.Exchange {
	limit := client.MaxEvidenceBody
	if b.used >= evidenceBudget {
		limit = spentBody
	}
	out := toReport(ex, limit)
	b.used += len(out.RequestBody) + len(out.ResponseBody) + len(out.Curl) +
		client.HeaderBytes(out.RequestHeaders) + client.HeaderBytes(out.ResponseHeaders)
	return out
}

// toReport is the report's copy of an exchange, its bodies, curl line and each side's
// headers cut at limit.
func toReport(ex client.Exchange, limit int) reports.Exchange {
	return reports.Exchange{
		Method: ex.Method, URL: client.CapText(ex.URL, limit),
		RequestHeaders: nonNil(client.CapHeaders(ex.RequestHeaders, limit)), RequestBody: client.CapText(ex.RequestBody, limit),
		Status: ex.Status, ResponseHeaders: nonNil(client.CapHeaders(ex.ResponseHeaders, limit)), ResponseBody: client.CapText(ex.ResponseBody, limit),
		DurationMS: ex.Duration.Milliseconds(), Curl: client.CapText(ex.Curl, limit), Error: client.CapText(ex.Err, limit), Proto: ex.Proto,
	}
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
