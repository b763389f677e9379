package client

import (
	"bytes"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCurlFormat(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		headers   map[string]string
		tokenAuth bool
		hasBody   bool
		body      string
		want      string
	}{
		{
			name:   "PATCH with token",
			method: "PATCH",
			headers: map[string]string{"Content-Type": "application/json", "Authorization": "Bearer [REDACTED]", "API-Version": "1.0",
				"Accept": "application/json", "User-Agent": UserAgent + "/" + Version},
			tokenAuth: true, hasBody: true, body: `{"description":"it's"}`,
			want: `curl -sS -X PATCH 'https://h/x?a=1&b=2' -H 'Content-Type: application/json' -H "Authorization: Bearer $CASECERT_TOKEN" -H 'API-Version: 1.0' --data-raw '{"description":"it'\''s"}'`,
		},
		{
			name:    "GET with other headers, secret auth",
			method:  "GET",
			headers: map[string]string{"Authorization": "Bearer [REDACTED]", "X-Empty": "", "Accept": "text/plain"},
			want:    `curl -sS -X GET 'https://h/x?a=1&b=2' -H 'Authorization: Bearer [REDACTED]' -H 'Accept: text/plain' -H 'X-Empty;'`,
		},
		{
			name:    "HEAD, body without content type",
			method:  "HEAD",
			headers: map[string]string{},
			hasBody: true,
			want:    `curl -sS --head 'https://h/x?a=1&b=2' -H 'Content-Type:' --data-raw ''`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, curlCommand(tc.method, "https://h/x?a=1&b=2", tc.headers, tc.tokenAuth, tc.hasBody, tc.body, UserAgent+"/"+Version))
		})
	}
}

// TestCurlReproduces runs the curl line of each exchange against the same server and
// checks that the server gets the same request.
func TestCurlReproduces(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("sh is not installed")
	}
	bodies := map[string]string{
		"single quotes": `{"description":"it's 'quoted' ''"}`,
		"double quotes": `{"description":"say \"hi\" \\ back"}`,
		"newlines":      "{\"description\":\"line 1\nline 2\r\n\tend\"}",
		"unicode":       "{\"description\":\"Zoë — 東京 🚓 \u202ertl\"}",
		"shell":         `{"description":"$HOME $(id) ` + "`id`" + ` !! ; | & > < * ?"}`,
		"at sign":       `@/etc/passwd`,
		"empty":         ``,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			rec, base := serve(t, nil)
			c, _ := newClient(t, Config{BaseURL: base, Token: testToken})
			req := Request{Method: "PATCH", Path: "/incidents/a0B'x y", Query: map[string][]string{"q": {"it's & $x"}},
				Body: []byte(body), Header: http.Header{"X-Note": {`a 'b' "c" $d`}}}
			ex, err := c.Do(t.Context(), req)
			require.NoError(t, err)
			require.NotContains(t, ex.Curl, testToken)

			cmd := exec.Command(sh, "-c", strings.Replace(ex.Curl, "curl", curl+" --max-time 5", 1))
			cmd.Env = []string{"CASECERT_TOKEN=" + testToken, "PATH=/usr/bin:/bin"}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			done := make(chan error, 1)
			go func() { done <- cmd.Run() }()
			select {
			case err := <-done:
				require.NoError(t, err, stderr.String())
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatal("curl did not finish")
			}

			all := rec.all()
			require.Len(t, all, 2)
			orig, again := all[0], all[1]
			assert.Equal(t, orig.Method, again.Method)
			assert.Equal(t, orig.Path, again.Path)
			assert.Equal(t, orig.Query, again.Query)
			assert.Equal(t, body, again.Body)
			for _, h := range []string{"Authorization", "Content-Type", "API-Version", "X-Note"} {
				assert.Equal(t, orig.Header.Values(h), again.Header.Values(h), h)
			}
		})
	}
}
