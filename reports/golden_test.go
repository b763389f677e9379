package reports

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

type writer struct {
	ext   string
	write func(io.Writer, Run) error
}

var writers = []writer{
	{"report.json", WriteJSON},
	{"summary.md", WriteMarkdown},
	{"junit.xml", WriteJUnit},
	{"report.html", WriteHTML},
}

// TestGolden compares every writer's output for every fixture with testdata/*.golden.
// Refresh with: go test ./reports -update
func TestGolden(t *testing.T) {
	for _, fx := range fixtures {
		for _, w := range writers {
			t.Run(fx.name+"/"+w.ext, func(t *testing.T) {
				got := render(t, w.write, fx.run())
				again := render(t, w.write, fx.run())
				if !bytes.Equal(got, again) {
					t.Fatal("two writes of the same run differ: the writer is not deterministic")
				}
				golden := filepath.Join("testdata", fx.name+"."+w.ext+".golden")
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./reports -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s; if the change is intended, run go test ./reports -update and review the diff\n--- got (first 2000 bytes) ---\n%s",
						w.ext, golden, head(got, 2000))
				}
			})
		}
	}
}

func render(t *testing.T, write func(io.Writer, Run) error, r Run) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
