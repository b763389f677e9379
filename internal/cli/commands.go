package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/platform"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/internal/suite"
	"github.com/casecert/casecert/reports"
)

func listCommand(env Env, args []string) error {
	st, _, err := suiteFromFlags(env, "list", args)
	if err != nil {
		return err
	}
	counts := st.ScenarioCount()
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tSCENARIOS\tTITLE")
	total := 0
	for _, r := range st.Catalog {
		count := strconv.Itoa(counts[r.ID])
		if r.RunWide != "" {
			count += " (1 run-wide)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Level, count, r.Title)
		total += counts[r.ID]
	}
	fmt.Fprintf(tw, "\t\t%d\t%s: %s for profile %q\n", total, reports.Plural(len(st.Catalog), "requirement"),
		scenarioCount(len(st.Pickles), st.RunWideChecks()), st.Profile.Name)
	return tw.Flush()
}

// digestMeaning is what a verified digest proves, and what it does not: the console
// says it every time, so that no certifier takes a digest for a signature.
const digestMeaning = `what this proves: the report is intact (unchanged since a casecert of this suite wrote it,
  or rewritten by someone who recomputed the digest: anyone can). A digest proves integrity,
  not origin: it does not show who ran the certification, or against what.`

func verifyCommand(env Env, args []string) error {
	set := commandFlags(env, "verify", "casecert verify [--public-key FILE] [--certification] REPORT.json")
	pubPath := set.String("public-key", "", "Ed25519 public key `FILE` (PEM, or 32 bytes raw, hex or base64): the report must carry a valid signature by it")
	certification := set.Bool("certification", false, "also refuse a report that is not a certification run: judged with a baseline, --tags, one --shard unmerged, or reruns")
	paths, err := parseInterleaved(set, args)
	if err != nil {
		return err
	}
	if len(paths) != 1 {
		return usagef("usage: casecert verify [--public-key FILE] REPORT.json")
	}
	path := paths[0]
	pub, err := readPublicKey(env, *pubPath)
	if err != nil {
		return err
	}
	doc, err := env.ReadFile(path)
	if err != nil {
		return usagef("%v", err)
	}
	st, err := loadSuite(env, "", fixtures.Default())
	if err != nil {
		return err
	}
	res, err := reports.Verify(doc, st.Digest)
	if err != nil {
		fmt.Fprintf(env.Stdout, "%s: not a casecert report: %v\n", path, err)
		return &failedError{"not a casecert report"}
	}
	check := func(ok bool, what string) {
		mark := "ok  "
		if !ok {
			mark = "FAIL"
		}
		fmt.Fprintf(env.Stdout, "%s %s\n", mark, what)
	}
	check(res.ReportDigestOK, "report digest matches the report's content")
	check(res.CountsOK, "summary counts and requirement statuses match the scenarios")
	if res.SuiteDigestMatches {
		fmt.Fprintln(env.Stdout, "ok   suite digest matches this binary's embedded suite")
	} else {
		fmt.Fprintln(env.Stdout, "note suite digest differs from this binary's embedded suite (another version, --profile or --features)")
	}
	signed := false
	switch {
	case pub != nil:
		sigErr := reports.CheckSignature(doc, pub)
		signed = sigErr == nil
		check(signed, "signature by the key given, "+reports.KeyID(pub))
		if sigErr != nil {
			fmt.Fprintf(env.Stdout, "     %v\n", sigErr)
		}
	case res.SignedBy != "":
		fmt.Fprintf(env.Stdout, "note the report says it is signed by key %s: not checked (give --public-key to check it)\n", res.SignedBy)
	default:
		fmt.Fprintln(env.Stdout, "note the report is not signed (run --sign-key signs it)")
	}
	for _, p := range res.Problems {
		fmt.Fprintf(env.Stdout, "     %s\n", p)
	}
	run, _, _ := reports.ReadJSON(bytes.NewReader(doc))
	notCert := reports.NotCertification(run)
	for _, why := range notCert {
		mark := "note"
		if *certification {
			mark = "FAIL"
		}
		fmt.Fprintf(env.Stdout, "%s not a certification: %s\n", mark, why)
	}
	if !res.OK() || pub != nil && !signed {
		fmt.Fprintf(env.Stdout, "%s: NOT VERIFIED\n", path)
		return &failedError{"not verified"}
	}
	if *certification && len(notCert) > 0 {
		fmt.Fprintf(env.Stdout, "%s: NOT A CERTIFICATION\n", path)
		return &failedError{"not a certification"}
	}
	fmt.Fprintf(env.Stdout, "%s: verified\n", path)
	if signed {
		fmt.Fprintf(env.Stdout, "what this proves: the report is unchanged since the holder of the private key of %s signed it.\n"+
			"  It is only as trustworthy as that key: it does not show how the run was done.\n", reports.KeyID(pub))
	} else {
		fmt.Fprintln(env.Stdout, digestMeaning)
	}
	return nil
}

// readPublicKey reads a --public-key file, if any.
func readPublicKey(env Env, path string) (ed25519.PublicKey, error) {
	if path == "" {
		return nil, nil
	}
	data, err := env.ReadFile(path)
	if err != nil {
		return nil, usagef("--public-key: %v", err)
	}
	pub, err := reports.ParsePublicKey(data)
	if err != nil {
		return nil, usagef("--public-key %s: %v", path, err)
	}
	return pub, nil
}

// parseInterleaved parses flags given before, between or after the positional arguments,
// and returns those.
func parseInterleaved(set *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := set.Parse(args); err != nil {
			return nil, flagError(err)
		}
		if set.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, set.Arg(0))
		args = set.Args()[1:]
	}
}

