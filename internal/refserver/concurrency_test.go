package refserver

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/casecert/casecert/fixtures"
)

// distinctValue is a valid value of f, different for each n, and its read-back.
func distinctValue(f field, n int) (send any, want string) {
	switch f.kind {
	case kindDate:
		d := fmt.Sprintf("2025-01-%02d", 1+n%28)
		return d, `"` + d + `"`
	case kindLocalTime:
		tm := fmt.Sprintf("10:%02d:00", n%60)
		return tm, `"` + tm + `"`
	case kindDateTime:
		return fmt.Sprintf("2025-01-01T10:%02d:00Z", n%60), fmt.Sprintf(`"2025-01-01T10:%02d:00.000Z"`, n%60)
	case kindNumber:
		return n + 1000, fmt.Sprint(n + 1000)
	case kindBool:
		return true, "true"
	case kindSfid:
		if f.ref == "owner" {
			return owner3, `"` + owner3 + `"`
		}
		return loc3ID, `"` + loc3ID + `"`
	}
	return fmt.Sprintf("v-%d", n), fmt.Sprintf(`"v-%d"`, n)
}

// 50 goroutines PATCH at once, each one field no other goroutine touches: every update
// persists. The catalog has fewer than 50 independent readable fields, so the goroutines
// share out 25 fields on each of two cases.
func TestConcurrentDisjointPatches(t *testing.T) {
	for _, db := range []string{"", ":memory:"} {
		t.Run("db="+db, func(t *testing.T) {
			srv, err := New(Options{DBPath: db})
			require.NoError(t, err)
			defer srv.Close()
			tok, _ := srv.MintToken(time.Hour)
			s := &tsrv{t: t, srv: srv, token: tok}

			var fields []field
			for _, f := range catalog {
				if !f.writeOnly && f.name != "location_number" { // location_number is linked to location_id
					fields = append(fields, f)
				}
			}
			fields = fields[:25]
			base := map[string]any{"police_involved": false, "owner_id": owner2}
			cases := []string{s.create(base), s.create(base)}

			const workers = 50
			var wg sync.WaitGroup
			start := make(chan struct{})
			codes := make([]int, workers)
			for i := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					f := fields[i%len(fields)]
					send, _ := distinctValue(f, i)
					<-start
					codes[i] = s.patch(cases[i/len(fields)], map[string]any{f.name: send}).code
				}()
			}
			close(start)
			wg.Wait()
			for i := range workers {
				assert.Equal(t, http.StatusOK, codes[i], "worker %d", i)
				f := fields[i%len(fields)]
				_, want := distinctValue(f, i)
				assert.Equal(t, want, s.read(cases[i/len(fields)]).Get(f.name).Raw, "worker %d field %s lost its update", i, f.name)
			}
		})
	}
}

// benchServer serves a fresh server over a real loopback connection and returns a
// function that sends one authorized request and answers its status.
func benchServer(b *testing.B) func(method, path, body string) int {
	srv, err := New(Options{})
	require.NoError(b, err)
	b.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	tok, _ := srv.MintToken(time.Hour)
	client := ts.Client()
	return func(method, path, body string) int {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("API-Version", "1.0")
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
}

// BenchmarkPatchGetRoundTrip measures a PATCH followed by a GET of the same case over a
// real loopback connection.
func BenchmarkPatchGetRoundTrip(b *testing.B) {
	send := benchServer(b)
	if code := send("POST", incidents, `{"summary": "bench"}`); code != http.StatusCreated {
		b.Fatalf("create: %d", code)
	}
	path := incidents + "/500000000000001AAA"
	for i := 0; b.Loop(); i++ {
		if code := send("PATCH", path, fmt.Sprintf(`{"summary": "v%d", "initial_case_value": %d}`, i, i)); code != http.StatusOK {
			b.Fatalf("PATCH: %d", code)
		}
		if code := send("GET", path, ""); code != http.StatusOK {
			b.Fatalf("GET: %d", code)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

// BenchmarkCreate measures what the suite does most: create a fully populated case with a
// child of each kind.
func BenchmarkCreate(b *testing.B) {
	send := benchServer(b)
	body := full()
	for _, kind := range fixtures.Default().Nested {
		body[kind] = []any{map[string]any{"estimated_value": 5}}
	}
	text := mustJSON(b, body)
	for b.Loop() {
		if code := send("POST", incidents, text); code != http.StatusCreated {
			b.Fatalf("create: %d", code)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
