package results

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// runsColumns are the contract's runs.csv columns after the sweep keys.
var runsColumns = []string{
	"close_type", "first_closer", "teardown_segments", "teardown_ms",
	"time_wait_side", "time_wait_ms", "retransmits", "rst_from",
	"client_error", "server_error",
	"client_bytes_sent", "server_bytes_received", "server_bytes_sent", "client_bytes_received",
}

// RunsHeader returns the header of runs.csv: point, run, seed, the sweep
// keys, then the contract's columns. Callers that append columns of their
// own add them after these.
func RunsHeader(sweepKeys []string) []string {
	h := make([]string, 0, 3+len(sweepKeys)+len(runsColumns))
	h = append(h, "point", "run", "seed")
	h = append(h, sweepKeys...)
	return append(h, runsColumns...)
}

// RunsRecord returns the fields of r's row in runs.csv, matching
// RunsHeader. Undefined values are empty: teardown_ms when the run had no
// teardown, time_wait_ms when no side held TIME_WAIT.
func RunsRecord(r *Run, o *Outcome) []string {
	rec := make([]string, 0, 3+len(r.SweepValues)+len(runsColumns))
	rec = append(rec, strconv.Itoa(r.Point), strconv.Itoa(r.Run), strconv.FormatUint(r.Seed, 10))
	rec = append(rec, r.SweepValues...)
	teardown := ""
	if o.HasTeardown {
		teardown = FormatMs(o.Teardown)
	}
	timeWait := ""
	if o.TimeWaitSide != NoSide {
		timeWait = FormatMs(o.TimeWait)
	}
	return append(rec,
		o.CloseType.String(),
		o.FirstCloser.String(),
		strconv.Itoa(o.TeardownSegments),
		teardown,
		o.TimeWaitSide.String(),
		timeWait,
		strconv.Itoa(o.Retransmits),
		o.RstFrom.String(),
		o.Errors[Client],
		o.Errors[Server],
		strconv.FormatInt(o.BytesSent[Client], 10),
		strconv.FormatInt(o.BytesReceived[Server], 10),
		strconv.FormatInt(o.BytesSent[Server], 10),
		strconv.FormatInt(o.BytesReceived[Client], 10),
	)
}

// AppendRunsRecord appends the fields of RunsRecord to b as one line of
// runs.csv would hold them, without the extra columns and without the line
// end, and without allocating: sweeps of millions of runs format their rows
// with it. Callers add ",value" for every extra column, then '\n'.
func AppendRunsRecord(b []byte, r *Run, o *Outcome) []byte {
	b = strconv.AppendInt(b, int64(r.Point), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Run), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, r.Seed, 10)
	for _, v := range r.SweepValues {
		b = append(b, ',')
		b = AppendCSVField(b, v)
	}
	b = append(b, ',')
	b = append(b, o.CloseType.String()...)
	b = append(b, ',')
	b = append(b, o.FirstCloser.String()...)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(o.TeardownSegments), 10)
	b = append(b, ',')
	if o.HasTeardown {
		b = AppendMs(b, o.Teardown)
	}
	b = append(b, ',')
	b = append(b, o.TimeWaitSide.String()...)
	b = append(b, ',')
	if o.TimeWaitSide != NoSide {
		b = AppendMs(b, o.TimeWait)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(o.Retransmits), 10)
	b = append(b, ',')
	b = append(b, o.RstFrom.String()...)
	b = append(b, ',')
	b = AppendCSVField(b, o.Errors[Client])
	b = append(b, ',')
	b = AppendCSVField(b, o.Errors[Server])
	for _, n := range [4]int64{o.BytesSent[Client], o.BytesReceived[Server], o.BytesSent[Server], o.BytesReceived[Client]} {
		b = append(b, ',')
		b = strconv.AppendInt(b, n, 10)
	}
	return b
}

