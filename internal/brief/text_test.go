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
	assert.Equal(t, `"`+strings.Repeat("é", 59)+"…(102 characters)", long)
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
