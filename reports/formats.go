package reports

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Format is one kind of report file. Each format registers itself, once, next to its
// writer (an init func in the writer's file); the --format flag and its help, casecert
// merge, the golden test and the README table all read the registry, so adding a format
// is one file plus its goldens (testdata/<fixture>.<File>.golden, made with -update).
type Format struct {
	Name        string // the --format value
	File        string // the file written into the report directory
	Description string // one line for the help and the README table
	// Write is pure: the same Run gives the same bytes, with no clock, env or file access.
	Write func(io.Writer, Run) error
	// Sign, when the format can carry a signature, writes the file signed with the key
	// (run --sign-key); nil for the formats that cannot.
	Sign func(io.Writer, Run, ed25519.PrivateKey) error
}

var registry []Format

// register adds a format. Names and files are unique: a clash is a programming error.
func register(f Format) {
	for _, g := range registry {
		if g.Name == f.Name || g.File == f.File {
			panic(fmt.Sprintf("reports: format %q (%s) clashes with %q (%s)", f.Name, f.File, g.Name, g.File))
		}
	}
	registry = append(registry, f)
	slices.SortFunc(registry, func(a, b Format) int { return strings.Compare(a.Name, b.Name) })
}

// Formats returns every report format, by name.
func Formats() []Format { return slices.Clone(registry) }

// FormatNames is the names of every format, comma-separated: the default of --format.
func FormatNames() string {
	names := make([]string, len(registry))
	for i, f := range registry {
		names[i] = f.Name
	}
	return strings.Join(names, ",")
}

// ParseFormats reads a comma-separated list of format names (the --format flag) and returns
// those formats in registry order, each once.
func ParseFormats(list string) ([]Format, error) {
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if !slices.ContainsFunc(registry, func(f Format) bool { return f.Name == name }) {
			return nil, fmt.Errorf("unknown format %q (use any of %s)", name, FormatNames())
		}
		want[name] = true
	}
	var out []Format
	for _, f := range registry {
		if want[f.Name] {
			out = append(out, f)
		}
	}
	return out, nil
}

// FormatTable is the Markdown table of the formats, as the README shows it.
func FormatTable() string {
	var b strings.Builder
	b.WriteString("| `--format` | file | what it holds |\n| --- | --- | --- |\n")
	for _, f := range registry {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", f.Name, f.File, f.Description)
	}
	return b.String()
}
