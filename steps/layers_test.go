package steps

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPackageLayers holds the picture of the packages (README, Layout): the phrases sit
// above the case lifecycle, the client and the reference server, and below the runner,
// the CLI and the preflight. Read from `go list`, so an import anywhere in the transitive
// closure breaks it.
func TestPackageLayers(t *testing.T) {
	t.Parallel()
	const mod = "github.com/casecert/casecert/"
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"steps", []string{"internal/suite", "internal/cli", "internal/preflight"}},
		{"internal/cases", []string{"steps", "github.com/cucumber/godog"}},
		{"internal/client", []string{"steps", "github.com/cucumber/godog"}},
		{"internal/refserver", []string{"steps", "github.com/cucumber/godog"}},
		{"internal/preflight", []string{"steps", "github.com/cucumber/godog"}},
	}
	args := []string{"list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}"}
	for _, r := range rules {
		args = append(args, mod+r.pkg)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := map[string][]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		deps[strings.TrimPrefix(f[0], mod)] = f[1:]
	}
	for _, r := range rules {
		got, ok := deps[r.pkg]
		if !ok {
			t.Errorf("go list did not list %s", r.pkg)
			continue
		}
		for _, d := range got {
			for _, no := range r.forbidden {
				if name := strings.TrimPrefix(d, mod); name == no || strings.HasPrefix(name, no+"/") {
					t.Errorf("%s imports %s (directly or through another package): it must not", r.pkg, d)
				}
			}
		}
	}
}
