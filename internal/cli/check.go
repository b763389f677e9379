package cli

// CheckArgs parses a casecert command line as the command itself would, without running
// it: its flags, their values and the files they name (a baseline, a key, a token file)
// are checked, and a mistake is the command's own usage error. The CI recipes under ci/
// are tested with it, so a flag they use that casecert does not have fails make test.
func CheckArgs(env Env, args []string) error {
	if len(args) == 0 {
		return usagef("no command")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		_, err := parseRunFlags(env, rest)
		return err
	case "merge":
		_, err := parseMergeFlags(env, rest)
		return err
	case "version":
		if len(rest) > 0 {
			return usagef("version takes no arguments, got %q", rest)
		}
		return nil
	default:
		return usagef("CheckArgs checks run, merge and version command lines, not %q", cmd)
	}
}
