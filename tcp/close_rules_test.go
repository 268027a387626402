package tcp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

func TestRule6SimultaneousClose(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "both close at the same instant: FIN_WAIT_1, CLOSING, TIME_WAIT on both sides",
			want: withHandshake(
				"60.000 C>S FIN,ACK seq=1 ack=1 len=0",
				"60.000 S>C FIN,ACK seq=1 ack=1 len=0",
				"70.000 S>C ACK seq=2 ack=2 len=0",
				"70.000 C>S ACK seq=2 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,
			sTimeWait: 60000 * time.Millisecond,

			client: ops(opConnect, opSleep(40*time.Millisecond), opClose),
			server: ops(opAccept, opSleep(30*time.Millisecond), opClose)},
		// FreeBSD: while a side's FIN is unacknowledged its ACK is a FIN
		// retransmission (tcp_output); each such FIN's ACK field
		// acknowledges the other side's FIN, which ends CLOSING in
		// TIME_WAIT without an answer (tcp_do_segment: CLOSING with
		// ourfinisacked -> tcp_twstart, no output).
		{name: "freebsd: the ACKs of the FINs are FIN retransmissions; TIME_WAIT on both sides",
			want: withHandshake(
				"60.000 C>S FIN,ACK seq=1 ack=1 len=0",
				"60.000 S>C FIN,ACK seq=1 ack=1 len=0",
				"70.000 S>C FIN,ACK seq=1 ack=2 len=0 rtx",
				"70.000 C>S FIN,ACK seq=1 ack=2 len=0 rtx",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,
			sTimeWait: 60000 * time.Millisecond,

			cs: profile("freebsd"), ss: profile("freebsd"),
			client: ops(opConnect, opSleep(40*time.Millisecond), opClose),
			server: ops(opAccept, opSleep(30*time.Millisecond), opClose)},
	})
}

func TestRule7Resets(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "close with unread data sends RST, not FIN; the peer's read gets ECONNRESET",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"60.000 S>C RST,ACK seq=1 ack=101 len=0",
			),
			cState: Closed,
			cErr:   ECONNRESET,
			sState: Closed,

			client: ops(opConnect, opSend(100), opReadEOF, opClose),
			server: ops(opAccept, opSleep(30*time.Millisecond), opClose)},
		{name: "data arriving after close draws RST; the peer then gets EPIPE",
			want: withHandshake(
				"30.000 S>C FIN,ACK seq=1 ack=1 len=0",
				"30.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"40.000 S>C RST seq=1 ack=0 len=0",
				"40.000 C>S ACK seq=101 ack=2 len=0",
				"50.000 S>C RST seq=2 ack=0 len=0",
			),
			cState: Closed,
			cErr:   EPIPE,
			sState: Closed,

			client: ops(opConnect, opSleep(10*time.Millisecond), opSend(100), opSleep(30*time.Millisecond), opSend(100), opClose),
			server: ops(opAccept, opClose),
			check:  func(t *testing.T, p *pair) { wantApp(t, p, "60.000 client send EPIPE") }},
		{name: "SO_LINGER 0: RST and no TIME_WAIT",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"50.000 C>S RST,ACK seq=101 ack=1 len=0",
			),
			cState: Closed,
			sState: Closed,
			sErr:   ECONNRESET,

			client: ops(opConnect, opSend(100), opSleep(30*time.Millisecond), opSetLinger(0), opClose),
			server: ops(opAccept, opReadEOF, opClose)},
		{name: "abort is SO_LINGER 0 then close",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"50.000 C>S RST,ACK seq=101 ack=1 len=0",
			),
			cState: Closed,
			sState: Closed,
			sErr:   ECONNRESET,

			client: ops(opConnect, opSend(100), opSleep(30*time.Millisecond), Op{Kind: OpAbort}),
			server: ops(opAccept, opReadEOF, opClose)},
		{name: "crash with all data read: the kernel sends FIN",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"30.000 S>C FIN,ACK seq=1 ack=101 len=0",
				"40.000 C>S FIN,ACK seq=101 ack=2 len=0",
				"50.000 S>C ACK seq=2 ack=102 len=0",
			),
			cState:    Closed,
			sState:    Closed,
			sTimeWait: 60000 * time.Millisecond,

			client: ops(opConnect, opSend(100), opReadEOF, opClose),
			server: ops(opAccept, opRead(100), Op{Kind: OpCrash})},
		{name: "crash with unread data: the kernel sends RST",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"60.000 S>C RST,ACK seq=1 ack=101 len=0",
			),
			cState: Closed,
			cErr:   ECONNRESET,
			sState: Closed,

			client: ops(opConnect, opSend(100), opReadEOF, opClose),
			server: ops(opAccept, opSleep(30*time.Millisecond), Op{Kind: OpCrash})},
		{name: "crash ignores SO_LINGER: no blocking, FIN",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"30.000 S>C FIN,ACK seq=1 ack=101 len=0",
				"40.000 C>S FIN,ACK seq=101 ack=2 len=0",
				"50.000 S>C ACK seq=2 ack=102 len=0",
			),
			cState:    Closed,
			sState:    Closed,
			sTimeWait: 60000 * time.Millisecond,

			client: ops(opConnect, opSend(100), opReadEOF, opClose),
			server: ops(opAccept, opRead(100), opSetLinger(5*time.Second), Op{Kind: OpCrash})},
		{name: "SO_LINGER 5s: close blocks until the FIN is ACKed",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"70.000 S>C ACK seq=1 ack=102 len=0",
				"130.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"140.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			client: ops(opConnect, opSetLinger(5*time.Second), opSend(100), opClose, opSleep(time.Millisecond)),
			server: ops(opAccept, opReadEOF, opSleep(100*time.Millisecond), opClose),
			check:  func(t *testing.T, p *pair) { wantApp(t, p, "80.000 client close linger done") }},
	})
}

