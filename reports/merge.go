package reports

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Merge joins the reports of the shards of one run (casecert run --shard I/N) into the
// report of the whole run. Every input must have run the same suite (digest), tool and
// target, and they may not overlap: no scenario in two inputs, no shard twice, shards
// and whole runs not mixed, every shard of the same N (an input that is itself a merge
// counts as the shards it joins). Run-wide checks, which each shard judged over its own
// exchanges, are folded into one result per check: failed if any shard failed it. A set
// that lacks shards merges into a report naming them (suite.missing_shards), whose
// verdict is incomplete unless a must failed. The catalog is the union of the inputs'
// requirement lists, and requirements, summary and verdict are judged again over the
// union; an input that stopped early leaves the merge stopped early. Requests and durations are summed
// (duration_ms is the work done, not the wall-clock span: shards may run on different
// machines at different times); started_at is the earliest, finished_at the latest.
//
// Merge trusts what it is given: the caller checks each input with Verify first.
func Merge(runs []Run) (Run, error) {
	if len(runs) == 0 {
		return Run{}, errors.New("merge: no report")
	}
	first := runs[0]
	var errs []error
	for i, r := range runs[1:] {
		n := i + 2
		if r.Suite.Digest != first.Suite.Digest {
			errs = append(errs, fmt.Errorf("merge: report %d ran suite %s, report 1 ran suite %s", n, r.Suite.Digest, first.Suite.Digest))
		}
		if r.Schema != first.Schema {
			errs = append(errs, fmt.Errorf("merge: report %d has schema %q, report 1 %q", n, r.Schema, first.Schema))
		}
		if r.Tool != first.Tool {
			errs = append(errs, fmt.Errorf("merge: report %d was written by %s %s, report 1 by %s %s", n, r.Tool.Name, r.Tool.Version, first.Tool.Name, first.Tool.Version))
		}
		if !sameTarget(r.Target, first.Target) {
			errs = append(errs, fmt.Errorf("merge: report %d certified %s (api %s, profile %s, mode %s), report 1 %s (api %s, profile %s, mode %s)",
				n, r.Target.BaseURL, r.Target.APIVersion, r.Target.Profile, r.Target.Mode,
				first.Target.BaseURL, first.Target.APIVersion, first.Target.Profile, first.Target.Mode))
		}
	}
	present, missing, err := shardCoverage(runs)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Run{}, errors.Join(errs...)
	}

	out := Run{
		Schema: first.Schema,
		Tool:   first.Tool,
		Suite:  Suite{Digest: first.Suite.Digest, Shards: present, MissingShards: missing},
		Target: first.Target,
		Run: RunInfo{
			StartedAt:   first.Run.StartedAt,
			FinishedAt:  first.Run.FinishedAt,
			Seed:        first.Run.Seed,
			Tags:        first.Run.Tags,
			Command:     first.Run.Command,
			ProfilePath: first.Run.ProfilePath,
		},
		Cleanup: Cleanup{Restored: true},
	}
	if out.Schema == "" {
		out.Schema = Schema
	}
	var protocols []string
	for _, r := range runs {
		for p := range strings.SplitSeq(r.Target.Protocol, ", ") {
			if p != "" && !slices.Contains(protocols, p) {
				protocols = append(protocols, p)
			}
		}
	}
	slices.Sort(protocols)
	out.Target.Protocol = strings.Join(protocols, ", ")

	catalog, err := mergeCatalog(runs)
	if err != nil {
		return Run{}, err
	}

	where := map[string]int{} // scenario ID -> the input it came from
	runWide := map[string][]shardResult{}
	seeds := map[int64]bool{}
	tags := map[string]bool{}
	ids, deleted := map[string]bool{}, map[string]bool{}
	var details []string
	var stopped []string
	for i, r := range runs {
		out.Suite.Scenarios = max(out.Suite.Scenarios, r.Suite.Scenarios)
		for _, sc := range r.Scenarios {
			if sc.Feature == RunWideFeature {
				runWide[sc.ID] = append(runWide[sc.ID], shardResult{label: inputLabel(r), sc: sc})
				continue
			}
			if j, ok := where[sc.ID]; ok {
				errs = append(errs, fmt.Errorf("merge: scenario %s is in report %d (%s) and in report %d (%s): the inputs overlap; merge joins the shards of one run, each once",
					sc.ID, j+1, inputLabel(runs[j]), i+1, inputLabel(r)))
				continue
			}
			where[sc.ID] = i
			out.Scenarios = append(out.Scenarios, sc)
		}
		out.Run.Requests += r.Run.Requests
		out.Run.DurationMS += r.Run.DurationMS
		if d := r.Run.Disruptive; d != nil {
			if out.Run.Disruptive == nil {
				out.Run.Disruptive = &DisruptivePhase{}
			}
			out.Run.Disruptive.Scenarios += d.Scenarios
			out.Run.Disruptive.Requests += d.Requests
			out.Run.Disruptive.DurationMS += d.DurationMS
		}
		out.Run.Concurrency = max(out.Run.Concurrency, r.Run.Concurrency)
		out.Run.InsecureTLS = out.Run.InsecureTLS || r.Run.InsecureTLS
		// A shard that reran failed scenarios makes the merge one too (not a certification).
		out.Run.RerunFailed = max(out.Run.RerunFailed, r.Run.RerunFailed)
		out.Run.StartedAt = earlier(out.Run.StartedAt, r.Run.StartedAt)
		out.Run.FinishedAt = later(out.Run.FinishedAt, r.Run.FinishedAt)
		seeds[r.Run.Seed] = true
		tags[r.Run.Tags] = true
		for _, w := range r.Run.Warnings {
			if !slices.Contains(out.Run.Warnings, w) {
				out.Run.Warnings = append(out.Run.Warnings, w)
			}
		}
		for _, id := range r.Cleanup.CreatedCaseIDs {
			ids[id] = true
		}
		for _, id := range r.Cleanup.DeletedCaseIDs {
			deleted[id] = true
		}
		out.Cleanup.Restored = out.Cleanup.Restored && r.Cleanup.Restored
		if r.Cleanup.Detail != "" && !slices.Contains(details, r.Cleanup.Detail) {
			details = append(details, r.Cleanup.Detail)
		}
		if r.Run.Stopped != "" && !slices.Contains(stopped, r.Run.Stopped) {
			stopped = append(stopped, r.Run.Stopped)
		}
	}
	if len(errs) > 0 {
		return Run{}, errors.Join(errs...)
	}
	for _, results := range runWide {
		out.Scenarios = append(out.Scenarios, foldRunWide(results))
	}
	if len(seeds) > 1 {
		out.Run.Warnings = append(out.Run.Warnings, "shards ran with different seeds: "+joinSorted(seeds, func(s int64) string { return strconv.FormatInt(s, 10) })+"; the seed shown is the first shard's")
	}
	if len(tags) > 1 {
		out.Run.Warnings = append(out.Run.Warnings, "shards ran with different tag filters: "+joinSorted(tags, strconv.Quote))
	}
	if len(missing) > 0 {
		out.Run.Warnings = append(out.Run.Warnings, MissingShardsReason(out.Suite))
	}
	slices.SortStableFunc(out.Scenarios, func(a, b Scenario) int { return strings.Compare(a.ID, b.ID) })
	out.Cleanup.Account(slices.Collect(maps.Keys(ids)), slices.Collect(maps.Keys(deleted)))
	out.Cleanup.Detail = strings.Join(details, "; ")

	// A shard that stopped early leaves the merged run stopped early too.
	out.Run.Stopped = strings.Join(stopped, "; ")
	Judge(&out, catalog)
	return out, nil
}

