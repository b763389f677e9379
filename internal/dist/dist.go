// Package dist packs casecert's release archives so that two builds of one commit give the
// same bytes: entries in a fixed order, one fixed modification time (the commit's), no owner
// names, fixed modes, and gzip without a name or a time stamp.
package dist

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"sort"
	"time"
)

// File is one entry of an archive.
type File struct {
	Name       string // path inside the archive's top folder
	Data       []byte
	Executable bool
}

func (f File) mode() int64 {
	if f.Executable {
		return 0o755
	}
	return 0o644
}

func sorted(files []File) []File {
	out := append([]File(nil), files...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// TarGz writes files under dir/ as a gzip'd tar, every entry dated mtime.
func TarGz(w io.Writer, dir string, mtime time.Time, files []File) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, f := range sorted(files) {
		hdr := &tar.Header{Name: path.Join(dir, f.Name), Mode: f.mode(), Size: int64(len(f.Data)),
			ModTime: mtime.UTC(), Typeflag: tar.TypeReg, Format: tar.FormatPAX, Uname: "", Gname: ""}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// Zip writes files under dir/ as a zip, every entry dated mtime.
func Zip(w io.Writer, dir string, mtime time.Time, files []File) error {
	zw := zip.NewWriter(w)
	for _, f := range sorted(files) {
		hdr := &zip.FileHeader{Name: path.Join(dir, f.Name), Method: zip.Deflate, Modified: mtime.UTC()}
		hdr.SetMode(0o644)
		if f.Executable {
			hdr.SetMode(0o755)
		}
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		if _, err := fw.Write(f.Data); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return zw.Close()
}