// wantApp asserts that an application event was recorded.
func wantApp(t *testing.T, p *pair, ev string) {
	t.Helper()
	for _, a := range p.apps {
		if a == ev {
			return
		}
	}
	t.Errorf("no application event %q in\n  %s", ev, joinLines(p.apps))
}

func TestRule8Shutdown(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "shutdown(write): half-close, the peer still sends, data is read and ACKed",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"30.000 S>C ACK seq=1 ack=102 len=1460",
				"30.000 S>C ACK seq=1461 ack=102 len=1460",
				"30.000 S>C PSH,ACK seq=2921 ack=102 len=80",
				"30.000 S>C FIN,ACK seq=3001 ack=102 len=0",
				"40.000 C>S ACK seq=102 ack=1461 len=0",
				"40.000 C>S ACK seq=102 ack=2921 len=0",
				"40.000 C>S ACK seq=102 ack=3001 len=0",
				"40.000 C>S ACK seq=102 ack=3002 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			client: ops(opConnect, opSend(100), opShutdown(ShutWrite), opReadEOF, opClose),
			server: ops(opAccept, opReadEOF, opSend(3000), opClose)},
		{name: "shutdown(read) sends nothing; later data is ACKed and queued; close with it unread sends RST",
			want: withHandshake(
				"50.000 S>C PSH,ACK seq=1 ack=1 len=100",
				"60.000 C>S ACK seq=1 ack=101 len=0",
				"120.000 C>S RST,ACK seq=1 ack=101 len=0",
			),
			cState: Closed,
			sState: Closed,
			sErr:   ECONNRESET,

			client: ops(opConnect, opShutdown(ShutRead), opReadEOF, opSleep(100*time.Millisecond), opClose),
			server: ops(opAccept, opSleep(20*time.Millisecond), opSend(100), opReadEOF, opClose)},
		{name: "shutdown(both) in FIN_WAIT_2: new data draws RST",
			want: withHandshake(
				"20.000 C>S FIN,ACK seq=1 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=2 len=0",
				"60.000 S>C PSH,ACK seq=1 ack=2 len=100",
				"70.000 C>S RST seq=2 ack=0 len=0",
			),
			cState: Closed,
			sState: Closed,

			client: ops(opConnect, opShutdown(ShutBoth), opSleep(time.Second)),
			server: ops(opAccept, opSleep(30*time.Millisecond), opSend(100), opSleep(time.Second))},
	})
}

