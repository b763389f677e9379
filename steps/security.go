package steps

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/casecert/casecert/internal/client"
)

// securityPhrases are the steps of security.feature (authentication and API version).
var securityPhrases = []Phrase{
	literal("I PATCH another field without an Authorization header", (*World).patchNoAuth, MayShare),
	phrase1(`^I PATCH another field with (a garbage token|the token with characters altered|the token with its signature altered|the token with its payload altered|an expired token|no token|Basic credentials)$`,
		`I PATCH another field with the token with its signature altered`, (*World).patchWithCredentials, MayShare),
	phrase1(`^I PATCH another field with API-Version "([^"]*)"$`, `I PATCH another field with API-Version "1.0"`, (*World).patchWithVersion, MayShare),
	literal("I PATCH another field without an API-Version header", (*World).patchWithoutVersion, MayShare),
	literal("the answer is 401 with a WWW-Authenticate Bearer challenge", (*World).thenBearerChallenge, MayShare),
	literal("the answer is a 4xx JSON error with a message", (*World).thenJSONError, MayShare),
}

func (w *World) patchNoAuth(ctx context.Context) error {
	return w.sendProbe(ctx, func(r *client.Request) { r.Auth = client.AuthNone })
}

func (w *World) patchWithCredentials(ctx context.Context, kind string) error {
	var header string
	secret := true
	switch kind {
	case "no token":
		return w.patchNoAuth(ctx)
	case "a garbage token":
		header, secret = "Bearer casecert-garbage-token", false
	case "Basic credentials":
		header, secret = "Basic "+base64.StdEncoding.EncodeToString([]byte("casecert:casecert")), false
	case "an expired token":
		if w.env.ExpiredToken == "" {
			return w.skip("no expired token of the target was supplied: give one with --expired-token")
		}
		header = "Bearer " + w.env.ExpiredToken
	case "the token with characters altered":
		if w.env.Token == "" {
			return w.skip("%s", oauthNoCopy)
		}
		header = "Bearer " + alterCharacters(w.env.Token)
	default: // an altered copy of the run's JWT
		switch {
		case w.env.Token == "":
			return w.skip("%s", oauthNoCopy)
		case !isJWT(w.env.Token):
			return w.inapplicable("opaque token: the run's token is not a JWT, so it has no signature or payload to alter (the row with characters altered judges it)")
		}
		header = "Bearer " + alterToken(w.env.Token, strings.Contains(kind, "payload"))
	}
	return w.sendProbe(ctx, func(r *client.Request) {
		r.Auth, r.AuthHeader, r.AuthSecret = client.AuthRaw, header, secret
	})
}

// oauthNoCopy is why a row that alters the run's token is skipped with --token-url, and
// what judges it.
const oauthNoCopy = "the run's token comes from an OAuth token source (--token-url), so no altered copy is made; a token of the target given with --token judges it"

// alterToken changes one character of a JWT's signature (or payload), keeping its shape.
func alterToken(token string, payload bool) string {
	parts := strings.Split(token, ".")
	i := len(parts) - 1
	if payload && len(parts) == 3 {
		i = 1
	}
	p := []byte(parts[i])
	if len(p) == 0 {
		return token + "x"
	}
	at := len(p) / 2
	if p[at] == 'A' {
		p[at] = 'B'
	} else {
		p[at] = 'A'
	}
	parts[i] = string(p)
	return strings.Join(parts, ".")
}

// alterCharacters changes one character in the secret part of a token: after the "!" of
// a Salesforce session id (00D…!…), else in the middle.
func alterCharacters(token string) string {
	start := strings.LastIndexByte(token, '!') + 1
	p := []byte(token)
	if start >= len(p) {
		return token + "x"
	}
	at := start + (len(p)-start)/2
	if p[at] == 'A' {
		p[at] = 'B'
	} else {
		p[at] = 'A'
	}
	return string(p)
}

// isJWT reports whether a token is a compact JWS: three base64url parts whose first is
// a JSON header naming its algorithm.
func isJWT(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[2] == "" {
		return false
	}
	head, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	return json.Unmarshal(head, &h) == nil && h.Alg != ""
}

func (w *World) patchWithVersion(ctx context.Context, version string) error {
	return w.sendProbe(ctx, func(r *client.Request) { r.APIVersion = &version })
}

func (w *World) patchWithoutVersion(ctx context.Context) error {
	none := ""
	return w.sendProbe(ctx, func(r *client.Request) { r.APIVersion = &none })
}

func (w *World) thenBearerChallenge(context.Context) error {
	challenge := w.last.Header("WWW-Authenticate")
	if w.amended != "" {
		seen := "no WWW-Authenticate header"
		if challenge != "" {
			seen = fmt.Sprintf("WWW-Authenticate %q", challenge)
		}
		w.Observe("%s; observed %d with %s", w.amended, w.last.Status, seen)
		return nil
	}
	if w.last.Status != http.StatusUnauthorized {
		return w.violation("", w.lastSent(), "401", w.last.Summary())
	}
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(challenge)), "bearer") {
		return w.violation("", w.lastSent(), "a WWW-Authenticate: Bearer challenge", fmt.Sprintf("WWW-Authenticate %q", challenge))
	}
	return nil
}
