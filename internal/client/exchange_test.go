package client

import (
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
