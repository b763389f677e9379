package reports

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A report.json nested millions deep (handed to verify or merge) is refused without a
// recursive parse.
func TestDeepReportIsRefused(t *testing.T) {
	const depth = 2_000_000
	doc := []byte(`{"report_digest":"","x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`)
	_, err := ReportDigest(doc)
	assert.EqualError(t, err, "report is not valid JSON")
	_, err = decodeReport(doc)
	assert.Error(t, err)
}
