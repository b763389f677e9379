package client

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// MaxJSONDepth is the deepest nesting of arrays and objects casecert parses in an answer.
// A case is a few levels deep; a target answering deeper is not giving a case, and
// recursive parsers (gjson.Valid among them) would spend minutes and gigabytes on
// millions of levels.
const MaxJSONDepth = 64

// JSONDepth returns the deepest nesting of arrays and objects in s, scanning without
// recursion and stopping as soon as limit is passed (then it returns limit+1). Brackets
// inside strings do not count. It does not validate s.
func JSONDepth(s string, limit int) int {
	depth, deepest := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			end := stringEnd(s, i+1)
			if end < 0 {
				return deepest
			}
			i = end
		case '[', '{':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > limit {
					return deepest
				}
			}
		case ']', '}':
			depth--
		}
	}
	return deepest
}

// stringEnd is the index of the quote that closes the JSON string starting at from, or
// -1. It jumps from quote to quote (strings.IndexByte is fast on long strings) and skips
// quotes escaped by an odd run of backslashes.
func stringEnd(s string, from int) int {
	for {
		q := strings.IndexByte(s[from:], '"')
		if q < 0 {
			return -1
		}
		q += from
		backslashes := 0
		for j := q - 1; j >= from && s[j] == '\\'; j-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return q
		}
		from = q + 1
	}
}

// CheckJSON says why s is not a JSON document casecert will parse: nested deeper than
// MaxJSONDepth, or not valid JSON. The depth is checked first, without recursion, so a
// hostile answer never reaches a recursive parser.
func CheckJSON(s string) error {
	if d := JSONDepth(s, MaxJSONDepth); d > MaxJSONDepth {
		return fmt.Errorf("JSON nested deeper than %d levels", MaxJSONDepth)
	}
	if !gjson.Valid(s) {
		return fmt.Errorf("not valid JSON")
	}
	return nil
}

// ValidJSON says s is valid JSON nested at most MaxJSONDepth deep.
func ValidJSON(s string) bool { return CheckJSON(s) == nil }

// ParseJSON parses s when ValidJSON holds, and is the empty Result otherwise (so every
// lookup on it finds nothing).
func ParseJSON(s string) gjson.Result {
	if !ValidJSON(s) {
		return gjson.Result{}
	}
	return gjson.Parse(s)
}
