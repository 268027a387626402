package results

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// RunRow is one row of runs.csv read back: enough to rebuild the statistics
// of its sweep point (Outcome) and to write the row again unchanged
// (Record), as merging shards and resuming an interrupted run need.
type RunRow struct {
	Point, Run int
	Seed       uint64
	Values     []string // the sweep values
	Outcome    Outcome
	Record     []string // every field as read
}

// RunsReader reads runs.csv one row at a time.
type RunsReader struct {
	cr    *csv.Reader
	keys  []string
	head  []string
	line  int
	index map[string]int
}

// NewRunsReader reads the header of runs.csv from r; the sweep keys are the
// columns between seed and close_type.
func NewRunsReader(r io.Reader) (*RunsReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("runs.csv header: %w", err)
	}
	idx := map[string]int{}
	for i, h := range head {
		idx[h] = i
	}
	ct, ok := idx["close_type"]
	if !ok || len(head) < 3 || head[0] != "point" || head[1] != "run" || head[2] != "seed" {
		return nil, errors.New("runs.csv header: not a runs.csv file (it must start with point,run,seed and have close_type)")
	}
	for _, c := range runsColumns {
		if _, ok := idx[c]; !ok {
			return nil, fmt.Errorf("runs.csv header: no %s column", c)
		}
	}
	return &RunsReader{cr: cr, keys: head[3:ct], head: head, line: 1, index: idx}, nil
}

// Keys returns the sweep keys.
func (r *RunsReader) Keys() []string { return r.keys }

// Header returns the header row.
func (r *RunsReader) Header() []string { return r.head }

// Read returns the next row, or io.EOF.
func (r *RunsReader) Read() (*RunRow, error) {
	rec, err := r.cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("runs.csv: %w", err)
	}
	r.line++
	row, err := r.parse(rec)
	if err != nil {
		return nil, fmt.Errorf("runs.csv line %d: %w", r.line, err)
	}
	return row, nil
}

func (r *RunsReader) parse(rec []string) (*RunRow, error) {
	if len(rec) != len(r.head) {
		return nil, fmt.Errorf("%d fields, the header has %d", len(rec), len(r.head))
	}
	f := func(name string) string { return rec[r.index[name]] }
	row := &RunRow{Record: rec, Values: rec[3 : 3+len(r.keys)]}
	var err error
	if row.Point, err = strconv.Atoi(rec[0]); err != nil {
		return nil, fmt.Errorf("point %q", rec[0])
	}
	if row.Run, err = strconv.Atoi(rec[1]); err != nil {
		return nil, fmt.Errorf("run %q", rec[1])
	}
	if row.Seed, err = strconv.ParseUint(rec[2], 10, 64); err != nil {
		return nil, fmt.Errorf("seed %q", rec[2])
	}
	o := &row.Outcome
	if o.CloseType, err = ParseCloseType(f("close_type")); err != nil {
		return nil, err
	}
	sides := []struct {
		col string
		dst *SideSet
	}{{"first_closer", &o.FirstCloser}, {"time_wait_side", &o.TimeWaitSide}, {"rst_from", &o.RstFrom}}
	for _, s := range sides {
		if *s.dst, err = parseSideSet(f(s.col)); err != nil {
			return nil, fmt.Errorf("%s: %w", s.col, err)
		}
	}
	if o.TeardownSegments, err = strconv.Atoi(f("teardown_segments")); err != nil {
		return nil, fmt.Errorf("teardown_segments %q", f("teardown_segments"))
	}
	if v := f("teardown_ms"); v != "" {
		o.HasTeardown = true
		if o.Teardown, err = parseMs(v); err != nil {
			return nil, fmt.Errorf("teardown_ms: %w", err)
		}
	}
	if v := f("time_wait_ms"); v != "" {
		if o.TimeWait, err = parseMs(v); err != nil {
			return nil, fmt.Errorf("time_wait_ms: %w", err)
		}
	}
	if o.Retransmits, err = strconv.Atoi(f("retransmits")); err != nil {
		return nil, fmt.Errorf("retransmits %q", f("retransmits"))
	}
	o.Errors = [2]string{f("client_error"), f("server_error")}
	ints := []struct {
		col string
		dst *int64
	}{{"client_bytes_sent", &o.BytesSent[Client]}, {"server_bytes_received", &o.BytesReceived[Server]},
		{"server_bytes_sent", &o.BytesSent[Server]}, {"client_bytes_received", &o.BytesReceived[Client]}}
	for _, x := range ints {
		if *x.dst, err = strconv.ParseInt(f(x.col), 10, 64); err != nil {
			return nil, fmt.Errorf("%s %q", x.col, f(x.col))
		}
	}
	return row, nil
}

func parseSideSet(s string) (SideSet, error) {
	switch s {
	case "none":
		return NoSide, nil
	case "client":
		return ClientSide, nil
	case "server":
		return ServerSide, nil
	case "both":
		return BothSides, nil
	}
	return NoSide, fmt.Errorf("%q is not client, server, both or none", s)
}

// parseMs reads a time written by FormatMs (milliseconds with up to three
// decimals) back to the exact duration it stood for.
func parseMs(s string) (time.Duration, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 3 {
		return 0, fmt.Errorf("%q has more than 3 decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time in ms", s)
	}
	us := w * 1000
	if frac != "" {
		f, err := strconv.ParseInt(frac+strings.Repeat("0", 3-len(frac)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a time in ms", s)
		}
		us += f
	}
	if neg {
		us = -us
	}
	return time.Duration(us) * time.Microsecond, nil
}
