package capture

import (
	"fmt"
	"io"
	"strconv"
	"strings"

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
		c.File, c.Client.String(), c.Server.String(),
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

// ConnectionsWriter streams connections.csv, one row per connection. It
// formats rows by appending to one buffer rather than through
// encoding/csv, which would need a string per field: connections.csv can
// have millions of rows. Only the file name can need quoting.
type ConnectionsWriter struct {
	w    io.Writer
	buf  []byte
	rows int64
	file string // the last file name, and its CSV form
	qf   []byte
}

// NewConnectionsWriter writes the header to w.
func NewConnectionsWriter(w io.Writer) (*ConnectionsWriter, error) {
	cw := &ConnectionsWriter{w: w, buf: make([]byte, 0, 64<<10)}
	cw.buf = append(cw.buf, strings.Join(ConnectionsHeader, ",")...)
	cw.buf = append(cw.buf, '\n')
	return cw, nil
}

// Write appends c's row, the fields of ConnectionRecord.
func (w *ConnectionsWriter) Write(c *Connection) error {
	if c.File != w.file || w.qf == nil {
		w.file = c.File
		w.qf = results.AppendCSVField(w.qf[:0], c.File)
	}
	o := &c.Outcome
	b := append(w.buf, w.qf...)
	b = append(b, ',')
	b = c.Client.AppendTo(b)
	b = append(b, ',')
	b = c.Server.AppendTo(b)
	b = append(b, ',')
	if c.HasSYN {
		b = results.AppendMs(b, c.Start)
	}
	b = append(b, ',')
	b = append(b, o.CloseType.String()...)
	b = append(b, ',')
	b = append(b, o.FirstCloser.String()...)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(o.TeardownSegments), 10)
	b = append(b, ',')
	if o.HasTeardown {
		b = results.AppendMs(b, o.Teardown)
	}
	b = append(b, ',')
	b = append(b, o.TimeWaitSide.String()...)
	b = append(b, ',')
	b = append(b, o.RstFrom.String()...)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(o.Retransmits), 10)
	b = append(b, ',')
	if c.HasFinAck {
		b = results.AppendMs(b, c.FinAck)
	}
	b = append(b, ',')
	if c.HasPassiveClose {
		b = results.AppendMs(b, c.PassiveClose)
	}
	b = append(b, '\n')
	w.buf = b
	w.rows++
	if len(w.buf) >= 48<<10 {
		return w.Flush()
	}
	return nil
}

// Rows returns the number of rows written.
func (w *ConnectionsWriter) Rows() int64 { return w.rows }

// Flush writes buffered rows through.
func (w *ConnectionsWriter) Flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.w.Write(w.buf)
	w.buf = w.buf[:0]
	if err != nil {
		return fmt.Errorf("connections.csv: %w", err)
	}
	return nil
}
