package reports

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCleanupAccount(t *testing.T) {
	t.Parallel()
	var c Cleanup
	c.Account([]string{"c", "a", "b", "a"}, []string{"b", "z"})
	assert.Equal(t, []string{"a", "b", "c"}, c.CreatedCaseIDs, "sorted, once each")
	assert.Equal(t, []string{"b"}, c.DeletedCaseIDs, "only cases the run created")
	assert.Equal(t, []string{"a", "c"}, c.RemainingCaseIDs)

	c.Account(nil, nil)
	assert.Equal(t, []string{}, c.CreatedCaseIDs, "never nil: report.json lists []")
	assert.Nil(t, c.DeletedCaseIDs)
	assert.Equal(t, []string{}, c.RemainingCaseIDs)
}
