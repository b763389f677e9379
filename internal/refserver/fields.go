package refserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/casecert/casecert/internal/sfid"
)

// kind is the documented type of a body field.
type kind int

const (
	kindString kind = iota
	kindDate
	kindLocalTime
	kindDateTime
	kindNumber
	kindBool
	kindSfid
)

// field describes one writable body field of PATCH and POST /incidents.
type field struct {
	name      string
	kind      kind
	max       int    // maximum length in characters; 0 means no limit
	ref       string // for kindSfid: "owner" or "location"
	notNull   bool
	nullFalse bool // null stores false (a checkbox: the profile's null: false)
	writeOnly bool // accepted and stored, never returned
}

const (
	instantLayout = "2006-01-02T15:04:05.000Z"
	midnight      = "00:00:00:000"
)

var (
	reDate     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	reTime     = regexp.MustCompile(`^([0-9]{2}):([0-9]{2}):([0-9]{2})(?::([0-9]{3}))?$`)
	reDateTime = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$`)

	reLenientTime     = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2}))?(?:[:.]([0-9]{1,4}))?$`)
	reLenientDate     = regexp.MustCompile(`^([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})$`)
	reLenientDateTime = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]+)?)?)?(Z|[+-][0-9]{2}:[0-9]{2})?$`)
)

// fieldError is one refused field of a request body.
type fieldError struct {
	field, msg string
}

func (e fieldError) Error() string { return e.field + ": " + e.msg }

// jsonType names the JSON type of a raw value.
func jsonType(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func isNull(raw json.RawMessage) bool { return jsonType(raw) == "null" }

// codec turns JSON body values into stored values and back, following the documented
// formats unless a format fault says otherwise.
type codec struct {
	faults faultSet
	// wholeSeconds stores date-times to the second, as Salesforce date-time fields do
	// (the fraction is cut off).
	wholeSeconds bool
}

// instantResolution is how precisely date-times are stored.
func (c codec) instantResolution() time.Duration {
	if c.wholeSeconds {
		return time.Second
	}
	return time.Millisecond
}

// decode checks raw (never null) against f and returns the value to store: string for
// text, dates ("YYYY-MM-DD"), local times ("HH:MM:SS:mmm"), instants (UTC, ms) and ids
// (18-character form); float64 for numbers; bool for booleans.
func (c codec) decode(f field, raw json.RawMessage) (any, error) {
	switch f.kind {
	case kindNumber:
		return c.number(raw)
	case kindBool:
		return c.boolean(raw)
	}
	s, err := c.text(raw)
	if err != nil {
		return nil, err
	}
	switch f.kind {
	case kindDate:
		return c.date(s)
	case kindLocalTime:
		return c.localTime(s)
	case kindDateTime:
		return c.dateTime(s)
	case kindSfid:
		return c.sfid(s)
	}
	if err := c.length(s, f.max); err != nil {
		return nil, err
	}
	return s, nil
}

func (c codec) text(raw json.RawMessage) (string, error) {
	t := jsonType(raw)
	if t == "string" {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	if c.faults.on("types-coerced") && (t == "number" || t == "boolean") {
		return string(raw), nil
	}
	return "", fmt.Errorf("want a JSON string, got %s", t)
}

func (c codec) number(raw json.RawMessage) (float64, error) {
	text := string(raw)
	switch t := jsonType(raw); {
	case t == "string" && c.faults.on("types-coerced"):
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, err
		}
		text = strings.TrimSpace(text)
	case t != "number":
		return 0, fmt.Errorf("want a JSON number, got %s", t)
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, fmt.Errorf("not a representable number: %s", text)
	}
	return v, nil
}

func (c codec) boolean(raw json.RawMessage) (bool, error) {
	switch s := string(raw); {
	case s == "true":
		return true, nil
	case s == "false":
		return false, nil
	case c.faults.on("types-coerced"):
		switch strings.Trim(s, `"`) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
	}
	return false, fmt.Errorf("want true or false, got %s", jsonType(raw))
}

func (c codec) length(s string, max int) error {
	if max == 0 {
		return nil
	}
	n := utf8.RuneCountInString(s)
	if c.faults.on("length-bytes") {
		n = len(s)
	}
	limit := max
	if c.faults.on("length-off-by-one") {
		limit++
	}
	if n > limit {
		return fmt.Errorf("%d characters, at most %d allowed", utf8.RuneCountInString(s), max)
	}
	return nil
}

