package pcap

import (
	"fmt"

	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// AllConnections selects every connection of a run in FromTrace.
const AllConnections = -1

// FromSegments converts a run's record of segments into packets. The record
// keeps no window or options, so every packet gets DefaultWindow, and SYN
// segments get the MSS option of their sender, mss[results.Client] or
// mss[results.Server] (0 leaves it out).
func FromSegments(segs []results.Segment, mss [2]uint16) []Packet {
	pk := make([]Packet, len(segs))
	for i := range segs {
		s := &segs[i]
		pk[i] = Packet{At: s.At, Arrived: s.Arrived, FromClient: s.From == results.Client, Flags: s.Flags,
			Seq: s.Seq, Ack: s.Ack, Len: s.Len, Window: DefaultWindow}
		if s.Flags&tcp.SYN != 0 && s.From <= results.Server {
			pk[i].MSS = mss[s.From]
		}
	}
	return pk
}

// FromTrace returns the packets of connection conn of a traced run (0 is
// the first the client opened, in the order of their first SYNs) or, with
// AllConnections, of all of them, with the ports, window and MSS option
// each segment really carried. The Options hold the first connection's
// ports. A connection the run does not have is an error saying how many it
// has.
func FromTrace(t *results.Trace, conn int) ([]Packet, Options, error) {
	opt := Options{Endpoints: Endpoints{ClientPort: t.Ports[results.Client], ServerPort: t.Ports[results.Server]}}
	ids, n := t.WireConnections()
	var pkts []Packet
	for i := range t.Wire {
		s := &t.Wire[i]
		ports := Endpoints{ClientPort: s.SrcPort, ServerPort: s.DstPort}
		if s.From == results.Server {
			ports = Endpoints{ClientPort: s.DstPort, ServerPort: s.SrcPort}
		}
		if conn != AllConnections && ids[i] != conn {
			continue
		}
		pkts = append(pkts, Packet{At: s.At, Arrived: s.Arrived, FromClient: s.From == results.Client, Flags: s.Flags,
			Seq: s.Seq, Ack: s.Ack, Window: s.Window, Len: s.Len, MSS: s.MSS, Ports: ports,
			Sent: true, TS: s.TS, TSVal: s.TSVal, TSEcr: s.TSEcr, SACKOK: s.SACKOK})
	}
	switch {
	case conn == AllConnections:
	case n == 0:
		return nil, opt, fmt.Errorf("pcap: no connection %d: the run opened none", conn)
	case n == 1 && conn != 0:
		return nil, opt, fmt.Errorf("pcap: no connection %d: the run opened only connection 0", conn)
	case conn < 0 || conn >= n:
		return nil, opt, fmt.Errorf("pcap: no connection %d: the run opened %d (0 to %d)", conn, n, n-1)
	}
	return pkts, opt, nil
}
