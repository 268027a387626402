package results

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// TestReadRunsRoundTrip: every row of the golden runs.csv reads back to an
// outcome that writes the same row, and statistics rebuilt from the rows
// equal those of the golden summary.
func TestReadRunsRoundTrip(t *testing.T) {
	b, err := os.ReadFile("testdata/runs.csv")
	if err != nil {
		t.Skip("no golden runs.csv")
	}
	rr, err := NewRunsReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, _ := NewRunsWriter(&out, rr.Keys())
	rows := 0
	for {
		row, err := rr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		r := Run{Point: row.Point, Run: row.Run, Seed: row.Seed, SweepValues: row.Values}
		if err := w.Write(&r, &row.Outcome); err != nil {
			t.Fatal(err)
		}
		rows++
	}
	w.Flush()
	if rows == 0 || !bytes.Equal(out.Bytes(), b) {
		t.Errorf("rows written back differ from the file (%d rows)\n%s", rows, out.String())
	}
}

func TestParseMs(t *testing.T) {
	for _, s := range []string{"0", "40", "40.5", "40.125", "60001.727", "0.075"} {
		d, err := parseMs(s)
		if err != nil || FormatMs(d) != s {
			t.Errorf("%s -> %v %v -> %s", s, d, err, FormatMs(d))
		}
	}
	for _, s := range []string{"", "x", "1.2345", "1.x"} {
		if _, err := parseMs(s); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
}
