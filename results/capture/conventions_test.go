package capture

import (
	"bytes"
	"strings"
	"testing"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/pcap"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// seg is a packet of a hand-written capture: ms after the start, sent by
// the client or not, flags, seq, ack, payload length.
func seg(atMs float64, fromClient bool, f tcp.Flags, seq, ack uint32, n int) pcap.Packet {
	return pcap.Packet{At: engine.Time(atMs * 1e6), FromClient: fromClient, Flags: f, Seq: seq, Ack: ack, Len: n, Window: 65535}
}

const (
	cli = true
	srv = false
)

// handshake is SYN, SYN+ACK, ACK: client ISN 1000, server ISN 5000.
func handshake() []pcap.Packet {
	return []pcap.Packet{
		seg(0, cli, tcp.SYN, 1000, 0, 0),
		seg(0.1, srv, tcp.SYN|tcp.ACK, 5000, 1001, 0),
		seg(0.2, cli, tcp.ACK, 1001, 5001, 0),
	}
}

// TestCaptureConventions checks the contract's conventions where the wire
// alone does not decide, on captures written packet by packet (emu's pcap
// writer, ports 40000 and 80).
func TestCaptureConventions(t *testing.T) {
	a := tcp.ACK
	cases := []struct {
		name    string
		pkts    []pcap.Packet
		typ     results.CloseType
		first   results.SideSet
		rst     results.SideSet
		retrans int
		explain string
	}{
		// The client's FIN is retransmitted at 200, 600 and 1400 ms (the
		// timer doubling) and never acknowledged; the capture goes on to
		// 5 s (a segment of another connection): the next retransmission
		// was due at 3000 ms, so the timer gave up.
		{"timeout", append(handshake(),
			seg(1, cli, tcp.FIN|a, 1001, 5001, 0),
			seg(201, cli, tcp.FIN|a, 1001, 5001, 0),
			seg(601, cli, tcp.FIN|a, 1001, 5001, 0),
			seg(1401, cli, tcp.FIN|a, 1001, 5001, 0),
			seg(5000, cli, tcp.RST, 1, 0, 0), // another 4-tuple: see below
		), results.Timeout, results.ClientSide, results.NoSide, 3, "timeout: the client retransmitted (3 times"},
		// The same, but the capture ends at 2000 ms, before the next
		// retransmission was due: incomplete.
		{"retransmitting at the end", append(handshake(),
			seg(1, cli, tcp.FIN|a, 1001, 5001, 0),
			seg(201, cli, tcp.FIN|a, 1001, 5001, 0),
			seg(601, cli, tcp.FIN|a, 1001, 5001, 0),
			seg(1401, cli, tcp.FIN|a, 1001, 5001, 0),
			seg(2000, cli, tcp.RST, 1, 0, 0),
		), results.Incomplete, results.ClientSide, results.NoSide, 3, "incomplete: the client sent FIN; the server had not sent its FIN"},
		// The server acknowledges the FIN and never closes (CLOSE_WAIT).
		{"close-wait", append(handshake(),
			seg(1, cli, tcp.FIN|a, 1001, 5001, 0),
			seg(41, srv, a, 5001, 1002, 0),
			seg(9000, cli, tcp.RST, 1, 0, 0),
		), results.Incomplete, results.ClientSide, results.NoSide, 0, "incomplete: the client sent FIN"},
		// Unanswered SYNs: no-connect, nobody closed, no RST.
		{"syn unanswered", []pcap.Packet{
			seg(0, cli, tcp.SYN, 1000, 0, 0),
			seg(1000, cli, tcp.SYN, 1000, 0, 0),
			seg(3000, cli, tcp.SYN, 1000, 0, 0),
		}, results.NoConnect, results.NoSide, results.NoSide, 2, "no-connect: 3 SYNs got no answer"},
		// Both sides' FINs, neither acknowledging the other's, then ACKs:
		// simultaneous, first closer the side whose FIN is first in the file.
		{"simultaneous", append(handshake(),
			seg(1, srv, tcp.FIN|a, 5001, 1001, 0),
			seg(1.01, cli, tcp.FIN|a, 1001, 5001, 0),
			seg(11, cli, a, 1002, 5002, 0),
			seg(11.01, srv, a, 5002, 1002, 0),
		), results.Simultaneous, results.ServerSide, results.NoSide, 0, "simultaneous: the client sent its FIN 0.01 ms after the server's"},
		// No SYN: data both ways, then a FIN exchange; the client is the
		// higher port (40000).
		{"no syn", []pcap.Packet{
			seg(0, cli, tcp.PSH|a, 1001, 5001, 100),
			seg(0.1, srv, tcp.PSH|a, 5001, 1101, 100),
			seg(0.2, cli, tcp.FIN|a, 1101, 5101, 0),
			seg(50, srv, a, 5101, 1102, 0),
			seg(60, srv, tcp.FIN|a, 5101, 1102, 0),
			seg(60.1, cli, a, 1102, 5102, 0),
		}, results.FourWay, results.ClientSide, results.NoSide, 0, "four-way: the server acknowledged the client's FIN after 49.8 ms"},
		// Linger 0 / unread data: the client's RST, no FIN.
		{"rst", append(handshake(),
			seg(1, srv, tcp.PSH|a, 5001, 1001, 100),
			seg(2, cli, tcp.RST|a, 1001, 5101, 0),
		), results.RST, results.ClientSide, results.ClientSide, 0, "rst: the client sent RST without a FIN, 1 ms after the server's last segment (it had sent 100 bytes)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pkts := c.pkts
			var buf bytes.Buffer
			// The last RST of some cases belongs to another connection:
			// it only moves the end of the capture. Write it with other
			// ports into the same file.
			var tail []pcap.Packet
			if n := len(pkts); n > 0 && pkts[n-1].Flags == tcp.RST && pkts[n-1].Seq == 1 {
				tail, pkts = pkts[n-1:], pkts[:n-1]
			}
			if err := pcap.Write(&buf, pkts, pcap.Options{Endpoints: pcap.Endpoints{ClientPort: 40000, ServerPort: 80}, SendTimes: true}); err != nil {
				t.Fatal(err)
			}
			if tail != nil {
				var other bytes.Buffer
				if err := pcap.Write(&other, tail, pcap.Options{Endpoints: pcap.Endpoints{ClientPort: 40001, ServerPort: 81}, SendTimes: true}); err != nil {
					t.Fatal(err)
				}
				buf.Write(other.Bytes()[24:]) // its one record, without the file header
			}
			var got []Connection
			var expl []string
			if _, err := Read(c.name, &buf, Options{Port: 80}, func(cn *Connection) error {
				got = append(got, *cn)
				expl = append(expl, Explain(cn))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d connections on port 80, want 1", len(got))
			}
			o := got[0].Outcome
			if o.CloseType != c.typ || o.FirstCloser != c.first || o.RstFrom != c.rst || o.Retransmits != c.retrans {
				t.Errorf("%v, first closer %v, rst from %v, %d retransmits; want %v, %v, %v, %d",
					o.CloseType, o.FirstCloser, o.RstFrom, o.Retransmits, c.typ, c.first, c.rst, c.retrans)
			}
			if !strings.HasPrefix(expl[0], c.explain) {
				t.Errorf("explanation %q, want it to start %q", expl[0], c.explain)
			}
			if got[0].Client.Port() != 40000 {
				t.Errorf("client %v, want port 40000", got[0].Client)
			}
		})
	}
}

// TestLongHalfClose: 3000 data segments from the server after the
// client's FIN (a half-close) are counted in full but not all kept.
func TestLongHalfClose(t *testing.T) {
	a := tcp.ACK
	pkts := append(handshake(),
		seg(1, cli, tcp.FIN|a, 1001, 5001, 0),
		seg(1.1, srv, a, 5001, 1002, 0))
	for i := range 3000 {
		pkts = append(pkts, seg(2+float64(i)*0.01, srv, tcp.PSH|a, 5001+uint32(i)*100, 1002, 100))
	}
	pkts = append(pkts,
		seg(100, srv, tcp.FIN|a, 5001+300000, 1002, 0),
		seg(100.1, cli, a, 1002, 5001+300000+1, 0))
	var buf bytes.Buffer
	if err := pcap.Write(&buf, pkts, pcap.Options{Endpoints: pcap.Endpoints{ClientPort: 40000, ServerPort: 80}, SendTimes: true}); err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	var kept int
	if _, err := Read("half-close", &buf, Options{}, func(c *Connection) error {
		rows = append(rows, ConnectionRecord(c))
		kept = len(c.Run.Segments)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// FIN, ACK, 3000 data, FIN, ACK; from 1 ms to 100.1 ms; FIN acknowledged
	// after 0.1 ms, the server's FIN 99 ms after the client's.
	want := []string{"half-close", "10.0.0.1:40000", "10.0.0.2:80", "0", "four-way", "client", "3004", "99.1", "client", "none", "0", "0.1", "99"}
	if len(rows) != 1 || strings.Join(rows[0], ",") != strings.Join(want, ",") {
		t.Errorf("rows %q, want %q", rows, want)
	}
	if kept > maxKept+2 {
		t.Errorf("%d segments kept, want at most %d", kept, maxKept+2)
	}
}
