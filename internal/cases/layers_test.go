package cases

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/casecert/casecert/"

// layers are the package layers the README draws: a package may not import (directly or
// through others) any package of its forbidden list.
var layers = []struct {
	pkg       string
	forbidden []string
}{
	// The Gherkin vocabulary sits below the runner, the CLI and the preflight.
	{module + "steps", []string{module + "internal/suite", module + "internal/cli", module + "internal/preflight", module + "cmd/"}},
	// The case lifecycle, the driver, the reference server and the preflight know no Gherkin.
	{module + "internal/cases", []string{module + "steps", "github.com/cucumber/godog"}},
	{module + "internal/client", []string{module + "steps", "github.com/cucumber/godog"}},
	{module + "internal/refserver", []string{module + "steps", "github.com/cucumber/godog"}},
	{module + "internal/preflight", []string{module + "steps", "github.com/cucumber/godog"}},
	// The platform descriptions sit below everything that asks them, and import none of it.
	{module + "internal/platform", []string{module}},
}

// layerViolations names every import of deps (a package -> every package it imports,
// directly or not) that breaks the layers.
func layerViolations(deps map[string][]string) []string {
	var out []string
	for _, l := range layers {
		got, ok := deps[l.pkg]
		if !ok {
			out = append(out, l.pkg+": not in the module")
			continue
		}
		for _, d := range got {
			if slices.ContainsFunc(l.forbidden, func(f string) bool { return d == f || strings.HasPrefix(d, strings.TrimSuffix(f, "/")+"/") }) {
				out = append(out, l.pkg+" imports "+d)
			}
		}
	}
	return out
}

// TestPackageLayers holds the layers from the imports `go list` reports (one call, about
// a second).
func TestPackageLayers(t *testing.T) {
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the layer test reads `go list`")
	out, err := exec.Command(goTool, "list", "-deps=false", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", module+"...").Output()
	require.NoError(t, err)
	deps := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) > 0 {
			deps[fields[0]] = fields[1:]
		}
	}
	assert.Empty(t, layerViolations(deps))
}

// The check catches the arrows the layers forbid: the preflight importing steps (as it
// did), steps importing the runner, the pool importing godog.
func TestLayerViolationsAreFound(t *testing.T) {
	deps := map[string][]string{
		module + "steps":              {module + "internal/cases", module + "internal/suite"},
		module + "internal/cases":     {module + "internal/client", "github.com/cucumber/godog"},
		module + "internal/client":    {},
		module + "internal/refserver": {module + "cmd/casecert"},
		module + "internal/preflight": {module + "steps", "github.com/cucumber/godog/colors"},
		module + "internal/platform":  {"net/http", module + "fixtures"},
	}
	assert.ElementsMatch(t, []string{
		module + "steps imports " + module + "internal/suite",
		module + "internal/cases imports github.com/cucumber/godog",
		module + "internal/preflight imports " + module + "steps",
		module + "internal/preflight imports github.com/cucumber/godog/colors",
		module + "internal/platform imports " + module + "fixtures",
	}, layerViolations(deps))
}

// The README's Layout names every package of the module (each folder under internal/ and
// cmd/, each top-level one elsewhere), so that a newcomer finds each by its name there.
func TestReadmeLayoutNamesEveryPackage(t *testing.T) {
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the layout test reads `go list`")
	out, err := exec.Command(goTool, "list", module+"...").Output()
	require.NoError(t, err)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, layout, ok := strings.Cut(string(readme), "\n## Layout\n")
	require.True(t, ok, "the README has no Layout section")
	layout, _, _ = strings.Cut(layout, "\n## ")
	listed := map[string]bool{}
	for line := range strings.Lines(layout) {
		if f := strings.Fields(line); len(f) > 0 && strings.HasSuffix(f[0], "/") {
			listed[f[0]] = true
		}
	}
	for line := range strings.Lines(string(out)) {
		segs := strings.Split(strings.TrimPrefix(strings.TrimSpace(line), module), "/")
		n := 1
		if (segs[0] == "internal" || segs[0] == "cmd") && len(segs) > 1 {
			n = 2
		}
		entry := strings.Join(segs[:n], "/") + "/"
		if !listed[entry] {
			listed[entry] = true // once per folder
			t.Errorf("the README's Layout does not name %s (package %s)", entry, strings.TrimSpace(line))
		}
	}
}