// MissingShardsReason says which shards a merged report lacks and what that means.
func MissingShardsReason(s Suite) string {
	if len(s.MissingShards) == 0 {
		return ""
	}
	return fmt.Sprintf("merge lacks shard %s (it joins %s only): the scenarios of the missing shards were not judged; merge the reports of every shard for a verdict",
		strings.Join(s.MissingShards, ", "), strings.Join(s.Shards, ", "))
}

// shardCoverage says which shards of one run the inputs hold ("I/N", in order) and which
// they lack. Whole runs have no shard and may not be mixed with shards; shards must
// agree on N and none may come twice.
func shardCoverage(runs []Run) (present, missing []string, err error) {
	n := 0
	seen := map[int]int{} // shard index -> input
	whole := -1
	var errs []error
	for i, r := range runs {
		shards := r.Suite.Shards
		if r.Suite.Shard != "" {
			shards = []string{r.Suite.Shard}
		}
		if len(shards) == 0 {
			whole = i
			continue
		}
		for _, s := range shards {
			si, sn, ok := parseShard(s)
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("merge: report %d names shard %q, which is not I/N", i+1, s))
				continue
			case n != 0 && sn != n:
				errs = append(errs, fmt.Errorf("merge: report %d is shard %s but the reports before are shards of %d: they come from different runs", i+1, s, n))
				continue
			}
			n = sn
			if j, ok := seen[si]; ok {
				errs = append(errs, fmt.Errorf("merge: reports %d and %d are both shard %s", j+1, i+1, s))
				continue
			}
			seen[si] = i
		}
	}
	if whole >= 0 && n > 0 {
		errs = append(errs, fmt.Errorf("merge: report %d is a whole run (no --shard) and the others are shards: the inputs overlap; merge joins the shards of one run", whole+1))
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("%d/%d", i, n)
		if _, ok := seen[i]; ok {
			present = append(present, name)
		} else {
			missing = append(missing, name)
		}
	}
	return present, missing, nil
}

