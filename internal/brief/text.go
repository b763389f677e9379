// Package brief formats values and texts for the messages casecert shows a user: a sent
// value as JSON, a long text cut with its length, the first line of a message.
package brief

import (
	"bytes"
	"encoding/json"
	"fmt"
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
// does; null for nil. A nested value prints as JSON too, never as Go's map[...].
func JSON(v any) string {
	if v == nil {
		return "null"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return Cut(fmt.Sprint(v))
	}
	return Cut(strings.TrimSuffix(b.String(), "\n"))
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
