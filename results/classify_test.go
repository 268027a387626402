package results

import (
	"math"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

// The traces below are written the way a capture reads: virtual times in
// ms, real sequence and acknowledgement numbers. The client's initial
// sequence number is 1000, the server's 5000; the link delay is 10 ms
// each way unless a segment says otherwise.

const (
	fin    = tcp.FIN
	syn    = tcp.SYN
	rst    = tcp.RST
	ack    = tcp.ACK
	psh    = tcp.PSH
	lost   = -1.0 // an arrival time meaning "never arrived"
	cISN   = 1000
	sISN   = 5000
	minute = 60000.0
)

// ms converts milliseconds to virtual time.
func ms(x float64) engine.Time { return engine.Time(math.Round(x * 1e6)) }

// msd converts milliseconds to a duration.
func msd(x float64) time.Duration { return time.Duration(math.Round(x * 1e6)) }

// tx is a first transmission sent at `at` ms that arrived at `arrived` ms
// (or lost).
func tx(at, arrived float64, from Side, f tcp.Flags, seq, ackNo uint32, n int) Segment {
	s := Segment{At: ms(at), Arrived: ms(arrived), From: from, Flags: f, Seq: seq, Ack: ackNo, Len: n}
	if arrived == lost {
		s.Arrived = engine.Never
	}
	return s
}

// re marks a segment as a retransmission.
func re(s Segment) Segment { s.Retransmit = true; return s }

// opening is the handshake followed by 100 bytes from the client that the
// server ACKs: client next seq 1101, server next seq 5001.
func opening() []Segment {
	return []Segment{
		tx(0, 10, Client, syn, cISN, 0, 0),
		tx(10, 20, Server, syn|ack, sISN, cISN+1, 0),
		tx(20, 30, Client, ack, cISN+1, sISN+1, 0),
		tx(20, 30, Client, psh|ack, cISN+1, sISN+1, 100),
		tx(30, 40, Server, ack, sISN+1, cISN+101, 0),
	}
}

// established returns a run with the given segments after the opening.
func established(segs ...Segment) *Run {
	return &Run{
		Segments:      append(opening(), segs...),
		Established:   true,
		BytesSent:     [2]int64{100, 0},
		BytesReceived: [2]int64{0, 100},
	}
}

// tw returns a TIME_WAIT span.
func tw(entered, left float64) Span { return Span{Held: true, Entered: ms(entered), Left: ms(left)} }

// want is the part of an Outcome a case checks; errors and byte counts are
// checked to be copied through separately.
type want struct {
	typ         CloseType
	firstCloser SideSet
	teardown    bool
	segments    int
	teardownMs  float64
	twSide      SideSet
	twMs        float64
	retransmits int
	rstFrom     SideSet
}

func check(t *testing.T, r *Run, w want) {
	t.Helper()
	o := Classify(r)
	got := want{o.CloseType, o.FirstCloser, o.HasTeardown, o.TeardownSegments, o.Teardown.Seconds() * 1000,
		o.TimeWaitSide, o.TimeWait.Seconds() * 1000, o.Retransmits, o.RstFrom}
	if o.Teardown != msd(w.teardownMs) || o.TimeWait != msd(w.twMs) {
		t.Errorf("durations: teardown %v want %v, time_wait %v want %v", o.Teardown, msd(w.teardownMs), o.TimeWait, msd(w.twMs))
	}
	got.teardownMs, got.twMs = w.teardownMs, w.twMs // compared exactly above
	if got != w {
		t.Errorf("Classify:\n got %+v\nwant %+v", got, w)
	}
	if o.Errors != r.Errors || o.BytesSent != r.BytesSent || o.BytesReceived != r.BytesReceived {
		t.Errorf("errors/bytes not copied: %+v", o)
	}
}

// Four-way: the client closes at 40 ms; the server's delayed ACK of the
// FIN leaves 40 ms after it arrived, its FIN 50 ms later.
func TestClassifyFourWay(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(90, 100, Server, ack, sISN+1, cISN+102, 0),
		tx(150, 160, Server, fin|ack, sISN+1, cISN+102, 0),
		tx(160, 170, Client, ack, cISN+102, sISN+2, 0),
	)
	r.TimeWait[Client] = tw(160, 160+minute)
	r.HitHorizon = true
	check(t, r, want{typ: FourWay, firstCloser: ClientSide, teardown: true, segments: 4, teardownMs: 130,
		twSide: ClientSide, twMs: minute})
}

