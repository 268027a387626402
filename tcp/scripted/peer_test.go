package scripted

import (
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

// These tests are one-endpoint oracles: emu's endpoint faces a scripted
// peer, and every expected segment below is written by hand from the
// kernels' rules (Linux tcp_input.c/tcp_output.c, FreeBSD tcp_input.c), not
// from what emu printed.

const (
	S = tcp.SYN
	F = tcp.FIN
	R = tcp.RST
	P = tcp.PSH
	A = tcp.ACK
)

func ms(n float64) engine.Time { return engine.Time(n * 1e6) }

func settings(t *testing.T, profile string) tcp.Settings {
	t.Helper()
	s, err := tcp.Profile(profile)
	if err != nil {
		t.Fatal(err)
	}
	s.HZ = 0 // exact timers: the expectations below are exact
	return s
}

func want(at engine.Time, flags tcp.Flags, seq, ack uint32, n int) Want {
	return Want{At: at, Flags: flags, Seq: seq, Ack: ack, Len: n}
}

func run(t *testing.T, p *Peer, horizon time.Duration) {
	t.Helper()
	r := p.Scheduler().Run(engine.Limits{Horizon: engine.Time(horizon), Events: 1e6})
	if r.Reason == engine.Budget {
		t.Fatalf("event budget spent at %v", r.Now)
	}
}

func expect(t *testing.T, p *Peer, w []Want) {
	t.Helper()
	if d := Compare(p.Sent(), w); len(d) > 0 {
		t.Errorf("segments differ:\n  %s", strings.Join(d, "\n  "))
	}
}

// TestClientSendsAndCloses: a Linux client sends 100 B and closes at once;
// the scripted server ACKs the data and FIN, then sends its own FIN. The
// data leaves alone (nothing in flight, so Nagle lets it go), the FIN after
// it (the data segment already left, so tcp_send_fin cannot merge them),
// the FIN received in FIN_WAIT_2 is ACKed at once, and TIME_WAIT lasts 60 s.
func TestClientSendsAndCloses(t *testing.T) {
	sched := engine.NewScheduler()
	p := New(sched, 1, 0)
	s := settings(t, "linux")
	var e *tcp.Endpoint
	p.Do(0, func() {
		var err error
		if e, err = p.Host().Connect(p.PeerPort, s); err != nil {
			t.Fatal(err)
		}
	})
	p.InjectAt(ms(10), Seg{Flags: S | A, Seq: 0, Ack: 1, Win: 65535, MSS: 1460})
	p.Do(ms(10), func() {
		if n, err, _ := e.Write(100); n != 100 || err != tcp.ErrNone {
			t.Errorf("write: %d %v", n, err)
		}
		if e.Close() {
			t.Error("close lingers without SO_LINGER")
		}
	})
	p.InjectAt(ms(20), Seg{Flags: A, Seq: 1, Ack: 102, Win: 65535})
	p.InjectAt(ms(30), Seg{Flags: F | A, Seq: 1, Ack: 102, Win: 65535})
	run(t, p, 70*time.Second)
	expect(t, p, []Want{
		want(0, S, 0, 0, 0),
		want(ms(10), A, 1, 1, 0),
		want(ms(10), P|A, 1, 1, 100),
		want(ms(10), F|A, 101, 1, 0),
		want(ms(30), A, 102, 2, 0),
	})
	if got := p.Sent()[0].Seg.MSS; got != 1460 {
		t.Errorf("SYN MSS option %d, want 1460", got)
	}
	held, in, out := e.TimeWaitSpan()
	if !held || in != ms(30) || out != ms(30).Add(60*time.Second) {
		t.Errorf("TIME_WAIT %v from %v to %v, want 30ms to 60.030s", held, in, out)
	}
}

// serverConn makes a scripted client connect to an emu server on port 80
// with the given profile: SYN at 0, the handshake's ACK at 10 ms, 100 B of
// data at 10 ms, the FIN at finAt (never if 0). accept runs at 10 ms.
func serverConn(t *testing.T, profile string, finAt engine.Time) (*Peer, **tcp.Endpoint) {
	sched := engine.NewScheduler()
	p := New(sched, 2, 0)
	p.LocalPort = 80
	s := settings(t, profile)
	l, err := p.Host().Listen(80, s)
	if err != nil {
		t.Fatal(err)
	}
	e := new(*tcp.Endpoint)
	p.InjectAt(0, Seg{Flags: S, Seq: 0, Win: 65535, MSS: 1460})
	p.InjectAt(ms(10), Seg{Flags: A, Seq: 1, Ack: 1, Win: 65535})
	p.Do(ms(10), func() {
		if *e = l.Accept(); *e == nil {
			t.Fatal("accept: no connection after the handshake")
		}
	})
	p.InjectAt(ms(10), Seg{Flags: P | A, Seq: 1, Ack: 1, Len: 100, Win: 65535})
	if finAt > 0 {
		p.InjectAt(finAt, Seg{Flags: F | A, Seq: 101, Ack: 1, Win: 65535})
	}
	return p, e
}

func readAll(t *testing.T, e *tcp.Endpoint, want int64) {
	t.Helper()
	n, _, err, _ := e.Read(1 << 20)
	if n != want || err != tcp.ErrNone {
		t.Errorf("read %d %v, want %d", n, err, want)
	}
}

// TestLinuxAckOfFin: the first data segment is ACKed at once (quick-ACK
// budget); the FIN puts the connection in ping-pong mode, so its ACK waits
// ato = 40 ms. An application that closes within 40 ms sends a FIN carrying
// that ACK (three-way close); one that closes later lets the bare ACK go
// first at FIN + 40 ms (four-way). FreeBSD ACKs a FIN at once.
func TestLinuxAckOfFin(t *testing.T) {
	cases := []struct {
		name    string
		profile string
		closeAt engine.Time
		want    []Want
	}{
		{"linux three-way", "linux", ms(30), []Want{
			want(0, S|A, 0, 1, 0),
			want(ms(10), A, 1, 101, 0),
			want(ms(30), F|A, 1, 102, 0),
		}},
		{"linux four-way", "linux", ms(100), []Want{
			want(0, S|A, 0, 1, 0),
			want(ms(10), A, 1, 101, 0),
			want(ms(60), A, 1, 102, 0),
			want(ms(100), F|A, 1, 102, 0),
		}},
		// FreeBSD: no quick ACKs: the first data segment's ACK waits for
		// the delayed-ACK timer (DELAY_ACK), but the FIN that comes before
		// it fires is ACKed at once (tcp_input ACKs a FIN with ACKNOW), so
		// one ACK covers both.
		{"freebsd", "freebsd", ms(30), []Want{
			want(0, S|A, 0, 1, 0),
			want(ms(20), A, 1, 102, 0),
			want(ms(30), F|A, 1, 102, 0),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, e := serverConn(t, c.profile, ms(20))
			p.Do(ms(25), func() { readAll(t, *e, 100) })
			p.Do(c.closeAt, func() { (*e).Close() })
			p.InjectAt(c.closeAt+ms(10), Seg{Flags: A, Seq: 102, Ack: 2, Win: 65535})
			run(t, p, 10*time.Second)
			expect(t, p, c.want)
			if st := (*e).State(); st != tcp.Closed {
				t.Errorf("state %s after the last ACK, want CLOSED", st)
			}
		})
	}
}

// TestCloseWithUnreadData: close() with 100 B unread sends RST,ACK and no
// FIN on Linux (tcp_close: data was lost); FreeBSD drops the data and sends
// its FIN.
func TestCloseWithUnreadData(t *testing.T) {
	cases := []struct {
		profile string
		want    []Want
		state   tcp.State
	}{
		{"linux", []Want{
			want(0, S|A, 0, 1, 0),
			want(ms(10), A, 1, 101, 0),
			want(ms(30), R|A, 1, 101, 0),
		}, tcp.Closed},
		{"freebsd", []Want{
			// The data's ACK was still delayed: the FIN carries it.
			want(0, S|A, 0, 1, 0),
			want(ms(30), F|A, 1, 101, 0),
		}, tcp.FinWait1},
	}
	for _, c := range cases {
		t.Run(c.profile, func(t *testing.T) {
			p, e := serverConn(t, c.profile, 0)
			p.Do(ms(30), func() { (*e).Close() })
			run(t, p, ms(35).Duration())
			expect(t, p, c.want)
			if st := (*e).State(); st != c.state {
				t.Errorf("state %s, want %s", st, c.state)
			}
		})
	}
}

// TestResetInCloseWait: on Linux an RST arriving after the peer's FIN makes
// the next write fail with EPIPE, not ECONNRESET (tcp_reset); reads return
// the EOF the FIN already promised.
func TestResetInCloseWait(t *testing.T) {
	p, e := serverConn(t, "linux", ms(20))
	p.InjectAt(ms(30), Seg{Flags: R, Seq: 102})
	p.Do(ms(40), func() {
		readAll(t, *e, 100)
		if n, eof, err, _ := (*e).Read(100); n != 0 || !eof || err != tcp.ErrNone {
			t.Errorf("read after RST: %d eof=%v %v, want EOF", n, eof, err)
		}
		if _, err, _ := (*e).Write(10); err != tcp.EPIPE {
			t.Errorf("write after RST in CLOSE_WAIT: %v, want EPIPE", err)
		}
	})
	run(t, p, time.Second)
	// Nothing but the handshake and the quick ACK: the RST is not answered
	// and the delayed ACK of the FIN died with the connection.
	expect(t, p, []Want{
		want(0, S|A, 0, 1, 0),
		want(ms(10), A, 1, 101, 0),
	})
}

// TestNoListener: a SYN to a port nobody listens on is answered by RST,ACK
// acknowledging the SYN, with sequence number 0 (tcp_v4_send_reset).
func TestNoListener(t *testing.T) {
	p := New(engine.NewScheduler(), 3, 0)
	p.LocalPort = 81
	p.InjectAt(0, Seg{Flags: S, Seq: 0, Win: 65535, MSS: 1460})
	run(t, p, time.Second)
	got := p.Sent()
	if len(got) != 1 || got[0].Abs.Flags != R|A || got[0].Abs.Seq != 0 || got[0].Abs.Ack != p.PeerISN+1 {
		t.Errorf("got %v, want one RST,ACK seq 0 ack ISN+1", got)
	}
}

// TestCompareNamesFields: a difference names each field and the time.
func TestCompareNamesFields(t *testing.T) {
	got := []Sent{{At: ms(44), Seg: Seg{Flags: A, Seq: 1, Ack: 2}}}
	d := Compare(got, []Want{{At: ms(40), Tol: 2 * time.Millisecond, Flags: F | A, Seq: 1, Ack: 3}})
	wantLine := "segment 1: flags ., want F.; ack 2, want 3; at 0.044000 s, want 0.040000 s ± 2ms (emu sent 0.044000 . 1:1(0) ack 2 win 0)"
	if len(d) != 1 || d[0] != wantLine {
		t.Errorf("got %q\nwant %q", d, wantLine)
	}
	if d := Compare(nil, []Want{want(0, S, 0, 0, 0)}); len(d) != 1 || !strings.Contains(d[0], "emu sent nothing more") {
		t.Errorf("missing segment: %q", d)
	}
}

// clientClosed connects a Linux client to the scripted server and closes
// it at 10 ms, right after the handshake: SYN at 0, SYN,ACK at 10 ms, the
// FIN at 10 ms.
func clientClosed(t *testing.T) (*Peer, **tcp.Endpoint) {
	p := New(engine.NewScheduler(), 4, 0)
	s := settings(t, "linux")
	e := new(*tcp.Endpoint)
	p.Do(0, func() {
		var err error
		if *e, err = p.Host().Connect(p.PeerPort, s); err != nil {
			t.Fatal(err)
		}
	})
	p.InjectAt(ms(10), Seg{Flags: S | A, Ack: 1, Win: 65535, MSS: 1460})
	p.Do(ms(10), func() { (*e).Close() })
	return p, e
}

// TestOrphanFinWait2: after close() and the ACK of its FIN, the orphan
// waits in FIN_WAIT_2 for tcp_fin_timeout (60 s, above 3.5 RTO), then
// vanishes without a segment; the peer's later data draws a RST from the
// host, with the segment's ACK as its sequence number (tcp_v4_send_reset).
func TestOrphanFinWait2(t *testing.T) {
	p, e := clientClosed(t)
	p.InjectAt(ms(20), Seg{Flags: A, Seq: 1, Ack: 2, Win: 65535})
	var at60, after bool
	p.Do(ms(20).Add(60*time.Second)-1, func() { at60 = (*e).State() == tcp.FinWait2 })
	p.Do(ms(20).Add(60*time.Second)+1, func() { after = (*e).State() == tcp.Closed && (*e).GaveUp() })
	p.InjectAt(ms(20).Add(70*time.Second), Seg{Flags: P | A, Seq: 1, Ack: 2, Len: 10, Win: 65535})
	run(t, p, 80*time.Second)
	if !at60 || !after {
		t.Errorf("FIN_WAIT_2 held until just before 60.020 s: %v; closed by its timer at 60.020 s: %v (checked 1 ns later)", at60, after)
	}
	expect(t, p, []Want{
		want(0, S, 0, 0, 0),
		want(ms(10), A, 1, 1, 0),
		want(ms(10), F|A, 1, 1, 0),
		want(ms(20).Add(70*time.Second), R, 2, 0, 0),
	})
}

// TestTimeWaitRefreshedByFin: a FIN retransmitted into TIME_WAIT is ACKed
// again and restarts the 60 s (tcp_timewait_state_process, TCP_TW_ACK).
func TestTimeWaitRefreshedByFin(t *testing.T) {
	p, e := clientClosed(t)
	p.InjectAt(ms(20), Seg{Flags: F | A, Seq: 1, Ack: 2, Win: 65535})
	p.InjectAt(ms(1000), Seg{Flags: F | A, Seq: 1, Ack: 2, Win: 65535})
	run(t, p, 70*time.Second)
	expect(t, p, []Want{
		want(0, S, 0, 0, 0),
		want(ms(10), A, 1, 1, 0),
		want(ms(10), F|A, 1, 1, 0),
		want(ms(20), A, 2, 2, 0),
		want(ms(1000), A, 2, 2, 0),
	})
	held, in, out := (*e).TimeWaitSpan()
	if !held || in != ms(20) || out != ms(1000).Add(60*time.Second) {
		t.Errorf("TIME_WAIT %v from %v to %v, want 20ms to 61s", held, in, out)
	}
}

// TestDataAfterClose: new data reaching a closed socket in FIN_WAIT_1 is
// answered by RST (the seq is the data's ACK) and the connection ends:
// Linux tcp_rcv_state_process, LINUX_MIB_TCPABORTONDATA.
func TestDataAfterClose(t *testing.T) {
	p, e := serverConn(t, "linux", 0)
	p.Do(ms(20), func() {
		readAll(t, *e, 100)
		(*e).Close()
	})
	p.InjectAt(ms(30), Seg{Flags: P | A, Seq: 101, Ack: 1, Len: 10, Win: 65535})
	run(t, p, time.Second)
	expect(t, p, []Want{
		want(0, S|A, 0, 1, 0),
		want(ms(10), A, 1, 101, 0),
		want(ms(20), F|A, 1, 101, 0),
		want(ms(30), R, 1, 0, 0),
	})
	if st := (*e).State(); st != tcp.Closed {
		t.Errorf("state %s, want CLOSED", st)
	}
}
