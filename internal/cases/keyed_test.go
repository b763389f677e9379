package cases

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/tidwall/gjson"
)

// Keyed answers what gjson's Get answers, for every kind of name and document a read-back
// can be: only faster.
func TestKeyedAnswersAsGet(t *testing.T) {
	docs := []string{
		`{"a": 1, "b": null, "c": {"d": 2}, "e-f": "x", "g_h": [1, 2], "0": "zero"}`,
		`{"a": 1, "a": 2}`,
		`{"a\u0062": "escaped key", "ab": "second"}`,
		`{"x.y": "dotted", "x": {"y": "nested"}}`,
		`[{"a": 1}, {"a": 2}]`,
		`"text"`, `null`, ``, `{}`, `{"a": 1,`,
	}
	names := []string{"a", "ab", "b", "c", "c.d", "e-f", "g_h", "g_h.1", "0", "x", "x.y", `x\.y`, "#", "missing", "", "a*", "@this"}
	for _, d := range docs {
		doc := gjson.Parse(d)
		k := KeyedOf(doc)
		for _, n := range names {
			want, got := doc.Get(n), k.Get(n)
			assert.Equal(t, want.Raw, got.Raw, "%s in %s", n, d)
			assert.Equal(t, want.Exists(), got.Exists(), "%s in %s", n, d)
			assert.Equal(t, want.Type, got.Type, "%s in %s", n, d)
		}
	}
}
