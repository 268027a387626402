package results

import (
	"slices"
	"strings"
	"testing"

	"github.com/emu-sim/emu/tcp"
)

// TestWireConnections: connections are numbered by the client's first
// SYNs; a retransmitted SYN and the server's segments belong to the
// newest connection of their client port; a port used again opens a new
// connection; a segment of a port no SYN opened belongs to none.
// Connection(k) keeps k's segments, in order, with its ports and ISNs.
func TestWireConnections(t *testing.T) {
	seg := func(from Side, flags tcp.Flags, client uint16, seq uint32, rtx bool) WireSegment {
		s := WireSegment{Segment: Segment{From: from, Flags: flags, Seq: seq, Retransmit: rtx}, SrcPort: client, DstPort: 80}
		if from == Server {
			s.SrcPort, s.DstPort = 80, client
		}
		return s
	}
	tr := &Trace{Wire: []WireSegment{
		seg(Client, tcp.RST, 999, 0, false),             // 0: no connection yet: -1
		seg(Client, tcp.SYN, 1000, 100, false),          // 1: connection 0
		seg(Client, tcp.SYN, 1001, 200, false),          // 2: connection 1
		seg(Client, tcp.SYN, 1000, 100, true),           // 3: 0 (retransmission)
		seg(Server, tcp.SYN|tcp.ACK, 1001, 7000, false), // 4: 1
		seg(Server, tcp.SYN|tcp.ACK, 1000, 5000, false), // 5: 0
		seg(Client, tcp.ACK, 1001, 201, false),          // 6: 1
		seg(Client, tcp.FIN|tcp.ACK, 1000, 101, false),  // 7: 0
		seg(Client, tcp.SYN, 1000, 300, false),          // 8: connection 2 (port reused)
		seg(Server, tcp.FIN|tcp.ACK, 1000, 5001, false), // 9: 2, the newest on 1000
		seg(Server, tcp.SYN|tcp.ACK, 1000, 9000, false), // 10: 2
	}, Conns: []ConnFacts{{}, {Established: true, CloseType: FourWay, Classified: true}, {}}}
	ids, n := tr.WireConnections()
	if want := []int{-1, 0, 1, 0, 1, 0, 1, 0, 2, 2, 2}; n != 3 || !slices.Equal(ids, want) {
		t.Fatalf("WireConnections = %v, %d; want %v, 3", ids, n, want)
	}
	c, err := tr.Connection(1)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Run.Segments) != 3 || c.Run.Segments[0].Seq != 200 || c.Run.Segments[1].Seq != 7000 || c.Run.Segments[2].Seq != 201 {
		t.Errorf("connection 1's segments: %+v", c.Run.Segments)
	}
	if c.ISN != [2]uint32{200, 7000} || c.Ports != [2]uint16{1001, 80} || !c.Run.Established || !slices.Equal(c.Order, []int{0, 1, 2}) {
		t.Errorf("connection 1: ISN %v, ports %v, established %v, order %v", c.ISN, c.Ports, c.Run.Established, c.Order)
	}
	if c, _ := tr.Connection(0); c != tr {
		t.Error("Connection(0) is not the trace itself (which holds its calls and states)")
	}
	for _, k := range []int{3, -1} {
		if _, err := tr.Connection(k); err == nil || !strings.Contains(err.Error(), "the run opened 3 (0 to 2)") {
			t.Errorf("Connection(%d): %v", k, err)
		}
	}
	one := &Trace{Wire: tr.Wire[1:2]}
	if _, err := one.Connection(1); err == nil || !strings.Contains(err.Error(), "opened only connection 0") {
		t.Errorf("Connection(1) of one: %v", err)
	}
}
