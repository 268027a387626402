package kernel

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

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

// TestTrialCapture: the relay captures the run's own connections (its
// server port) whether the model forwarded or dropped them, and nothing
// else.
func TestTrialCapture(t *testing.T) {
	lossy := testLink()
	lossy.Forward.Loss = netlink.Loss{Model: netlink.LossBernoulli, P: 1}
	tr, err := newTrial(lossy, 1, 10000, 0)
	if err != nil {
		t.Fatal(err)
	}
	in := []struct {
		from      results.Side
		pkt       []byte
		ours, fwd bool
	}{
		{results.Client, packet(40000, 10000, 100, 0, 0x02, 5, 0), true, false}, // lost: forward loss is 1
		{results.Server, packet(10000, 40000, 500, 101, 0x12, 5, 0), true, true},
		{results.Client, packet(40001, 10001, 1, 0, 0x02, 5, 0), false, false}, // another run's
		{results.Server, packet(10001, 40001, 1, 0, 0x12, 5, 0), false, true},
	}
	for i, x := range in {
		_, ours, ok := tr.offer(arrival{data: x.pkt, from: x.from, at: int64(i)})
		if ours != x.ours || ok != x.fwd {
			t.Errorf("packet %d: ours %v forwarded %v, want %v %v", i, ours, ok, x.ours, x.fwd)
		}
	}
	pk, _, _ := tr.Finish()
	if len(pk) != 2 || !pk[0].dropped || pk[1].dropped {
		t.Errorf("captured %d packets (dropped: %v), want the run's 2, the first dropped", len(pk), func() []bool {
			var d []bool
			for _, p := range pk {
				d = append(d, p.dropped)
			}
			return d
		}())
	}
}

// TestClassifyCapture runs captures through emu classify's reader: a
// three-way close, and a FIN retransmitted into silence, which gives up
// (timeout) only when the capture goes on past the next retransmission's
// due time (twice the last interval).
func TestClassifyCapture(t *testing.T) {
	const ms = int64(time.Millisecond)
	c, s := results.Client, results.Server
	p := func(from results.Side, at int64, seq, ack uint32, flags byte) captured {
		if from == c {
			return captured{at: at, data: ipPacket(ClientAddr, ServerAddr, 40000, 10000, seq, ack, flags)}
		}
		return captured{at: at, data: ipPacket(ServerAddr, ClientAddr, 10000, 40000, seq, ack, flags)}
	}
	handshake := []captured{p(c, 0, 100, 0, 0x02), p(s, 1*ms, 500, 101, 0x12), p(c, 2*ms, 101, 501, 0x10)}
	threeWay := append(slices.Clone(handshake), p(c, 3*ms, 101, 501, 0x11), p(s, 4*ms, 501, 102, 0x11), p(c, 5*ms, 102, 502, 0x10))
	// The FIN at 3 ms, again at 203 and 603 ms: intervals 200, 400 ms.
	silent := append(slices.Clone(handshake), p(c, 3*ms, 101, 501, 0x11), p(c, 203*ms, 101, 501, 0x11), p(c, 603*ms, 101, 501, 0x11))
	cases := []struct {
		name string
		pk   []captured
		end  int64
		want results.CloseType
	}{
		{"three-way", threeWay, 10 * ms, results.ThreeWay},
		{"FIN unanswered, capture ends soon", silent, 700 * ms, results.Incomplete},
		{"FIN unanswered, capture goes on", silent, 1500 * ms, results.Timeout},
	}
	for _, x := range cases {
		conns, err := classifyCapture(x.pk, 0, x.end, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if len(conns) != 1 || conns[0].Outcome.CloseType != x.want {
			var got []results.CloseType
			for _, c := range conns {
				got = append(got, c.Outcome.CloseType)
			}
			t.Errorf("%s: %v, want one %s", x.name, got, x.want)
		}
	}
}

// ipPacket is packet() between two addresses.
func ipPacket(src, dst string, sport, dport uint16, seq, ack uint32, flags byte) []byte {
	b := packet(sport, dport, seq, ack, flags, 5, 0)
	b[8] = 64
	copy(b[12:16], parseIPv4(src))
	copy(b[16:20], parseIPv4(dst))
	return b
}

func TestTimeWaitLeft(t *testing.T) {
	// The client's socket on port 10000 (0x2710) in TIME_WAIT with timer
	// 3 (TIME_WAIT) at 0x1770 = 6000 ticks of 10 ms: 60 s left; one with
	// 0x64 = 1 s left; an ESTABLISHED one and another port are ignored.
	text := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   1: 0100C90A:9C40 0200C90A:2710 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   2: 0100C90A:9C42 0200C90A:2710 06 00000000:00000000 03:00000064 00000000     0        0 0 3 0000000000000000
   3: 0100C90A:9C41 0200C90A:2710 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
   4: 0100C90A:9C43 0200C90A:2711 06 00000000:00000000 03:00002000 00000000     0        0 0 3 0000000000000000
`
	if left, ok := timeWaitLeft(text, 10000); !ok || left != 60*time.Second {
		t.Errorf("timeWaitLeft = %v %v, want 60s true", left, ok)
	}
	if _, ok := timeWaitLeft(text, 10002); ok {
		t.Error("a TIME_WAIT found on a port without one")
	}
}
