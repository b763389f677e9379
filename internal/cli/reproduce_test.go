package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// shellWords splits a command line as a POSIX shell would, expanding $NAME inside double
// quotes (and bare) from vars; a variable vars lacks fails the test.
func shellWords(t *testing.T, line string, vars map[string]string) []string {
	t.Helper()
	varName := regexp.MustCompile(`^\$[A-Za-z_][A-Za-z0-9_]*`)
	var words []string
	var cur strings.Builder
	inWord, quote := false, byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'' && c != '\'':
			cur.WriteByte(c)
		case c == '\'' && quote != '"', c == '"' && quote != '\'':
			if quote == c {
				quote = 0
			} else {
				quote = c
			}
			inWord = true
		case c == '$' && quote != '\'':
			name := varName.FindString(line[i:])
			require.NotEmpty(t, name, "a $ that is not a variable: %s", line)
			v, ok := vars[name[1:]]
			require.True(t, ok, "%s uses %s, which the test does not set", line, name)
			cur.WriteString(v)
			inWord, i = true, i+len(name)-1
		case c == '\\' && quote == '"' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case (c == ' ' || c == '\t') && quote == 0:
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	require.Zero(t, quote, "unclosed quote: %s", line)
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// sentLog records what a target received: method, path, the headers flags decide and
// the body, one line per request.
type sentLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *sentLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		l.mu.Lock()
		l.lines = append(l.lines, fmt.Sprintf("%s %s api-version=%q x-api-key=%q authorization=%q %s",
			r.Method, r.URL.Path, r.Header.Get("API-Version"), r.Header.Get("X-Api-Key"), r.Header.Get("Authorization"), body))
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (l *sentLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.lines)
	l.lines = nil
	slices.Sort(out)
	return out
}

// normalizedIDs writes the ids of the cases a run created as CASE: two runs create
// different ones.
var createdCase = regexp.MustCompile(`\b500[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?\b`)

