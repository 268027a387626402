package kernel

import (
	"encoding/binary"
	"testing"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

const (
	c = results.Client
	s = results.Server
)

// seg is a segment that arrived at at+1 unless lost.
func seg(from results.Side, flags tcp.Flags, seq, ack uint32, n int, lost bool) results.Segment {
	x := results.Segment{From: from, Flags: flags, Seq: seq, Ack: ack, Len: n, Arrived: 1}
	if lost {
		x.Arrived = engine.Never
	}
	return x
}

// The client's ISN is 100, the server's 500 in these exchanges.
var (
	syn    = seg(c, tcp.SYN, 100, 0, 0, false)
	synAck = seg(s, tcp.SYN|tcp.ACK, 500, 101, 0, false)
	ack3   = seg(c, tcp.ACK, 101, 501, 0, false)
)

func TestEstablishedAndSettled(t *testing.T) {
	cases := []struct {
		name         string
		segs         []results.Segment
		estab, ended bool
	}{
		{"refused", []results.Segment{syn, seg(s, tcp.RST|tcp.ACK, 0, 101, 0, false)}, false, true},
		{"no answer", []results.Segment{syn}, false, false},
		{"third ACK lost", []results.Segment{syn, synAck, seg(c, tcp.ACK, 101, 501, 0, true)}, false, false},
		{"open", []results.Segment{syn, synAck, ack3}, true, false},
		// Three-way close: client FIN (seq 101), server FIN+ACK (seq 501,
		// ack 102), client ACK 502.
		{"three-way", []results.Segment{syn, synAck, ack3,
			seg(c, tcp.FIN|tcp.ACK, 101, 501, 0, false), seg(s, tcp.FIN|tcp.ACK, 501, 102, 0, false), seg(c, tcp.ACK, 102, 502, 0, false)}, true, true},
		// The last ACK lost: the server's FIN is not acknowledged yet.
		{"last ACK lost", []results.Segment{syn, synAck, ack3,
			seg(c, tcp.FIN|tcp.ACK, 101, 501, 0, false), seg(s, tcp.FIN|tcp.ACK, 501, 102, 0, false), seg(c, tcp.ACK, 102, 502, 0, true)}, true, false},
		// A FIN after 100 bytes of data ends at 101+100: an ACK of 201 does
		// not cover it, 202 does.
		{"FIN after data, half acknowledged", []results.Segment{syn, synAck, ack3,
			seg(c, tcp.FIN|tcp.ACK|tcp.PSH, 101, 501, 100, false), seg(s, tcp.ACK, 501, 201, 0, false),
			seg(s, tcp.FIN|tcp.ACK, 501, 201, 0, false), seg(c, tcp.ACK, 202, 502, 0, false)}, true, false},
		{"RST lost", []results.Segment{syn, synAck, ack3, seg(s, tcp.RST|tcp.ACK, 501, 101, 0, true)}, true, false},
	}
	for _, c := range cases {
		if got := established(c.segs); got != c.estab {
			t.Errorf("%s: established %v, want %v", c.name, got, c.estab)
		}
		if got := settled(c.segs); got != c.ended {
			t.Errorf("%s: settled %v, want %v", c.name, got, c.ended)
		}
	}
}

// packet builds an IPv4/TCP packet with a 20-byte IP header, a TCP header
// of doff 32-bit words and n payload bytes.
func packet(sport, dport uint16, seq, ack uint32, flags byte, doff, n int) []byte {
	b := make([]byte, 20+doff*4+n)
	b[0], b[9] = 0x45, 6
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	t := b[20:]
	binary.BigEndian.PutUint16(t[0:], sport)
	binary.BigEndian.PutUint16(t[2:], dport)
	binary.BigEndian.PutUint32(t[4:], seq)
	binary.BigEndian.PutUint32(t[8:], ack)
	t[12], t[13] = byte(doff<<4), flags
	return b
}

func TestParseTCP(t *testing.T) {
	// Timestamps make the TCP header 32 bytes (doff 8): payload 100.
	h, ok := parseTCP(packet(40000, 10000, 7, 9, 0x19, 8, 100))
	want := tcpHeader{SrcPort: 40000, DstPort: 10000, Seq: 7, Ack: 9, Flags: tcp.FIN | tcp.PSH | tcp.ACK, Len: 100}
	if !ok || h != want {
		t.Errorf("parseTCP = %+v %v, want %+v", h, ok, want)
	}
	udp := packet(1, 2, 0, 0, 0, 5, 0)
	udp[9] = 17
	ipv6 := packet(1, 2, 0, 0, 0, 5, 0)
	ipv6[0] = 0x60
	short := packet(1, 2, 0, 0, 0, 5, 0)[:30]
	badOff := packet(1, 2, 0, 0, 0, 5, 0)
	badOff[32] = 0x20 // doff 2: below the 20-byte minimum
	for name, b := range map[string][]byte{"udp": udp, "ipv6": ipv6, "short": short, "bad offset": badOff} {
		if _, ok := parseTCP(b); ok {
			t.Errorf("%s parsed as TCP", name)
		}
	}
}

// TestTrialRecord: the relay marks a segment a retransmission when it
// occupies no sequence space beyond what its sender already sent, and
// records only the run's own connection (its server port).
func TestTrialRecord(t *testing.T) {
	tr, err := newTrial(testLink(), 1, 10000, 0)
	if err != nil {
		t.Fatal(err)
	}
	in := []struct {
		from        results.Side
		pkt         []byte
		recorded    bool
		retransmits bool
	}{
		{c, packet(40000, 10000, 100, 0, 0x02, 5, 0), true, false},   // SYN
		{c, packet(40000, 10000, 100, 0, 0x02, 5, 0), true, true},    // SYN again
		{s, packet(10000, 40000, 500, 101, 0x12, 5, 0), true, false}, // SYN-ACK
		{c, packet(40000, 10000, 101, 501, 0x10, 5, 0), true, false}, // bare ACK: no sequence space
		{c, packet(40000, 10000, 101, 501, 0x18, 5, 50), true, false},
		{c, packet(40000, 10000, 101, 501, 0x18, 5, 50), true, true},  // same data again
		{c, packet(40000, 10000, 101, 501, 0x18, 5, 80), true, false}, // partly new data
		{c, packet(40001, 10001, 1, 0, 0x02, 5, 0), false, false},     // another run's connection
		{s, packet(10001, 40001, 1, 0, 0x12, 5, 0), false, false},
	}
	for i, x := range in {
		_, idx, _ := tr.offer(arrival{data: x.pkt, from: x.from, at: int64(i)})
		if (idx >= 0) != x.recorded {
			t.Fatalf("packet %d: recorded %v, want %v", i, idx >= 0, x.recorded)
		}
		if idx >= 0 && tr.segs[idx].Retransmit != x.retransmits {
			t.Errorf("packet %d: retransmission %v, want %v", i, tr.segs[idx].Retransmit, x.retransmits)
		}
	}
}

func TestSummarize(t *testing.T) {
	cases := []struct {
		name     string
		events   []Event
		alive    bool
		exit     string
		err      string
		sent     int64
		received int64
	}{
		{"ran through", []Event{{Proc: "main", Call: "send", Sent: 100}, {Proc: "main", Exit: "ok", Sent: 100, Received: 7}}, false, "ok", "", 100, 7},
		{"killed at the horizon", []Event{{Proc: "main", Call: "read", Received: 5}}, true, "blocked", "", 0, 5},
		{"SIGPIPE", []Event{{Proc: "main", Call: "send", Error: "EPIPE", Sent: 10}, {Proc: "main", Exit: "SIGPIPE", Error: "EPIPE", Sent: 10}}, false, "SIGPIPE", "EPIPE", 10, 0},
		// A forked child's bytes count for the side; the main process's
		// error comes first, a child's only when the main saw none.
		{"child", []Event{{Proc: "main", Exit: "ok", Sent: 1}, {Proc: "child", Call: "read", Error: "ECONNRESET", Received: 4}}, true, "ok", "ECONNRESET", 1, 4},
		{"both errors", []Event{{Proc: "child", Call: "read", Error: "ECONNRESET"}, {Proc: "main", Exit: "ok", Error: "EPIPE"}}, false, "ok", "EPIPE", 0, 0},
	}
	for _, c := range cases {
		exit, err, sent, rcvd := summarize(c.events, c.alive, "main")
		if exit != c.exit || err != c.err || sent != c.sent || rcvd != c.received {
			t.Errorf("%s: %s %q %d %d, want %s %q %d %d", c.name, exit, err, sent, rcvd, c.exit, c.err, c.sent, c.received)
		}
	}
}

func TestParseProcNetTCP(t *testing.T) {
	// Lines as Linux writes them: 10.201.0.1:40000 to 10.201.0.2:10000
	// (port 0x2710) in TIME_WAIT, a listener on 0x2710, an unrelated
	// socket on port 0x2711.
	text := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0200C90A:2710 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100C90A:9C40 0200C90A:2710 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   2: 0100C90A:9C41 0200C90A:2711 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
`
	got := parseProcNetTCP(text, 10000)
	if len(got) != 2 || got[0] != 0x0A || got[1] != tcpTimeWait {
		t.Errorf("states on port 10000: %v, want [10 6]", got)
	}
}

func TestGaveUp(t *testing.T) {
	fin := seg(c, tcp.FIN|tcp.ACK, 101, 501, 0, true)
	finAgain := fin
	finAgain.Retransmit = true
	cases := []struct {
		name string
		segs []results.Segment
		want [2]bool
	}{
		{"FIN retransmitted into silence", []results.Segment{syn, synAck, ack3, fin, finAgain}, [2]bool{true, false}},
		{"complete", []results.Segment{syn, synAck, ack3,
			seg(c, tcp.FIN|tcp.ACK, 101, 501, 0, false), seg(s, tcp.FIN|tcp.ACK, 501, 102, 0, false), seg(c, tcp.ACK, 102, 502, 0, false)}, [2]bool{}},
		{"ended by RST", []results.Segment{syn, synAck, ack3, fin, finAgain, seg(s, tcp.RST, 501, 0, 0, false)}, [2]bool{}},
		{"last segment new", []results.Segment{syn, synAck, ack3, fin}, [2]bool{}},
	}
	for _, c := range cases {
		if got := gaveUp(c.segs); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
