package platform

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookup(t *testing.T) {
	p, err := Lookup("")
	require.NoError(t, err)
	assert.Equal(t, GenericName, p.Name(), `"" is the generic platform`)
	for _, name := range Names() {
		p, err := Lookup(name)
		require.NoError(t, err)
		assert.Equal(t, name, p.Name())
	}
	_, err = Lookup("apex")
	assert.EqualError(t, err, `unknown platform "apex"; valid platforms: `+strings.Join(Names(), ", "))
	assert.Equal(t, Generic{}, Of("apex"))
}

// The generic platform is the contract as documented: nothing is the platform's own.
func TestGenericChangesNothing(t *testing.T) {
	g := Generic{}
	assert.Empty(t, g.Title())
	assert.False(t, g.WholeSeconds())
	assert.False(t, g.CheckboxNullFalse())
	for _, status := range []int{409, 500, 503} {
		assert.False(t, g.LockRefused(status, "UNABLE_TO_LOCK_ROW"))
		assert.Empty(t, g.OwnServerError(status, "UNABLE_TO_LOCK_ROW"))
	}
}

// salesforce.md row 8: only a 500 UNABLE_TO_LOCK_ROW is the org's own 5xx.
func TestSalesforceOwnsOnlyItsLockTimeout(t *testing.T) {
	sf := Of(SalesforceName)
	assert.Contains(t, sf.OwnServerError(500, "UNABLE_TO_LOCK_ROW"), "UNABLE_TO_LOCK_ROW")
	assert.Empty(t, sf.OwnServerError(500, "INTERNAL_ERROR"))
	assert.Empty(t, sf.OwnServerError(500, ""))
	assert.Empty(t, sf.OwnServerError(503, "UNABLE_TO_LOCK_ROW"))
}

// platformBranch matches code that tests which platform it runs on instead of asking
// it: a comparison with, or a case of, the name of a platform other than the generic
// one (its constant or its literal), or a method named after it (the old s.salesforce()).
func platformBranch() *regexp.Regexp {
	var names []string
	for _, n := range Names() {
		if n != GenericName {
			names = append(names, strings.ToUpper(n[:1])+n[1:]+`Name\b`, `"`+n+`"`, `(?i:platform`+n+`)\b`)
		}
	}
	ref := `(\w+\.)?(` + strings.Join(names, "|") + ")"
	methods := `\.(` + strings.Join(Names(), "|") + `)\(\)`
	return regexp.MustCompile(`[=!]=\s*` + ref + `|` + ref + `\s*[=!]=|\bcase\s[^:]*` + ref + `|` + methods)
}

// A platform is described once, in this package, and imitated once, in the reference
// server's mode of it: no other code may branch on a platform's name (a table keyed by
// it, like a fault's NotOn, is data and allowed).
func TestNoPlatformBranchesOutsideThePlatform(t *testing.T) {
	branch := platformBranch()
	require.Regexp(t, branch, `if s.salesforce() {`)
	require.Regexp(t, branch, `retry := w.env.Profile.Platform == fixtures.PlatformSalesforce`)
	require.Regexp(t, branch, `	case platform.GenericName, platform.SalesforceName:`)
	require.Regexp(t, branch, `if name != "salesforce" {`)
	require.NotRegexp(t, branch, `if st.Profile.Platform != platform.GenericName {`)
	require.NotRegexp(t, branch, `NotOn: map[string]string{platform.SalesforceName: "the org itself answers"`)

	root := filepath.Join("..", "..")
	allowed := map[string]bool{
		filepath.Join("internal", "platform"): true, // the descriptions
	}
	for _, n := range Names() {
		allowed[filepath.Join("internal", "refserver", n+".go")] = true // the server's mode of it
	}
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && rel != "." || allowed[rel]) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || allowed[rel] {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if branch.MatchString(line) {
				found = append(found, fmt.Sprintf("%s:%d: %s", rel, i+1, strings.TrimSpace(line)))
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, found, "ask the platform (internal/platform) instead of testing its name")
}
