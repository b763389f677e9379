package cases

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
)

// One reader judges every read of a case: the case is a 200 with a JSON object, and
// anything else is a fault that says what came instead; a read of child records wants a
// 200 with JSON and names the kind it could not read.
func TestReadCaseAndChildren(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/ok/vehicles"):
			http.Error(w, "no", http.StatusForbidden)
		case strings.HasSuffix(r.URL.Path, "/ok/persons"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[]`))
		case strings.HasSuffix(r.URL.Path, "/ok"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id": "ok"}`))
		case strings.HasSuffix(r.URL.Path, "/text"):
			_, _ = w.Write([]byte(`not json`))
		case strings.HasSuffix(r.URL.Path, "/list"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"id": "list"}]`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cl, err := client.New(client.Config{BaseURL: srv.URL, Token: "t", Timeout: 2 * time.Second})
	require.NoError(t, err)
	p := fixtures.Default()

	r, err := ReadCase(t.Context(), cl.Do, p, "ok")
	require.NoError(t, err)
	assert.Empty(t, r.Fault)
	assert.Equal(t, "ok", r.Doc().Get("id").String())

	for id, fault := range map[string]string{"text": "200", "list": "200", "gone": "404"} {
		r, err := ReadCase(t.Context(), cl.Do, p, id)
		require.NoError(t, err)
		assert.Contains(t, r.Fault, fault, id)
	}

	_, err = ReadChildren(t.Context(), cl.Do, p, "ok")
	fault, ok := err.(*ChildrenFault)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "vehicles", fault.Kind)
	assert.Equal(t, http.StatusForbidden, fault.Ex.Status)

	one := *p
	one.Nested = []string{"persons"}
	children, err := ReadChildren(t.Context(), cl.Do, &one, "ok")
	require.NoError(t, err)
	assert.True(t, children["persons"].IsArray())
}
