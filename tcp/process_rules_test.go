package tcp

import (
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

// Processes that share sockets, SIGPIPE, missing listeners and shutdown of a
// connection that is gone (TCP-FACTS "Closing calls"). Every exchange runs
// over a 10 ms link with Linux's settings and exact timers, so the expected
// times follow from the rules by hand: the client's data and FIN reach the
// server 30 ms in; its first data segment is ACKed at once (quick-ACK
// phase), its FIN puts the connection in ping-pong mode and is ACKed 40 ms
// later unless a segment of the server's carries the ACK first.

func opFork(child ...Op) Op { return Op{Kind: OpFork, Fork: child} }
func opSigpipe(ignore bool) Op {
	return Op{Kind: OpSet, Set: SetOptions{SigpipeIgnore: &ignore}}
}

var opCrash = Op{Kind: OpCrash}

func TestSharedSockets(t *testing.T) {
	// The client's side of every case: data, then FIN, at 20 ms.
	clientSendsAndCloses := []string{
		"0.000 C>S SYN seq=0 ack=0 len=0",
		"10.000 S>C SYN,ACK seq=0 ack=1 len=0",
		"20.000 C>S ACK seq=1 ack=1 len=0",
		"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
		"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
		"30.000 S>C ACK seq=1 ack=101 len=0",
	}
	with := func(tail ...string) []string { return append(append([]string(nil), clientSendsAndCloses...), tail...) }
	runExchanges(t, []exchange{
		{name: "close by one of two holders sends nothing; the last close sends the FIN (four-way)",
			// The parent's close at 30 ms only drops its reference: the
			// delayed ACK of the FIN leaves alone at 70 ms, and the FIN
			// only with the child's close at 130 ms.
			want: with(
				"70.000 S>C ACK seq=1 ack=102 len=0",
				"130.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"140.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState: Closed, cTimeWait: 60000 * time.Millisecond,
			sState: Closed,
			apps: []string{
				"20.000 client connect ok",
				"20.000 client send 100B",
				"20.000 client close",
				"30.000 server accept ok",
				"30.000 server read EOF",
				"30.000 server fork [2]",
				"30.000 server close",
				"130.000 server[2] close",
			},
			exits:  "ok ok",
			client: ops(opConnect, opSend(100), opClose),
			server: ops(opAccept, opReadEOF, opFork(opSleep(100*time.Millisecond), opClose), opClose)},
		{name: "shutdown(write) by one holder sends the FIN at once (three-way); the other's close sends nothing",
			want: with(
				"30.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"40.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState: Closed, cTimeWait: 60000 * time.Millisecond,
			sState: Closed,
			check:  func(t *testing.T, p *pair) { wantApp(t, p, "130.000 server[2] close") },
			client: ops(opConnect, opSend(100), opClose),
			server: ops(opAccept, opReadEOF, opFork(opSleep(100*time.Millisecond), opClose), opShutdown(ShutWrite), opClose)},
		{name: "a holder that crashes drops only its own reference",
			want: with(
				"70.000 S>C ACK seq=1 ack=102 len=0",
				"130.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"140.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState: Closed, cTimeWait: 60000 * time.Millisecond,
			sState: Closed,
			exits:  "ok crash",
			client: ops(opConnect, opSend(100), opClose),
			server: ops(opAccept, opReadEOF, opFork(opSleep(100*time.Millisecond), opClose), opCrash)},
		{name: "a child that crashes last closes the socket as close() would",
			want: with(
				"70.000 S>C ACK seq=1 ack=102 len=0",
				"80.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"90.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState: Closed, cTimeWait: 60000 * time.Millisecond,
			sState: Closed,
			client: ops(opConnect, opSend(100), opClose),
			server: ops(opAccept, opReadEOF, opFork(opSleep(50*time.Millisecond), opCrash), opClose)},
		{name: "data left unread when the socket was shared: the last close sends RST",
			// The server never reads. The parent's close at 30 ms sends
			// nothing; the child's close at 80 ms finds 100 unread bytes:
			// RST, no FIN (RFC 2525 2.17), and the client's read fails.
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"80.000 S>C RST,ACK seq=1 ack=101 len=0",
			),
			cState: Closed, cErr: ECONNRESET,
			sState: Closed,
			client: ops(opConnect, opSend(100), opReadEOF, opClose),
			server: ops(opAccept, opFork(opSleep(50*time.Millisecond), opClose), opClose)},
		{name: "nested forks: the grandchild holds the socket too",
			want: with(
				"70.000 S>C ACK seq=1 ack=102 len=0",
				"230.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"240.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState: Closed, cTimeWait: 60000 * time.Millisecond,
			sState: Closed,
			check: func(t *testing.T, p *pair) {
				wantApp(t, p, "30.000 server[2] fork [3]")
				wantApp(t, p, "130.000 server[2] close")
				wantApp(t, p, "230.000 server[3] close")
			},
			client: ops(opConnect, opSend(100), opClose),
			server: ops(opAccept, opReadEOF,
				opFork(opFork(opSleep(200*time.Millisecond), opClose), opSleep(100*time.Millisecond), opClose), opClose)},
	})
}

func TestSigpipe(t *testing.T) {
	// The server closes at once; the client's data 10 ms later draws a RST
	// and its next send fails with EPIPE (the RST came in CLOSE_WAIT).
	dataAfterClose := []string{
		"0.000 C>S SYN seq=0 ack=0 len=0",
		"10.000 S>C SYN,ACK seq=0 ack=1 len=0",
		"20.000 C>S ACK seq=1 ack=1 len=0",
		"30.000 S>C FIN,ACK seq=1 ack=1 len=0",
		"30.000 C>S PSH,ACK seq=1 ack=1 len=100",
		"40.000 S>C RST seq=1 ack=0 len=0",
		"40.000 C>S ACK seq=101 ack=2 len=0",
		"50.000 S>C RST seq=2 ack=0 len=0",
	}
	client := func(o ...Op) []Op {
		return append(o, opConnect, opSleep(10*time.Millisecond), opSend(100), opSleep(30*time.Millisecond), opSend(100), opClose)
	}
	runExchanges(t, []exchange{
		{name: "default: the EPIPE write raises SIGPIPE and kills the client before its close",
			want:   dataAfterClose,
			cState: Closed, cErr: EPIPE,
			sState: Closed,
			apps: []string{
				"20.000 client connect ok",
				"30.000 server accept ok",
				"30.000 server close",
				"30.000 client send 100B",
				"60.000 client send EPIPE",
				"60.000 client SIGPIPE killed",
			},
			exits:  "SIGPIPE ok",
			client: client(),
			server: ops(opAccept, opClose)},
		{name: "SIGPIPE ignored: the write returns EPIPE and the client goes on",
			want:   dataAfterClose,
			cState: Closed, cErr: EPIPE,
			sState: Closed,
			check:  func(t *testing.T, p *pair) { wantApp(t, p, "60.000 client close") },
			exits:  "ok ok",
			client: client(opSigpipe(true)),
			server: ops(opAccept, opClose)},
		{name: "a write after the process's own shutdown(write) raises SIGPIPE; dying with unread data sends RST",
			// The server's 50 bytes reach the client at 40 ms (ACKed at
			// once). At 50 ms the client shuts down writing (FIN), then
			// writes: EPIPE, SIGPIPE, death; the kernel's close finds the
			// 50 bytes unread and resets the connection after the FIN.
			want: withHandshake(
				"30.000 S>C PSH,ACK seq=1 ack=1 len=50",
				"40.000 C>S ACK seq=1 ack=51 len=0",
				"50.000 C>S FIN,ACK seq=1 ack=51 len=0",
				"50.000 C>S RST,ACK seq=2 ack=51 len=0",
			),
			cState: Closed, cErr: EPIPE,
			sState: Closed,
			exits:  "SIGPIPE ok",
			check:  func(t *testing.T, p *pair) { wantApp(t, p, "50.000 client SIGPIPE killed") },
			client: ops(opConnect, opSleep(30*time.Millisecond), opShutdown(ShutWrite), opSend(100), opReadEOF, opClose),
			server: ops(opAccept, opSend(50), opReadEOF, opClose)},
		{name: "the same with SIGPIPE ignored: the client reads on and the close is three-way",
			want: withHandshake(
				"30.000 S>C PSH,ACK seq=1 ack=1 len=50",
				"40.000 C>S ACK seq=1 ack=51 len=0",
				"50.000 C>S FIN,ACK seq=1 ack=51 len=0",
				"60.000 S>C FIN,ACK seq=51 ack=2 len=0",
				"70.000 C>S ACK seq=2 ack=52 len=0",
			),
			cState: Closed, cErr: EPIPE, cTimeWait: 60000 * time.Millisecond,
			sState: Closed,
			exits:  "ok ok",
			client: ops(opSigpipe(true), opConnect, opSleep(30*time.Millisecond), opShutdown(ShutWrite), opSend(100), opReadEOF, opClose),
			server: ops(opAccept, opSend(50), opReadEOF, opClose)},
		{name: "a forked child inherits the disposition",
			want: withHandshake(
				"20.000 C>S FIN,ACK seq=1 ack=1 len=0",
				"30.000 S>C FIN,ACK seq=1 ack=2 len=0",
				"40.000 C>S ACK seq=2 ack=2 len=0",
			),
			// The error is the child's: the parent's own calls all worked.
			cState: Closed, cTimeWait: 60000 * time.Millisecond,
			sState: Closed,
			check: func(t *testing.T, p *pair) {
				wantApp(t, p, "20.000 client[2] send EPIPE")
				wantApp(t, p, "20.000 client[2] close")
			},
			client: ops(opSigpipe(true), opConnect, opShutdown(ShutWrite), opFork(opSend(1), opClose), opClose),
			server: ops(opAccept, opReadEOF, opClose)},
	})
}

func TestNoListenerAndShutdownAfterReset(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "no listener: the SYN is answered by RST+ACK, connect fails ECONNREFUSED",
			// RFC 9293 3.10.7.1: the SYN carried no ACK, so the RST has
			// sequence number 0 and acknowledges the SYN.
			want: []string{
				"0.000 C>S SYN seq=0 ack=0 len=0",
				"10.000 S>C RST,ACK seq=0 ack=1 len=0",
			},
			cState: Closed, cErr: ECONNREFUSED,
			sState: Closed,
			apps:   []string{"20.000 client connect ECONNREFUSED", "20.000 client close"},
			exits:  "ok ok",
			client: ops(opConnect, opClose),
			server: nil},
		{name: "shutdown on a connection that was reset fails with ENOTCONN",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"30.000 S>C RST,ACK seq=1 ack=101 len=0",
			),
			cState: Closed, cErr: ENOTCONN,
			sState: Closed,
			check:  func(t *testing.T, p *pair) { wantApp(t, p, "50.000 client shutdown(write) ENOTCONN") },
			client: ops(opConnect, opSend(100), opSleep(30*time.Millisecond), opShutdown(ShutWrite), opClose),
			server: ops(opAccept, opClose)},
		{name: "shutdown after the connection went through TIME_WAIT fails with ENOTCONN",
			want: withHandshake(
				"20.000 C>S FIN,ACK seq=1 ack=1 len=0",
				"30.000 S>C FIN,ACK seq=1 ack=2 len=0",
				"40.000 C>S ACK seq=2 ack=2 len=0",
			),
			cState: Closed, cErr: ENOTCONN, cTimeWait: 60000 * time.Millisecond,
			sState: Closed,
			check:  func(t *testing.T, p *pair) { wantApp(t, p, "60.000 client shutdown(read) ENOTCONN") },
			client: ops(opConnect, opShutdown(ShutWrite), opReadEOF, opSleep(20*time.Millisecond), opShutdown(ShutRead), opClose),
			server: ops(opAccept, opReadEOF, opClose)},
	})
}

// fixedDelay is a DurationDist that always gives d.
type fixedDelay time.Duration

func (f fixedDelay) Draw(*engine.Stream) time.Duration { return time.Duration(f) }

// TestWakeupLatency: on a loaded host every wake-up of a process comes
// late. With 5 ms: the server's read returns EOF 5 ms after the FIN arrived
// (30 → 35 ms), its 20 ms sleep ends 5 ms late too (60 ms instead of 55),
// and its FIN leaves at 60 ms, still inside the 40 ms delayed-ACK window of
// the client's FIN (70 ms): three-way.
func TestWakeupLatency(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "5 ms on the server",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"60.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"70.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState: Closed, cTimeWait: 60000 * time.Millisecond,
			sState: Closed,
			inject: func(p *pair) {
				h := DefaultHostSettings()
				h.WakeupLatency = fixedDelay(5 * time.Millisecond)
				p.server.Configure(h)
			},
			check: func(t *testing.T, p *pair) {
				wantApp(t, p, "35.000 server read EOF")
				wantApp(t, p, "60.000 server close")
			},
			client: ops(opConnect, opSend(100), opClose),
			server: ops(opAccept, opReadEOF, opSleep(20*time.Millisecond), opClose)},
	})
}

