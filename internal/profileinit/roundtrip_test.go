package profileinit_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/profileinit"
	"github.com/casecert/casecert/internal/refserver"
)

func loadProfile(t *testing.T, path string) *fixtures.Profile {
	t.Helper()
	if path == "" {
		return fixtures.Default()
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	p, err := fixtures.Parse(path, data)
	require.NoError(t, err)
	return p
}

// The reference server's /openapi.json, drafted back into a profile, is the profile it
// was served from, key by key (the default, another naming, and the salesforce platform).
func TestRoundTripOfServedOpenAPI(t *testing.T) {
	for _, path := range []string{"", "../../fixtures/testdata/salesforce-names.yaml", "../selftest/testdata/salesforce.yaml"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			served := loadProfile(t, path)
			srv, err := refserver.New(refserver.Options{DBPath: ":memory:", Profile: served})
			require.NoError(t, err)
			hs := httptest.NewServer(srv)
			t.Cleanup(func() { hs.Close(); srv.Close() })
			resp, err := http.Get(hs.URL + refserver.OpenAPIPath)
			require.NoError(t, err)
			doc, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(doc))

			d, err := profileinit.FromOpenAPI("openapi.json", doc, "")
			require.NoError(t, err)
			drafted, err := fixtures.Parse("drafted.yaml", d.YAML())
			require.NoError(t, err, string(d.YAML()))

			want, got := keys(t, served), keys(t, drafted)
			for k, v := range want {
				assert.JSONEq(t, string(v), string(got[k]), "key %s", k)
			}
			require.Len(t, drafted.Fields, len(served.Fields))
			for i, f := range served.Fields {
				assert.Equal(t, f.Name, drafted.Fields[i].Name)
				assert.Equal(t, jsonOf(t, f), jsonOf(t, drafted.Fields[i]), "field %s", f.Name)
			}
		})
	}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func keys(t *testing.T, p *fixtures.Profile) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(jsonOf(t, p)), &m))
	return m
}
