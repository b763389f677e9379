package client

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorMessageShapes(t *testing.T) {
	cases := map[string]string{
		`{"message": "bad", "errorCode": "X"}`:                   "bad",
		`[{"message": "bad", "errorCode": "X"}]`:                 "bad",
		`{"error": {"message": "bad"}}`:                          "bad",
		`{"error": "invalid_token", "error_description": "bad"}`: "bad",
		`{"message": ""}`:                                        "",
		`{"message": "   "}`:                                     "",
		`{"message": 17}`:                                        "",
		`not json`:                                               "",
		``:                                                       "",
	}
	for body, want := range cases {
		assert.Equal(t, want, Exchange{ResponseBody: body}.ErrorMessage(), body)
	}
}

func TestCapHeaders(t *testing.T) {
	h := map[string]string{"A": "1", "B": strings.Repeat("b", 1000), "C": "3"}
	got := CapHeaders(h, 400)
	assert.Equal(t, "1", got["A"])
	assert.Equal(t, "3", got["C"])
	assert.Contains(t, got["B"], "more bytes not kept in the report", "a long value is cut like a body")
	assert.Equal(t, h, CapHeaders(h, 4000), "small headers are kept whole")
	tight := CapHeaders(h, 4)
	assert.Equal(t, map[string]string{"A": "1", "C": "3", OmittedHeaders: "1 more headers (1001 bytes) not kept in the report"}, tight)
	assert.Nil(t, CapHeaders(nil, 10))
}

func TestHeaderWhateverTheCase(t *testing.T) {
	t.Parallel()
	ex := Exchange{ResponseHeaders: map[string]string{"Content-Type": "application/json", "sforce-limit-info": "api-usage=3/10"}}
	assert.Equal(t, "application/json", ex.Header("Content-Type"))
	assert.Equal(t, "application/json", ex.Header("content-type"))
	assert.Equal(t, "api-usage=3/10", ex.Header(LimitInfoHeader), "a header sent in lower case is found by its canonical name")
	assert.Empty(t, ex.Header("Location"))
	used, limit, ok := APIUsage(ex)
	assert.True(t, ok)
	assert.Equal(t, [2]int{3, 10}, [2]int{used, limit})
}