func TestRule9TimeWait(t *testing.T) {
	prog := func() ([]Op, []Op) {
		return ops(opConnect, opSend(100), opClose), ops(opAccept, opReadEOF, opClose)
	}
	c, s := prog()
	threeWayLines := []string{
		"0.000 C>S SYN seq=0 ack=0 len=0",
		"10.000 S>C SYN,ACK seq=0 ack=1 len=0",
		"20.000 C>S ACK seq=1 ack=1 len=0",
		"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
		"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
		"30.000 S>C ACK seq=1 ack=101 len=0",
		"30.000 S>C FIN,ACK seq=1 ack=102 len=0",
		"40.000 C>S ACK seq=102 ack=2 len=0",
	}
	fixedLines := []string{
		"0.000 C>S SYN seq=0 ack=0 len=0",
		"10.000 S>C SYN,ACK seq=0 ack=1 len=0",
		"20.000 C>S ACK seq=1 ack=1 len=0",
		"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
		"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
		"30.000 S>C ACK seq=1 ack=102 len=0",
		"30.000 S>C FIN,ACK seq=1 ack=102 len=0",
		"40.000 C>S ACK seq=102 ack=2 len=0",
	}
	runExchanges(t, []exchange{
		{name: "linux: 60 s fixed, whatever the MSL",
			want:      threeWayLines,
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,
			cs:        linux(func(s *Settings) { s.MSL = 5 * time.Second }), client: c, server: s},
		{name: "freebsd: 2*MSL = 60 s",
			// No quick ACK on FreeBSD: the data's ACK waits, and the FIN
			// that arrives with it is ACKed at once, both in one ACK.
			want:      fixedLines,
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,
			cs:        profile("freebsd"), ss: profile("freebsd"), client: c, server: s},
		{name: "windows: 120 s",
			want:      fixedLines,
			cState:    Closed,
			cTimeWait: 120000 * time.Millisecond,
			sState:    Closed,
			cs:        profile("windows"), ss: profile("windows"), client: c, server: s},
		{name: "rfc9293: 2*MSL = 240 s",
			want:      fixedLines,
			cState:    Closed,
			cTimeWait: 240000 * time.Millisecond,
			sState:    Closed,
			cs:        profile("rfc9293"), ss: profile("rfc9293"), client: c, server: s},
		{name: "a retransmitted FIN in TIME_WAIT is ACKed again and restarts the timer",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"30.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"40.000 C>S ACK seq=102 ack=2 len=0 lost",
				"250.000 S>C FIN,ACK seq=1 ack=102 len=0 rtx",
				"260.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60220 * time.Millisecond,
			sState:    Closed,

			client: c, server: s, drop: dropNth("client", 4)},
		{name: "an RST in TIME_WAIT ends it (rfc1337 off)",
			want:      threeWayLines,
			cState:    Closed,
			cTimeWait: 960 * time.Millisecond,
			sState:    Closed,

			client: c, server: s,
			inject: func(p *pair) {
				at(p, time.Second, func() {
					e := p.cep()
					p.client.Input(&Segment{SrcPort: e.remotePort, DstPort: e.localPort, Seq: e.rcvNxt, Flags: RST})
				})
			}},
		{name: "rfc1337 on: an RST in TIME_WAIT is ignored",
			want:      threeWayLines,
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			cs: linux(func(s *Settings) { s.RFC1337 = true }), client: c, server: s,
			inject: func(p *pair) {
				at(p, time.Second, func() {
					e := p.cep()
					p.client.Input(&Segment{SrcPort: e.remotePort, DstPort: e.localPort, Seq: e.rcvNxt, Flags: RST})
				})
			}},
	})
}

