package steps

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/internal/sfid"
)

func TestBreakIDMakesInvalidIDs(t *testing.T) {
	id := "005000000000002AAA"
	for _, defect := range []string{"14 characters", "16 characters", "17 characters", "19 characters",
		"a non-alphanumeric character", "a wrong checksum suffix"} {
		bad, err := breakID(id, defect)
		assert.NoError(t, err)
		assert.False(t, sfid.Valid(bad), "%s: %q must be invalid", defect, bad)
	}
	bad, _ := breakID(id, "a wrong checksum suffix")
	assert.Equal(t, id[:15], bad[:15])
	assert.False(t, strings.EqualFold(id[15:], bad[15:]), "the suffix is wrong read case-insensitively too")
	_, err := breakID(id, "a typo")
	assert.Error(t, err)
}

func TestAlterTokenKeepsShape(t *testing.T) {
	tok := "aaa.bbbb.cccc"
	sig, payload := alterToken(tok, false), alterToken(tok, true)
	assert.NotEqual(t, tok, sig)
	assert.NotEqual(t, tok, payload)
	assert.Equal(t, "aaa.bbbb.", sig[:9], "only the signature changes")
	assert.Equal(t, ".cccc", payload[len(payload)-5:], "only the payload changes")
}

func TestMatchesSentByMeaning(t *testing.T) {
	str := fixtures.Field{Name: "s", Type: fixtures.TypeString}
	num := fixtures.Field{Name: "n", Type: fixtures.TypeNumber}
	tm := fixtures.Field{Name: "t", Type: fixtures.TypeLocalTime}
	b := fixtures.Field{Name: "b", Type: fixtures.TypeBoolean}
	dt := fixtures.Field{Name: "d", Type: fixtures.TypeDateTime}
	cases := []struct {
		f    fixtures.Field
		sent any
		got  string
		want bool
	}{
		{str, nil, `{}`, true},
		{str, nil, `{"s": null}`, true},
		{str, nil, `{"s": "x"}`, false},
		{str, "x", `{"s": "x"}`, true},
		{str, "x", `{}`, false},
		{num, 12.5, `{"n": 12.50}`, true},
		{num, 12.5, `{"n": "12.5"}`, false},
		{tm, "14:30:00", `{"t": "14:30:00:000"}`, true},
		{tm, "14:30:00:123", `{"t": "14:30:00"}`, false},
		{tm, "14:30:00:123", `{"t": "14:30:00.123Z"}`, true},
		{tm, "14:30:00:123", `{"t": "14:30:00.000Z"}`, false},
		{dt, "2011-06-23T14:59:36.000Z", `{"d": "2011-06-23T14:59:36.000+0000"}`, true},
		{dt, "2025-03-01T10:00:00-08:00", `{"d": "2025-03-01T10:00:00.000+0000"}`, false},
		{dt, "2025-03-01T10:00:00.123Z", `{"d": "2025-03-01T10:00:00.000+0000"}`, false},
		{b, true, `{"b": true}`, true},
		{b, true, `{"b": "true"}`, false},
	}
	for _, c := range cases {
		got := gjson.Parse(c.got).Get(c.f.Name)
		assert.Equal(t, c.want, matchesSent(nil, c.f, c.sent, got), "%v vs %s", c.sent, c.got)
	}
}

// A profile at whole-second precision forgives the fraction, never the instant.
func TestMatchesSentAtTheProfilesPrecision(t *testing.T) {
	sf := fixtures.Default()
	sf.DateTimePrecision = fixtures.PrecisionSecond
	dt := fixtures.Field{Name: "d", Type: fixtures.TypeDateTime}
	got := func(s string) gjson.Result { return gjson.Parse(`{"d": "` + s + `"}`).Get("d") }
	assert.True(t, matchesSent(sf, dt, "2025-03-01T10:00:00.123Z", got("2025-03-01T10:00:00.000+0000")))
	assert.False(t, matchesSent(nil, dt, "2025-03-01T10:00:00.123Z", got("2025-03-01T10:00:00.000+0000")))
	assert.False(t, matchesSent(sf, dt, "2025-03-01T10:00:00.123Z", got("2025-03-01T13:00:00.000+0000")))
	assert.True(t, cases.SameRead(sf, dt, got("2025-03-01T10:00:00.000Z"), got("2025-03-01T10:00:00.000+0000")))
	assert.False(t, cases.SameRead(sf, dt, got("2025-03-01T10:00:00.000Z"), got("2025-03-01T10:00:00.000-0100")))
}

// AUTH-INVALID adapts to the token: a JWT gets its signature and payload altered, an
// opaque session id (Salesforce's 00D…!…) one character of its secret part.
func TestTokenShapes(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMDUifQ.c2lnbmF0dXJl"
	session := "00D000000000001!AQcasecertSessionSecret"
	assert.True(t, isJWT(jwt))
	assert.False(t, isJWT(session))
	assert.False(t, isJWT("a.b.c"))
	assert.False(t, isJWT("casecert-garbage-token"))

	altered := alterCharacters(session)
	assert.NotEqual(t, session, altered)
	assert.Len(t, altered, len(session))
	assert.Equal(t, "00D000000000001!", altered[:16], "the org part is kept: only the secret is wrong")
	assert.NotEqual(t, jwt, alterCharacters(jwt))
	assert.Equal(t, "!x", alterCharacters("!"))
}

func TestLockRefused(t *testing.T) {
	cases := map[string]bool{
		`400 [{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]`: true,
		`500 [{"message":"unable to obtain exclusive access","errorCode":"UNABLE_TO_LOCK_ROW"}]`:                true,
		`409 {}`: true,
		`503 `:   true,
		`400 [{"message":"bad","errorCode":"INVALID_FIELD"}]`: false,
		`200 {"errorCode":"UNABLE_TO_LOCK_ROW"}`:              false,
		`500 {}`:                                              false,
	}
	for answer, want := range cases {
		status, body, _ := strings.Cut(answer, " ")
		code := map[string]int{"200": 200, "400": 400, "409": 409, "500": 500, "503": 503}[status]
		ex := client.Exchange{Status: code, ResponseBody: body}
		assert.Equal(t, want, lockRefused(platform.Of(platform.SalesforceName), ex), answer)
		assert.False(t, lockRefused(platform.Generic{}, ex), "a generic target's writers are not retried: %s", answer)
	}
}