// issue 17 item 5: the reproduce line of a failure holds every flag of the run that
// changes what is sent (the profile at its path, though its name is "reference", the case,
// the expired token, the API version, a gateway header, the concurrency), secrets as
// $VARIABLEs; run as printed, it sends what the run sent: on created cases, and on a case
// given with --case-id.
func TestReproduceLineHoldsEveryFlagThatChangesWhatIsSent(t *testing.T) {
	t.Parallel()
	// The profile as `casecert profile` prints it (named "reference"), less one field (a
	// rerun without it would send that field too) and with an API version the target does
	// not have (a rerun without --api-version 1.0 would send that).
	const dropped = "  - {name: department, type: string}\n"
	profileText := strings.Replace(string(fixtures.DefaultYAML()), dropped, "", 1)
	profileText = strings.Replace(profileText, "\napi_version: \"1.0\"\n", "\napi_version: \"99.0\"\n", 1)
	require.Equal(t, len(fixtures.DefaultYAML())-len(dropped)+1, len(profileText))
	require.Contains(t, profileText, "\nname: reference\n")
	profile := filepath.Join(t.TempDir(), "my profiles", "staging.yaml")
	require.NoError(t, os.MkdirAll(filepath.Dir(profile), 0o755))
	require.NoError(t, os.WriteFile(profile, []byte(profileText), 0o644))
	const expired, gateway = "expired-token-value", "gateway-key-s3cret"

	run := func(t *testing.T, args ...string) (ExitCode, string, reports.Run) {
		dir := t.TempDir()
		env, stdout, stderr := testEnv(t, append(args, "--report-dir", dir, "--format", "json")...)
		code := Main(env)
		_, r := readReport(t, dir)
		return code, stdout.String() + stderr.String(), r
	}
	for name, c := range map[string]struct {
		fault, requirement string
		flags              []string
		want               []string
	}{
		"created cases": {"null-ignored", "PATCH-NULL", []string{"--concurrency", "1"}, []string{" --concurrency 1"}},
		"--case-id":     {"no-challenge", "AUTH-CHALLENGE", []string{"--case-id", "{case}"}, []string{" --case-id {case}"}},
	} {
		t.Run(name, func(t *testing.T) {
			var sent sentLog
			base, token, id, _ := existingCaseBehind(t, sent.wrap, c.fault)
			sent.take()
			flags := slices.Clone(c.flags)
			for i := range flags {
				flags[i] = strings.ReplaceAll(flags[i], "{case}", id)
			}
			code, console, r := run(t, append([]string{"run", "--base-url", base, "--token", token, "--profile", profile, "--expired-token", expired,
				"--api-version", "1.0", "--header", "x-api-key: " + gateway, "--tags", "@" + c.requirement, "--seed", "77"}, flags...)...)
			require.NotEqual(t, ExitConformant, code, console)
			first := sent.take()

			fs := reports.Failures(&r)
			require.NotEmpty(t, fs, console)
			require.Equal(t, c.requirement, fs[0].ID)
			rerun := fs[0].Reproduce[0]
			require.Equal(t, reports.ReproduceRerun, rerun.Kind)
			for _, want := range append([]string{
				"casecert run --base-url " + base + ` --token "$CASECERT_TOKEN" --expired-token "$CASECERT_EXPIRED_TOKEN"`,
				" --profile '" + profile + "'", " --api-version 1.0", ` --header "x-api-key: $X_API_KEY"`,
				" --tags @" + c.requirement + " --seed 77",
			}, c.want...) {
				assert.Contains(t, rerun.Command, strings.ReplaceAll(want, "{case}", id))
			}
			assert.Contains(t, console, rerun.Command, "the console prints the same line")
			for _, secret := range []string{token, expired, gateway} {
				assert.NotContains(t, console, secret)
				for _, rp := range fs[0].Reproduce {
					assert.NotContains(t, rp.Command, secret)
				}
			}
			for _, rp := range fs[0].Reproduce[1:] {
				assert.NotContains(t, rp.Command, "[REDACTED]", "a redacted header is a $VARIABLE: %s", rp.Command)
				assert.Contains(t, rp.Command, `-H "X-Api-Key: $X_API_KEY"`)
			}

			// Run as printed, with the variables set, the line sends what the run sent.
			args := shellWords(t, rerun.Command, map[string]string{"CASECERT_TOKEN": token, "CASECERT_EXPIRED_TOKEN": expired, "X_API_KEY": gateway})
			require.Equal(t, "casecert", args[0])
			code, console, _ = run(t, args[1:]...)
			require.NotEqual(t, ExitConformant, code, console)
			again := sent.take()
			// Generated values do not repeat yet under one seed (issue 17 item 4), so a body is
			// compared by its keys: the fields the profile and the scenario chose.
			normalize := func(lines []string) []string {
				out := make([]string, len(lines))
				for i, l := range lines {
					l = createdCase.ReplaceAllStringFunc(l, func(m string) string {
						if strings.HasPrefix(m, id[:15]) {
							return m // the case given
						}
						return "CREATED"
					})
					if j := strings.LastIndex(l, "\" "); j >= 0 && gjson.Valid(l[j+2:]) && gjson.Parse(l[j+2:]).IsObject() {
						var keys []string
						gjson.Parse(l[j+2:]).ForEach(func(k, _ gjson.Result) bool { keys = append(keys, k.String()); return true })
						slices.Sort(keys)
						l = l[:j+2] + "keys " + strings.Join(keys, ",")
					}
					out[i] = l
				}
				slices.Sort(out)
				return out
			}
			if !assert.Equal(t, normalize(first), normalize(again), "the rerun sends the same requests") {
				a, b := normalize(first), normalize(again)
				for _, l := range a {
					if !slices.Contains(b, l) {
						t.Logf("only first: %s", l[strings.LastIndex(l, "\" ")+2:])
					}
				}
				for _, l := range b {
					if !slices.Contains(a, l) {
						t.Logf("only again: %s", l[strings.LastIndex(l, "\" ")+2:])
					}
				}
			}
			assert.Contains(t, strings.Join(first, "\n"), `x-api-key="`+gateway+`"`)
			assert.NotContains(t, strings.Join(first, "\n"), "department", "the profile's fields only")
		})
	}
}

// issue 17 item 5, against the built-in reference server: the rerun and the serve line
// carry the profile as given (named "reference" or not) and the faults; the serve line
// also its platform (reports: TestServeLineCarriesTheRunsProfileAndPlatform).
func TestReproduceOfABuiltInRunCarriesItsProfile(t *testing.T) {
	t.Parallel()
	profile := filepath.Join(t.TempDir(), "my.yaml")
	require.NoError(t, os.WriteFile(profile, fixtures.DefaultYAML(), 0o644))
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--fault", "null-ignored", "--profile", profile, "--tags", "@PATCH-NULL", "--seed", "5", "--report-dir", dir, "--format", "json")
	require.Equal(t, ExitNonConformant, Main(env), stdout.String()+stderr.String())
	_, r := readReport(t, dir)
	f := reports.Failures(&r)[0]
	require.GreaterOrEqual(t, len(f.Reproduce), 2)
	assert.Equal(t, "casecert run --fault null-ignored --profile "+profile+" --tags @PATCH-NULL --seed 5", f.Reproduce[0].Command)
	assert.Equal(t, reports.ReproduceServe, f.Reproduce[1].Kind)
	assert.Equal(t, "casecert serve --fault null-ignored --profile "+profile, f.Reproduce[1].Command)
}

