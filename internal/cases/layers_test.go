package cases

import (
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
