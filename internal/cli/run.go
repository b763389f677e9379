package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/casecert/casecert/features"
	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/internal/sfid"
	"github.com/casecert/casecert/internal/suite"
	"github.com/casecert/casecert/reports"
	"github.com/casecert/casecert/steps"
)

// runOptions are the flags of "casecert run".
type runOptions struct {
	baseURL, token, tokenFile, tokenURL, clientID, clientSecret, expiredToken  string
	apiVersion, profile, tags, reportDir, formats, featuresDir, caCert, caseID string
	shard                                                                      suite.Shard
	faults                                                                     stringList
	redactHeaders                                                              stringList
	concurrency, retries                                                       int
	rate                                                                       float64
	timeout                                                                    time.Duration
	seed                                                                       int64
	insecure, dryRun                                                           bool
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

var allFormats = []string{"json", "html", "md", "junit", "cucumber"}

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
	set.IntVar(&o.concurrency, "concurrency", runtime.NumCPU(), "scenarios run in parallel")
	set.Float64Var(&o.rate, "rate", 0, "at most N requests per second (0: unlimited)")
	set.DurationVar(&o.timeout, "timeout", 15*time.Second, "per request")
	set.IntVar(&o.retries, "retries", 2, "retries of 429/503 answers with Retry-After")
	set.StringVar(&o.caCert, "ca-cert", "", "PEM file of CA certificates to trust")
	set.BoolVar(&o.insecure, "insecure-skip-verify", false, "do not verify the target's TLS certificate (written into the report)")
	set.StringVar(&o.reportDir, "report-dir", "casecert-report", "where the report files go")
	set.StringVar(&o.formats, "format", strings.Join(allFormats, ","), "report files: any of "+strings.Join(allFormats, ","))
	set.Int64Var(&o.seed, "seed", 0, "seed of generated values (0: pick one and print it)")
	set.StringVar(&o.featuresDir, "features", "", "directory of .feature files and requirements.yaml replacing the embedded ones")
	set.Var(&o.faults, "fault", "reference server only: turn on a fault switch (repeatable; see casecert serve -h)")
	set.Var(&o.redactHeaders, "redact-header", "also redact this header's values (repeatable)")
	set.StringVar(&o.caseID, "case-id", "", "certify on this existing case instead of creating cases (one scenario at a time); every field is restored at the end")
	shard := set.String("shard", "", "run the I-th of N deterministic slices of the scenarios, e.g. 2/4 (join with casecert merge)")
	set.BoolVar(&o.dryRun, "dry-run", false, "print the expanded features and exit")
	if err := set.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	if set.NArg() > 0 {
		return nil, usagef("unexpected arguments %q", set.Args())
	}
	if o.caseID != "" {
		explicit := false
		set.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "concurrency" })
		if explicit && o.concurrency > 1 {
			return nil, usagef("--case-id runs one scenario at a time: drop --concurrency")
		}
		o.concurrency = 1
	}
	o.baseURL = lookupEnv(env, o.baseURL, "CASECERT_BASE_URL")
	o.token = lookupEnv(env, o.token, "CASECERT_TOKEN")
	o.clientSecret = lookupEnv(env, o.clientSecret, "CASECERT_CLIENT_SECRET")
	if o.tokenFile != "" {
		b, err := env.ReadFile(o.tokenFile)
		if err != nil {
			return nil, usagef("--token-file: %v", err)
		}
		o.token = strings.TrimSpace(string(b))
	}
	for _, f := range strings.Split(o.formats, ",") {
		if !slices.Contains(allFormats, strings.TrimSpace(f)) {
			return nil, usagef("--format: unknown format %q (use any of %s)", f, strings.Join(allFormats, ","))
		}
	}
	switch {
	case o.concurrency < 1:
		return nil, usagef("--concurrency must be at least 1")
	case o.timeout <= 0:
		return nil, usagef("--timeout must be positive")
	case o.retries < 0:
		return nil, usagef("--retries must not be negative")
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
	if o.shard, err = suite.ParseShard(*shard); err != nil {
		return nil, usagef("--shard: %v", err)
	}
	if o.seed == 0 {
		o.seed = env.Now().UnixNano()%1_000_000_000 + 1
	}
	return o, nil
}

