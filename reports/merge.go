package reports

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Merge joins the reports of the shards of one run (casecert run --shard I/N) into the
// report of the whole run. Every shard must have run the same suite (digest), tool and
// target. Scenarios are unioned by ID, sorted; a scenario in two shards must have the same
// status in both. The catalog is the union of the shards' requirement lists (ID, level,
// title) in their order, and requirements, summary and verdict are judged again over the
// union. The verdict is error if any shard's was. Requests and durations are summed
// (duration_ms is the work done, not the wall-clock span: shards may run on different
// machines at different times); started_at is the earliest, finished_at the latest.
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
	shards := map[string]int{}
	for i, r := range runs {
		if r.Suite.Shard == "" {
			continue
		}
		if j, ok := shards[r.Suite.Shard]; ok {
			errs = append(errs, fmt.Errorf("merge: reports %d and %d are both shard %s", j+1, i+1, r.Suite.Shard))
		}
		shards[r.Suite.Shard] = i
	}
	if len(errs) > 0 {
		return Run{}, errors.Join(errs...)
	}

	out := Run{
		Schema: first.Schema,
		Tool:   first.Tool,
		Suite:  Suite{Digest: first.Suite.Digest},
		Target: first.Target,
		Run: RunInfo{
			StartedAt:  first.Run.StartedAt,
			FinishedAt: first.Run.FinishedAt,
			Seed:       first.Run.Seed,
			Tags:       first.Run.Tags,
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

	byID := map[string]int{} // scenario ID -> index in out.Scenarios
	where := map[string]int{}
	seeds := map[int64]bool{}
	tags := map[string]bool{}
	ids := map[string]bool{}
	var details []string
	var stopped []string
	for i, r := range runs {
		out.Suite.Scenarios = max(out.Suite.Scenarios, r.Suite.Scenarios)
		for _, sc := range r.Scenarios {
			if j, ok := byID[sc.ID]; ok {
				if prev := out.Scenarios[j]; prev.Status != sc.Status {
					errs = append(errs, fmt.Errorf("merge: scenario %s is %s in report %d and %s in report %d", sc.ID, prev.Status, where[sc.ID]+1, sc.Status, i+1))
				}
				continue
			}
			byID[sc.ID] = len(out.Scenarios)
			where[sc.ID] = i
			out.Scenarios = append(out.Scenarios, sc)
		}
		out.Run.Requests += r.Run.Requests
		out.Run.DurationMS += r.Run.DurationMS
		out.Run.Concurrency = max(out.Run.Concurrency, r.Run.Concurrency)
		out.Run.InsecureTLS = out.Run.InsecureTLS || r.Run.InsecureTLS
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
	if len(seeds) > 1 {
		out.Run.Warnings = append(out.Run.Warnings, "shards ran with different seeds: "+joinSorted(seeds, func(s int64) string { return strconv.FormatInt(s, 10) })+"; the seed shown is the first shard's")
	}
	if len(tags) > 1 {
		out.Run.Warnings = append(out.Run.Warnings, "shards ran with different tag filters: "+joinSorted(tags, strconv.Quote))
	}
	slices.SortStableFunc(out.Scenarios, func(a, b Scenario) int { return strings.Compare(a.ID, b.ID) })
	out.Cleanup.CreatedCaseIDs = make([]string, 0, len(ids))
	for id := range ids {
		out.Cleanup.CreatedCaseIDs = append(out.Cleanup.CreatedCaseIDs, id)
	}
	slices.Sort(out.Cleanup.CreatedCaseIDs)
	out.Cleanup.Detail = strings.Join(details, "; ")

	// A shard that stopped early leaves the merged run stopped early too.
	out.Run.Stopped = strings.Join(stopped, "; ")
	Judge(&out, catalog)
	return out, nil
}

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