func parseShard(s string) (i, n int, ok bool) {
	a, b, found := strings.Cut(s, "/")
	i, errI := strconv.Atoi(a)
	n, errN := strconv.Atoi(b)
	if !found || errI != nil || errN != nil || n < 1 || i < 1 || i > n {
		return 0, 0, false
	}
	return i, n, true
}

// inputLabel names an input of merge in messages: its shard, or "whole run".
func inputLabel(r Run) string {
	switch {
	case r.Suite.Shard != "":
		return "shard " + r.Suite.Shard
	case len(r.Suite.Shards) > 0:
		return "merge of shards " + strings.Join(r.Suite.Shards, ", ")
	}
	return "whole run"
}

// shardResult is one input's result of a run-wide check.
type shardResult struct {
	label string
	sc    Scenario
}

// shardSuffix is what a shard adds to the name of a run-wide check's result.
var shardSuffix = regexp.MustCompile(` \(shards? [^()]*\)$`)

// foldRunWide folds the shards' results of one run-wide check into one: failed if any
// shard failed it, else not judged (error) if any shard could not judge it, else passed.
// Errors are kept per shard, evidence up to the cap of one run.
func foldRunWide(results []shardResult) Scenario {
	out := results[0].sc
	out.Name = shardSuffix.ReplaceAllString(out.Name, "")
	out.Error, out.FailedStep, out.DurationMS, out.ExchangesOmitted = "", "", 0, 0
	out.Exchanges = nil
	rank := func(status Status) int {
		switch status {
		case StatusFailed:
			return 0
		case StatusPassed:
			return 3
		case StatusError:
			return 1
		}
		return 2
	}
	var problems []string
	for _, r := range results {
		if rank(r.sc.Status) < rank(out.Status) {
			out.Status = r.sc.Status
		}
		if r.sc.Error != "" && len(results) == 1 {
			problems = append(problems, r.sc.Error) // a merge of one run says what the run said
		} else if r.sc.Error != "" {
			problems = append(problems, r.label+": "+r.sc.Error)
		}
		out.DurationMS += r.sc.DurationMS
		for _, ex := range r.sc.Exchanges {
			if len(out.Exchanges) < runWideEvidence {
				out.Exchanges = append(out.Exchanges, ex)
			} else {
				out.ExchangesOmitted++
			}
		}
		out.ExchangesOmitted += r.sc.ExchangesOmitted
	}
	slices.Sort(problems)
	out.Error = strings.Join(problems, "\n")
	if out.Exchanges == nil {
		out.Exchanges = []Exchange{}
	}
	return out
}

// runWideEvidence is how many exchanges a folded run-wide result keeps, as one run does.
const runWideEvidence = 50

// mergeCatalog is the union of the shards' requirement lists, first appearance first. Every
// shard is judged against the whole catalog, so the lists are normally equal; an entry
// that differs between shards means they did not run the same catalog.
func mergeCatalog(runs []Run) ([]CatalogEntry, error) {
	var catalog []CatalogEntry
	seen := map[string]CatalogEntry{}
	for i, r := range runs {
		for _, req := range r.Requirements {
			e := CatalogEntry{ID: req.ID, Level: req.Level, Title: req.Title}
			if prev, ok := seen[req.ID]; ok {
				if !reflect.DeepEqual(prev, e) {
					return nil, fmt.Errorf("merge: requirement %s is %s %q in report %d but %s %q before", req.ID, e.Level, e.Title, i+1, prev.Level, prev.Title)
				}
				continue
			}
			seen[req.ID] = e
			catalog = append(catalog, e)
		}
	}
	return catalog, nil
}

// earlier and later pick between two RFC 3339 times; a value that does not parse never
// replaces one that does.
func earlier(cur, cand string) string { return pickTime(cur, cand, true) }

func later(cur, cand string) string { return pickTime(cur, cand, false) }

func pickTime(cur, cand string, earliest bool) string {
	tc, errCur := time.Parse(time.RFC3339Nano, cur)
	tn, errCand := time.Parse(time.RFC3339Nano, cand)
	switch {
	case errCand != nil:
		return cur
	case errCur != nil:
		return cand
	case earliest && tn.Before(tc), !earliest && tn.After(tc):
		return cand
	default:
		return cur
	}
}

func joinSorted[T comparable](set map[T]bool, str func(T) string) string {
	var out []string
	for v := range set {
		out = append(out, str(v))
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// sameTarget compares two reports' targets. The built-in reference server listens on a
// new port every run, so for it the base URL does not count.
func sameTarget(a, b Target) bool {
	if a.Reference && b.Reference {
		a.BaseURL, b.BaseURL = "", ""
	}
	a.Protocol, b.Protocol = "", "" // each shard saw its own answers: merged as a union
	return a == b
}
