package tcp

import (
	"testing"
	"time"
)

var allClient = func(s string, _ int, _ *Segment) bool { return s == "client" }

func TestRule1HandshakeAndData(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "MSS segmentation and cumulative ACKs",
			want: withHandshake(
				"20.000 C>S ACK seq=1 ack=1 len=1460",
				"20.000 C>S ACK seq=1461 ack=1 len=1460",
				"20.000 C>S ACK seq=2921 ack=1 len=1460",
				"20.000 C>S PSH,ACK seq=4381 ack=1 len=620",
				"20.000 C>S FIN,ACK seq=5001 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"30.000 S>C ACK seq=1 ack=2921 len=0",
				"30.000 S>C ACK seq=1 ack=4381 len=0",
				"30.000 S>C ACK seq=1 ack=5001 len=0",
				"30.000 S>C FIN,ACK seq=1 ack=5002 len=0",
				"40.000 C>S ACK seq=5002 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			client: ops(opConnect, opSend(5000), opClose), server: ops(opAccept, opReadEOF, opClose)},
		{name: "receive window fills and reopens",
			want: withHandshake(
				"20.000 C>S ACK seq=1 ack=1 len=1460",
				"20.000 C>S ACK seq=1461 ack=1 len=1460",
				"20.000 C>S ACK seq=2921 ack=1 len=1460",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"30.000 S>C ACK seq=1 ack=4381 len=0",
				"130.000 S>C ACK seq=1 ack=4381 len=0",
				"140.000 C>S ACK seq=4381 ack=1 len=1460",
				"140.000 C>S ACK seq=5841 ack=1 len=1460",
				"140.000 C>S ACK seq=7301 ack=1 len=1460",
				"150.000 S>C ACK seq=1 ack=7301 len=0",
				"150.000 S>C ACK seq=1 ack=8761 len=0",
				"160.000 C>S FIN,PSH,ACK seq=8761 ack=1 len=1240",
				"170.000 S>C FIN,ACK seq=1 ack=10002 len=0",
				"180.000 C>S ACK seq=10002 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			ss:     linux(func(s *Settings) { s.RcvBuf = 4380 }),
			client: ops(opConnect, opSend(10000), opClose), server: ops(opAccept, opSleep(100*time.Millisecond), opReadEOF, opClose)},
		{name: "connect to a closed port is refused",
			want: []string{
				"0.000 C>S SYN seq=0 ack=0 len=0",
				"10.000 S>C RST,ACK seq=0 ack=1 len=0",
			},
			cState: Closed,
			cErr:   ECONNREFUSED,

			client: ops(opConnect, opClose), server: ops(opSleep(time.Second))},
	})
}

