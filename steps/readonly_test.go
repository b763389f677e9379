package steps

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
)

// fakeTarget is a minimal Case API with one read-only field, "revision", that the
// target itself moves on every update (as a last-modified date does, under a name no
// inference knows). With storeReadOnly it stores read-only fields sent in a PATCH.
func fakeTarget(t *testing.T, p *fixtures.Profile, storeReadOnly bool) string {
	var mu sync.Mutex
	cases := map[string]map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		id := strings.TrimPrefix(r.URL.Path, "/incidents/")
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		switch {
		case r.Method == http.MethodPost:
			id = "500000000000001AAA"
			c := map[string]any{"revision": 1.0, "incident_number": "C-1"}
			for k, v := range body {
				c[k] = v
			}
			cases[id] = c
			json.NewEncoder(w).Encode(map[string]any{"id": id})
		case r.Method == http.MethodPatch:
			c := cases[id]
			for k, v := range body {
				if p.IsReadOnly(k) && !storeReadOnly {
					continue
				}
				c[k] = v
			}
			if _, sent := body["revision"]; !sent || !storeReadOnly {
				c["revision"] = c["revision"].(float64) + 1
			}
			json.NewEncoder(w).Encode(map[string]any{"id": id, "success": true})
		default:
			json.NewEncoder(w).Encode(cases[id])
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// PATCH-READONLY learns from the target which read-only fields move on every update
// (one control PATCH) and judges those by "the value sent was not stored": no false
// alarm for a field the target moves, and still a violation when it stores the value.
func TestReadOnlyFieldsThatMoveAreLearned(t *testing.T) {
	y := strings.Replace(string(fixtures.DefaultYAML()), "read_only: [id, incident_number,", "read_only: [id, revision, incident_number,", 1)
	p, err := fixtures.Parse("p.yaml", []byte(y))
	require.NoError(t, err)
	judge := func(store bool, field string) error {
		cl, err := client.New(client.Config{BaseURL: fakeTarget(t, p, store), Token: "t", Timeout: 2 * time.Second})
		require.NoError(t, err)
		w := NewWorld(&Env{Env: cases.Env{Client: cl, Profile: p, RunID: "r"}, Seed: 1}, "s", []string{"PATCH-READONLY"}, nil)
		ctx := context.Background()
		require.NoError(t, w.givenCase(ctx))
		require.NoError(t, w.patchReadOnly(ctx, field))
		require.NoError(t, w.thenSucceeded(ctx))
		return w.thenReadOnlyIgnored(ctx, field)
	}
	assert.NoError(t, judge(false, "revision"), "a field the target moves itself is no violation")
	assert.NoError(t, judge(false, "incident_number"))
	err = judge(true, "revision")
	assert.True(t, IsViolation(err), "%v", err)
	assert.ErrorContains(t, err, "the value sent not to be stored")
	err = judge(true, "incident_number")
	assert.True(t, IsViolation(err), "%v", err)
	assert.ErrorContains(t, err, "(unchanged)")
}