// Three-way: the server closes while the ACK of the client's FIN is still
// delayed, so its FIN carries that ACK.
func TestClassifyThreeWay(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(60, 70, Server, fin|ack, sISN+1, cISN+102, 0),
		tx(70, 80, Client, ack, cISN+102, sISN+2, 0),
	)
	r.TimeWait[Client] = tw(70, 70+minute)
	check(t, r, want{typ: ThreeWay, firstCloser: ClientSide, teardown: true, segments: 3, teardownMs: 40,
		twSide: ClientSide, twMs: minute})
}

// Simultaneous: the server's FIN leaves at 45 ms, before the client's FIN
// (sent at 40) arrives at 50; both sides ACK the other's FIN and both hold
// TIME_WAIT (the longer one is reported).
func TestClassifySimultaneous(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(45, 55, Server, fin|ack, sISN+1, cISN+101, 0),
		tx(50, 60, Server, ack, sISN+2, cISN+102, 0),
		tx(55, 65, Client, ack, cISN+102, sISN+2, 0),
	)
	r.TimeWait[Client] = tw(60, 60+minute)
	r.TimeWait[Server] = tw(65, 70+minute)
	check(t, r, want{typ: Simultaneous, firstCloser: ClientSide, teardown: true, segments: 4, teardownMs: 25,
		twSide: BothSides, twMs: minute + 5})
}

// Simultaneous although the client's FIN had reached the server: it sat
// out of order behind lost data, so the server was still ESTABLISHED when
// it closed (its FIN does not acknowledge the client's).
func TestClassifySimultaneousOutOfOrderFIN(t *testing.T) {
	r := established(
		tx(40, lost, Client, psh|ack, cISN+101, sISN+1, 50),
		tx(40, 50, Client, fin|ack, cISN+151, sISN+1, 0),
		tx(50, 60, Server, ack, sISN+1, cISN+101, 0), // duplicate ACK: a hole
		tx(55, 65, Server, fin|ack, sISN+1, cISN+101, 0),
		re(tx(60, 70, Client, psh|ack, cISN+101, sISN+1, 50)),
		tx(65, 75, Client, ack, cISN+152, sISN+2, 0),
		tx(70, 80, Server, ack, sISN+2, cISN+152, 0),
	)
	r.TimeWait[Client] = tw(75, 75+minute)
	r.TimeWait[Server] = tw(80, 80+minute)
	check(t, r, want{typ: Simultaneous, firstCloser: ClientSide, teardown: true, segments: 6, teardownMs: 40,
		twSide: BothSides, twMs: minute, retransmits: 1})
}

// rst: the server closes with the client's data unread, which sends a RST
// instead of a FIN.
func TestClassifyRST(t *testing.T) {
	r := established(
		tx(40, 50, Server, rst|ack, sISN+1, cISN+101, 0),
	)
	r.BytesReceived[Server] = 0
	r.Errors[Client] = "ECONNRESET"
	check(t, r, want{typ: RST, firstCloser: ServerSide, teardown: true, segments: 1, teardownMs: 10,
		rstFrom: ServerSide})
}

// rst even though the client had sent a FIN: the RST's sender (the server,
// closing with unread data) had not.
func TestClassifyRSTAfterPeerFIN(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(60, 70, Server, rst|ack, sISN+1, cISN+102, 0),
	)
	check(t, r, want{typ: RST, firstCloser: ClientSide, teardown: true, segments: 2, teardownMs: 30,
		rstFrom: ServerSide})
}

// fin-rst: the server closes at once; the client, not yet knowing, sends
// data 10 ms after the FIN arrived, and the orphaned server answers with
// RST. The client's next send fails with EPIPE.
func TestClassifyFinRST(t *testing.T) {
	r := &Run{
		Segments: []Segment{
			tx(0, 10, Client, syn, cISN, 0, 0),
			tx(10, 20, Server, syn|ack, sISN, cISN+1, 0),
			tx(20, 30, Client, ack, cISN+1, sISN+1, 0),
			tx(20, 30, Server, fin|ack, sISN+1, cISN+1, 0),
			tx(40, 50, Client, psh|ack, cISN+1, sISN+2, 100),
			tx(50, 60, Server, rst, sISN+2, 0, 0),
		},
		Established: true,
		Errors:      [2]string{"EPIPE", ""},
		BytesSent:   [2]int64{100, 0},
	}
	check(t, r, want{typ: FinRST, firstCloser: ServerSide, teardown: true, segments: 3, teardownMs: 40,
		rstFrom: ServerSide})
}

