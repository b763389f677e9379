// Command distpack packs the binaries `make dist` built (DIR/bin/GOOS_GOARCH/casecert[.exe])
// into release archives beside them, each with the README and the LICENSE, and writes
// SHA256SUMS. Every archive entry is dated by -mtime (the commit's time, in Unix seconds), so
// two runs on one commit give the same bytes.
package main

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/casecert/casecert/internal/dist"
)

func main() {
	dir := flag.String("dir", "dist", "the dist folder (binaries under DIR/bin/GOOS_GOARCH/)")
	version := flag.String("version", "dev", "the version in the archive names")
	mtime := flag.Int64("mtime", 0, "the date of every archive entry, Unix seconds")
	flag.Parse()
	if err := pack(*dir, *version, time.Unix(*mtime, 0), flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "distpack:", err)
		os.Exit(1)
	}
	archive := filepath.Join(*dir, "casecert_"+*version+"_"+runtime.GOOS+"_"+runtime.GOARCH+".tar.gz")
	if _, err := os.Stat(archive); err != nil {
		fmt.Fprintf(os.Stderr, "distpack: no tar.gz archive for this machine (%s/%s): no binary run\n", runtime.GOOS, runtime.GOARCH)
		return
	}
	if err := checkBinary(archive, *version); err != nil {
		fmt.Fprintln(os.Stderr, "distpack:", err)
		os.Exit(1)
	}
	fmt.Printf("distpack: %s: its casecert prints version %s and writes it as report.json's tool.version\n", filepath.Base(archive), *version)
}

func pack(dir, version string, mtime time.Time, docs []string) error {
	var extra []dist.File
	for _, d := range docs {
		data, err := os.ReadFile(d)
		if err != nil {
			return err
		}
		extra = append(extra, dist.File{Name: filepath.Base(d), Data: data})
	}
	platforms, err := os.ReadDir(filepath.Join(dir, "bin"))
	if err != nil {
		return err
	}
	sums := map[string]string{}
	for _, p := range platforms {
		bins, err := filepath.Glob(filepath.Join(dir, "bin", p.Name(), "casecert*"))
		if err != nil || len(bins) != 1 {
			return fmt.Errorf("%s: want one casecert binary, found %d", p.Name(), len(bins))
		}
		data, err := os.ReadFile(bins[0])
		if err != nil {
			return err
		}
		files := append([]dist.File{{Name: filepath.Base(bins[0]), Data: data, Executable: true}}, extra...)
		name := "casecert_" + version + "_" + p.Name()
		var buf bytes.Buffer
		archive, write := name+".tar.gz", dist.TarGz
		if strings.HasPrefix(p.Name(), "windows_") {
			archive, write = name+".zip", dist.Zip
		}
		if err := write(&buf, name, mtime, files); err != nil {
			return fmt.Errorf("%s: %w", archive, err)
		}
		if err := os.WriteFile(filepath.Join(dir, archive), buf.Bytes(), 0o644); err != nil {
			return err
		}
		sums[archive] = fmt.Sprintf("%x", sha256.Sum256(buf.Bytes()))
	}
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var out strings.Builder
	for _, n := range names {
		fmt.Fprintf(&out, "%s  %s\n", sums[n], n)
	}
	f, err := os.Create(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, out.String()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
