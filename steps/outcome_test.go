package steps

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/client"
)

func worldAt(t *testing.T, base string) *World {
	t.Helper()
	cl, err := client.New(client.Config{BaseURL: base, Token: "t", Timeout: 2 * time.Second})
	require.NoError(t, err)
	return NewWorld(&Env{Env: cases.Env{Client: cl, Profile: fixtures.Default(), RunID: "r"}, Seed: 1}, "s", []string{"PATCH-NULL"}, nil)
}

// A violation is typed, wrapped or joined; "could not judge" never is.
func TestViolationIsTyped(t *testing.T) {
	w := worldAt(t, "http://127.0.0.1:1")
	v := w.violation("description", "null", "null or absent", `"abc"`)
	assert.True(t, IsViolation(v))
	assert.True(t, IsViolation(fmt.Errorf("step: %w", v)))
	assert.True(t, IsViolation(errors.Join(w.cannotJudge("x"), v)))
	assert.False(t, IsViolation(w.cannotJudge("setup: creating a case was refused")))
	assert.False(t, IsViolation(nil))
}

// Setup that the target refuses, no answer, or an answer cut off: could not judge.
func TestSetupFailuresAreNotViolations(t *testing.T) {
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `[{"message":"Could not find a match for URL","errorCode":"NOT_FOUND"}]`)
	}))
	defer refusing.Close()
	noID := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok": true}`)
	}))
	defer noID.Close()
	cutOff := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id": "500`)
	}))
	defer cutOff.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	ln.Close()
	for name, base := range map[string]string{"create refused": refusing.URL, "no id": noID.URL, "cut off": cutOff.URL, "no answer": closed} {
		w := worldAt(t, base)
		err := w.givenCase(context.Background())
		require.Error(t, err, name)
		assert.False(t, IsViolation(err), "%s: %v", name, err)
	}
}