// AppendCSVField appends s as encoding/csv's Writer (with its defaults:
// comma, no CRLF) writes a field, so that rows formatted here and rows
// written with csv.Writer are the same bytes: quoted when s holds a comma,
// a quote or a line break, starts with a space, or is \. (quotes doubled).
func AppendCSVField(b []byte, s string) []byte {
	if !fieldNeedsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// fieldNeedsQuotes is encoding/csv's rule for a comma-separated field.
func fieldNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\n' || c == '\r' || c == '"' || c == ',' {
			return true
		}
	}
	if s[0] < utf8.RuneSelf {
		// unicode.IsSpace of an ASCII byte, without the rune decoding.
		switch s[0] {
		case '\t', '\n', '\v', '\f', '\r', ' ':
			return true
		}
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

// AppendCSVRecord appends the fields as csv.Writer writes a record,
// line end included.
func AppendCSVRecord(b []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendCSVField(b, f)
	}
	return append(b, '\n')
}

// RunsWriter streams runs.csv one row at a time with memory independent of
// the number of rows. It insists on rows in increasing (point, run) order,
// the file's stable order, so that output never depends on how many jobs
// ran the simulations or in which order they finished: the caller must
// reorder completed runs before writing them.
type RunsWriter struct {
	bw      *bufio.Writer
	line    []byte // the row being formatted, reused
	nKeys   int
	nExtra  int
	rows    int64
	lastPt  int
	lastRun int
}

// NewRunsWriter writes the header of runs.csv to w and returns a writer for
// its rows. extra names columns appended after the contract's; each row
// must then supply as many extra values.
func NewRunsWriter(w io.Writer, sweepKeys []string, extra ...string) (*RunsWriter, error) {
	// A *bufio.Writer of at least this size is used as it is: no second
	// buffer between the rows and the caller's.
	rw := &RunsWriter{bw: bufio.NewWriterSize(w, 4096), nKeys: len(sweepKeys), nExtra: len(extra)}
	rw.line = AppendCSVRecord(rw.line, RunsHeader(sweepKeys)...)
	rw.line = rw.line[:len(rw.line)-1]
	for _, x := range extra {
		rw.line = append(rw.line, ',')
		rw.line = AppendCSVField(rw.line, x)
	}
	rw.line = append(rw.line, '\n')
	if _, err := rw.bw.Write(rw.line); err != nil {
		return nil, fmt.Errorf("runs.csv header: %w", err)
	}
	return rw, nil
}

// Write appends the row of run r with outcome o (see RunsRecord) and the
// extra column values.
func (w *RunsWriter) Write(r *Run, o *Outcome, extra ...string) error {
	if len(r.SweepValues) != w.nKeys {
		return fmt.Errorf("runs.csv point %d run %d: %d sweep values for %d sweep keys", r.Point, r.Run, len(r.SweepValues), w.nKeys)
	}
	if len(extra) != w.nExtra {
		return fmt.Errorf("runs.csv point %d run %d: %d extra values for %d extra columns", r.Point, r.Run, len(extra), w.nExtra)
	}
	if err := w.inOrder(r.Point, r.Run); err != nil {
		return err
	}
	b := AppendRunsRecord(w.line[:0], r, o)
	for _, x := range extra {
		b = append(b, ',')
		b = AppendCSVField(b, x)
	}
	b = append(b, '\n')
	w.line = b
	if _, err := w.bw.Write(b); err != nil {
		return fmt.Errorf("runs.csv point %d run %d: %w", r.Point, r.Run, err)
	}
	w.rows++
	w.lastPt, w.lastRun = r.Point, r.Run
	return nil
}

// WriteRows appends n rows formatted by the caller (AppendRunsRecord, the
// extra columns, '\n' after each), in order, from (firstPt, firstRun) to
// (lastPt, lastRun): how a sweep's workers hand over whole batches of rows
// formatted in parallel. Only the order of the first row is checked.
func (w *RunsWriter) WriteRows(rows []byte, n int64, firstPt, firstRun, lastPt, lastRun int) error {
	if n == 0 {
		return nil
	}
	if err := w.inOrder(firstPt, firstRun); err != nil {
		return err
	}
	if _, err := w.bw.Write(rows); err != nil {
		return fmt.Errorf("runs.csv point %d run %d: %w", firstPt, firstRun, err)
	}
	w.rows += n
	w.lastPt, w.lastRun = lastPt, lastRun
	return nil
}

// inOrder checks that row (point, run) may follow the rows written.
func (w *RunsWriter) inOrder(point, run int) error {
	if w.rows > 0 && (point < w.lastPt || point == w.lastPt && run <= w.lastRun) {
		return fmt.Errorf("runs.csv: point %d run %d written after point %d run %d (rows must be in point, run order)", point, run, w.lastPt, w.lastRun)
	}
	return nil
}

