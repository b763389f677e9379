package cli

import (
	"strconv"
	"strings"

	"github.com/casecert/casecert/reports"
)

// reproduceFlags are the flags of the run that decide what it sends, as a shell command
// line for the report's reproduce lines (reports.RunInfo.Command): the target and how it
// authenticates, the profile and features, the case, the API version, the headers, TLS
// and faults. Paths are as given; every secret is a $VARIABLE (the token $CASECERT_TOKEN,
// a header's value $NAME, see reports.HeaderVariable), never its value. Left out: what
// only paces or files the run (--rate, --timeout, --retries, --report-dir, --format,
// --baseline, --sign-key, --rerun-failed), and --tags, --seed and --shard, which each
// reproduce line sets itself.
func reproduceFlags(o *runOptions) string {
	var w []string
	add := func(flag string, values ...string) {
		for _, v := range values {
			w = append(w, flag, quoteArg(v))
		}
	}
	if o.baseURL == "" {
		add("--fault", o.faults...)
	} else {
		add("--base-url", o.baseURL)
		switch {
		case o.tokenURL != "":
			add("--token-url", o.tokenURL)
			add("--client-id", o.clientID)
			w = append(w, "--client-secret", `"$CASECERT_CLIENT_SECRET"`)
		case o.tokenFile != "":
			add("--token-file", o.tokenFile)
		case o.token != "":
			w = append(w, "--token", `"$CASECERT_TOKEN"`)
		}
		if o.expiredToken != "" {
			w = append(w, "--expired-token", `"$CASECERT_EXPIRED_TOKEN"`)
		}
	}
	if o.profile != "" {
		add("--profile", o.profile)
	}
	if o.featuresDir != "" {
		add("--features", o.featuresDir)
	}
	if o.apiVersion != "" {
		add("--api-version", o.apiVersion)
	}
	if o.caseID != "" {
		add("--case-id", o.caseID)
		add("--restore", o.restore...)
	}
	for _, h := range o.headers {
		w = append(w, "--header", `"`+h.name+`: $`+reports.HeaderVariable(h.name)+`"`)
	}
	add("--redact-header", o.redactHeaders...)
	// Cases are shared: how many there are and how many scenarios run at once decide
	// which preconditions a scenario's case needs, so these two change what is sent.
	for _, f := range []struct {
		name string
		n    int
	}{{"concurrency", o.concurrency}, {"max-cases", o.maxCases}} {
		if o.given[f.name] && o.caseID == "" {
			add("--"+f.name, strconv.Itoa(f.n))
		}
	}
	if o.caCert != "" {
		add("--ca-cert", o.caCert)
	}
	if o.insecure {
		w = append(w, "--insecure-skip-verify")
	}
	return strings.Join(w, " ")
}

// quoteArg single-quotes an argument for a POSIX shell unless it needs no quoting.
func quoteArg(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
