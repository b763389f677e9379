package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/refserver"
)

// A document init cannot draft from is exit 2 with one line naming the problem and where.
func TestProfileInitBrokenDocument(t *testing.T) {
	t.Parallel()
	noPatch := `{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
	  "paths": {"/cases/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
	    "responses": {"200": {"description": "ok"}}}}}}`
	dangling := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /cases/{id}:
    patch:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/CaseUpdate'}}}}
      responses: {"200": {description: ok}}
components:
  schemas:
    Case: {type: object}
`
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"no PATCH", noPatch, []string{"no PATCH operation", "paths", "GET /cases/{id}"}},
		{"dangling $ref", dangling, []string{"#/components/schemas/CaseUpdate"}},
		{"not OpenAPI", "schema: casecert.profile/v1\nname: x\n", []string{"not an OpenAPI document", "openapi"}},
		{"not JSON or YAML", "{{{", []string{"not an OpenAPI document"}},
		{"Swagger 2", `{"swagger": "2.0", "paths": {}}`, []string{"Swagger 2.0"}},
	}
	dir := t.TempDir()
	for i, c := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".doc")
		require.NoError(t, os.WriteFile(path, []byte(c.doc), 0o644))
		env, stdout, stderr := testEnv(t, "profile", "init", "--openapi", path)
		code := Main(env)
		assert.Equal(t, ExitUsage, code, c.name)
		assert.Empty(t, stdout.String(), c.name)
		msg := strings.TrimRight(stderr.String(), "\n")
		assert.NotContains(t, msg, "\n", "%s: one line", c.name)
		assert.Contains(t, msg, path, "%s: names the document", c.name)
		for _, w := range c.want {
			assert.Contains(t, msg, w, "case %d (%s)", i, c.name)
		}
	}
}

// init from the reference server's /openapi.json over HTTP, and its fixtures from the
// live target's existing cases (read only: the server sees GETs alone), then profile
// check's answer; with --case-id, the fields from a live case.
func TestProfileInitFromLiveTarget(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Options{DBPath: ":memory:"})
	require.NoError(t, err)
	var mu sync.Mutex
	var methods []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		methods = append(methods, r.Method)
		mu.Unlock()
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { hs.Close(); srv.Close() })
	token, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	base := hs.URL + refserver.DefaultBasePath

	// one existing case on the target, owned by another owner at another location
	def := fixtures.Default()
	body := `{"owner_id": "` + def.Fixtures.Owners[1] + `", "location_id": "` + def.Fixtures.Locations[2].ID + `", "incident_local_date": "2025-03-01"}`
	req, _ := http.NewRequest(http.MethodPost, base+"/incidents", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	mu.Lock()
	methods = nil
	mu.Unlock()

	out := filepath.Join(t.TempDir(), "drafted.yaml")
	env, stdout, stderr := testEnv(t, "profile", "init", "--openapi", hs.URL+refserver.OpenAPIPath, "--base-url", base, "--token", token, "-o", out)
	require.Equal(t, ExitConformant, Main(env), stderr.String())
	assert.Contains(t, stdout.String(), "every must requirement is judged")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	p, err := fixtures.Parse(out, data)
	require.NoError(t, err)
	assert.Equal(t, def.Fixtures.Owners[1], p.Fixtures.IntegrationUser, "the owner of the existing case")
	require.NotEmpty(t, p.Fixtures.Locations)
	assert.Equal(t, def.Fixtures.Locations[2], p.Fixtures.Locations[0], "the location of the existing case first")
	assert.Contains(t, string(data), "# TODO: seen on the target")
	assert.Contains(t, string(data), "# TODO: confirm this record exists", "the document's examples follow")
	mu.Lock()
	for _, m := range methods {
		assert.Equal(t, http.MethodGet, m, "init never writes")
	}
	mu.Unlock()

	// --case-id without a document: fields from the case's JSON, TODOs on each
	req, _ = http.NewRequest(http.MethodGet, base+"/incidents", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var list []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	resp.Body.Close()
	require.NotEmpty(t, list)
	id, _ := list[0]["id"].(string)
	env, stdout, stderr = testEnv(t, "profile", "init", "--base-url", base, "--token", token, "--case-id", id)
	Main(env)
	drafted := stdout.String()
	p, err = fixtures.Parse("drafted", []byte(drafted))
	require.NoError(t, err, drafted+stderr.String())
	f, ok := p.Field("incident_local_date")
	require.True(t, ok, drafted)
	assert.Equal(t, fixtures.TypeDate, f.Type)
	assert.Contains(t, p.ReadOnly, "incident_number")
	assert.Contains(t, drafted, "# TODO:")
	assert.Contains(t, stderr.String(), "profile check says")
}
