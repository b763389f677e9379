package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

func TestWriteJSONSchemaOrderAndDigest(t *testing.T) {
	doc := render(t, WriteJSON, mixedRun())

	var keys []string
	gjson.ParseBytes(doc).ForEach(func(k, _ gjson.Result) bool {
		keys = append(keys, k.String())
		return true
	})
	assert.Equal(t, []string{"schema", "tool", "suite", "target", "run", "verdict", "verdict_reason", "summary",
		"requirements", "scenarios", "cleanup", "report_digest"}, keys, "top-level fields in schema order")
	assert.True(t, bytes.HasPrefix(doc, []byte("{\n  \"schema\": \"casecert.report/v1\",\n")), "two-space indentation")

	embedded := gjson.GetBytes(doc, "report_digest").String()
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, embedded)
	recomputed, err := ReportDigest(doc)
	require.NoError(t, err)
	assert.Equal(t, embedded, recomputed)

	// The digest is over the document with an empty report_digest.
	blank := bytes.Replace(doc, []byte(`"report_digest": "`+embedded+`"`), []byte(`"report_digest": ""`), 1)
	again, err := ReportDigest(blank)
	require.NoError(t, err)
	assert.Equal(t, embedded, again, "the digest does not depend on the digest field's value")
}

func TestWriteJSONNeverNull(t *testing.T) {
	r := Run{Scenarios: []Scenario{{ID: "a", Status: StatusPassed, Exchanges: []Exchange{{Method: "GET"}}}},
		Requirements: []Requirement{{ID: "R"}}}
	doc := string(render(t, WriteJSON, r))
	assert.NotContains(t, doc, "null", "lists and objects are [] and {}, never null")
	assert.Contains(t, doc, `"request_headers": {}`)
	assert.Contains(t, doc, `"created_case_ids": []`)
	assert.Contains(t, doc, `"schema": "casecert.report/v1"`, "an empty schema is filled in")
	assert.Nil(t, r.Scenarios[0].Requirements, "the writer does not modify its input")
}

func TestReportDigestCountsUnknownFields(t *testing.T) {
	doc := render(t, WriteJSON, allPassingRun())
	before, err := ReportDigest(doc)
	require.NoError(t, err)
	added := bytes.Replace(doc, []byte("\n  \"report_digest\""), []byte("\n  \"x_vendor\": 1,\n  \"report_digest\""), 1)
	after, err := ReportDigest(added)
	require.NoError(t, err)
	assert.NotEqual(t, before, after, "a field this version does not know is part of the digest")
}

func TestReportDigestFindsTheTopLevelField(t *testing.T) {
	// A body that mentions report_digest must not be mistaken for the field.
	r := allPassingRun()
	r.Scenarios[0].Exchanges[0].ResponseBody = `{"report_digest": "sha256:evil"}`
	doc := render(t, WriteJSON, r)
	res, err := Verify(doc, fixtureSuite)
	require.NoError(t, err)
	assert.True(t, res.OK(), res.Problems)

	for name, bad := range map[string]string{
		"missing":   `{"schema": "casecert.report/v1"}`,
		"twice":     `{"report_digest": "", "report_digest": ""}`,
		"not text":  `{"report_digest": 1}`,
		"not JSON":  `{"report_digest": `,
		"not a map": `["report_digest"]`,
	} {
		_, err := ReportDigest([]byte(bad))
		assert.Error(t, err, name)
	}
}

func TestReadJSONRoundTrip(t *testing.T) {
	for _, fx := range []fixture{fixtures[0], fixtures[1], fixtures[3]} {
		t.Run(fx.name, func(t *testing.T) {
			doc := render(t, WriteJSON, fx.run())
			got, raw, err := ReadJSON(bytes.NewReader(doc))
			require.NoError(t, err)
			assert.Equal(t, doc, raw)
			want := normalize(fx.run())
			want.ReportDigest = got.ReportDigest
			assert.Equal(t, want, got)
			assert.Equal(t, doc, render(t, WriteJSON, got), "writing what was read gives the same bytes")
		})
	}
	_, _, err := ReadJSON(strings.NewReader(`{"schema": "casecert.report/v2", "report_digest": ""}`))
	assert.ErrorContains(t, err, "casecert.report/v2")
	_, _, err = ReadJSON(strings.NewReader(`{`))
	assert.Error(t, err)
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                 "plain",
		"a\x00b\x07c\x1bd":      "abcd",
		"tab\tnl\ncr\r\nlone\r": "tab\tnl\ncr\nlone\n",
		"bad \xff utf8":         "bad \uFFFD utf8",
		"\uFFFE\uFFFF é 🚀":      " é 🚀",
	} {
		assert.Equal(t, want, cleanText(in), "%q", in)
	}
}