func TestRule10FinWait2(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "orphaned FIN_WAIT_2 gives up after 60 s silently; the peer's late FIN draws RST",
			want: withHandshake(
				"20.000 C>S FIN,ACK seq=1 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=2 len=0",
				"70030.000 S>C FIN,ACK seq=1 ack=2 len=0",
				"70040.000 C>S RST seq=2 ack=0 len=0",
			),
			cState:  Closed,
			cGaveUp: true,
			sState:  Closed,

			client: ops(opConnect, opClose),
			server: ops(opAccept, opReadEOF, opSleep(70*time.Second), opClose)},
		{name: "after shutdown(write) alone FIN_WAIT_2 has no timeout",
			want: withHandshake(
				"20.000 C>S FIN,ACK seq=1 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=2 len=0",
			),
			cState: FinWait2,
			sState: CloseWait,

			client: ops(opConnect, opShutdown(ShutWrite), opSleep(time.Hour)),
			server: ops(opAccept, opReadEOF, opSleep(time.Hour)), horizon: 10 * time.Minute},
		{name: "orphaned FIN retransmissions are bounded by orphan_retries",
			want: withHandshake(
				"20.000 C>S FIN,ACK seq=1 ack=1 len=0 lost",
				"240.000 C>S FIN,ACK seq=1 ack=1 len=0 rtx lost",
				"680.000 C>S FIN,ACK seq=1 ack=1 len=0 rtx lost",
				"1560.000 C>S FIN,ACK seq=1 ack=1 len=0 rtx lost",
			),
			cState:  Closed,
			cGaveUp: true,
			sState:  Established,

			cs:     linux(func(s *Settings) { s.OrphanRetries = 3 }),
			client: ops(opConnect, opClose),
			server: ops(opAccept, opSleep(time.Hour)),
			drop:   func(s string, n int, _ *Segment) bool { return s == "client" && n >= 2 }},
	})
}

func TestRule11LossDuringTeardown(t *testing.T) {
	c, s := ops(opConnect, opSend(100), opClose), ops(opAccept, opReadEOF, opSleep(100*time.Millisecond), opClose)
	runExchanges(t, []exchange{
		{name: "the active side's FIN is lost and retransmitted",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0 lost",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"260.000 C>S FIN,ACK seq=101 ack=1 len=0 rtx",
				"310.000 S>C ACK seq=1 ack=102 len=0",
				"370.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"380.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,
			client:    c, server: s, drop: dropNth("client", 3)},
		{name: "the bare ACK of the FIN is lost, the passive side closes 100 ms later: its FIN,ACK acknowledges the FIN before the RTO (260 ms), nothing is retransmitted",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"70.000 S>C ACK seq=1 ack=102 len=0 lost",
				"130.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"140.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,
			client:    c, server: s, drop: dropNth("server", 2)},
		{name: "the bare ACK of the FIN is lost, the passive side closes 500 ms later: the FIN is retransmitted at the RTO and re-ACKed at once",
			// The RTO was re-armed when the data's ACK arrived at 40 ms:
			// srtt 20 ms + rto_min 200 ms. The retransmitted FIN is a
			// duplicate in CLOSE_WAIT, ACKed at once (tcp_send_dupack).
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"70.000 S>C ACK seq=1 ack=102 len=0 lost",
				"260.000 C>S FIN,ACK seq=101 ack=1 len=0 rtx",
				"270.000 S>C ACK seq=1 ack=102 len=0",
				"530.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"540.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,
			client:    c, server: ops(opAccept, opReadEOF, opSleep(500*time.Millisecond), opClose), drop: dropNth("server", 2)},
		{name: "the passive side's FIN is lost: LAST_ACK retransmits it",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"70.000 S>C ACK seq=1 ack=102 len=0",
				"130.000 S>C FIN,ACK seq=1 ack=102 len=0 lost",
				"350.000 S>C FIN,ACK seq=1 ack=102 len=0 rtx",
				"360.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,
			client:    c, server: s, drop: dropNth("server", 3)},
		{name: "the final ACK is lost: LAST_ACK retransmits, TIME_WAIT re-ACKs",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"70.000 S>C ACK seq=1 ack=102 len=0",
				"130.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"140.000 C>S ACK seq=102 ack=2 len=0 lost",
				"350.000 S>C FIN,ACK seq=1 ack=102 len=0 rtx",
				"360.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60220 * time.Millisecond,
			sState:    Closed,
			client:    c, server: s, drop: dropNth("client", 4)},
	})
}

