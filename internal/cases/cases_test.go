package cases

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/casecert/casecert/internal/client"
)

func TestCreatedIDIsTolerant(t *testing.T) {
	cases := map[string]string{
		`{"id": "500000000000001AAA", "success": true}`: "500000000000001AAA",
		`{"id": 17, "description": "bare record"}`:      "17",
		`{"data": {"id": "abc"}}`:                       "abc",
		`[{"id": "x1"}]`:                                "x1",
		`{"success": true}`:                             "",
	}
	for body, want := range cases {
		assert.Equal(t, want, CreatedID(client.Exchange{ResponseBody: body}), body)
	}
	loc := client.Exchange{ResponseBody: "", ResponseHeaders: map[string]string{"Location": "/x/incidents/500000000000009AAA"}}
	assert.Equal(t, "500000000000009AAA", CreatedID(loc))
}
