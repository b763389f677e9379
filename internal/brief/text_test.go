package brief

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJSON(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "null", JSON(nil))
	assert.Equal(t, `"a<b"`, JSON("a<b"))
	assert.Equal(t, "42", JSON(42))
	// A nested value, as a profile's body holds it, prints as JSON, not as Go's map[...].
	assert.Equal(t, `{"City":"Paris","Zip":["75001"]}`, JSON(map[string]any{"Zip": []any{"75001"}, "City": "Paris"}))
	long := JSON(strings.Repeat("é", 100))
	assert.Equal(t, `"`+strings.Repeat("é", 59)+"…(100 characters)", long, "the string's characters, not its JSON's")
}

// TestJSONCountsTheValue (issue 17 item 16): FMT-LENGTH's sent body of one 220-character
// value says "(220 characters)", the value's length (it said the body's, 236).
func TestJSONCountsTheValue(t *testing.T) {
	t.Parallel()
	body := JSON(map[string]any{"police_agency": strings.Repeat("a", 220)})
	assert.Equal(t, `{"police_agency":"`+strings.Repeat("a", 59)+"…(220 characters)}", body)
	many := map[string]any{}
	for i := range 40 {
		many[strings.Repeat("f", 10)+string(rune('A'+i))] = strings.Repeat("v", 20)
	}
	assert.Regexp(t, `^\{"f{10}A":"v{20}",.*,…\(\d+ more fields\)\}$`, JSON(many), "a long body names the fields it leaves out")
}

func TestCut(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "short", Cut("short"))
	s := strings.Repeat("x", 80)
	assert.Equal(t, s, Cut(s))
	assert.Equal(t, strings.Repeat("x", 60)+"…(81 characters)", Cut(s+"x"))
}

func TestFirstLine(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "first", FirstLine("\n  first \nsecond", 0))
	assert.Equal(t, "", FirstLine(" \n\n", 10))
	assert.Equal(t, "ab…", FirstLine("abcdef", 2))
	assert.Equal(t, "a…", FirstLine("aé", 2), "never cuts a character in two")
}
