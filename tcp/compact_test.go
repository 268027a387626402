package tcp

import (
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

// inject delivers seg, built at time d from the endpoint of process pr (its
// ports and sequence numbers then), to pr's host as if it came from the
// peer.
func inject(p *pair, d time.Duration, pr func() *Process, build func(e *Endpoint) Segment) {
	at(p, d, func() {
		if p.compact {
			p.client.compactPending()
			p.server.compactPending()
		}
		e := pr().Endpoint()
		seg := build(e)
		e.host.Input(&seg)
	})
}

// TestCompactionChangesNothing: a connection compacted in TIME_WAIT (its
// socket state given back, only the timewait fields kept) behaves on the
// wire exactly as the whole endpoint did: the same segments, state changes
// and application events, with compaction as early as it can happen. The
// cases are the ones TIME_WAIT answers: a retransmitted FIN (Linux and
// FreeBSD rules), a RST (with and without RFC 1337), out-of-window
// segments under the ACK rate limit, a SYN that reopens it, and tw_reuse
// taking its port over.
func TestCompactionChangesNothing(t *testing.T) {
	dropFinalACK := func(side string, n int, _ *Segment) bool { return side == "client" && n == 3 }
	clientCloses := func(p *pair, s Settings) {
		p.drop = dropFinalACK
		if _, err := p.server.Spawn(80, s, ops(opAccept, opReadEOF, opClose)); err != nil {
			t.Fatal(err)
		}
		var err error
		if p.cp, err = p.client.Spawn(80, s, ops(opConnect, opClose)); err != nil {
			t.Fatal(err)
		}
	}
	client := func(p *pair) func() *Process { return func() *Process { return p.cp } }
	onePort := func(p *pair, reuse int) {
		hs := DefaultHostSettings()
		hs.PortLow, hs.PortHigh, hs.TWReuse = 40000, 40000, reuse
		p.client.Configure(hs)
	}
	// want is a line of the run's segments or state changes that shows the
	// case happened (written from the rules, for a 10 ms link).
	cases := []struct {
		name  string
		s     Settings
		want  string
		setup func(p *pair, s Settings)
	}{
		// The client's last ACK is lost; the server's FIN comes again
		// after its RTO and TIME_WAIT ACKs it.
		{"retransmitted FIN, Linux", profile("linux"), "260.000 C>S ACK seq=2 ack=2 len=0", clientCloses},
		{"retransmitted FIN, FreeBSD", profile("freebsd"), "300.000 C>S ACK seq=2 ack=2 len=0", clientCloses},
		{"in-window RST", linux(), "1000.000 client CLOSED", func(p *pair, s Settings) {
			clientCloses(p, s)
			inject(p, time.Second, client(p), func(e *Endpoint) Segment {
				return Segment{SrcPort: e.remotePort, DstPort: e.localPort, Seq: e.rcvNxt, Flags: RST}
			})
		}},
		{"in-window RST, rfc1337", linux(func(s *Settings) { s.RFC1337 = true }), "60260.000 client CLOSED", func(p *pair, s Settings) {
			clientCloses(p, s)
			inject(p, time.Second, client(p), func(e *Endpoint) Segment {
				return Segment{SrcPort: e.remotePort, DstPort: e.localPort, Seq: e.rcvNxt, Flags: RST}
			})
		}},
		// The first out-of-window ACK is answered, the next two fall in
		// the 500 ms rate limit, data is answered anyway (all before the
		// closed server's RST for the first answer comes back).
		{"out-of-window segments", profile("linux"), "1015.000 C>S ACK seq=2 ack=2 len=0", func(p *pair, s Settings) {
			clientCloses(p, s)
			for i, d := range []time.Duration{1000, 1005, 1010, 1015} {
				inject(p, d*time.Millisecond, client(p), func(e *Endpoint) Segment {
					seg := Segment{SrcPort: e.remotePort, DstPort: e.localPort, Seq: e.rcvNxt + 5000, Ack: e.sndNxt, Flags: ACK,
						TS: true, TSVal: e.tsRecent + 1000}
					if i == 3 {
						seg.Len = 10 // data is always answered
					}
					return seg
				})
			}
		}},
		// The server closed first; a new SYN from the same port reopens
		// its TIME_WAIT.
		{"SYN reopens TIME_WAIT", profile("linux"), "1010.000 server CLOSED", func(p *pair, s Settings) {
			onePort(p, 0)
			for i := 0; i < 2; i++ {
				if _, err := p.server.Spawn(80, s, ops(opAccept, opClose)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := p.client.Spawn(80, s, ops(opConnect, opReadEOF, opClose)); err != nil {
				t.Fatal(err)
			}
			at(p, time.Second, func() { _, _ = p.client.Spawn(80, s, ops(opConnect, opReadEOF, opClose)) })
		}},
		{"tw_reuse takes the port", profile("linux"), "1500.000 client CLOSED", func(p *pair, s Settings) {
			onePort(p, 1)
			for i := 0; i < 2; i++ {
				if _, err := p.server.Spawn(80, s, ops(opAccept, opReadEOF, opClose)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := p.client.Spawn(80, s, ops(opConnect, opClose)); err != nil {
				t.Fatal(err)
			}
			at(p, 1500*time.Millisecond, func() { _, _ = p.client.Spawn(80, s, ops(opConnect, opClose)) })
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var runs [2]*pair
			for i, on := range []bool{false, true} {
				p := newPair(t, 10*time.Millisecond, c.s, c.s, 5)
				p.compact = on
				p.client.SetCompact(on)
				p.server.SetCompact(on)
				c.setup(p, c.s)
				p.sched.Run(engine.Limits{Horizon: engine.Time(5 * time.Minute), Events: 1e6})
				runs[i] = p
			}
			off, on := runs[0], runs[1]
			if n := on.client.compacted + on.server.compacted; n == 0 {
				t.Fatalf("nothing was compacted")
			}
			if off.client.compacted+off.server.compacted != 0 {
				t.Fatalf("compaction ran while off")
			}
			expectLines(t, "segments", on.lines, off.lines)
			expectLines(t, "states", on.state, off.state)
			expectLines(t, "application events", on.apps, off.apps)
			all := strings.Join(off.lines, "\n") + "\n" + strings.Join(off.state, "\n") + "\n"
			if !strings.Contains(all, " TIME_WAIT\n") || !strings.Contains(all, c.want+"\n") {
				t.Errorf("the case did not happen: no TIME_WAIT or no %q in\n%s", c.want, all)
			}
		})
	}
}
