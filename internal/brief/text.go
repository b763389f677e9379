// Package brief formats values and texts for the messages casecert shows a user: a sent
// value as JSON, a long text cut with its length, the first line of a message.
package brief

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Cut is s for a message: whole up to 80 characters, else its first 60 followed by
// "…(N characters)".
func Cut(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:60]) + fmt.Sprintf("…(%d characters)", len(r))
	}
	return s
}

// JSON is a value as it was (or would be) sent, for a message: its JSON, cut as Cut
// does; null for nil. A nested value prints as JSON too, never as Go's map[...]. A body
// of fields (an object) prints each value cut on its own, so "…(N characters)" counts
// the value's characters, not the body's.
func JSON(v any) string {
	if v == nil {
		return "null"
	}
	if m, ok := v.(map[string]any); ok && len(m) > 0 {
		return object(m)
	}
	if s, ok := v.(string); ok {
		if r := []rune(s); len(r) > 78 {
			head := encode(string(r[:59]))
			return strings.TrimSuffix(head, `"`) + fmt.Sprintf("…(%d characters)", len(r))
		}
		return encode(s)
	}
	return Cut(encode(v))
}

// encode is v's JSON without HTML escapes; Go's own %v when it has none.
func encode(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// maxObject bounds an object's message: the entries that fit, then how many more.
const maxObject = 400

func object(m map[string]any) string {
	var b strings.Builder
	b.WriteString("{")
	for i, k := range slices.Sorted(maps.Keys(m)) {
		key, _ := json.Marshal(k)
		entry := string(key) + ":" + JSON(m[k])
		if i > 0 && b.Len()+len(entry) > maxObject {
			fmt.Fprintf(&b, ",…(%d more fields)", len(m)-i)
			break
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(entry)
	}
	return b.String() + "}"
}

// FirstLine is the first non-empty line of s, trimmed, cut at max bytes (on a character
// boundary, marked "…") when max > 0.
func FirstLine(s string, max int) string {
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if max > 0 && len(line) > max {
				cut := max
				for cut > 0 && line[cut]&0xC0 == 0x80 {
					cut--
				}
				line = line[:cut] + "…"
			}
			return line
		}
	}
	return ""
}
