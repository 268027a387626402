package results

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestAppendCSVField: a field formatted without encoding/csv is quoted
// exactly when RFC 4180 needs it (a comma, a quote, a line break) or
// encoding/csv's reader would otherwise trim or misread it (a leading
// space, the \. line), with inner quotes doubled.
func TestAppendCSVField(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"ECONNRESET", "ECONNRESET"},
		{"40.5ms", "40.5ms"},
		{"a,b", `"a,b"`},
		{`{dist: normal, sigma: "2ms"}`, `"{dist: normal, sigma: ""2ms""}"`},
		{`say "hi"`, `"say ""hi"""`},
		{"two\nlines", "\"two\nlines\""},
		{"cr\rhere", "\"cr\rhere\""},
		{" lead", `" lead"`},
		{"\tlead", "\"\tlead\""},
		{"\u00a0nbsp", "\"\u00a0nbsp\""}, // U+00A0 is a Unicode space
		{"trail ", "trail "},
		{`\.`, `"\."`},
		{`\.x`, `\.x`},
		{"é", "é"},
	} {
		if got := string(AppendCSVField(nil, c.in)); got != c.want {
			t.Errorf("AppendCSVField(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestAppendCSVRecordLikeEncodingCSV: for any fields, the bytes are those
// encoding/csv writes, the format every other emu file is written in.
func TestAppendCSVRecordLikeEncodingCSV(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		fields := rapid.SliceOfN(rapid.OneOf(
			rapid.String(),
			rapid.StringOf(rapid.SampledFrom([]rune{'a', ',', '"', '\n', '\r', ' ', '\\', '.', '\t', '\u2028'})),
		), 1, 6).Draw(t, "fields")
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		if err := cw.Write(fields); err != nil {
			t.Fatal(err)
		}
		cw.Flush()
		if got := AppendCSVRecord(nil, fields...); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("AppendCSVRecord(%q) = %q, encoding/csv writes %q", fields, got, want.Bytes())
		}
	})
}

// TestAppendRunsRecordMatchesRunsRecord: the allocation-free row is the
// record RunsRecord returns, written as CSV, for runs of every kind
// (undefined teardown and TIME_WAIT, errors, a sweep value needing quotes).
func TestAppendRunsRecordMatchesRunsRecord(t *testing.T) {
	for _, r := range goldenRuns() {
		o := Classify(r)
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		if err := cw.Write(RunsRecord(r, &o)); err != nil {
			t.Fatal(err)
		}
		cw.Flush()
		got := append(AppendRunsRecord(nil, r, &o), '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("point %d run %d:\n got %q\nwant %q", r.Point, r.Run, got, want.Bytes())
		}
	}
}

// TestRunsWriterWriteRows: rows formatted elsewhere are written as they
// are and counted, and a batch that would go back in (point, run) order is
// refused.
func TestRunsWriterWriteRows(t *testing.T) {
	var out bytes.Buffer
	rw, err := NewRunsWriter(&out, []string{"k"}, "x")
	if err != nil {
		t.Fatal(err)
	}
	runs := goldenRuns()
	var batch []byte
	for _, r := range runs[:3] {
		r := *r
		r.SweepValues = []string{"v"}
		o := Classify(&r)
		batch = append(AppendRunsRecord(batch, &r, &o), ",1\n"...)
	}
	if err := rw.WriteRows(batch, 3, 0, 0, 0, 2); err != nil {
		t.Fatal(err)
	}
	if err := rw.WriteRows([]byte("0,2,...\n"), 1, 0, 2, 0, 2); err == nil {
		t.Error("a batch starting at point 0 run 2, after run 2, was accepted")
	}
	if err := rw.Flush(); err != nil {
		t.Fatal(err)
	}
	if rw.Rows() != 3 {
		t.Errorf("Rows() = %d, want 3", rw.Rows())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 || !strings.HasSuffix(lines[0], ",k,close_type,first_closer,teardown_segments,teardown_ms,time_wait_side,time_wait_ms,retransmits,rst_from,client_error,server_error,client_bytes_sent,server_bytes_received,server_bytes_sent,client_bytes_received,x") {
		t.Fatalf("file:\n%s", out.String())
	}
	if !strings.HasPrefix(lines[3], "0,2,") || !strings.HasSuffix(lines[3], ",1") {
		t.Errorf("last row %q", lines[3])
	}
}

// TestRunsWriterNoAllocation: a row costs no allocation once the writer's
// line buffer has grown.
func TestRunsWriterNoAllocation(t *testing.T) {
	runs := goldenRuns()
	rw, err := NewRunsWriter(io.Discard, goldenKeys)
	if err != nil {
		t.Fatal(err)
	}
	o := Classify(runs[2])
	r := *runs[2]
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		r.Point, r.Run = 1, i
		i++
		if err := rw.Write(&r, &o); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per row, want 0", allocs)
	}
}
