package cases

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
)

// A scenario keeps of a long answer what it judges: every key the profile names (the
// longest too), the short unnamed ones, and none of an unnamed megabyte; a long answer that
// is not JSON is cut and stays not JSON; a short answer is kept as it came.
func TestKeptKeepsWhatIsJudged(t *testing.T) {
	p := fixtures.Default()
	huge, long := strings.Repeat("n", 3<<20), strings.Repeat("d", 100<<10)
	var ex client.Exchange
	ex = ex.WithResponseBody(`{"id":"500000000000001AAA","description":"`+long+`","success":true,"hostile_notes":"`+huge+`"}`, true)
	kept := Kept(p, ex)
	assert.Less(t, len(kept.ResponseBody), 200<<10)
	doc := kept.JSON()
	assert.Equal(t, "500000000000001AAA", doc.Get("id").String())
	assert.Equal(t, long, doc.Get("description").String(), "a named key is kept whatever its size")
	assert.True(t, doc.Get("success").Bool(), "a short unnamed key is kept")
	assert.False(t, doc.Get("hostile_notes").Exists())

	html := ex.WithResponseBody("<html>"+huge, false)
	kept = Kept(p, html)
	assert.Less(t, len(kept.ResponseBody), 100<<10)
	assert.False(t, kept.ValidJSON())

	small := ex.WithResponseBody(`{"id":"a","x":"y"}`, true)
	assert.Equal(t, small, Kept(p, small))
}