// fin-rst after a FIN_WAIT_2 timeout: the orphaned client gave up waiting
// for the server's FIN; the server's late FIN hits a closed port and draws
// a RST. The RST decides, not the timer.
func TestClassifyFinRSTAfterFinWait2Timeout(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(90, 100, Server, ack, sISN+1, cISN+102, 0),
		tx(70000, 70010, Server, fin|ack, sISN+1, cISN+102, 0),
		tx(70010, 70020, Client, rst, cISN+102, 0, 0),
	)
	r.GaveUp[Client] = true
	r.Errors[Server] = "ECONNRESET"
	check(t, r, want{typ: FinRST, firstCloser: ClientSide, teardown: true, segments: 4, teardownMs: 69980,
		rstFrom: ClientSide})
}

// timeout: the client's orphan FIN_WAIT_2 timer gave up while the server
// sat in CLOSE_WAIT; nothing more went over the wire.
func TestClassifyTimeoutFinWait2(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(90, 100, Server, ack, sISN+1, cISN+102, 0),
	)
	r.GaveUp[Client] = true
	r.HitHorizon = true
	r.FinalState = [2]string{"CLOSED", "CLOSE_WAIT"}
	check(t, r, want{typ: Timeout, firstCloser: ClientSide, teardown: true, segments: 2, teardownMs: 60})
}

// timeout by the retransmission limit: every copy of the client's FIN is
// lost. The teardown ends with the transmission of the last (lost) copy.
func TestClassifyTimeoutRetransmissionLimit(t *testing.T) {
	r := established(
		tx(40, lost, Client, fin|ack, cISN+101, sISN+1, 0),
		re(tx(240, lost, Client, fin|ack, cISN+101, sISN+1, 0)),
		re(tx(640, lost, Client, fin|ack, cISN+101, sISN+1, 0)),
		re(tx(1440, lost, Client, fin|ack, cISN+101, sISN+1, 0)),
	)
	r.GaveUp[Client] = true
	check(t, r, want{typ: Timeout, firstCloser: ClientSide, teardown: true, segments: 4, teardownMs: 1400,
		retransmits: 3})
}

// incomplete: the server is still in CLOSE_WAIT at the horizon and no
// timer has given up.
func TestClassifyIncomplete(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(90, 100, Server, ack, sISN+1, cISN+102, 0),
	)
	r.HitHorizon = true
	r.FinalState = [2]string{"FIN_WAIT_2", "CLOSE_WAIT"}
	check(t, r, want{typ: Incomplete, firstCloser: ClientSide, teardown: true, segments: 2, teardownMs: 60})
}

// incomplete without any teardown: nobody closed before the horizon.
func TestClassifyIncompleteNoClose(t *testing.T) {
	r := established()
	r.HitHorizon = true
	check(t, r, want{typ: Incomplete})
}

// incomplete: both FINs were sent but the last ACK never arrived and the
// run ended (no timer gave up yet).
func TestClassifyIncompleteLastAckLost(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(60, 70, Server, fin|ack, sISN+1, cISN+102, 0),
		tx(70, lost, Client, ack, cISN+102, sISN+2, 0),
	)
	r.HitHorizon = true
	r.TimeWait[Client] = tw(70, 100)
	r.End = ms(100)
	check(t, r, want{typ: Incomplete, firstCloser: ClientSide, teardown: true, segments: 3, teardownMs: 30,
		twSide: ClientSide, twMs: 30})
}

