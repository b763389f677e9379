package cli

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/profileinit"
)

// profileInitCommand drafts a profile from an OpenAPI description (--openapi) or a live
// case (--base-url --case-id), writes it to stdout or -o, and ends with what profile
// check says of it. It only ever reads from a target.
func profileInitCommand(env Env, args []string) error {
	set := flag.NewFlagSet("profile init", flag.ContinueOnError)
	set.SetOutput(env.Stderr)
	doc := set.String("openapi", "", "OpenAPI 3.0 or 3.1 description of the Case API, YAML or JSON: a `FILE` or an http(s) URL")
	out := set.String("o", "", "write the profile to `FILE` (default: stdout; then profile check's answer goes to stderr)")
	operation := set.String("operation", "", "operationId of the update, when the document has several PATCH operations")
	baseURL := set.String("base-url", "", "a live target to read fixtures from (existing cases; never written)")
	token := set.String("token", "", "bearer token for --base-url (default $CASECERT_TOKEN)")
	caseID := set.String("case-id", "", "without --openapi: draft the fields from this live case's JSON")
	if err := set.Parse(args); err != nil {
		return flagError(err)
	}
	if set.NArg() > 0 {
		return usagef("unexpected argument %q", set.Arg(0))
	}
	tok := lookupEnv(env, *token, "CASECERT_TOKEN")
	var draft *profileinit.Draft
	switch {
	case *doc != "":
		data, err := readDocument(env, *doc)
		if err != nil {
			return err
		}
		if draft, err = profileinit.FromOpenAPI(*doc, data, *operation); err != nil {
			return usagef("%v", err)
		}
	case *baseURL != "" && *caseID != "":
		body, err := getTarget(env, *baseURL, fixtures.Path(fixtures.Default().Paths.Read, *caseID), tok)
		if err != nil {
			return err
		}
		if draft, err = profileinit.FromCase(*caseID, body); err != nil {
			return usagef("%v", err)
		}
	default:
		return usagef("usage: casecert profile init --openapi FILE|URL [--base-url URL] [-o FILE], or casecert profile init --base-url URL --case-id ID")
	}
	if *baseURL != "" {
		list, err := getTarget(env, *baseURL, draft.Profile.Paths.List, tok)
		if err != nil {
			return err
		}
		if err := draft.Harvest(*baseURL, list); err != nil {
			return usagef("%v", err)
		}
	}
	yaml := draft.YAML()
	name, checkOut := *out, env.Stdout
	if name == "" {
		name, checkOut = "the drafted profile", env.Stderr
		if _, err := env.Stdout.Write(yaml); err != nil {
			return err
		}
	} else if err := env.WriteFile(name, yaml); err != nil {
		return usagef("-o: %v", err)
	}
	fmt.Fprintf(checkOut, "%s: %d lines to check (# TODO:); profile check says:\n\n", name, draft.TODOs())
	check := env
	check.Stdout = checkOut
	check.ReadFile = func(path string) ([]byte, error) {
		if path == name {
			return yaml, nil
		}
		return env.ReadFile(path)
	}
	return profileCheckCommand(check, []string{"--profile", name})
}

// readDocument reads --openapi from a file or an http(s) URL.
func readDocument(env Env, src string) ([]byte, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		data, err := env.ReadFile(src)
		if err != nil {
			return nil, usagef("--openapi: %v", err)
		}
		return data, nil
	}
	return fetch(env, src, "")
}

// getTarget reads base+path from the target (GET only).
func getTarget(env Env, base, path, token string) ([]byte, error) {
	return fetch(env, strings.TrimRight(base, "/")+path, token)
}

func fetch(env Env, url, token string) ([]byte, error) {
	ctx, cancel := contextWithTimeout(30 * time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, usagef("%s: %v", url, err)
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, &targetError{fmt.Errorf("GET %s: %v", url, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, &targetError{fmt.Errorf("GET %s: %v", url, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &targetError{fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body[:min(len(body), 200)]))}
	}
	return body, nil
}