// TestStateCountsKept: the per-state socket counts a host keeps as its
// endpoints change state equal a count over its live endpoints at every
// moment, through handshakes, losses, resets, TIME_WAIT and its reuse.
func TestStateCountsKept(t *testing.T) {
	s := linux(func(s *Settings) { s.HZ = 250; s.Timestamps = true })
	p := newPair(t, time.Millisecond, s, s, 5)
	hs := DefaultHostSettings()
	hs.PortLow, hs.PortHigh, hs.TWReuse = 40000, 40007, 1
	p.client.Configure(hs)
	p.drop = func(side string, n int, _ *Segment) bool { return n%7 == 3 }
	if _, err := p.server.Spawn(80, s, ops(opAccept, opReadEOF, opClose)); err != nil {
		t.Fatal(err)
	}
	p.server.Listener(80).OnConnection = func() { _, _ = p.server.Spawn(80, s, ops(opAccept, opRead(50), opClose)) }
	check := func() {
		for _, h := range []*Host{p.client, p.server} {
			var walked, kept [NumStates]int
			for _, e := range h.conns.all() {
				walked[e.state]++
			}
			h.StateCounts(&kept)
			if walked != kept {
				t.Fatalf("%.3f ms %s: kept %v, live endpoints %v", float64(p.sched.Now())/1e6, h.Name, kept, walked)
			}
		}
	}
	for i := 0; i < 40; i++ {
		at(p, time.Duration(i)*300*time.Millisecond, func() {
			_, _ = p.client.Spawn(80, s, ops(opConnect, opSend(100), opClose))
		})
	}
	for i := 0; i < 400; i++ {
		at(p, time.Duration(i)*37*time.Millisecond, check)
	}
	p.sched.Run(engine.Limits{Horizon: engine.Time(2 * time.Minute), Events: 1e6})
	check()
}
