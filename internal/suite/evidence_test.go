package suite

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/internal/client"
)

func TestRepresentativeKeepsTheJudgedWrite(t *testing.T) {
	ex := func(method, url string) client.Exchange { return client.Exchange{Method: method, URL: url} }
	all := []client.Exchange{ex(http.MethodPost, "create"), ex(http.MethodGet, "read"), ex(http.MethodPatch, "patch"), ex(http.MethodGet, "read-back")}
	assert.Equal(t, []client.Exchange{ex(http.MethodPatch, "patch")}, representative(all, 1), "the last write, not the read-back")
	assert.Equal(t, []client.Exchange{ex(http.MethodPost, "create"), ex(http.MethodPatch, "patch")}, representative(all, 2))
	reads := []client.Exchange{ex(http.MethodGet, "a"), ex(http.MethodGet, "b")}
	assert.Equal(t, []client.Exchange{ex(http.MethodGet, "b")}, representative(reads, 1), "no write: the last exchange")
	assert.Equal(t, reads, representative(reads, 5))
}

func TestEvidenceBudgetBoundsTheReport(t *testing.T) {
	big := client.Exchange{Method: http.MethodGet, URL: "u", ResponseBody: strings.Repeat("x", 1<<20), RequestBody: "{}"}
	var b budget
	total := 0
	for i := 0; i < 2000; i++ { // 2 GB of answers
		kept := b.keep(big)
		require.LessOrEqual(t, len(kept.ResponseBody), client.MaxEvidenceBody+100)
		total += len(kept.ResponseBody)
	}
	assert.Less(t, total, evidenceBudget+2000*(spentBody+100)+client.MaxEvidenceBody, "bodies kept by the whole run")
	last := b.keep(big)
	assert.Contains(t, last.ResponseBody, "more bytes not kept in the report", "a spent budget still says what was cut")
	assert.LessOrEqual(t, len(last.ResponseBody), spentBody+100)
}

// Headers are evidence too: cut like bodies, and counted in the run's budget (a target
// answering 2.6 MB of headers used to leave a 796 MB report directory).
func TestEvidenceBudgetCountsHeaders(t *testing.T) {
	fat := map[string]string{}
	for i := range 40 {
		fat[fmt.Sprintf("X-Hostile-%02d", i)] = strings.Repeat("h", 65<<10)
	}
	big := client.Exchange{Method: http.MethodGet, URL: "u", ResponseHeaders: fat, RequestHeaders: map[string]string{"Accept": "application/json"}}
	var b budget
	first := b.keep(big)
	assert.LessOrEqual(t, client.HeaderBytes(first.ResponseHeaders), client.MaxEvidenceBody+200)
	assert.Contains(t, first.ResponseHeaders[client.OmittedHeaders], "more headers (")
	assert.Equal(t, "application/json", first.RequestHeaders["Accept"])
	assert.Positive(t, b.used, "headers count against the budget")
	total := 0
	for range 2000 {
		total += client.HeaderBytes(b.keep(big).ResponseHeaders)
	}
	assert.Less(t, total, evidenceBudget+2000*(spentBody+200)+client.MaxEvidenceBody, "headers kept by the whole run")
}