// mergeCommand joins the reports of the shards of one run. Every input must verify (and,
// with --public-key, carry a signature by that key); the inputs must come from one suite,
// profile and target and must not overlap (reports.Merge). Its exit code is the merged
// verdict's, like a run's.
func mergeCommand(env Env, args []string) error {
	o, err := parseMergeFlags(env, args)
	if err != nil {
		return err
	}
	st, err := loadSuite(env, "", fixtures.Default())
	if err != nil {
		return err
	}
	var runs []reports.Run
	var refused []error
	for _, path := range o.paths {
		run, err := readMergeInput(env, path, st.Digest, o.pub)
		if err != nil {
			refused = append(refused, err)
			continue
		}
		runs = append(runs, run)
	}
	if len(refused) > 0 {
		return usagef("%v", errors.Join(refused...))
	}
	merged, err := reports.Merge(runs)
	if err != nil {
		return usagef("%v", err)
	}
	merged.Run.JUnitStrict, merged.Run.FailOnFlaky = o.junitStrict, o.failOnFlaky
	if err := o.baseline.apply(&merged, env); err != nil {
		return err
	}
	written, err := writeReports(env, o.out, reports.Formats(), merged, o.key)
	printVerdict(env.Stdout, merged, written)
	printSigned(env.Stdout, o.key)
	printFlakyWarning(env, merged)
	if err != nil {
		return err
	}
	return verdictOutcome(merged)
}

// mergeOptions are the flags and inputs of "casecert merge".
type mergeOptions struct {
	out         string   // -o
	paths       []string // the shards' report.json files
	pub         ed25519.PublicKey
	key         ed25519.PrivateKey
	baseline    *baselineFile
	junitStrict bool
	failOnFlaky bool
}

func parseMergeFlags(env Env, args []string) (*mergeOptions, error) {
	set := flag.NewFlagSet("merge", flag.ContinueOnError)
	set.SetOutput(env.Stderr)
	out := set.String("o", "casecert-report", "directory for the merged report (every format: "+reports.FormatNames()+")")
	pubPath := set.String("public-key", "", "Ed25519 public key `FILE`: every input must carry a valid signature by it")
	signPath := set.String("sign-key", "", "sign the merged report.json with this Ed25519 private key `FILE`")
	baselinePath := set.String("baseline", "", "judge the merged report with this baseline `FILE` of known failures (as run --baseline)")
	junitStrict := set.Bool("junit-strict", false, "junit.xml writes every failed scenario as a <failure> (as run --junit-strict)")
	failOnFlaky := set.Bool("fail-on-flaky", false, "exit 1 when a requirement of the merged report is flaky (as run --fail-on-flaky)")
	paths, err := parseInterleaved(set, args)
	if err != nil {
		return nil, err
	}
	if len(paths) < 1 {
		return nil, usagef("usage: casecert merge -o DIR A/report.json B/report.json ...")
	}
	o := &mergeOptions{out: *out, paths: paths, junitStrict: *junitStrict, failOnFlaky: *failOnFlaky}
	if o.pub, err = readPublicKey(env, *pubPath); err != nil {
		return nil, err
	}
	if o.key, err = readSignKey(env, *signPath, reports.Formats()); err != nil {
		return nil, err
	}
	if o.baseline, err = loadBaseline(env, *baselinePath); err != nil {
		return nil, err
	}
	return o, nil
}

// readMergeInput reads one input of merge and refuses it unless it verifies.
func readMergeInput(env Env, path, suiteDigest string, pub ed25519.PublicKey) (reports.Run, error) {
	data, err := env.ReadFile(path)
	if err != nil {
		return reports.Run{}, err
	}
	run, _, err := reports.ReadJSON(bytes.NewReader(data))
	if err != nil {
		return reports.Run{}, fmt.Errorf("%s: %w", path, err)
	}
	res, err := reports.Verify(data, suiteDigest)
	if err != nil {
		return reports.Run{}, fmt.Errorf("%s: %w", path, err)
	}
	if !res.OK() {
		return reports.Run{}, fmt.Errorf("%s does not verify (casecert verify %s): %s", path, path, strings.Join(res.Problems, "; "))
	}
	if pub != nil {
		if err := reports.CheckSignature(data, pub); err != nil {
			return reports.Run{}, fmt.Errorf("%s: signature: %w", path, err)
		}
	}
	return run, nil
}