var errDate = errors.New("want a calendar date YYYY-MM-DD")

func (c codec) date(s string) (string, error) {
	if c.faults.on("date-lenient") {
		return lenientDate(s)
	}
	if !reDate.MatchString(s) {
		return "", errDate
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not a real date", errDate, s)
	}
	if c.faults.on("date-leapday-refused") && d.Month() == time.February && d.Day() == 29 {
		return "", fmt.Errorf("%w: %s is not a real date", errDate, s)
	}
	return s, nil
}

func lenientDate(s string) (string, error) {
	if i := strings.IndexByte(s, 'T'); i > 0 {
		s = s[:i]
	}
	m := reLenientDate.FindStringSubmatch(s)
	if m == nil {
		return "", errDate
	}
	y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
	return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), nil
}

var errTime = errors.New("want a local time HH:MM:SS or HH:MM:SS:mmm (24-hour clock, milliseconds after a colon, no time zone)")

func (c codec) localTime(s string) (string, error) {
	if c.faults.on("time-lenient") {
		return lenientTime(s)
	}
	m := reTime.FindStringSubmatch(s)
	if m == nil {
		return "", errTime
	}
	h, mi, sec := atoi(m[1]), atoi(m[2]), atoi(m[3])
	if h > 23 || mi > 59 || sec > 59 {
		return "", fmt.Errorf("%w: %s is out of range", errTime, s)
	}
	ms := m[4]
	if ms != "" && c.faults.on("time-ms-refused") {
		return "", errTime
	}
	if ms == "" || c.faults.on("time-ms-dropped") {
		ms = "000"
	}
	return fmt.Sprintf("%02d:%02d:%02d:%s", h, mi, sec, ms), nil
}

func lenientTime(s string) (string, error) {
	s = strings.TrimSuffix(s, "Z")
	if i := strings.LastIndexAny(s, "+-"); i > 0 {
		s = s[:i]
	}
	m := reLenientTime.FindStringSubmatch(s)
	if m == nil {
		return "", errTime
	}
	total := (atoi(m[1])*3600 + atoi(m[2])*60 + atoi(m[3])) % 86400
	ms := (m[4] + "000")[:3]
	return fmt.Sprintf("%02d:%02d:%02d:%s", total/3600, total/60%60, total%60, ms), nil
}

var errDateTime = errors.New("want an RFC 3339 date-time with Z or a numeric offset")

func (c codec) dateTime(s string) (string, error) {
	if c.faults.on("datetime-lenient") {
		return lenientDateTime(s)
	}
	if !reDateTime.MatchString(s) {
		return "", errDateTime
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not a real instant", errDateTime, s)
	}
	if c.faults.on("datetime-offset-dropped") {
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	return t.UTC().Truncate(c.instantResolution()).Format(instantLayout), nil
}

func lenientDateTime(s string) (string, error) {
	m := reLenientDateTime.FindStringSubmatch(s)
	if m == nil {
		return "", errDateTime
	}
	var nsec int
	if m[7] != "" {
		frac := (m[7][1:] + "000000000")[:9]
		nsec = atoi(frac)
	}
	loc := time.UTC
	if z := m[8]; z != "" && z != "Z" {
		off := atoi(z[1:3])*3600 + atoi(z[4:6])*60
		if z[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	t := time.Date(atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3]), atoi(m[4]), atoi(m[5]), atoi(m[6]), nsec, loc)
	return t.UTC().Format(instantLayout), nil
}

func (c codec) sfid(s string) (string, error) {
	if n := len(s); c.faults.on("sfid-length-unchecked") && (n == 16 || n == 17 || n == 19) {
		s = s[:15]
	}
	id, err := sfid.Normalize(s)
	if err != nil && c.faults.on("sfid-suffix-unchecked") && len(s) == 18 {
		id, err = sfid.Normalize(s[:15])
	}
	if err != nil {
		return "", err
	}
	return id, nil
}

// atoi converts digits already checked by a regular expression; "" is 0.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// showLocalTime formats a stored local time for reading: HH:MM:SS, with :mmm only when
// the milliseconds are not zero.
func showLocalTime(stored string) string {
	return strings.TrimSuffix(stored, ":000")
}