func TestRule2Retransmission(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "lost SYN is retransmitted after rto_initial",
			want: []string{
				"0.000 C>S SYN seq=0 ack=0 len=0 lost",
				"1000.000 C>S SYN seq=0 ack=0 len=0 rtx",
				"1010.000 S>C SYN,ACK seq=0 ack=1 len=0",
				"1020.000 C>S ACK seq=1 ack=1 len=0",
				"1020.000 C>S FIN,ACK seq=1 ack=1 len=0",
				"1030.000 S>C FIN,ACK seq=1 ack=2 len=0",
				"1040.000 C>S ACK seq=2 ack=2 len=0",
			},
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			client: ops(opConnect, opClose), server: ops(opAccept, opReadEOF, opClose), drop: dropNth("client", 0)},
		{name: "lost data is retransmitted after the RTO",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100 lost",
				"240.000 C>S PSH,ACK seq=1 ack=1 len=100 rtx",
				"250.000 S>C ACK seq=1 ack=101 len=0",
				"250.000 S>C FIN,ACK seq=1 ack=101 len=0",
				"260.000 C>S FIN,ACK seq=101 ack=2 len=0",
				"270.000 S>C ACK seq=2 ack=102 len=0",
			),
			cState:    Closed,
			sState:    Closed,
			sTimeWait: 60000 * time.Millisecond,

			client: ops(opConnect, opSend(100), opReadEOF, opClose), server: ops(opAccept, opRead(100), opClose), drop: dropNth("client", 2)},
		{name: "syn_retries exhausted: ETIMEDOUT after 127 s",
			want: []string{
				"0.000 C>S SYN seq=0 ack=0 len=0 lost",
				"1000.000 C>S SYN seq=0 ack=0 len=0 rtx lost",
				"3000.000 C>S SYN seq=0 ack=0 len=0 rtx lost",
				"7000.000 C>S SYN seq=0 ack=0 len=0 rtx lost",
				"15000.000 C>S SYN seq=0 ack=0 len=0 rtx lost",
				"31000.000 C>S SYN seq=0 ack=0 len=0 rtx lost",
				"63000.000 C>S SYN seq=0 ack=0 len=0 rtx lost",
			},
			cState:  Closed,
			cErr:    ETIMEDOUT,
			cGaveUp: true,
			// The seventh timeout, 64 s after the last SYN, gives up:
			// 1+2+4+8+16+32+64 = 127 s.
			check: func(t *testing.T, p *pair) { wantApp(t, p, "127000.000 client connect ETIMEDOUT") },

			client: ops(opConnect, opClose), server: ops(opAccept, opReadEOF, opClose), drop: allClient},
		{name: "retries2 exhausted: ETIMEDOUT with exponential backoff",
			want: withHandshake(
				"1020.000 C>S PSH,ACK seq=1 ack=1 len=100 lost",
				"1240.000 C>S PSH,ACK seq=1 ack=1 len=100 rtx lost",
				"1680.000 C>S PSH,ACK seq=1 ack=1 len=100 rtx lost",
				"2560.000 C>S PSH,ACK seq=1 ack=1 len=100 rtx lost",
			),
			cState:  Closed,
			cErr:    ETIMEDOUT,
			cGaveUp: true,
			sState:  Established,
			// The fourth timeout (RTO 220 ms doubled three times: 1760 ms
			// after the last retransmission) gives up: 2560 + 1760.
			check: func(t *testing.T, p *pair) { wantState(t, p, "4320.000 client gave up: retransmission limit") },

			cs:     linux(func(s *Settings) { s.Retries2 = 3 }),
			client: ops(opConnect, opSleep(time.Second), opSend(100), opReadEOF, opClose), server: ops(opAccept, opReadEOF, opClose),
			drop: func(s string, n int, _ *Segment) bool { return s == "client" && n >= 2 }},
		{name: "RST is never retransmitted",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"60.000 S>C RST,ACK seq=1 ack=101 len=0 lost",
				"1020.000 C>S PSH,ACK seq=101 ack=1 len=100",
				"1020.000 C>S FIN,ACK seq=201 ack=1 len=0",
				"1030.000 S>C RST seq=1 ack=0 len=0 lost",
				"1030.000 S>C RST seq=1 ack=0 len=0 lost",
				"1240.000 C>S FIN,PSH,ACK seq=101 ack=1 len=100 rtx",
				"1250.000 S>C RST seq=1 ack=0 len=0 lost",
				"1680.000 C>S FIN,PSH,ACK seq=101 ack=1 len=100 rtx",
				"1690.000 S>C RST seq=1 ack=0 len=0 lost",
				"2560.000 C>S FIN,PSH,ACK seq=101 ack=1 len=100 rtx",
				"2570.000 S>C RST seq=1 ack=0 len=0 lost",
				"4320.000 C>S FIN,PSH,ACK seq=101 ack=1 len=100 rtx",
				"4330.000 S>C RST seq=1 ack=0 len=0 lost",
				"7840.000 C>S FIN,PSH,ACK seq=101 ack=1 len=100 rtx",
				"7850.000 S>C RST seq=1 ack=0 len=0 lost",
				"14880.000 C>S FIN,PSH,ACK seq=101 ack=1 len=100 rtx",
				"14890.000 S>C RST seq=1 ack=0 len=0 lost",
				"28960.000 C>S FIN,PSH,ACK seq=101 ack=1 len=100 rtx",
				"28970.000 S>C RST seq=1 ack=0 len=0 lost",
				"57120.000 C>S FIN,PSH,ACK seq=101 ack=1 len=100 rtx",
				"57130.000 S>C RST seq=1 ack=0 len=0 lost",
			),
			cState:  Closed,
			cGaveUp: true,
			sState:  Closed,

			client: ops(opConnect, opSend(100), opSleep(time.Second), opSend(100), opClose),
			server: ops(opAccept, opSleep(30*time.Millisecond), opClose),
			drop:   func(s string, _ int, seg *Segment) bool { return s == "server" && seg.Flags&RST != 0 }},
	})
}