// TestFinWait2Floor: Linux never lets an orphan leave FIN_WAIT_2 sooner
// than 3.5 RTO (tcp_fin_time), however small tcp_fin_timeout is; and
// orphan_retries 0 means 8 retransmissions on Linux.
func TestFinWait2Floor(t *testing.T) {
	s := linux(func(s *Settings) { s.FinWait2Timeout = 10 * time.Millisecond })
	p := newPair(t, 10*time.Millisecond, s, s, 1)
	p.run(ops(opConnect, opClose), ops(opAccept, opSleep(time.Hour)), s, s, 10*time.Second)
	// The client's RTO after one 20 ms sample is 220 ms: the floor is 770 ms
	// from entering FIN_WAIT_2 at 40 ms.
	wantLine := "810.000 client gave up: FIN_WAIT_2 timeout"
	found := false
	for _, l := range p.state {
		found = found || l == wantLine
	}
	if !found {
		t.Errorf("no %q in\n  %s", wantLine, joinLines(p.state))
	}

	s = linux(func(s *Settings) { s.OrphanRetries = 0 })
	p = newPair(t, 10*time.Millisecond, s, s, 1)
	p.drop = func(side string, n int, _ *Segment) bool { return side == "client" && n >= 2 }
	p.run(ops(opConnect, opClose), ops(opAccept, opSleep(time.Hour)), s, s, time.Hour)
	rtx := 0
	for _, l := range p.lines {
		if strings.Contains(l, "FIN,ACK") && strings.HasSuffix(l, "rtx lost") {
			rtx++
		}
	}
	if rtx != 8 || !p.cep().GaveUp() {
		t.Errorf("%d FIN retransmissions (gave up %v), want 8", rtx, p.cep().GaveUp())
	}
}

// TestSynInTimeWait: a new connection on the 4-tuple of a TIME_WAIT (the
// client has one port, the server closed first) opens at once when its SYN
// is above the old connection's sequence numbers (RFC 1122 4.2.2.13);
// otherwise TIME_WAIT answers with an ACK, the client resets it, and the
// SYN's retransmission opens the connection 1 s later. Which happens
// depends on the ISN rule: with random ISNs both paths occur; Linux's ISN
// (a hash of the 4-tuple plus a 64 ns clock) puts the new SYN 15.6 million
// above the old ISN a second later, so it always reopens at once.
func TestSynInTimeWait(t *testing.T) {
	for _, c := range []struct {
		isn             ISNRule
		timestamps      bool
		reopens, resets bool
	}{
		{ISNRandom, false, true, true}, {ISNLinux, false, true, false}, {ISNRFC6528, false, true, false},
		// With timestamps a SYN whose timestamp is newer than the old
		// connection's reopens TIME_WAIT whatever its sequence number
		// (RFC 6191; tcp_timewait_state_process).
		{ISNRandom, true, true, false},
	} {
		t.Run(fmt.Sprintf("%s timestamps=%v", c.isn, c.timestamps), func(t *testing.T) {
			reopened, reset := 0, 0
			for seed := uint64(1); seed <= 24; seed++ {
				s := linux(func(s *Settings) { s.ISN = c.isn; s.Timestamps = c.timestamps })
				switch synInTimeWait(t, s, seed) {
				case "reopened":
					reopened++
				case "reset":
					reset++
				}
			}
			if (reopened > 0) != c.reopens || (reset > 0) != c.resets {
				t.Errorf("reopened %d times, reset %d times over 24 seeds", reopened, reset)
			}
		})
	}
}

