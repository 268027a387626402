package capture

import (
	"bytes"
	"encoding/csv"
	"path/filepath"
	"slices"
	"testing"
)

// TestConnectionsWriter: the rows connections.csv gets, read back with
// encoding/csv, are ConnectionRecord's, for every connection of the real
// captures, with a file name that needs quoting.
func TestConnectionsWriter(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "captures", "*.pcap*"))
	if len(files) < 10 {
		t.Fatalf("%d captures found", len(files))
	}
	var buf bytes.Buffer
	cw, err := NewConnectionsWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{ConnectionsHeader}
	for _, f := range files {
		_, err := ReadFile(f, Options{}, func(c *Connection) error {
			c.File = `a "quoted", file ` + filepath.Base(f)
			want = append(want, ConnectionRecord(c))
			return cw.Write(c)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := cw.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("connections.csv:\n%q\nwant\n%q", got, want)
	}
	if cw.Rows() != int64(len(want)-1) {
		t.Errorf("Rows() = %d, want %d", cw.Rows(), len(want)-1)
	}
}
