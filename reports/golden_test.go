package reports

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGolden compares every registered format's output for every fixture with
// testdata/<fixture>.<file>.golden. A new format fails here until its goldens exist.
// Refresh with: go test ./reports -update
func TestGolden(t *testing.T) {
	for _, fx := range fixtures {
		for _, f := range Formats() {
			t.Run(fx.name+"/"+f.File, func(t *testing.T) {
				if err := checkGolden(fx, f, *update); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

func goldenPath(fx fixture, f Format) string {
	return filepath.Join("testdata", fx.name+"."+f.File+".golden")
}

// checkGolden renders fx with f twice (a writer must be deterministic) and compares the
// output with its golden file, or rewrites that file when update is set.
func checkGolden(fx fixture, f Format, update bool) error {
	got, err := renderBytes(f.Write, fx.run())
	if err != nil {
		return err
	}
	again, err := renderBytes(f.Write, fx.run())
	if err != nil {
		return err
	}
	if !bytes.Equal(got, again) {
		return errors.New("two writes of the same run differ: the writer is not deterministic")
	}
	golden := goldenPath(fx, f)
	if update {
		return os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		return fmt.Errorf("%w (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s differs from %s; if the change is intended, run go test ./reports -update and review the diff\n--- got (first 2000 bytes) ---\n%s",
			f.File, golden, head(got, 2000))
	}
	return nil
}

// A format registered without goldens must fail the golden test, not pass unchecked.
func TestGoldenFailsWithoutGoldens(t *testing.T) {
	f := Format{Name: "none", File: "no-such-format.txt", Write: func(w io.Writer, _ Run) error {
		_, err := io.WriteString(w, "x")
		return err
	}}
	for _, fx := range fixtures {
		err := checkGolden(fx, f, false)
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a format without goldens gave %v, want a missing-file error", fx.name, err)
		}
	}
}

// Every golden file belongs to a fixture and a registered format: a removed format leaves
// no stale goldens behind.
func TestNoStrayGoldens(t *testing.T) {
	want := map[string]bool{}
	for _, fx := range fixtures {
		for _, f := range Formats() {
			want[goldenPath(fx, f)] = true
		}
	}
	have, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range have {
		if !want[p] {
			t.Errorf("%s belongs to no fixture and registered format", p)
		}
	}
}

func TestFormatRegistry(t *testing.T) {
	formats := Formats()
	if len(formats) == 0 {
		t.Fatal("no format registered")
	}
	names, files := map[string]bool{}, map[string]bool{}
	for _, f := range formats {
		switch {
		case f.Name == "" || strings.ContainsAny(f.Name, ", "):
			t.Errorf("format %q: a name must be one word usable in --format", f.Name)
		case f.File == "" || filepath.Base(f.File) != f.File:
			t.Errorf("format %s: file %q must be a plain file name", f.Name, f.File)
		case f.Description == "" || strings.Contains(f.Description, "|") || strings.Contains(f.Description, "\n"):
			t.Errorf("format %s: the description must be one line without |, for the README table", f.Name)
		case f.Write == nil:
			t.Errorf("format %s has no writer", f.Name)
		}
		if names[f.Name] || files[f.File] {
			t.Errorf("format %s (%s) is registered twice", f.Name, f.File)
		}
		names[f.Name], files[f.File] = true, true
	}
	if !slices.IsSortedFunc(formats, func(a, b Format) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("Formats() is not sorted by name")
	}
}

func TestParseFormats(t *testing.T) {
	all, err := ParseFormats(FormatNames())
	if err != nil || len(all) != len(Formats()) {
		t.Fatalf("ParseFormats(FormatNames()) = %d formats, %v", len(all), err)
	}
	two, err := ParseFormats(" md, json ,md")
	if err != nil {
		t.Fatal(err)
	}
	if len(two) != 2 || two[0].Name != "json" || two[1].Name != "md" {
		t.Errorf("ParseFormats(md,json,md) = %v, want json and md once each, in registry order", two)
	}
	for _, bad := range []string{"pdf", "json,", ""} {
		if _, err := ParseFormats(bad); err == nil || !strings.Contains(err.Error(), "unknown format") {
			t.Errorf("ParseFormats(%q) = %v, want an unknown-format error", bad, err)
		}
	}
}

// The README's table of report formats is the registry's.
func TestREADMEListsEveryFormat(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), FormatTable()) {
		t.Errorf("README.md does not hold the table of report formats; paste this under \"## Reports\":\n\n%s", FormatTable())
	}
}

func render(t *testing.T, write func(io.Writer, Run) error, r Run) []byte {
	t.Helper()
	b, err := renderBytes(write, r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func renderBytes(write func(io.Writer, Run) error, r Run) ([]byte, error) {
	var buf bytes.Buffer
	err := write(&buf, r)
	return buf.Bytes(), err
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
