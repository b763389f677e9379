package sfid

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSuffix(t *testing.T) {
	// Known pairs: Salesforce's documented example and ids whose blocks are all digits.
	cases := map[string]string{
		"001A0000006Vm9r": "IAC",
		"005000000000001": "AAA",
		"a0L000000000001": "EAA",
	}
	for id15, want := range cases {
		assert.Equal(t, want, Suffix(id15), id15)
	}
}

func TestNormalize(t *testing.T) {
	got, err := Normalize("001A0000006Vm9r")
	require.NoError(t, err)
	assert.Equal(t, "001A0000006Vm9rIAC", got)

	got, err = Normalize("001A0000006Vm9rIAC")
	require.NoError(t, err)
	assert.Equal(t, "001A0000006Vm9rIAC", got)

	for _, bad := range []string{"", "001A0000006Vm9", "001A0000006Vm9rI", "001A0000006Vm9rIA", "001A0000006Vm9rIACX", "001A0000006Vm9rIAD", "001A0000006Vm9-", "001A0000006Vm9rIa C"} {
		_, err := Normalize(bad)
		assert.ErrorIs(t, err, ErrMalformed, bad)
	}
}

func TestMake(t *testing.T) {
	id := Make("500", 1)
	assert.Len(t, id, 18)
	assert.True(t, Valid(id))
	assert.Equal(t, "500000000000001AAA", id)
	assert.NotEqual(t, Make("500", 62), Make("500", 63))
	assert.True(t, Valid(Make("a0L", 123456789)))
}
func TestSame(t *testing.T) {
	id := Make("500", 42)
	assert.True(t, Same(id, id[:15]))
	assert.True(t, Same(id[:15], id))
	assert.True(t, Same(id, id[:15]+strings.ToLower(id[15:])))
	assert.False(t, Same(id, Make("500", 43)))
	assert.False(t, Same("001A0000006Vm9r", "001a0000006vm9r"), "15-character ids are case-sensitive")
	assert.False(t, Same(id[:15]+"ZZZ", id), "a wrong suffix is not an id")
	assert.True(t, Same("case-7", "case-7"))
	assert.False(t, Same("case-7", "case-8"))
}