// synInTimeWait runs two connections from client port 40000, the second
// one second after the first, and says which path the second took.
func synInTimeWait(t *testing.T, s Settings, seed uint64) string {
	t.Helper()
	p := newPair(t, 10*time.Millisecond, s, s, seed)
	hs := DefaultHostSettings()
	hs.PortLow, hs.PortHigh = 40000, 40000
	p.client.Configure(hs)
	client := ops(opConnect, opReadEOF, opClose)
	var err error
	for i := 0; i < 2; i++ {
		if _, err = p.server.Spawn(80, s, ops(opAccept, opClose)); err != nil {
			t.Fatal(err)
		}
	}
	first, err := p.client.Spawn(80, s, client)
	if err != nil {
		t.Fatal(err)
	}
	var second *Process
	at(p, time.Second, func() { second, _ = p.client.Spawn(80, s, client) })
	p.sched.Run(engine.Limits{Horizon: engine.Time(5 * time.Minute), Events: 1e6})
	if first.FirstError() != ErrNone || second == nil || second.FirstError() != ErrNone || !second.Endpoint().Reached(Established) {
		t.Fatalf("seed %d: second connection failed (%v)\n%s", seed, second.FirstError(), strings.Join(p.lines, "\n"))
	}
	if l, _ := second.Endpoint().Ports(); l != 40000 {
		t.Fatalf("seed %d: second connection on port %d", seed, l)
	}
	joined := strings.Join(p.lines, "\n")
	switch {
	case strings.Contains(joined, "1000.000 C>S SYN seq=") && strings.Contains(joined, "1010.000 S>C SYN,ACK"):
		return "reopened"
	case strings.Contains(joined, "1020.000 C>S RST") && strings.Contains(joined, "2000.000 C>S SYN"):
		return "reset"
	}
	t.Fatalf("seed %d: neither path:\n%s", seed, joined)
	return ""
}

// TestLinuxISNClock: measured on Linux, a client bound to one port
// reconnected five times, 200 ms apart, while the server (which had closed
// first) held TIME_WAIT; every SYN was accepted at once (connect took one
// RTT, no RST), and the ISNs rose by about 3.1 million per 200 ms: the
// 64 ns clock of secure_tcp_seq gives 200 ms / 64 ns = 3 125 000 on the
// same 4-tuple.
func TestLinuxISNClock(t *testing.T) {
	s := linux()
	p := newPair(t, 25*time.Microsecond, s, s, 3)
	hs := DefaultHostSettings()
	hs.PortLow, hs.PortHigh = 40000, 40000
	p.client.Configure(hs)
	var procs []*Process
	for i := 0; i < 5; i++ {
		if _, err := p.server.Spawn(80, s, ops(opAccept, opClose)); err != nil {
			t.Fatal(err)
		}
		at(p, time.Duration(i)*200*time.Millisecond, func() {
			pr, err := p.client.Spawn(80, s, ops(opConnect, opReadEOF, opClose))
			if err != nil {
				t.Fatal(err)
			}
			procs = append(procs, pr)
		})
	}
	p.sched.Run(engine.Limits{Horizon: engine.Time(5 * time.Minute), Events: 1e6})
	if joined := strings.Join(p.lines, "\n"); strings.Contains(joined, "RST") {
		t.Fatalf("a RST:\n%s", joined)
	}
	for i, pr := range procs {
		if pr.FirstError() != ErrNone || !pr.Endpoint().Reached(Established) {
			t.Fatalf("connection %d: %v", i, pr.FirstError())
		}
		if i == 0 {
			continue
		}
		if d := pr.Endpoint().ISN() - procs[i-1].Endpoint().ISN(); d < 3124999 || d > 3125001 {
			t.Errorf("connection %d: ISN rose by %d, want 3125000", i, d)
		}
	}
	wantApp(t, p, "800.050 client[5] connect ok")
}