// Rows returns the number of rows written so far (the header excluded).
func (w *RunsWriter) Rows() int64 { return w.rows }

// Flush writes buffered rows to the underlying writer. Call it before
// committing the file; a streaming caller may also call it periodically.
func (w *RunsWriter) Flush() error {
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("runs.csv: %w", err)
	}
	return nil
}

// SummaryHeader returns the header of summary.csv: point, the sweep keys,
// runs, then n_, frac_, ci_lo_, ci_hi_ for every close type in contract
// order, then the time and retransmission statistics.
func SummaryHeader(sweepKeys []string) []string {
	h := make([]string, 0, 2+len(sweepKeys)+4*NumCloseTypes+6)
	h = append(h, "point")
	h = append(h, sweepKeys...)
	h = append(h, "runs")
	for _, t := range CloseTypes() {
		c := t.Column()
		h = append(h, "n_"+c, "frac_"+c, "ci_lo_"+c, "ci_hi_"+c)
	}
	return append(h,
		"teardown_ms_mean", "teardown_ms_p50", "teardown_ms_p95", "teardown_ms_p99",
		"time_wait_ms_mean", "retransmits_mean")
}

// SummaryRecord returns the fields of s's row in summary.csv, matching
// SummaryHeader. Fractions and means of counts have FracDecimals decimals,
// times 3 (ms to the microsecond), both trimmed; undefined statistics are
// empty.
func SummaryRecord(s *PointSummary) []string {
	rec := make([]string, 0, 2+len(s.SweepValues)+4*NumCloseTypes+6)
	rec = append(rec, strconv.Itoa(s.Point))
	rec = append(rec, s.SweepValues...)
	rec = append(rec, strconv.Itoa(s.Runs))
	for _, ts := range s.Types {
		rec = append(rec, strconv.Itoa(ts.N), formatFrac(ts.Frac), formatFrac(ts.CILo), formatFrac(ts.CIHi))
	}
	rec = append(rec,
		formatMsValue(s.TeardownMsMean), formatMsValue(s.TeardownMsP50),
		formatMsValue(s.TeardownMsP95), formatMsValue(s.TeardownMsP99),
		formatMsValue(s.TimeWaitMsMean), formatFrac(s.RetransmitsMean))
	for _, x := range s.Extra {
		rec = append(rec, formatFrac(x.Value))
	}
	return rec
}

// WriteSummaryCSV writes summary.csv: a header and one row per point, the
// points in increasing point order.
func WriteSummaryCSV(w io.Writer, sweepKeys []string, points []PointSummary) error {
	if err := checkPoints(sweepKeys, points); err != nil {
		return fmt.Errorf("summary.csv: %w", err)
	}
	cw := csv.NewWriter(w)
	head := SummaryHeader(sweepKeys)
	if len(points) > 0 {
		for _, x := range points[0].Extra {
			head = append(head, x.Name)
		}
	}
	// The swept values as numbers come last: columns are only ever added
	// at the end.
	nums := SweepNumbers(sweepKeys, points)
	for _, n := range nums {
		head = append(head, n.Name)
	}
	if err := cw.Write(head); err != nil {
		return fmt.Errorf("summary.csv header: %w", err)
	}
	for i := range points {
		rec := SummaryRecord(&points[i])
		for _, n := range nums {
			rec = append(rec, formatFrac(n.Values[i]))
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("summary.csv point %d: %w", points[i].Point, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("summary.csv: %w", err)
	}
	return nil
}

// checkPoints verifies that points are in strictly increasing point order
// and that each has one value per sweep key.
func checkPoints(sweepKeys []string, points []PointSummary) error {
	for i := range points {
		p := &points[i]
		if len(p.SweepValues) != len(sweepKeys) {
			return fmt.Errorf("point %d has %d sweep values for %d sweep keys", p.Point, len(p.SweepValues), len(sweepKeys))
		}
		if i > 0 && p.Point <= points[i-1].Point {
			return fmt.Errorf("point %d after point %d (points must be in increasing order)", p.Point, points[i-1].Point)
		}
	}
	return nil
}
