package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/casecert/casecert/reports"
)

// profileCommand prints the default profile, or with "check" tells what a profile lets
// casecert judge.
func profileCommand(env Env, args []string) error {
	const profileUsage = "usage: casecert profile [--profile FILE] [--platform NAME] (prints the default profile, or FILE, with that platform) or casecert profile check --profile FILE or casecert profile init --openapi FILE|URL"
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return profilePrintCommand(env, args) // its -h also names check and init
	}
	if args[0] == "init" {
		return profileInitCommand(env, args[1:])
	}
	if args[0] != "check" {
		return usagef(profileUsage)
	}
	return profileCheckCommand(env, args[1:])
}

// profileCheckCommand prints, per requirement, whether a run with the profile judges it,
// the inferred keys it relies on, and, when it does not, what to add. Exit 0 when every
// must requirement is judged, 1 when one is not, 2 for a profile error.
func profileCheckCommand(env Env, args []string) error {
	st, profilePath, err := suiteFromFlags(env, "profile check", args)
	if err != nil {
		return err
	}
	checks := st.CheckProfile()
	source := firstNonEmpty(profilePath, "the default profile")
	w := env.Stdout
	fmt.Fprintf(w, "profile %s (%s)\n", source, st.Profile.Name)
	if len(st.Profile.Inferred) > 0 {
		fmt.Fprintln(w, "\ninferred (keys the profile leaves out, worked out from the rest):")
		for _, i := range st.Profile.Inferred {
			fmt.Fprintf(w, "  %s\n", i)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tJUDGED\tSCENARIOS\tHOW")
	judged, mustMissing := 0, 0
	for _, c := range checks {
		status := "yes"
		switch {
		case !c.Judged:
			status = "NO"
			if c.Level == reports.LevelMust {
				mustMissing++
			}
		case len(c.Missing) > 0:
			status = "partly"
		}
		if c.Judged {
			judged++
		}
		var how []string
		for _, i := range c.Uses {
			how = append(how, "uses inferred "+i.Key+" = "+i.Value)
		}
		how = append(how, c.Notes...)
		for i, m := range c.Missing {
			how = append(how, m+"; to judge it: "+c.Fix[i])
		}
		if len(how) == 0 {
			how = []string{"-"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", c.ID, c.Level, status, c.Scenarios, how[0])
		for _, h := range how[1:] {
			fmt.Fprintf(tw, "\t\t\t\t%s\n", h)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d of %s judged", judged, reports.Plural(len(checks), "requirement"))
	if mustMissing > 0 {
		fmt.Fprintf(w, "; %s NOT judged: add what their lines say\n", reports.Plural(mustMissing, "must requirement"))
		return &failedError{fmt.Sprintf("%s would not be judged with %s", reports.Plural(mustMissing, "must requirement"), source)}
	}
	fmt.Fprintln(w, "; every must requirement is judged")
	return nil
}
