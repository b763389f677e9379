package cli

import (
	"crypto/ed25519"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cases"
	"github.com/casecert/casecert/internal/suite"
	"github.com/casecert/casecert/reports"
)

// runOptions are the flags of "casecert run".
type runOptions struct {
	baseURL, token, tokenFile, tokenURL, clientID, clientSecret, expiredToken string
	apiVersion, profile, tags, reportDir, featuresDir, caCert, caseID         string
	formats                                                                   []reports.Format
	shard                                                                     suite.Shard
	faults                                                                    stringList
	redactHeaders                                                             stringList
	concurrency, maxCases, retries, rerunFailed                               int
	rate                                                                      float64
	timeout                                                                   time.Duration
	seed                                                                      int64
	insecure, dryRun, junitStrict, failOnFlaky                                bool
	baseline                                                                  *baselineFile      // --baseline
	headers                                                                   headerList         // --header
	signKey                                                                   ed25519.PrivateKey // --sign-key: signs report.json
	given                                                                     map[string]bool    // the flags given on the command line
	restore                                                                   stringList         // --restore FIELD=VALUE, as given
	writeOnlyRestore                                                          map[string]any     // --restore, checked against the profile
}

type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s = append(*s, part)
		}
	}
	return nil
}

func parseRunFlags(env Env, args []string) (*runOptions, error) {
	o := &runOptions{}
	set := flag.NewFlagSet("run", flag.ContinueOnError)
	set.SetOutput(env.Stderr)
	set.StringVar(&o.baseURL, "base-url", "", "target base URL [CASECERT_BASE_URL]; absent: the built-in reference server")
	set.StringVar(&o.token, "token", "", "bearer token [CASECERT_TOKEN]")
	set.StringVar(&o.tokenFile, "token-file", "", "file holding the bearer token")
	set.StringVar(&o.tokenURL, "token-url", "", "OAuth 2.0 token URL (client credentials)")
	set.StringVar(&o.clientID, "client-id", "", "OAuth 2.0 client id")
	set.StringVar(&o.clientSecret, "client-secret", "", "OAuth 2.0 client secret [CASECERT_CLIENT_SECRET]")
	set.StringVar(&o.expiredToken, "expired-token", "", "an expired token of the target, for AUTH-INVALID")
	set.StringVar(&o.apiVersion, "api-version", "", "API-Version header (default: the profile's, 1.0)")
	set.StringVar(&o.profile, "profile", "", "profile YAML (default: the embedded reference profile)")
	set.StringVar(&o.tags, "tags", "", `godog tag expression, e.g. "@must && ~@AUTH-MISSING"`)
	set.IntVar(&o.concurrency, "concurrency", cases.DefaultInFlight, "requests in flight at once (the work waits on the network); for a rate-limited org lower it and set --rate")
	set.IntVar(&o.maxCases, "max-cases", 0, "at most N cases created by the run; scenarios reuse them (default: 2 per request in flight plus 2, and never fewer than the disruptive scenarios selected plus 3: each, and the health probe, uses up a case of its own)")
	set.Float64Var(&o.rate, "rate", 0, "at most N requests per second (0: unlimited)")
	set.DurationVar(&o.timeout, "timeout", 15*time.Second, "per request")
	set.IntVar(&o.retries, "retries", 2, "retries of 429/503 answers with Retry-After")
	set.StringVar(&o.caCert, "ca-cert", "", "PEM file of CA certificates to trust")
	set.BoolVar(&o.insecure, "insecure-skip-verify", false, "do not verify the target's TLS certificate (written into the report)")
	set.StringVar(&o.reportDir, "report-dir", "casecert-report", "where the report files go; it holds one run's report (the files of formats left out of --format are removed)")
	formats := set.String("format", reports.FormatNames(), "`LIST` of report files, comma-separated (the report files of the formats left out are removed from --report-dir); any of:"+formatHelp())
	set.Int64Var(&o.seed, "seed", 0, "seed of generated values (0: pick one and print it)")
	set.StringVar(&o.featuresDir, "features", "", "directory of .feature files and requirements.yaml replacing the embedded ones")
	set.Var(&o.faults, "fault", "reference server only: turn on a fault switch (repeatable; see casecert serve -h)")
	set.Var(&o.redactHeaders, "redact-header", "also redact this header's values (repeatable)")
	set.StringVar(&o.caseID, "case-id", "", "certify on this existing case instead of creating cases (one scenario at a time); every field is restored at the end")
	set.Var(&o.restore, "restore", "with --case-id: `FIELD=VALUE`, the value before the run of a write-only field, which cannot be read back; "+
		"the run then may send that field and writes VALUE back at the end (repeatable). Without it, write-only fields are never sent")
	shard := set.String("shard", "", "run the I-th of N deterministic slices of the scenarios, e.g. 2/4 (join with casecert merge)")
	set.BoolVar(&o.dryRun, "dry-run", false, "print the expanded features and exit")
	baselinePath := set.String("baseline", "", "baseline `FILE` of known failures (ci.md): they do not fail the exit code, the report still shows them; not a certification")
	set.IntVar(&o.rerunFailed, "rerun-failed", 0, "run a failed scenario again, up to `N` times, each on a case of its own: one that passes is flaky (a warning, exit 0; not a certification)")
	set.BoolVar(&o.failOnFlaky, "fail-on-flaky", false, "exit 1 when a requirement is flaky (a scenario failed, then passed when run again with --rerun-failed)")
	set.BoolVar(&o.junitStrict, "junit-strict", false, "junit.xml writes every failed scenario as a <failure>, should-level and known ones too (default: only those that fail the exit code)")
	set.Var(&o.headers, "header", "`'Name: value'` sent with every request to the target, e.g. a gateway's x-api-key (repeatable; the value is redacted like the token)")
	signKey := set.String("sign-key", "", "sign report.json with this Ed25519 private `FILE` (PEM PKCS #8, or a 32-byte seed: raw, hex or base64); casecert verify --public-key checks it")
	if err := set.Parse(args); err != nil {
		return nil, flagError(err)
	}
	if set.NArg() > 0 {
		return nil, usagef("unexpected arguments %q", set.Args())
	}
	o.given = map[string]bool{}
	set.Visit(func(f *flag.Flag) { o.given[f.Name] = true })
	if o.caseID == "" && len(o.restore) > 0 {
		return nil, usagef("--restore applies to a --case-id run only")
	}
	if o.caseID != "" {
		explicit := false
		set.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "concurrency" })
		if explicit && o.concurrency > 1 {
			return nil, usagef("--case-id runs one scenario at a time: drop --concurrency")
		}
		o.concurrency = 1
		if o.maxCases != 0 {
			return nil, usagef("--case-id creates no case: drop --max-cases")
		}
		if o.rerunFailed != 0 {
			return nil, usagef("--rerun-failed runs a failed scenario again on a case of its own, and --case-id has one case: drop --rerun-failed")
		}
	}
	if o.token != "" && o.tokenFile != "" {
		return nil, usagef("--token and --token-file both give the token: keep one")
	}
	o.baseURL = lookupEnv(env, o.baseURL, "CASECERT_BASE_URL")
	if o.caseID != "" && o.baseURL == "" {
		return nil, usagef("--case-id names a case on a target: give its --base-url (the built-in reference server starts with no case)")
	}
	o.token = lookupEnv(env, o.token, "CASECERT_TOKEN")
	o.clientSecret = lookupEnv(env, o.clientSecret, "CASECERT_CLIENT_SECRET")
	if o.tokenFile != "" {
		b, err := env.ReadFile(o.tokenFile)
		if err != nil {
			return nil, usagef("--token-file: %v", err)
		}
		o.token = strings.TrimSpace(string(b))
	}
	switch {
	case o.concurrency < 1:
		return nil, usagef("--concurrency must be at least 1")
	case o.maxCases < 0:
		return nil, usagef("--max-cases must be at least 1")
	case o.timeout <= 0:
		return nil, usagef("--timeout must be positive")
	case o.retries < 0:
		return nil, usagef("--retries must not be negative")
	case o.rerunFailed < 0:
		return nil, usagef("--rerun-failed must not be negative")
	case o.rate < 0:
		return nil, usagef("--rate must not be negative")
	case o.baseURL != "" && len(o.faults) > 0:
		return nil, usagef("--fault applies to the built-in reference server only; drop --base-url or --fault")
	case o.baseURL != "" && o.token == "" && o.tokenURL == "":
		return nil, usagef("a target needs a token: --token, --token-file, CASECERT_TOKEN or --token-url with --client-id and --client-secret")
	case o.tokenURL != "" && (o.clientID == "" || o.clientSecret == ""):
		return nil, usagef("--token-url needs --client-id and --client-secret (or CASECERT_CLIENT_SECRET)")
	}
	if err := suite.ValidateTags(o.tags); err != nil {
		return nil, usagef("--tags: %v", err)
	}
	var err error
	if o.formats, err = reports.ParseFormats(*formats); err != nil {
		return nil, usagef("--format: %v", err)
	}
	if o.shard, err = suite.ParseShard(*shard); err != nil {
		return nil, usagef("--shard: %v", err)
	}
	if o.signKey, err = readSignKey(env, *signKey, o.formats); err != nil {
		return nil, err
	}
	if o.baseline, err = loadBaseline(env, *baselinePath); err != nil {
		return nil, err
	}
	if o.seed == 0 {
		o.seed = env.Now().UnixNano()%1_000_000_000 + 1
	}
	return o, nil
}