// no-connect, refused: the server's RST answers the SYN. It shows in
// rst_from and, by the contract's convention for refused connects, in
// first_closer, but there is no teardown of a connection that never existed.
func TestClassifyNoConnectRefused(t *testing.T) {
	r := &Run{
		Segments: []Segment{
			tx(0, 10, Client, syn, cISN, 0, 0),
			tx(10, 20, Server, rst|ack, 0, cISN+1, 0),
		},
		Errors: [2]string{"ECONNREFUSED", ""},
	}
	check(t, r, want{typ: NoConnect, firstCloser: ServerSide, rstFrom: ServerSide})
}

// no-connect, every SYN lost.
func TestClassifyNoConnectSYNLost(t *testing.T) {
	r := &Run{
		Segments: []Segment{
			tx(0, lost, Client, syn, cISN, 0, 0),
			re(tx(1000, lost, Client, syn, cISN, 0, 0)),
			re(tx(3000, lost, Client, syn, cISN, 0, 0)),
		},
		GaveUp: [2]bool{true, false},
		Errors: [2]string{"ETIMEDOUT", ""},
	}
	check(t, r, want{typ: NoConnect, retransmits: 2})
}

// A RST that reaches a client in TIME_WAIT after a complete four-way close
// (TIME_WAIT assassination) ends the TIME_WAIT but not the connection,
// which had already closed: the close stays four-way. Here the client's
// final ACK is delayed (jitter) past the server's FIN retransmission; the
// second ACK closes the server, and the first, arriving later at a closed
// port, draws the RST.
func TestClassifyRSTInTimeWait(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(90, 100, Server, ack, sISN+1, cISN+102, 0),
		tx(150, 160, Server, fin|ack, sISN+1, cISN+102, 0),
		tx(160, 400, Client, ack, cISN+102, sISN+2, 0),
		re(tx(350, 360, Server, fin|ack, sISN+1, cISN+102, 0)),
		tx(360, 370, Client, ack, cISN+102, sISN+2, 0),
		tx(400, 410, Server, rst, sISN+2, 0, 0),
	)
	r.TimeWait[Client] = tw(160, 410)
	check(t, r, want{typ: FourWay, firstCloser: ClientSide, teardown: true, segments: 7, teardownMs: 370,
		twSide: ClientSide, twMs: 250, retransmits: 1, rstFrom: ServerSide})
}

// The client's final ACK of a three-way close is lost; the server
// retransmits its FIN+ACK and the ACK of that copy completes the exchange.
// Still three-way; the retransmission is counted apart.
func TestClassifyLostFinalACK(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(60, 70, Server, fin|ack, sISN+1, cISN+102, 0),
		tx(70, lost, Client, ack, cISN+102, sISN+2, 0),
		re(tx(270, 280, Server, fin|ack, sISN+1, cISN+102, 0)),
		tx(280, 290, Client, ack, cISN+102, sISN+2, 0),
	)
	r.TimeWait[Client] = tw(70, 280+minute)
	check(t, r, want{typ: ThreeWay, firstCloser: ClientSide, teardown: true, segments: 5, teardownMs: 250,
		twSide: ClientSide, twMs: 210 + minute, retransmits: 1})
}

// The same in a four-way close.
func TestClassifyLostFinalACKFourWay(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(90, 100, Server, ack, sISN+1, cISN+102, 0),
		tx(150, 160, Server, fin|ack, sISN+1, cISN+102, 0),
		tx(160, lost, Client, ack, cISN+102, sISN+2, 0),
		re(tx(350, 360, Server, fin|ack, sISN+1, cISN+102, 0)),
		tx(360, 370, Client, ack, cISN+102, sISN+2, 0),
	)
	check(t, r, want{typ: FourWay, firstCloser: ClientSide, teardown: true, segments: 6, teardownMs: 330,
		retransmits: 1})
}

// A lost FIN is retransmitted; the server's answer to the copy carries its
// own FIN: three-way, measured to the final ACK.
func TestClassifyLostFirstFIN(t *testing.T) {
	r := established(
		tx(40, lost, Client, fin|ack, cISN+101, sISN+1, 0),
		re(tx(240, 250, Client, fin|ack, cISN+101, sISN+1, 0)),
		tx(260, 270, Server, fin|ack, sISN+1, cISN+102, 0),
		tx(270, 280, Client, ack, cISN+102, sISN+2, 0),
	)
	check(t, r, want{typ: ThreeWay, firstCloser: ClientSide, teardown: true, segments: 4, teardownMs: 240,
		retransmits: 1})
}