// runCommand is the main flow: flags, profile, suite, target, godog, results, writers.
func runCommand(env Env, args []string) (ExitCode, error) {
	opts, err := parseRunFlags(env, args)
	if errors.Is(err, flag.ErrHelp) {
		return ExitConformant, nil
	}
	if err != nil {
		return ExitUsage, err
	}
	profile, err := loadProfile(env, opts.profile)
	if err != nil {
		return ExitUsage, err
	}
	st, err := loadSuite(env, opts.featuresDir, profile)
	if err != nil {
		return ExitUsage, err
	}
	if opts.dryRun {
		_, err := env.Stdout.Write(st.Render())
		return ExitConformant, err
	}
	selected := 0
	inShard := st.InShard(opts.shard)
	for _, p := range st.Selected(opts.tags) {
		if inShard[p.ID] {
			selected++
		}
	}
	if selected == 0 {
		return ExitUsage, usagef("--tags %q with --shard %q selects no scenario (casecert list shows the requirement tags)", opts.tags, opts.shard)
	}

	target, err := startTarget(env, opts)
	if err != nil {
		return ExitUnreachable, err
	}
	defer target.stop()

	started := env.Now()
	rec := &suite.Recorder{}
	cl, err := newClient(env, opts, profile, target, rec)
	if err != nil {
		return ExitUsage, err
	}
	if err := preflight(env.Context, cl, profile, opts.caseID); err != nil {
		return ExitUnreachable, err
	}

	var created createdCases
	runEnv := &steps.Env{
		Client: cl, Profile: profile, Seed: opts.seed,
		RunID:        fmt.Sprintf("casecert-%d", opts.seed),
		ExpiredToken: target.expiredToken, Token: target.token,
		Created: created.add, CaseID: opts.caseID,
	}
	mode, cleanup := "created-cases", reports.Cleanup{Restored: true, Detail: "the run only changed cases it created"}
	var snapshot gjson.Result
	if opts.caseID != "" {
		mode = "existing-case"
		if snapshot, err = steps.Snapshot(env.Context, runEnv); err != nil {
			return ExitUnreachable, &targetError{fmt.Errorf("--case-id: %w", err)}
		}
	}
	fmt.Fprintf(env.Stderr, "casecert %s: certifying %s (profile %s, %d scenarios, seed %d)\n",
		Version, target.describe(), profile.Name, selected, opts.seed)
	res, err := st.Run(env.Context, suite.Config{Env: runEnv, Tags: opts.tags, Concurrency: opts.concurrency, Progress: env.Stderr, Shard: opts.shard}, rec)
	if err != nil {
		return ExitUnreachable, &targetError{err}
	}
	if opts.caseID != "" {
		// Restore even after an interrupt: the case belongs to someone else.
		restoreCtx, cancel := context.WithTimeout(context.WithoutCancel(env.Context), time.Minute)
		cleanup.Restored, cleanup.Detail = steps.Restore(restoreCtx, runEnv, snapshot)
		cancel()
		fmt.Fprintf(env.Stderr, "casecert: case %s: %s\n", opts.caseID, cleanup.Detail)
	}
	interrupted := env.Context.Err()
	finished := env.Now()

	run := reports.Run{
		Schema: reports.Schema,
		Tool:   reports.Tool{Name: "casecert", Version: Version},
		Suite:  reports.Suite{Digest: st.Digest, Scenarios: st.Size(), Shard: opts.shard.String()},
		Target: reports.Target{BaseURL: target.baseURL, APIVersion: firstNonEmpty(opts.apiVersion, profile.APIVersion), Profile: profile.Name,
			Mode: mode, Reference: target.reference, Fault: strings.Join(opts.faults, ",")},
		Run: reports.RunInfo{
			StartedAt: started.UTC().Format(time.RFC3339), FinishedAt: finished.UTC().Format(time.RFC3339),
			DurationMS: finished.Sub(started).Milliseconds(), Seed: opts.seed, Concurrency: opts.concurrency,
			Requests: res.Requests, InsecureTLS: opts.insecure, Tags: opts.tags,
		},
		Scenarios: res.Scenarios,
		Cleanup:   cleanup,
	}
	if opts.insecure {
		run.Run.Warnings = append(run.Run.Warnings, "TLS certificate verification was disabled (--insecure-skip-verify)")
	}
	run.Cleanup.CreatedCaseIDs = created.list()
	reports.Judge(&run, st.CatalogEntries())
	if interrupted != nil {
		// What ran is still evidence worth keeping, but it certifies nothing.
		run.Verdict = reports.VerdictError
		run.Run.Warnings = append(run.Run.Warnings, "the run was interrupted before every scenario ran")
	}

	paths, err := writeReports(env, opts, run, res.Cucumber)
	if err != nil {
		return ExitUnreachable, err
	}
	printVerdict(env.Stdout, run, paths)
	if interrupted != nil {
		return ExitUnreachable, &targetError{fmt.Errorf("interrupted (%v); the partial report is marked as an error", interrupted)}
	}
	if run.Verdict == reports.VerdictNonConformant || run.Verdict == reports.VerdictError {
		return ExitNonConformant, nil
	}
	return ExitConformant, nil
}

