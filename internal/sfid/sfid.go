// Package sfid handles Salesforce record ids: the 15-character case-sensitive form and
// the 18-character form that appends a case-checksum suffix, so that both the reference
// server and the harness agree on which strings name the same record.
package sfid

import (
	"errors"
	"fmt"
	"strings"
)

const suffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// ErrMalformed is returned for strings that are not a Salesforce id.
var ErrMalformed = errors.New("not a Salesforce id")

// Suffix computes the 3-character checksum suffix of a 15-character id.
func Suffix(id15 string) string {
	var out [3]byte
	for block := 0; block < 3; block++ {
		bits := 0
		for i := 0; i < 5; i++ {
			c := id15[block*5+i]
			if c >= 'A' && c <= 'Z' {
				bits |= 1 << i
			}
		}
		out[block] = suffixAlphabet[bits]
	}
	return string(out[:])
}

// Normalize validates id and returns its 18-character form. A 15-character id gets its
// suffix; an 18-character id must carry the right suffix for its first 15 characters.
func Normalize(id string) (string, error) {
	if len(id) != 15 && len(id) != 18 {
		return "", fmt.Errorf("%w: %d characters, want 15 or 18", ErrMalformed, len(id))
	}
	for i := 0; i < len(id); i++ {
		if !isAlnum(id[i]) {
			return "", fmt.Errorf("%w: character %q at position %d", ErrMalformed, id[i], i+1)
		}
	}
	want := Suffix(id[:15])
	if len(id) == 18 && id[15:] != want {
		return "", fmt.Errorf("%w: checksum suffix %q, want %q", ErrMalformed, id[15:], want)
	}
	return id[:15] + want, nil
}

// Same reports whether a and b name one record: the same string, or two well-formed ids
// of one 15-character id, in either form (Salesforce reads the 18-character suffix
// case-insensitively, so a suffix in lower case names the same record).
func Same(a, b string) bool {
	if a == b {
		return true
	}
	na, errA := Normalize(upperSuffix(a))
	nb, errB := Normalize(upperSuffix(b))
	return errA == nil && errB == nil && na == nb
}

func upperSuffix(id string) string {
	if len(id) != 18 {
		return id
	}
	return id[:15] + strings.ToUpper(id[15:])
}

// Valid reports whether id is a well-formed 15- or 18-character id.
func Valid(id string) bool {
	_, err := Normalize(id)
	return err == nil
}

// Make builds the 18-character id with the given 3-character key prefix and sequence
// number, the way Salesforce ids look (prefix, pod and base-62 counter).
func Make(prefix string, seq int64) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	body := []byte("000000000000")
	for i := len(body) - 1; i >= 0 && seq > 0; i-- {
		body[i] = digits[seq%62]
		seq /= 62
	}
	id15 := prefix + string(body)
	return id15 + Suffix(id15)
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
