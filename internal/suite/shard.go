package suite

import (
	"fmt"
	"slices"
)

// Shard is the I-th of N slices of a suite; the zero value is the whole suite.
type Shard struct{ I, N int }

func (sh Shard) String() string {
	if sh.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", sh.I, sh.N)
}

// ParseShard reads "I/N" with 1 <= I <= N.
func ParseShard(s string) (Shard, error) {
	var sh Shard
	if s == "" {
		return sh, nil
	}
	if n, err := fmt.Sscanf(s, "%d/%d", &sh.I, &sh.N); n != 2 || err != nil || sh.N < 1 || sh.I < 1 || sh.I > sh.N || sh.String() != s {
		return Shard{}, fmt.Errorf("shard %q is not I/N with 1 <= I <= N, e.g. 2/4", s)
	}
	return sh, nil
}

// InShard tells which pickles a shard runs: the suite's scenarios sorted by ID, dealt
// round-robin, so every shard of a run gets a stable, similar share.
func (s *Suite) InShard(sh Shard) map[string]bool {
	ids := make([]string, 0, len(s.Pickles))
	for _, p := range s.Pickles {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	in := map[string]bool{}
	for i, id := range ids {
		if sh.N == 0 || i%sh.N == sh.I-1 {
			in[id] = true
		}
	}
	return in
}