// Half-close: the client shuts down writing; the server keeps sending data
// (acknowledging the FIN) and then closes, its FIN riding on its last data
// segment. The first segment acknowledging the client's FIN has no FIN:
// four-way, with the data counted in the teardown.
func TestClassifyHalfCloseWithData(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(50, 60, Server, psh|ack, sISN+1, cISN+102, 1000),
		tx(50, 60, Server, psh|ack, sISN+1001, cISN+102, 1000),
		tx(60, 70, Client, ack, cISN+102, sISN+2001, 0),
		tx(60, 70, Server, fin|psh|ack, sISN+2001, cISN+102, 1000),
		tx(70, 80, Client, ack, cISN+102, sISN+3002, 0),
	)
	r.TimeWait[Client] = tw(70, 70+minute)
	r.BytesSent[Server], r.BytesReceived[Client] = 3000, 3000
	check(t, r, want{typ: FourWay, firstCloser: ClientSide, teardown: true, segments: 6, teardownMs: 40,
		twSide: ClientSide, twMs: minute})
}

// Data and FIN in the first segment acknowledging the peer's FIN is a
// three-way close: the peer's FIN was not ACKed on its own.
func TestClassifyDataWithFINIsThreeWay(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(55, 65, Server, fin|psh|ack, sISN+1, cISN+102, 500),
		tx(65, 75, Client, ack, cISN+102, sISN+502, 0),
	)
	check(t, r, want{typ: ThreeWay, firstCloser: ClientSide, teardown: true, segments: 3, teardownMs: 35})
}

// Sequence numbers wrap: the client's data crosses 2^32 (its FIN is at
// sequence 5) and the server's FIN sits at 2^32-1, so its ACK carries
// acknowledgement number 0.
func TestClassifySeqWrap(t *testing.T) {
	const c, s = 0xFFFFFFA0, 0xFFFFFFFE
	segs := []Segment{
		tx(0, 10, Client, syn, c, 0, 0),
		tx(10, 20, Server, syn|ack, s, c+1, 0),
		tx(20, 30, Client, ack, c+1, s+1, 0),
		tx(20, 30, Client, psh|ack, c+1, s+1, 100),
		tx(30, 40, Server, ack, s+1, 5, 0),
		tx(40, 50, Client, fin|ack, 5, 0xFFFFFFFF, 0),
		tx(90, 100, Server, ack, 0xFFFFFFFF, 6, 0),
		tx(150, 160, Server, fin|ack, 0xFFFFFFFF, 6, 0),
		tx(160, 170, Client, ack, 6, 0, 0),
	}
	r := &Run{Segments: segs, Established: true}
	check(t, r, want{typ: FourWay, firstCloser: ClientSide, teardown: true, segments: 4, teardownMs: 130})

	// The same with the server's FIN merged into its ACK: three-way.
	r = &Run{Segments: append(append([]Segment{}, segs[:6]...),
		tx(60, 70, Server, fin|ack, 0xFFFFFFFF, 6, 0),
		tx(70, 80, Client, ack, 6, 0, 0),
	), Established: true}
	check(t, r, want{typ: ThreeWay, firstCloser: ClientSide, teardown: true, segments: 3, teardownMs: 40})
}

// With jitter a later segment can arrive first: the teardown ends at the
// latest arrival, not at the last segment's.
func TestClassifyTeardownEndsAtLatestArrival(t *testing.T) {
	r := established(
		tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
		tx(60, 70, Server, fin|ack, sISN+1, cISN+102, 0),
		tx(70, 80, Client, ack, cISN+102, sISN+2, 0),
	)
	r.Segments[len(r.Segments)-2].Arrived = ms(95) // the FIN+ACK lingers; the ACK was sent at 70 regardless
	check(t, r, want{typ: ThreeWay, firstCloser: ClientSide, teardown: true, segments: 3, teardownMs: 55})
}

// A TIME_WAIT span left open (Left = Never) counts to the run's end.
func TestClassifyTimeWaitOpenSpan(t *testing.T) {
	r := established()
	r.TimeWait[Server] = Span{Held: true, Entered: ms(100), Left: engine.Never}
	r.End = ms(5100)
	check(t, r, want{typ: Incomplete, twSide: ServerSide, twMs: 5000})
}
