package results

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
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

// RunsWriter streams runs.csv one row at a time with memory independent of
// the number of rows. It insists on rows in increasing (point, run) order,
// the file's stable order, so that output never depends on how many jobs
// ran the simulations or in which order they finished: the caller must
// reorder completed runs before writing them.
type RunsWriter struct {
	cw      *csv.Writer
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
	rw := &RunsWriter{cw: csv.NewWriter(w), nKeys: len(sweepKeys), nExtra: len(extra)}
	h := append(RunsHeader(sweepKeys), extra...)
	if err := rw.cw.Write(h); err != nil {
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
	if w.rows > 0 && (r.Point < w.lastPt || r.Point == w.lastPt && r.Run <= w.lastRun) {
		return fmt.Errorf("runs.csv: point %d run %d written after point %d run %d (rows must be in point, run order)", r.Point, r.Run, w.lastPt, w.lastRun)
	}
	rec := append(RunsRecord(r, o), extra...)
	if err := w.cw.Write(rec); err != nil {
		return fmt.Errorf("runs.csv point %d run %d: %w", r.Point, r.Run, err)
	}
	w.rows++
	w.lastPt, w.lastRun = r.Point, r.Run
	return nil
}

// Rows returns the number of rows written so far (the header excluded).
func (w *RunsWriter) Rows() int64 { return w.rows }

// Flush writes buffered rows to the underlying writer. Call it before
// committing the file; a streaming caller may also call it periodically.
func (w *RunsWriter) Flush() error {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
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
