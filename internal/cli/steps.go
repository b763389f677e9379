package cli

import (
	"flag"
	"fmt"

	"github.com/casecert/casecert/steps"
)

// stepsCommand lists every step phrase a feature file may use, with an example, by
// feature file: the vocabulary for a profile's own features (--features).
func stepsCommand(env Env, args []string) error {
	set := flag.NewFlagSet("steps", flag.ContinueOnError)
	set.SetOutput(env.Stderr)
	set.Usage = func() { fmt.Fprintln(set.Output(), "usage: casecert steps") }
	if err := set.Parse(args); err != nil {
		return flagError(err)
	}
	if set.NArg() > 0 {
		return usagef("usage: casecert steps (takes no arguments)")
	}
	return steps.WritePhrases(env.Stdout)
}