// TestISNDoesNotMatter: with exact timers the exchange, in relative
// sequence numbers, is the same whatever the initial sequence numbers are
// (seq comparisons wrap around 2^32; Nagle's small-segment mark starts at
// the ISN, as Linux's snd_sml does).
func TestISNDoesNotMatter(t *testing.T) {
	s := linux()
	var first []string
	for seed := uint64(1); seed <= 40; seed++ {
		p := newPair(t, 10*time.Millisecond, s, s, seed)
		p.run(ops(opConnect, opSend(5000), opSleep(time.Millisecond), opSend(300), opClose), ops(opAccept, opReadEOF, opClose), s, s, 5*time.Minute)
		if first == nil {
			first = p.lines
			continue
		}
		expectLines(t, "segments with seed "+string(rune('0'+seed%10)), p.lines, first)
		if t.Failed() {
			return
		}
	}
}

// TestFastRetransmit: the third duplicate ACK retransmits the lost segment
// at once instead of waiting for the RTO (RFC 5681 3.2); NewReno keeps the
// window inflated until everything outstanding is ACKed.
func TestFastRetransmit(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "second of ten segments lost",
			want: withHandshake(
				"20.000 C>S ACK seq=1 ack=1 len=1460",
				"20.000 C>S ACK seq=1461 ack=1 len=1460 lost",
				"20.000 C>S ACK seq=2921 ack=1 len=1460",
				"20.000 C>S ACK seq=4381 ack=1 len=1460",
				"20.000 C>S ACK seq=5841 ack=1 len=1460",
				"20.000 C>S ACK seq=7301 ack=1 len=1460",
				"20.000 C>S ACK seq=8761 ack=1 len=1460",
				"20.000 C>S ACK seq=10221 ack=1 len=1460",
				"20.000 C>S ACK seq=11681 ack=1 len=1460",
				"20.000 C>S PSH,ACK seq=13141 ack=1 len=1460",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"30.000 S>C ACK seq=1 ack=1461 len=0",
				"40.000 C>S FIN,ACK seq=14601 ack=1 len=0",
				"40.000 C>S ACK seq=1461 ack=1 len=1460 rtx",
				"50.000 S>C ACK seq=1 ack=1461 len=0",
				"50.000 S>C ACK seq=1 ack=14602 len=0",
				"50.000 S>C FIN,ACK seq=1 ack=14602 len=0",
				"60.000 C>S ACK seq=14602 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			client: ops(opConnect, opSend(14600), opClose), server: ops(opAccept, opReadEOF, opClose),
			drop: dropNth("client", 3)},
	})
}

// wantState checks that the state changes recorded on the bench include ev.
func wantState(t *testing.T, p *pair, ev string) {
	t.Helper()
	for _, s := range p.state {
		if s == ev {
			return
		}
	}
	t.Errorf("no state change %q in\n  %s", ev, joinLines(p.state))
}