type createdCases struct {
	mu  sync.Mutex
	ids []string
}

func (c *createdCases) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids = append(c.ids, id)
}

func (c *createdCases) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.ids)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func loadProfile(env Env, path string) (*fixtures.Profile, error) {
	if path == "" {
		return fixtures.Default(), nil
	}
	data, err := env.ReadFile(path)
	if err != nil {
		return nil, usagef("--profile: %v", err)
	}
	p, err := fixtures.Parse(path, data)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return p, nil
}

func loadSuite(env Env, dir string, p *fixtures.Profile) (*suite.Suite, error) {
	fsys := fsOrEmbedded(env, dir)
	st, err := suite.Load(fsys, p)
	if err != nil {
		return nil, usagef("features: %v", err)
	}
	return st, nil
}

func fsOrEmbedded(env Env, dir string) fs.FS {
	if dir == "" {
		return features.FS
	}
	return env.DirFS(dir)
}

// target is what the run certifies: a given URL, or the reference server in-process.
type target struct {
	baseURL, token, expiredToken string
	reference                    bool
	stop                         func()
}

func (t *target) describe() string {
	if t.reference {
		return "the built-in reference server at " + t.baseURL
	}
	return t.baseURL
}

func startTarget(env Env, o *runOptions) (*target, error) {
	if o.baseURL != "" {
		return &target{baseURL: strings.TrimRight(o.baseURL, "/"), token: o.token, expiredToken: o.expiredToken, stop: func() {}}, nil
	}
	srv, err := refserver.New(refserver.Options{Faults: o.faults})
	if err != nil {
		return nil, usagef("reference server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, &targetError{fmt.Errorf("starting the reference server: %w", err)}
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	token, err := srv.MintToken(time.Hour)
	if err != nil {
		hs.Close()
		srv.Close()
		return nil, &targetError{err}
	}
	expired, err := srv.MintToken(-time.Hour)
	if err != nil {
		hs.Close()
		srv.Close()
		return nil, &targetError{err}
	}
	return &target{
		baseURL: "http://" + ln.Addr().String() + refserver.DefaultBasePath,
		token:   token, expiredToken: expired, reference: true,
		stop: func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			hs.Shutdown(ctx)
			srv.Close()
		},
	}, nil
}

func newClient(env Env, o *runOptions, p *fixtures.Profile, t *target, rec *suite.Recorder) (*client.Client, error) {
	hc, err := httpClient(env, o)
	if err != nil {
		return nil, err
	}
	cfg := client.Config{
		BaseURL: t.baseURL, Token: t.token, APIVersion: firstNonEmpty(o.apiVersion, p.APIVersion),
		Timeout: o.timeout, Retries: o.retries, Rate: o.rate, HTTPClient: hc,
		RedactHeaders: o.redactHeaders, OnExchange: rec.Observe, UserAgent: "casecert/" + Version,
	}
	if t.expiredToken != "" {
		cfg.Secrets = append(cfg.Secrets, t.expiredToken)
	}
	if o.tokenURL != "" {
		cc := clientcredentials.Config{ClientID: o.clientID, ClientSecret: o.clientSecret, TokenURL: o.tokenURL}
		ctx := context.WithValue(env.Context, oauth2.HTTPClient, hc)
		cfg.TokenSource = cc.TokenSource(ctx)
		cfg.Secrets = append(cfg.Secrets, o.clientSecret)
	}
	cl, err := client.New(cfg)
	if err != nil {
		return nil, usagef("--base-url: %v", err)
	}
	return cl, nil
}

func httpClient(env Env, o *runOptions) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.caCert != "" {
		pem, err := env.ReadFile(o.caCert)
		if err != nil {
			return nil, usagef("--ca-cert: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usagef("--ca-cert: %s holds no PEM certificate", o.caCert)
		}
		tlsCfg.RootCAs = pool
	}
	if o.insecure {
		fmt.Fprintln(env.Stderr, "casecert: WARNING: --insecure-skip-verify: the target's TLS certificate is not checked; the report says so")
		tlsCfg.InsecureSkipVerify = true
	}
	tr.TLSClientConfig = tlsCfg
	return &http.Client{Transport: tr}, nil
}

// preflight reads one case (a well-formed id that should not exist, or the --case-id
// case) to tell an unreachable target or a refused token (exit 3) from a target that
// merely fails requirements. Any answer that is not 401/403 will do.
func preflight(ctx context.Context, cl *client.Client, p *fixtures.Profile, caseID string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if caseID == "" {
		caseID = sfid.Make("500", 0)
	}
	path := fixtures.Path(p.Paths.Read, caseID)
	ex, err := cl.Do(ctx, client.Request{Method: http.MethodGet, Path: path})
	var te *client.TransportError
	if errors.As(err, &te) || ex.Status == 0 {
		return &targetError{fmt.Errorf("the target at %s cannot be reached: %v", cl.BaseURL(), err)}
	}
	if ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden {
		return &targetError{fmt.Errorf("the target refused the token (GET %s answered %d): check --token or the OAuth settings", path, ex.Status)}
	}
	return nil
}

func writeReports(env Env, o *runOptions, run reports.Run, cucumber []byte) ([]string, error) {
	if err := env.MkdirAll(o.reportDir); err != nil {
		return nil, &targetError{fmt.Errorf("report directory: %w", err)}
	}
	writers := map[string]struct {
		file  string
		write func(io.Writer, reports.Run) error
	}{
		"json":  {"report.json", reports.WriteJSON},
		"html":  {"report.html", reports.WriteHTML},
		"md":    {"summary.md", reports.WriteMarkdown},
		"junit": {"junit.xml", reports.WriteJUnit},
		"cucumber": {"cucumber.json", func(w io.Writer, _ reports.Run) error {
			_, err := w.Write(cucumber)
			return err
		}},
	}
	var paths []string
	for _, f := range allFormats {
		if !slices.Contains(strings.Split(o.formats, ","), f) {
			continue
		}
		wr := writers[f]
		var buf bytes.Buffer
		if err := wr.write(&buf, run); err != nil {
			return nil, &targetError{fmt.Errorf("writing %s: %w", wr.file, err)}
		}
		path := filepath.Join(o.reportDir, wr.file)
		if err := env.WriteFile(path, buf.Bytes()); err != nil {
			return nil, &targetError{fmt.Errorf("writing %s: %w", path, err)}
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func printVerdict(w io.Writer, run reports.Run, paths []string) {
	s := run.Summary
	fmt.Fprintf(w, "\nverdict: %s\n", strings.ToUpper(run.Verdict))
	fmt.Fprintf(w, "  must:   %d passed, %d failed, %d skipped\n", s.Must.Passed, s.Must.Failed, s.Must.Skipped)
	fmt.Fprintf(w, "  should: %d passed, %d failed, %d skipped\n", s.Should.Passed, s.Should.Failed, s.Should.Skipped)
	fmt.Fprintf(w, "  info:   %d observed\n", s.Info.Observed)
	var failed []string
	for _, r := range run.Requirements {
		if r.Status == reports.StatusFailed {
			failed = append(failed, fmt.Sprintf("%s (%s)", r.ID, r.Level))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "  failed: %s\n", strings.Join(failed, ", "))
	}
	fmt.Fprintf(w, "  %d scenarios, %d requests in %s (seed %d)\n", len(run.Scenarios), run.Run.Requests,
		(time.Duration(run.Run.DurationMS) * time.Millisecond).Round(10*time.Millisecond), run.Run.Seed)
	if len(paths) > 0 {
		fmt.Fprintf(w, "report: %s\n", paths[0])
		for _, p := range paths[1:] {
			fmt.Fprintf(w, "        %s\n", p)
		}
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
