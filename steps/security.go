package steps

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/casecert/casecert/internal/client"
)

// securityPhrases are the steps of security.feature (authentication and API version).
var securityPhrases = []Phrase{
	literal("I PATCH another field without an Authorization header", (*World).patchNoAuth),
	phrase1(`^I PATCH another field with (a garbage token|the token with its signature altered|the token with its payload altered|an expired token|no token|Basic credentials)$`,
		`I PATCH another field with the token with its signature altered`, (*World).patchWithCredentials),
	phrase1(`^I PATCH another field with API-Version "([^"]*)"$`, `I PATCH another field with API-Version "1.0"`, (*World).patchWithVersion),
	literal("I PATCH another field without an API-Version header", (*World).patchWithoutVersion),
	literal("the answer is 401 with a WWW-Authenticate Bearer challenge", (*World).thenBearerChallenge),
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
			return w.skip("no expired token of the target was supplied (--expired-token)")
		}
		header = "Bearer " + w.env.ExpiredToken
	default: // an altered copy of the run's token
		if w.env.Token == "" {
			return w.skip("the run's token comes from an OAuth token source, so no altered copy is made")
		}
		header = "Bearer " + alterToken(w.env.Token, strings.Contains(kind, "payload"))
	}
	return w.sendProbe(ctx, func(r *client.Request) {
		r.Auth, r.AuthHeader, r.AuthSecret = client.AuthRaw, header, secret
	})
}

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

func (w *World) patchWithVersion(ctx context.Context, version string) error {
	return w.sendProbe(ctx, func(r *client.Request) { r.APIVersion = &version })
}

func (w *World) patchWithoutVersion(ctx context.Context) error {
	none := ""
	return w.sendProbe(ctx, func(r *client.Request) { r.APIVersion = &none })
}

func (w *World) thenBearerChallenge(context.Context) error {
	if w.last.Status != http.StatusUnauthorized {
		return w.violation("", w.lastSent(), "401", describe(w.last))
	}
	challenge := header(w.last.ResponseHeaders, "WWW-Authenticate")
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(challenge)), "bearer") {
		return w.violation("", w.lastSent(), "a WWW-Authenticate: Bearer challenge", fmt.Sprintf("WWW-Authenticate %q", challenge))
	}
	return nil
}