func serveCommand(env Env, args []string) error {
	set := flag.NewFlagSet("serve", flag.ContinueOnError)
	set.SetOutput(env.Stderr)
	addr := set.String("addr", "127.0.0.1:8080", "listen address")
	db := set.String("db", "", "SQLite file to keep cases in (default: a temporary one)")
	key := set.String("token-key", "", "HS256 key for tokens (default: random)")
	basePath := set.String("base-path", "", "base path (default "+refserver.DefaultBasePath+")")
	profilePath := set.String("profile", "", "serve the shape this profile describes: paths, field names, types, limits, fixtures (default: the embedded reference profile)")
	platformFlag := set.String("platform", "", "behave as "+strings.Join(platform.Names(), " or ")+
		" (salesforce: an Apex REST service on an org: Apex serialisation, whole-second date-times, opaque session ids); default: the profile's platform")
	var faults stringList
	set.Var(&faults, "fault", "turn on a fault switch (repeatable): "+faultNames())
	set.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: casecert serve [flags]\n\nFlags:")
		set.PrintDefaults()
		fmt.Fprintln(env.Stderr, "\nFault switches (each breaks one rule, to watch casecert catch it):")
		for _, f := range refserver.Faults() {
			fmt.Fprintf(env.Stderr, "  %-26s %s\n", f.Name, f.Description)
		}
	}
	if err := set.Parse(args); err != nil {
		return flagError(err)
	}
	profile, err := loadProfile(env, *profilePath)
	if err != nil {
		return err
	}
	srv, err := refserver.New(refserver.Options{DBPath: *db, TokenKey: []byte(*key), Faults: faults, BasePath: *basePath, Profile: profile, Platform: firstNonEmpty(*platformFlag, profile.Platform)})
	if err != nil {
		return usagef("%v", err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return &targetError{fmt.Errorf("listening on %s: %w", *addr, err)}
	}
	base := "http://" + ln.Addr().String() + firstNonEmpty(*basePath, refserver.DefaultBasePath)
	fmt.Fprintf(env.Stdout, "casecert reference server listening on %s\n", base)
	if len(faults) > 0 {
		fmt.Fprintf(env.Stdout, "faults on: %s\n", strings.Join(faults, ", "))
	}
	if err := srv.WriteCredentials(env.Stdout, "http://"+ln.Addr().String()); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "try:\n  curl -s -H \"Authorization: Bearer $CASECERT_TOKEN\" -H 'API-Version: 1.0' %s%s\n", base, profile.Paths.List)
	if err := writeCertify(env.Stdout, srv, base, *profilePath, profile, firstNonEmpty(*platformFlag, profile.Platform)); err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return &targetError{err}
	case <-env.Context.Done():
	}
	fmt.Fprintln(env.Stdout, "stopping")
	// Requests in flight get a second to finish; connections a client opened and never
	// used would hold Shutdown for 5 s more (net/http counts them idle only then).
	ctx, cancel := contextWithTimeout(time.Second)
	defer cancel()
	switch err := hs.Shutdown(ctx); {
	case errors.Is(err, context.DeadlineExceeded):
		if err := hs.Close(); err != nil {
			return err
		}
	case err != nil && !errors.Is(err, http.ErrServerClosed):
		return err
	}
	if *db != "" {
		fmt.Fprintf(env.Stdout, "cases kept in %s\n", filepath.Clean(*db))
	}
	return nil
}

func faultNames() string {
	var names []string
	for _, f := range refserver.Faults() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}

// errHelp is a command's -h or --help: its help was printed, and it stops there with
// exit 0.
var errHelp = errors.New("help shown")

func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	return usagef("%v", err)
}

// suiteFromFlags parses the --profile and --features flags of a command that reads the
// suite without running it, and loads both. It returns the profile's path ("" for the
// embedded one).
func suiteFromFlags(env Env, command string, args []string) (*suite.Suite, string, error) {
	set := flag.NewFlagSet(command, flag.ContinueOnError)
	set.SetOutput(env.Stderr)
	profilePath := set.String("profile", "", "profile YAML (default: the embedded reference profile)")
	featuresDir := set.String("features", "", "directory of .feature files replacing the embedded ones")
	if err := set.Parse(args); err != nil {
		return nil, "", flagError(err)
	}
	p, err := loadProfile(env, *profilePath)
	if err != nil {
		return nil, "", err
	}
	st, err := loadSuite(env, *featuresDir, p)
	if err != nil {
		return nil, "", err
	}
	return st, *profilePath, nil
}

// commandFlags is a command's flag set: errors and help go to stderr, and -h prints
// "Usage: " + usage, then the flags.
func commandFlags(env Env, name, usage string) *flag.FlagSet {
	set := flag.NewFlagSet(name, flag.ContinueOnError)
	set.SetOutput(env.Stderr)
	set.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: "+usage)
		set.PrintDefaults()
	}
	return set
}
