package dist

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var files = []File{
	{Name: "README.md", Data: []byte("readme")},
	{Name: "casecert", Data: []byte("\x7fELF binary"), Executable: true},
	{Name: "LICENSE", Data: []byte("Apache")},
}

func TestArchivesAreByteIdentical(t *testing.T) {
	when := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for name, pack := range map[string]func(io.Writer, string, time.Time, []File) error{"tar.gz": TarGz, "zip": Zip} {
		var a, b bytes.Buffer
		require.NoError(t, pack(&a, "casecert_v1_linux_amd64", when, files))
		// the same files in another order, packed at another moment: the same bytes
		time.Sleep(10 * time.Millisecond)
		require.NoError(t, pack(&b, "casecert_v1_linux_amd64", when, []File{files[2], files[0], files[1]}))
		assert.Equal(t, a.Bytes(), b.Bytes(), name)
		var c bytes.Buffer
		require.NoError(t, pack(&c, "casecert_v1_linux_amd64", when.Add(time.Second), files))
		assert.NotEqual(t, a.Bytes(), c.Bytes(), "%s: the date is in the archive", name)
	}
}

func TestTarGzHoldsTheFilesWithTheirModes(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, TarGz(&buf, "d", time.Unix(0, 0), files))
	gz, err := gzip.NewReader(&buf)
	require.NoError(t, err)
	assert.True(t, gz.ModTime.IsZero(), "gzip header carries no time")
	tr := tar.NewReader(gz)
	got := map[string]int64{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		got[h.Name] = h.Mode
		assert.Zero(t, h.Uid)
		assert.Empty(t, h.Uname)
	}
	assert.Equal(t, map[string]int64{"d/LICENSE": 0o644, "d/README.md": 0o644, "d/casecert": 0o755}, got)
}

func TestZipHoldsTheFiles(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Zip(&buf, "d", time.Unix(0, 0), files))
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"d/LICENSE", "d/README.md", "d/casecert"}, names)
}
