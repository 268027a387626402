package capture

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/emu-sim/emu/results"
)

// ConnectionsHeader is the header of connections.csv.
var ConnectionsHeader = []string{
	"file", "client", "server", "start_ms", "close_type", "first_closer", "teardown_segments", "teardown_ms",
	"time_wait_side", "rst_from", "retransmits", "fin_ack_ms", "passive_close_ms",
}

// ConnectionRecord returns c's row of connections.csv. Undefined values are
// empty: start_ms without a captured SYN, teardown_ms without a teardown,
// fin_ack_ms and passive_close_ms when that segment never came.
func ConnectionRecord(c *Connection) []string {
	o := &c.Outcome
	opt := func(ok bool, ms string) string {
		if ok {
			return ms
		}
		return ""
	}
	return []string{
		c.File, c.Client, c.Server,
		opt(c.HasSYN, results.FormatMs(c.Start)),
		o.CloseType.String(),
		o.FirstCloser.String(),
		strconv.Itoa(o.TeardownSegments),
		opt(o.HasTeardown, results.FormatMs(o.Teardown)),
		o.TimeWaitSide.String(),
		o.RstFrom.String(),
		strconv.Itoa(o.Retransmits),
		opt(c.HasFinAck, results.FormatMs(c.FinAck)),
		opt(c.HasPassiveClose, results.FormatMs(c.PassiveClose)),
	}
}

// ConnectionsWriter streams connections.csv, one row per connection.
type ConnectionsWriter struct {
	cw   *csv.Writer
	rows int64
}

// NewConnectionsWriter writes the header to w.
func NewConnectionsWriter(w io.Writer) (*ConnectionsWriter, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(ConnectionsHeader); err != nil {
		return nil, fmt.Errorf("connections.csv header: %w", err)
	}
	return &ConnectionsWriter{cw: cw}, nil
}

// Write appends c's row.
func (w *ConnectionsWriter) Write(c *Connection) error {
	if err := w.cw.Write(ConnectionRecord(c)); err != nil {
		return fmt.Errorf("connections.csv: %w", err)
	}
	w.rows++
	return nil
}

// Rows returns the number of rows written.
func (w *ConnectionsWriter) Rows() int64 { return w.rows }

// Flush writes buffered rows through.
func (w *ConnectionsWriter) Flush() error {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return fmt.Errorf("connections.csv: %w", err)
	}
	return nil
}
