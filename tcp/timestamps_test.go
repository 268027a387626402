package tcp

import (
	"testing"
	"time"
)

// TestTimestampsNegotiated: the timestamps option (RFC 7323) is used when
// both SYNs carry it. Then every segment carries it, and since it takes 12
// bytes of the header, Linux's segments carry 1448 bytes of payload for an
// MSS of 1460 (tcp_current_mss); when one side does not offer it, no
// segment carries it and segments are 1460 bytes.
func TestTimestampsNegotiated(t *testing.T) {
	withTS := func(on bool) Settings { return linux(func(s *Settings) { s.Timestamps = on }) }
	for _, c := range []struct {
		name           string
		client, server bool
		want           []string
		allTS          bool
	}{
		{"both offer: 1448-byte segments", true, true, []string{
			"0.000 C>S SYN seq=0 ack=0 len=0",
			"10.000 S>C SYN,ACK seq=0 ack=1 len=0",
			"20.000 C>S ACK seq=1 ack=1 len=0",
			"20.000 C>S ACK seq=1 ack=1 len=1448",
			"20.000 C>S ACK seq=1449 ack=1 len=1448",
			"20.000 C>S PSH,ACK seq=2897 ack=1 len=104",
			"20.000 C>S FIN,ACK seq=3001 ack=1 len=0",
		}, true},
		{"only the client offers: 1460-byte segments", true, false, []string{
			"0.000 C>S SYN seq=0 ack=0 len=0",
			"10.000 S>C SYN,ACK seq=0 ack=1 len=0",
			"20.000 C>S ACK seq=1 ack=1 len=0",
			"20.000 C>S ACK seq=1 ack=1 len=1460",
			"20.000 C>S ACK seq=1461 ack=1 len=1460",
			"20.000 C>S PSH,ACK seq=2921 ack=1 len=80",
			"20.000 C>S FIN,ACK seq=3001 ack=1 len=0",
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs, ss := withTS(c.client), withTS(c.server)
			p := newPair(t, 10*time.Millisecond, cs, ss, 1)
			var ts []bool
			var ecr []uint32
			p.drop = func(side string, n int, seg *Segment) bool {
				ts = append(ts, seg.TS)
				ecr = append(ecr, seg.TSEcr)
				return false
			}
			p.run(ops(opConnect, opSend(3000), opClose), ops(opAccept, opReadEOF, opClose), cs, ss, time.Minute)
			expectLines(t, "segments", p.lines[:len(c.want)], c.want)
			if !ts[0] {
				t.Error("the client's SYN carries no timestamps option")
			}
			for i := 1; i < len(ts); i++ {
				if ts[i] != c.allTS {
					t.Errorf("segment %d (%s): timestamps option %v, want %v", i, p.lines[i], ts[i], c.allTS)
				}
				if c.allTS && ecr[i] == 0 {
					t.Errorf("segment %d (%s) echoes no timestamp", i, p.lines[i])
				}
			}
		})
	}
}

// TestTWReuseNeedsTimestamps: tcp_tw_reuse=1 lets a connect take the port
// of a TIME_WAIT connection to the same peer that is at least 1 s old, but
// only if that connection used timestamps (tcp_twsk_unique checks
// tw_ts_recent_stamp); the new connection then starts 65537 above the old
// one's send sequence (write_seq = tw_snd_nxt + 65535 + 2). Without
// timestamps the only port is held and connect fails with EADDRNOTAVAIL.
func TestTWReuseNeedsTimestamps(t *testing.T) {
	for _, ts := range []bool{true, false} {
		s := linux(func(s *Settings) { s.Timestamps = ts })
		p := newPair(t, 10*time.Millisecond, s, s, 1)
		hs := DefaultHostSettings()
		hs.PortLow, hs.PortHigh, hs.TWReuse = 40000, 40000, 1
		p.client.Configure(hs)
		for i := 0; i < 2; i++ {
			if _, err := p.server.Spawn(80, s, ops(opAccept, opReadEOF, opClose)); err != nil {
				t.Fatal(err)
			}
		}
		first, err := p.client.Spawn(80, s, ops(opConnect, opClose))
		if err != nil {
			t.Fatal(err)
		}
		var second *Process
		at(p, 1500*time.Millisecond, func() { second, _ = p.client.Spawn(80, s, ops(opConnect, opClose)) })
		p.run(nil, nil, s, s, 5*time.Minute)
		old := first.Endpoint()
		if held, _, _ := old.TimeWaitSpan(); !held {
			t.Fatalf("timestamps=%v: the first connection never held TIME_WAIT", ts)
		}
		switch {
		case ts && (second.FirstError() != ErrNone || !second.Endpoint().Reached(Established)):
			t.Errorf("timestamps on: the second connect failed with %v", second.FirstError())
		case ts && second.Endpoint().ISN()-old.ISN() != 2+65537:
			// The old connection's SYN and FIN took 2 of its sequence space.
			t.Errorf("timestamps on: the new ISN is %d above the old one, want %d", second.Endpoint().ISN()-old.ISN(), 2+65537)
		case !ts && second.FirstError() != EADDRNOTAVAIL:
			t.Errorf("timestamps off: the second connect gave %v, want EADDRNOTAVAIL", second.FirstError())
		}
	}
}
