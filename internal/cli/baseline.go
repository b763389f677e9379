package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/casecert/casecert/reports"
)

// baselineFile is a --baseline file as read: parsed, with its name and digest.
type baselineFile struct {
	b            reports.Baseline
	path, digest string
}

// loadBaseline reads and checks a --baseline file ("" for none).
func loadBaseline(env Env, path string) (*baselineFile, error) {
	if path == "" {
		return nil, nil
	}
	data, err := env.ReadFile(path)
	if err != nil {
		return nil, usagef("--baseline: %v", err)
	}
	b, err := reports.ParseBaseline(data)
	if err != nil {
		return nil, usagef("--baseline %s: %v", path, err)
	}
	return &baselineFile{b: b, path: path, digest: reports.BaselineDigest(data)}, nil
}

// check refuses a baseline naming requirements the catalog lacks.
func (bf *baselineFile) check(catalog []reports.CatalogEntry) error {
	if bf == nil {
		return nil
	}
	reqs := make([]reports.Requirement, len(catalog))
	for i, c := range catalog {
		reqs[i] = reports.Requirement{ID: c.ID}
	}
	if err := reports.CheckBaseline(bf.b, reqs); err != nil {
		return usagef("--baseline %s: %v", bf.path, err)
	}
	return nil
}

// apply judges run's failures with the baseline, on the day the run finished.
func (bf *baselineFile) apply(run *reports.Run, env Env) error {
	if bf == nil {
		return nil
	}
	if err := reports.ApplyBaseline(run, bf.b, bf.path, bf.digest, env.Now()); err != nil {
		return usagef("--baseline %s: %v", bf.path, err)
	}
	return nil
}

// baselineCommand writes a baseline from a report (-o FILE) or prunes one (--prune FILE).
func baselineCommand(env Env, args []string) error {
	set := commandFlags(env, "baseline", "casecert baseline -o FILE REPORT.json | casecert baseline --prune FILE REPORT.json")
	out := set.String("o", "", "write a new baseline `FILE`: one entry per failed requirement of the report (reason TODO, no expiry)")
	prune := set.String("prune", "", "drop from the baseline `FILE` the entries the report shows passing (stale)")
	paths, err := parseInterleaved(set, args)
	if err != nil {
		return err
	}
	if len(paths) != 1 || (*out == "") == (*prune == "") {
		return usagef("usage: casecert baseline -o FILE REPORT.json, or casecert baseline --prune FILE REPORT.json")
	}
	run, err := readVerifiedReport(env, paths[0])
	if err != nil {
		return err
	}
	if *out != "" {
		if _, err := env.ReadFile(*out); err == nil {
			return usagef("-o %s exists: edit it, prune it (--prune), or remove it first", *out)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return usagef("-o %s: %v", *out, err)
		}
		b := reports.NewBaseline(run)
		data, err := reports.MarshalBaseline(b)
		if err != nil {
			return err
		}
		if err := env.WriteFile(*out, data); err != nil {
			return usagef("-o: %v", err)
		}
		fmt.Fprintf(env.Stdout, "%s: %d entries (one per failed requirement of %s); write each one's reason\n", *out, len(b.Entries), paths[0])
		return nil
	}
	data, err := env.ReadFile(*prune)
	if err != nil {
		return usagef("--prune: %v", err)
	}
	pruned, dropped, err := reports.PruneBaseline(data, run)
	if err != nil {
		return usagef("--prune %s: %v", *prune, err)
	}
	if len(dropped) == 0 {
		fmt.Fprintf(env.Stdout, "%s: no entry passes in %s; unchanged\n", *prune, paths[0])
		return nil
	}
	if err := env.WriteFile(*prune, pruned); err != nil {
		return usagef("--prune: %v", err)
	}
	for _, e := range dropped {
		name := e.Requirement
		if e.Scenario != "" {
			name += " (" + e.Scenario + ")"
		}
		fmt.Fprintf(env.Stdout, "dropped %s: passes in %s\n", name, paths[0])
	}
	return nil
}

// readVerifiedReport reads a report.json that must verify (digest and counts): a
// baseline or a diff of an edited report would accept or hide what it likes.
func readVerifiedReport(env Env, path string) (reports.Run, error) {
	data, err := env.ReadFile(path)
	if err != nil {
		return reports.Run{}, usagef("%v", err)
	}
	run, _, err := reports.ReadJSON(bytes.NewReader(data))
	if err != nil {
		return reports.Run{}, usagef("%s: %v", path, err)
	}
	res, err := reports.Verify(data, run.Suite.Digest)
	if err != nil {
		return reports.Run{}, usagef("%s: %v", path, err)
	}
	if !res.OK() {
		return reports.Run{}, usagef("%s does not verify (casecert verify %s): %s", path, path, strings.Join(res.Problems, "; "))
	}
	return run, nil
}

// printBaseline prints what the baseline made of the run's failures, known apart from
// new, and why the exit code is what it is.
func printBaseline(w io.Writer, run reports.Run) {
	b := run.Baseline
	if b == nil {
		return
	}
	fmt.Fprintf(w, "  baseline: %s\n", reports.GateReason(run))
	line := func(label string, f reports.BaselineFailure) {
		note := ""
		if f.Entry != nil {
			note = "   # " + f.Entry.Reason
			if f.Entry.Ticket != "" {
				note += " (" + f.Entry.Ticket + ")"
			}
			if f.Entry.Expires != "" {
				note += ", expires " + f.Entry.Expires
			}
		}
		fmt.Fprintf(w, "    %-8s %s (%s) %s%s\n", label, f.Requirement, f.Level, f.Scenario, note)
	}
	for _, f := range b.New {
		line("new:", f)
	}
	for _, f := range b.Expired {
		line("expired:", f)
	}
	for _, f := range b.Known {
		line("known:", f)
	}
	for _, e := range b.Stale {
		name := e.Requirement
		if e.Scenario != "" {
			name += " " + e.Scenario
		}
		fmt.Fprintf(w, "    %-8s %s passes now: prune it (casecert baseline --prune %s REPORT.json)\n", "stale:", name, b.File)
	}
}