// curlRequest is a curl line of a reproduction, parsed back into a request.
func curlRequest(t *testing.T, line string, vars map[string]string) (method, url string, header http.Header, body string) {
	t.Helper()
	words := shellWords(t, line, vars)
	require.Equal(t, "curl", words[0], line)
	header = http.Header{}
	method = http.MethodGet
	for i := 1; i < len(words); i++ {
		switch w := words[i]; w {
		case "-sS":
		case "-X":
			i++
			method = words[i]
		case "-H":
			i++
			name, value, _ := strings.Cut(words[i], ":")
			header.Set(name, strings.TrimSpace(value))
		case "--data-raw":
			i++
			body = words[i]
		default:
			require.False(t, strings.HasPrefix(w, "-"), "a curl flag the test does not know: %s", w)
			url = w
		}
	}
	return method, url, header, body
}

// issue 17 item 6: a failure's curl lines are the sequence that shows the defect, the
// PATCH and its read-back; for a run of the built-in server they say that its case lived
// in the in-process server only and name it $CASE_ID. Sent to a fresh server's case in the
// scenario's starting state, the sequence shows the defect on a server with the fault and
// not on one without it.
func TestCurlSequenceShowsTheDefect(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--fault", "null-ignored", "--tags", "@PATCH-NULL", "--seed", "9", "--report-dir", dir, "--format", "json")
	require.Equal(t, ExitNonConformant, Main(env), stdout.String()+stderr.String())
	_, r := readReport(t, dir)
	f := reports.Failures(&r)[0]
	var curls []reports.Reproduce
	for _, rp := range f.Reproduce {
		if rp.Kind == reports.ReproduceCurl {
			curls = append(curls, rp)
		}
	}
	require.Len(t, curls, 2, "the PATCH and its read-back")
	assert.Contains(t, curls[0].Command, "-X PATCH ")
	assert.Contains(t, curls[1].Command, "-X GET ")
	assert.Contains(t, curls[1].Note, "read-back")
	var scenario *reports.Scenario
	for i := range r.Scenarios {
		if r.Scenarios[i].ID == f.Scenario {
			scenario = &r.Scenarios[i]
		}
	}
	require.NotNil(t, scenario)
	inProcess := regexp.MustCompile(`/incidents/(\w+)`).FindStringSubmatch(scenario.Exchanges[len(scenario.Exchanges)-1].URL)[1]
	assert.Contains(t, curls[0].Note, "the run's case "+inProcess+" existed only in the run's in-process reference server")
	for _, c := range curls {
		assert.Contains(t, c.Command, `/incidents/'"$CASE_ID"`, "the case is $CASE_ID")
		assert.NotContains(t, c.Command, inProcess)
	}

	// The field the PATCH clears, and its value in the state the scenario started from.
	_, _, _, patch := curlRequest(t, curls[0].Command, map[string]string{"CASECERT_TOKEN": "", "CASE_ID": ""})
	var field string
	gjson.Parse(patch).ForEach(func(k, _ gjson.Result) bool { field = k.String(); return false })
	require.NotEmpty(t, field)
	// Its starting state: the body that created the case, or the first read of it.
	var start gjson.Result
	for _, ex := range scenario.Exchanges {
		switch ex.Method {
		case http.MethodPost:
			start = gjson.Get(ex.RequestBody, gjsonEscape(field))
		case http.MethodGet:
			start = gjson.Get(ex.ResponseBody, gjsonEscape(field))
		}
		if start.Exists() {
			break
		}
	}
	require.True(t, start.Exists() && start.Type != gjson.Null, "the scenario started with %s set: %+v", field, scenario.Exchanges)

	readBack := func(faults ...string) gjson.Result {
		srv, err := refserver.New(refserver.Options{Faults: faults})
		require.NoError(t, err)
		defer srv.Close()
		hs := httptest.NewServer(srv)
		defer hs.Close()
		token, err := srv.MintToken(time.Hour)
		require.NoError(t, err)
		base := hs.URL + refserver.DefaultBasePath
		status, created := call(t, http.MethodPost, base+"/incidents", token, `{"`+field+`": `+start.Raw+`}`)
		require.Equal(t, http.StatusCreated, status, created)
		vars := map[string]string{"CASECERT_TOKEN": token, "CASE_ID": gjson.Get(created, "id").String()}
		var last string
		for _, c := range curls {
			method, url, header, body := curlRequest(t, c.Command, vars)
			url = strings.Replace(url, "http://"+reports.ServeAddr+refserver.DefaultBasePath, base, 1)
			req, err := http.NewRequest(method, url, strings.NewReader(body))
			require.NoError(t, err)
			req.Header = header
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, url, b)
			last = string(b)
		}
		return gjson.Get(last, gjsonEscape(field))
	}
	assert.Equal(t, start.Raw, readBack("null-ignored").Raw, "with the fault, the read-back still holds %s", field)
	assert.Equal(t, gjson.Null, readBack().Type, "without it, the read-back shows %s cleared", field)
}

func gjsonEscape(path string) string {
	return regexp.MustCompile(`[.*?|#@\\]`).ReplaceAllString(path, `\$0`)
}
