package suite

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// andTags keeps godog's precedence ("," binds loosest): every alternative gets the term.
func TestAndTags(t *testing.T) {
	assert.Equal(t, "~@disruptive", andTags("", "~@disruptive"))
	expr := andTags("@A,@B && ~@C", "~@disruptive")
	assert.Equal(t, "@A && ~@disruptive,@B && ~@C && ~@disruptive", expr)
	assert.True(t, MatchTags(expr, []string{"@A"}))
	assert.False(t, MatchTags(expr, []string{"@A", "@disruptive"}))
	assert.False(t, MatchTags(expr, []string{"@B", "@disruptive"}))
	assert.False(t, MatchTags(expr, []string{"@B", "@C"}))
}
