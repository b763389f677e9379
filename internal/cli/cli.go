// Package cli is casecert's command line: flags, the OS environment (the only package
// that touches os), exit codes, and the run pipeline that ties the other packages together.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
)

// Version is stamped at build time (-ldflags "-X .../internal/cli.Version=...").
var Version = devVersion

// ExitCode is the process exit status; the values are a public interface.
type ExitCode int

// Exit codes, as documented in the README.
const (
	ExitConformant    ExitCode = 0 // every must requirement passed (or a command succeeded)
	ExitNonConformant ExitCode = 1 // a must requirement failed (or verify found a problem)
	ExitUsage         ExitCode = 2 // usage or configuration error (the profile included)
	ExitUnreachable   ExitCode = 3 // the target could not be judged: unreachable, not the Case API, stopped answering
	ExitIncomplete    ExitCode = 4 // no must failed, but a must was not judged
)

// Env is everything casecert takes from the operating system.
type Env struct {
	Args   []string // without the program name
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
	// Context is cancelled on Ctrl-C.
	Context context.Context
	// ReadFile, WriteFile, MkdirAll and DirFS reach the file system.
	ReadFile  func(string) ([]byte, error)
	WriteFile func(string, []byte) error
	MkdirAll  func(string) error
	Remove    func(string) error
	DirFS     func(string) fs.FS
}

// OSEnv returns the real environment.
func OSEnv(ctx context.Context) Env {
	return Env{
		Args:      os.Args[1:],
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Getenv:    os.Getenv,
		Now:       time.Now,
		Context:   ctx,
		ReadFile:  os.ReadFile,
		WriteFile: func(name string, data []byte) error { return os.WriteFile(name, data, 0o644) },
		MkdirAll:  func(dir string) error { return os.MkdirAll(dir, 0o755) },
		Remove:    os.Remove,
		DirFS:     os.DirFS,
	}
}

// usageError is a mistake in the command line or configuration (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

const usage = `casecert certifies an implementation of the Case API (PATCH /incidents/{id}).

Usage:
  casecert run      [flags]   run the suite; without --base-url, against the built-in reference server
  casecert serve    [flags]   run the reference server of the Case API
  casecert list     [flags]   the requirement catalog: ID, level, scenario count, title
  casecert verify [--public-key F] REPORT.json   check a report's integrity (and its signature)
  casecert merge -o DIR A/report.json B/report.json ...   join the shard reports of one run
  casecert baseline -o FILE REPORT.json   a baseline of known failures (--prune FILE drops the passing ones)
  casecert diff OLD/report.json NEW/report.json   regressions and fixes between two reports
  casecert profile [--platform NAME] [--profile FILE]   print the default profile (or FILE), to copy and adapt
  casecert profile check --profile FILE   per requirement: judged or not, inferred keys, what to add
  casecert profile init --openapi FILE|URL [-o FILE]   draft a profile from an OpenAPI document (TODOs to check)
  casecert steps              the step phrases a feature file may use, with examples
  casecert version

Exit codes: 0 conformant (with or without warnings), 1 non-conformant (a must failed),
2 usage or configuration error (the profile included), 3 the target could not be judged
(unreachable, not the Case API, quota exhausted, stopped answering, interrupted),
4 incomplete (no must failed, but a must was not judged, or only partly).
Run "casecert COMMAND -h" for the flags of a command.
`

// Main runs casecert and returns its exit code.
func Main(env Env) ExitCode {
	if env.Context == nil {
		env.Context = context.Background()
	}
	if len(env.Args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}
	cmd, args := env.Args[0], env.Args[1:]
	var err error
	switch cmd {
	case "run":
		err = runCommand(env, args)
	case "serve":
		err = serveCommand(env, args)
	case "list":
		err = listCommand(env, args)
	case "verify":
		err = verifyCommand(env, args)
	case "merge":
		err = mergeCommand(env, args)
	case "baseline":
		err = baselineCommand(env, args)
	case "diff":
		err = diffCommand(env, args)
	case "steps":
		err = stepsCommand(env, args)
	case "profile":
		err = profileCommand(env, args)
	case "version", "--version", "-v":
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(env.Stderr, "usage: casecert version (prints the version, commit, build date and Go toolchain)")
			break
		}
		fmt.Fprint(env.Stdout, versionText())
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
	default:
		err = usagef("unknown command %q\n\n%s", cmd, usage)
	}
	if err != nil && !errors.Is(err, errHelp) {
		fmt.Fprintf(env.Stderr, "casecert %s: %v\n", cmd, err)
	}
	return exitCode(err)
}

// exitCode is the one place where what a command returned becomes the exit code: the
// type of its error says which. An error of no known type means the target could not be
// judged, never that it failed.
func exitCode(err error) ExitCode {
	var ue *usageError
	var fe *failedError
	var te *targetError
	var ve *verdictError
	var we *reportWriteError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return ExitConformant
	case errors.As(err, &ue), errors.As(err, &we):
		return ExitUsage
	case errors.As(err, &ve):
		return ExitCode(ve.code)
	case errors.As(err, &fe):
		return ExitNonConformant
	case errors.As(err, &te):
		return ExitUnreachable
	default:
		return ExitUnreachable
	}
}

// failedError is a command that ran and found a problem: a must requirement failed, or a
// report does not verify (exit 1).
type failedError struct{ msg string }

func (e *failedError) Error() string { return e.msg }

// targetError means the target could not be reached or the run could not start (exit 3).
type targetError struct{ err error }

func (e *targetError) Error() string { return e.err.Error() }
func (e *targetError) Unwrap() error { return e.err }

func lookupEnv(env Env, flagValue, name string) string {
	if flagValue != "" {
		return flagValue
	}
	return strings.TrimSpace(env.Getenv(name))
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
