package client

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawRequest accepts one connection on 127.0.0.1, returns the request head exactly as
// it arrived and answers 200.
func rawRequest(t *testing.T, send func(base string)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	head := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			head <- ""
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		var b strings.Builder
		for {
			line, err := r.ReadString('\n')
			b.WriteString(line)
			if err != nil || line == "\r\n" {
				break
			}
		}
		head <- b.String()
		_, _ = conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"))
	}()
	send("http://" + ln.Addr().String())
	return <-head
}

// API-Version goes on the wire with the contract's spelling: a target's header map may
// be case-sensitive (Apex's is), and Go would otherwise send Api-Version.
func TestAPIVersionIsSentWithItsExactSpelling(t *testing.T) {
	for name, req := range map[string]Request{
		"default":  {Method: http.MethodGet, Path: "/x"},
		"override": {Method: http.MethodGet, Path: "/x", Header: http.Header{"Api-Version": {"2.0"}}},
	} {
		t.Run(name, func(t *testing.T) {
			var ex Exchange
			head := rawRequest(t, func(base string) {
				c, err := New(Config{BaseURL: base, Token: "tok"})
				require.NoError(t, err)
				ex, err = c.Do(t.Context(), req)
				require.NoError(t, err)
			})
			want := "1.0"
			if name == "override" {
				want = "2.0"
			}
			assert.Contains(t, head, "\r\nAPI-Version: "+want+"\r\n")
			assert.NotContains(t, head, "Api-Version")
			assert.Equal(t, 1, strings.Count(strings.ToLower(head), "api-version"), "one version header")
			assert.Equal(t, want, ex.RequestHeaders["API-Version"])
			assert.Contains(t, ex.Curl, "-H 'API-Version: "+want+"'")
		})
	}
}

// The protocol of each answer is recorded, so a report can say which one the target spoke.
func TestExchangeRecordsTheProtocol(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("{}")) }
	h1 := httptest.NewServer(http.HandlerFunc(ok))
	defer h1.Close()
	h2 := httptest.NewUnstartedServer(http.HandlerFunc(ok))
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()

	for want, cfg := range map[string]Config{
		"HTTP/1.1": {BaseURL: h1.URL},
		"HTTP/2.0": {BaseURL: h2.URL, HTTPClient: h2.Client()},
	} {
		c, err := New(cfg)
		require.NoError(t, err)
		ex, err := c.Do(t.Context(), Request{Path: "/"})
		require.NoError(t, err)
		assert.Equal(t, want, ex.Proto)
	}
}

func TestAPIUsage(t *testing.T) {
	for header, want := range map[string][2]int{
		"api-usage=18/15000": {18, 15000},
		"api-usage=14990/15000, per-app-api-usage=17/250(appName=casecert)": {14990, 15000},
		"per-app-api-usage=17/250(appName=x), api-usage=3/5000":             {3, 5000},
	} {
		used, limit, ok := APIUsage(Exchange{ResponseHeaders: map[string]string{"Sforce-Limit-Info": header}})
		assert.True(t, ok, header)
		assert.Equal(t, want, [2]int{used, limit}, header)
	}
	for _, h := range []map[string]string{nil, {"Sforce-Limit-Info": "per-app-api-usage=17/250(appName=x)"}, {"Sforce-Limit-Info": "api-usage=x/5"}} {
		_, _, ok := APIUsage(Exchange{ResponseHeaders: h})
		assert.False(t, ok, h)
	}
}
