package results

import (
	"fmt"

	"github.com/emu-sim/emu/tcp"
)

// WireConnections numbers the connections of Wire: the k-th entry is the
// connection segment k belongs to (-1 for none). A client SYN that is not a
// retransmission opens a connection; every other segment belongs to the
// newest connection of its client port. It returns how many there are.
func (t *Trace) WireConnections() ([]int, int) {
	ids := make([]int, len(t.Wire))
	current := map[uint16]int{}
	n := 0
	for i := range t.Wire {
		s := &t.Wire[i]
		port := s.SrcPort
		if s.From == Server {
			port = s.DstPort
		}
		id, ok := current[port]
		if s.From == Client && s.Flags&tcp.SYN != 0 && s.Flags&tcp.ACK == 0 && !s.Retransmit {
			id, ok = n, true
			current[port] = n
			n++
		}
		if !ok {
			id = -1
		}
		ids[i] = id
	}
	return ids, n
}

// Connection returns the trace of connection k of a run of many (0 = the
// first the client opened; the numbering of WireConnections), for a
// ladder diagram: its segments from Wire and what Conns knew of it. The
// application calls and state changes are recorded for the run's first
// connection only, so a later connection's trace has segments alone; its
// classification is the one the run counted in connections_<type>.
func (t *Trace) Connection(k int) (*Trace, error) {
	ids, n := t.WireConnections()
	if k < 0 || k >= n {
		if n == 0 {
			return nil, fmt.Errorf("no connection %d: the run opened none", k)
		}
		if n == 1 {
			return nil, fmt.Errorf("no connection %d: the run opened only connection 0", k)
		}
		return nil, fmt.Errorf("no connection %d: the run opened %d (0 to %d)", k, n, n-1)
	}
	if k == 0 {
		return t, nil
	}
	c := &Trace{Delay: t.Delay}
	c.Run = Run{Point: t.Run.Point, Run: t.Run.Run, Seed: t.Run.Seed, SweepValues: t.Run.SweepValues, End: t.Run.End}
	if k < len(t.Conns) {
		c.Run.Established, c.Run.GaveUp = t.Conns[k].Established, t.Conns[k].GaveUp
	}
	for i := range t.Wire {
		if ids[i] != k {
			continue
		}
		s := &t.Wire[i]
		if s.Flags&tcp.SYN != 0 && c.ISN[s.From] == 0 && c.Ports[s.From] == 0 {
			c.ISN[s.From] = s.Seq
			c.Ports[s.From] = s.SrcPort
		}
		c.Order = append(c.Order, len(c.Run.Segments))
		c.Run.Segments = append(c.Run.Segments, s.Segment)
		c.Windows = append(c.Windows, s.Window)
		c.MSS = append(c.MSS, s.MSS)
	}
	return c, nil
}
