package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

func listCommand(env Env, args []string) error {
	set := flag.NewFlagSet("list", flag.ContinueOnError)
	set.SetOutput(env.Stderr)
	profilePath := set.String("profile", "", "profile YAML (default: the embedded reference profile)")
	featuresDir := set.String("features", "", "directory of .feature files replacing the embedded ones")
	if err := set.Parse(args); err != nil {
		return flagError(err)
	}
	p, err := loadProfile(env, *profilePath)
	if err != nil {
		return err
	}
	st, err := loadSuite(env, *featuresDir, p)
	if err != nil {
		return err
	}
	counts := st.ScenarioCount()
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tSCENARIOS\tTITLE")
	total := 0
	for _, r := range st.Catalog {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.ID, r.Level, counts[r.ID], r.Title)
		total += counts[r.ID]
	}
	fmt.Fprintf(tw, "\t\t%d\t%d requirements, %d scenarios for profile %q\n", total, len(st.Catalog), len(st.Pickles), p.Name)
	return tw.Flush()
}

func verifyCommand(env Env, args []string) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return usagef("usage: casecert verify REPORT.json")
	}
	doc, err := env.ReadFile(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	st, err := loadSuite(env, "", fixtures.Default())
	if err != nil {
		return err
	}
	res, err := reports.Verify(doc, st.Digest)
	if err != nil {
		fmt.Fprintf(env.Stdout, "%s: not a casecert report: %v\n", args[0], err)
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
	for _, p := range res.Problems {
		fmt.Fprintf(env.Stdout, "     %s\n", p)
	}
	if !res.OK() {
		fmt.Fprintf(env.Stdout, "%s: NOT VERIFIED\n", args[0])
		return &failedError{"not verified"}
	}
	fmt.Fprintf(env.Stdout, "%s: verified\n", args[0])
	return nil
}

func mergeCommand(env Env, args []string) error {
	set := flag.NewFlagSet("merge", flag.ContinueOnError)
	set.SetOutput(env.Stderr)
	out := set.String("o", "casecert-report", "directory for the merged report (every format: "+reports.FormatNames()+")")
	if err := set.Parse(args); err != nil {
		return flagError(err)
	}
	if set.NArg() < 1 {
		return usagef("usage: casecert merge -o DIR A/report.json B/report.json ...")
	}
	var runs []reports.Run
	for _, path := range set.Args() {
		data, err := env.ReadFile(path)
		if err != nil {
			return usagef("%v", err)
		}
		run, _, err := reports.ReadJSON(bytes.NewReader(data))
		if err != nil {
			return usagef("%s: %v", path, err)
		}
		runs = append(runs, run)
	}
	merged, err := reports.Merge(runs)
	if err != nil {
		return usagef("%v", err)
	}
	paths, err := writeReports(env, *out, reports.Formats(), merged)
	if err != nil {
		return err
	}
	printVerdict(env.Stdout, merged, paths)
	return nil
}

func serveCommand(env Env, args []string) error {
	set := flag.NewFlagSet("serve", flag.ContinueOnError)
	set.SetOutput(env.Stderr)
	addr := set.String("addr", "127.0.0.1:8080", "listen address")
	db := set.String("db", "", "SQLite file to keep cases in (default: a temporary one)")
	key := set.String("token-key", "", "HS256 key for tokens (default: random)")
	basePath := set.String("base-path", "", "base path (default "+refserver.DefaultBasePath+")")
	profilePath := set.String("profile", "", "serve the shape this profile describes: paths, field names, types, limits, fixtures (default: the embedded reference profile)")
	platformFlag := set.String("platform", "", "behave as "+strings.Join(refserver.Platforms(), " or ")+
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
	platform := firstNonEmpty(*platformFlag, profile.Platform)
	srv, err := refserver.New(refserver.Options{DBPath: *db, TokenKey: []byte(*key), Faults: faults, BasePath: *basePath, Profile: profile, Platform: platform})
	if err != nil {
		return usagef("%v", err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return &targetError{fmt.Errorf("listening on %s: %w", *addr, err)}
	}
	token, err := srv.MintToken(24 * time.Hour)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String() + firstNonEmpty(*basePath, refserver.DefaultBasePath)
	fmt.Fprintf(env.Stdout, "casecert reference server listening on %s\n", base)
	if len(faults) > 0 {
		fmt.Fprintf(env.Stdout, "faults on: %s\n", strings.Join(faults, ", "))
	}
	if platform == refserver.PlatformSalesforce {
		revoked, err := srv.MintToken(-time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "behaving as a Salesforce org; session id (opaque, valid until revoked):\n  export CASECERT_TOKEN='%s'\n", token)
		fmt.Fprintf(env.Stdout, "a revoked session id, for --expired-token:\n  export CASECERT_EXPIRED_TOKEN='%s'\n", revoked)
		fmt.Fprintf(env.Stdout, "revoke a session:\n  curl -s -X POST --data-urlencode token=\"$CASECERT_TOKEN\" http://%s%s\n", ln.Addr(), refserver.RevokePath)
		if profile.Platform != refserver.PlatformSalesforce {
			fmt.Fprintf(env.Stdout, "certify it with a profile that says platform: salesforce\n")
		}
	} else {
		fmt.Fprintf(env.Stdout, "token (valid 24h):\n  export CASECERT_TOKEN=%s\n", token)
	}
	fmt.Fprintf(env.Stdout, "try:\n  curl -s -H \"Authorization: Bearer $CASECERT_TOKEN\" -H 'API-Version: 1.0' %s%s\n", base, profile.Paths.List)
	certify := "casecert run --base-url " + base
	if *profilePath != "" {
		certify += " --profile " + *profilePath
	}
	fmt.Fprintf(env.Stdout, "certify it:\n  %s\n", certify)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return &targetError{err}
	case <-env.Context.Done():
	}
	fmt.Fprintln(env.Stdout, "stopping")
	ctx, cancel := contextWithTimeout(5 * time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
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

func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return usagef("%v", err)
}