// formatHelp lists the report formats under the --format flag, one a line.
func formatHelp() string {
	var b strings.Builder
	for _, f := range reports.Formats() {
		fmt.Fprintf(&b, "\n  %-9s %-14s %s", f.Name, f.File, f.Description)
	}
	return b.String()
}

// readSignKey reads the --sign-key file, if any; a key needs a format that can carry a
// signature (json).
func readSignKey(env Env, path string, formats []reports.Format) (ed25519.PrivateKey, error) {
	if path == "" {
		return nil, nil
	}
	data, err := env.ReadFile(path)
	if err != nil {
		return nil, usagef("--sign-key: %v", err)
	}
	key, err := reports.ParsePrivateKey(data)
	if err != nil {
		return nil, usagef("--sign-key %s: %v", path, err)
	}
	for _, f := range formats {
		if f.Sign != nil {
			return key, nil
		}
	}
	return nil, usagef("--sign-key signs report.json: add json to --format")
}

// restoreValues checks the --restore values against the profile: each names a write-only
// field (a readable one is restored from the case as read before the run) and a value of
// its type ("null" for none, where the field is nullable).
func restoreValues(p *fixtures.Profile, o *runOptions) (map[string]any, error) {
	out := map[string]any{}
	for _, item := range o.restore {
		name, value, ok := strings.Cut(item, "=")
		if !ok || name == "" {
			return nil, usagef("--restore %q: write FIELD=VALUE", item)
		}
		f, ok := p.Field(name)
		switch {
		case !ok:
			return nil, usagef("--restore %s: the profile %s has no field %q", item, p.Name, name)
		case f.Readable():
			return nil, usagef("--restore %s: %s is readable, and the run restores it from its value read before the run; --restore is for write-only fields", item, name)
		}
		v, err := restoreValue(f, value)
		if err != nil {
			return nil, usagef("--restore %s: %v", item, err)
		}
		out[name] = v
	}
	return out, nil
}

func restoreValue(f fixtures.Field, value string) (any, error) {
	if value == "null" {
		if !f.IsNullable() {
			return nil, fmt.Errorf("%s cannot be null", f.Name)
		}
		return nil, nil
	}
	switch f.Type {
	case fixtures.TypeNumber:
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is a number, not %q", f.Name, value)
		}
		return n, nil
	case fixtures.TypeBoolean:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return nil, fmt.Errorf("%s is a boolean (true or false), not %q", f.Name, value)
		}
		return b, nil
	}
	return value, nil
}
