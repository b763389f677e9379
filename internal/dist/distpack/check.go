package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// checkBinary runs the casecert of a tar.gz archive built for this machine: `version`
// must print "casecert VERSION", and a small run must write VERSION as report.json's
// tool.version, so a release names one version everywhere.
func checkBinary(archive, version string) error {
	dir, err := os.MkdirTemp("", "distpack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "casecert")
	if err := extractBinary(archive, bin); err != nil {
		return fmt.Errorf("%s: %w", archive, err)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: casecert version: %v\n%s", archive, err, out)
	}
	if first, _, _ := strings.Cut(string(out), "\n"); first != "casecert "+version {
		return fmt.Errorf("%s: casecert version prints %q, want %q", archive, first, "casecert "+version)
	}
	// One requirement of the built-in reference server: the run is incomplete (exit 4), which
	// is not what is checked here.
	report := filepath.Join(dir, "report")
	run := exec.Command(bin, "run", "--tags", "@VER-CURRENT", "--format", "json", "--seed", "1", "--report-dir", report)
	if out, err := run.CombinedOutput(); err != nil && run.ProcessState.ExitCode() != 4 {
		return fmt.Errorf("%s: casecert run: %v\n%s", archive, err, out)
	}
	data, err := os.ReadFile(filepath.Join(report, "report.json"))
	if err != nil {
		return fmt.Errorf("%s: casecert run wrote no report: %w", archive, err)
	}
	var doc struct {
		Tool struct{ Version string } `json:"tool"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: report.json: %w", archive, err)
	}
	if doc.Tool.Version != version {
		return fmt.Errorf("%s: report.json's tool.version is %q, casecert version says %q", archive, doc.Tool.Version, version)
	}
	return nil
}

// extractBinary writes the archive's casecert entry to path.
func extractBinary(archive, path string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return fmt.Errorf("no casecert binary in it")
		}
		if err != nil {
			return err
		}
		if filepath.Base(h.Name) != "casecert" {
			continue
		}
		out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, tr); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
}
