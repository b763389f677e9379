package reports

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// cucumber.json has the shape Cucumber report tools read: features -> elements -> steps
// with a result status, one element per scenario, failures with their message.
func TestCucumberShape(t *testing.T) {
	r := mixedRun()
	doc := render(t, WriteCucumber, r)
	require.True(t, json.Valid(doc))
	features := gjson.ParseBytes(doc)
	require.True(t, features.IsArray())
	statuses := map[string]string{}
	elements := 0
	for _, f := range features.Array() {
		assert.Equal(t, "Feature", f.Get("keyword").String())
		for _, el := range f.Get("elements").Array() {
			elements++
			assert.Equal(t, "scenario", el.Get("type").String())
			steps := el.Get("steps").Array()
			require.Len(t, steps, 1, el.Get("id").String())
			statuses[el.Get("id").String()] = steps[0].Get("result.status").String()
		}
	}
	assert.Equal(t, len(r.Scenarios), elements)
	assert.Equal(t, "failed", statuses["patch-semantics;null-clears-description"])
	assert.Equal(t, "skipped", statuses["locations;location-id-wins"])
	assert.Equal(t, "passed", statuses["open-points;unknown-field"])

	failed := gjson.GetBytes(doc, `#.elements.#(id=="patch-semantics;null-clears-description")|0`)
	assert.Equal(t, "Then ", failed.Get("steps.0.keyword").String())
	assert.Equal(t, `the case reads back "description" as null`, failed.Get("steps.0.name").String())
	assert.Contains(t, failed.Get("steps.0.result.error_message").String(), "observed \"abc\"")
	assert.Equal(t, []any{"@must", "@PATCH-NULL"}, failed.Get("tags.#.name").Value())
	assert.Equal(t, "[]\n", string(render(t, WriteCucumber, emptyRun())))
}
