package tcp

import (
	"time"

	"github.com/emu-sim/emu/engine"
)

// Endpoint is one end of a TCP connection: the transmission control block and
// the socket an application holds on it.
//
// It is split in two, as Linux splits a connection into its full socket and
// the small inet_timewait_sock that replaces it in TIME_WAIT: the fields
// here are what a connection needs for as long as it exists (addresses,
// the sequence numbers a TIME_WAIT answers with, the timestamp state, the
// TIME_WAIT timer, what the caller reads back); conn holds the rest. On a
// host that compacts (SetCompact), a connection that is in TIME_WAIT or
// CLOSED and that no process holds any more gives its conn back to the
// host for the next connection, so a long run keeps about 200 bytes per
// TIME_WAIT connection instead of the whole socket; once closed, an
// Endpoint that only detached processes held (Process.Detach) is itself
// reused for a later connection (compact.go).
type Endpoint struct {
	host  *Host
	cfg   *Settings // shared by the host's endpoints with the same settings (Host.shareSettings)
	state State
	seen  uint16 // bit i set: the endpoint has been in State(i)
	gen   uint32 // how many connections this Endpoint was before (recycling, compact.go)
	tag   any    // the user's data (see SetTag)

	active bool // opened by connect (holds an ephemeral port)
	passiv bool
	orphan bool // the application closed the socket
	tsOK   bool // timestamps (RFC 7323) agreed in the handshake
	keep   bool // never compacted (Keep)
	listed bool // in the host's table of live endpoints
	gaveUp bool // a timer ended the connection
	pinned bool // a process nobody detached held it: never recycled (compact.go)

	next *Endpoint // the next endpoint in its connTable bucket

	localPort, remotePort uint16

	// The sequence state a TIME_WAIT connection answers from (Linux keeps
	// the same in its timewait socket: tw_snd_nxt, tw_rcv_nxt, tw_rcv_wnd,
	// tw_ts_recent); the rest of the send and receive halves is in conn.
	iss, sndNxt, sndMax uint32
	irs, rcvNxt         uint32
	rcvWup              uint32 // rcv_nxt when the last ACK was sent
	rcvAdvEdge          uint32 // right edge of the window last advertised
	rcvWnd              uint32 // the window last advertised (tp->rcv_wnd)
	tsRecent            uint32 // the peer's latest TSval (TS.Recent), with timestamps
	rcvQueued           int64  // in-order bytes not yet read

	waitTimer  engine.Timer // TIME_WAIT or orphaned FIN_WAIT_2
	lastOOWAck engine.Time  // Linux: when the last rate-limited ACK left (last_oow_ack_time); 0 = never

	timeWaitAt engine.Time // when TIME_WAIT was entered; -1 if never
	timeWaitTo engine.Time // when it ended; -1 while held

	// Application counters.
	BytesWritten, BytesRead int64

	// The rest of the connection; nil once compacted.
	*conn
}

// conn is the part of an endpoint a connection needs only while it is
// open or held by a process: the socket, the send and receive halves, the
// delayed-ACK state and their timers. A compacting host recycles it.
type conn struct {
	ep  *Endpoint // whose conn this is (the timers' callbacks go through it)
	lis *Listener // the listener that created a passive endpoint
	// holders are the processes that hold a reference to the socket (its
	// file descriptor): the opener, and the children it forked while
	// holding it. The last one to close it closes the connection.
	holders []*Process
	owner   *Process // the application that opened or accepted it

	// The state is split by the half that changes it, as gVisor splits
	// its endpoint into sender and receiver: send.go, tlp.go and the RTO
	// change sender; receive.go changes receiver; delack.go changes ack.
	sender
	receiver
	ack ackState

	// Options both sides agreed on in the handshake.
	sackOK bool // SACK (the loss probe's hole detection needs it)

	// The socket as the application sees it.
	rdShut, wrShut bool // shutdown(2) state (sk_shutdown); close() sets both
	softErr        Errno
	eofSeen        bool // a read returned EOF or an error after RST: later reads return 0
	nodelay        bool
	linger         Linger

	rtxTimer    engine.Timer // retransmission, loss probe, persist
	delackTimer engine.Timer
}

func (c *conn) onRetransmitTimer(now engine.Time, arg uint64) { c.ep.onRetransmitTimer(now, arg) }
func (c *conn) onDelackTimer(now engine.Time, arg uint64)     { c.ep.onDelackTimer(now, arg) }

// sender is the send half of a connection: the send sequence space, the
// congestion window, RTT estimation and retransmission (send.go, tlp.go).
type sender struct {
	// Send sequence space (RFC 9293 3.3.1). Data bytes occupy iss+1 ..
	// writeEnd-1; the FIN, once queued, occupies writeEnd.
	// (iss, sndNxt and sndMax are in Endpoint.)
	sndUna             uint32
	sndWnd             uint32
	sndWl1, sndWl2     uint32
	writeEnd           uint32
	sndMSS             int
	finQueued, finSent bool
	cwnd, ssthresh     int
	smallUnacked       uint32 // end of the last sub-MSS segment sent (Minshall's Nagle)

	// RTT estimation (RFC 6298) and retransmission.
	srtt, rttvar time.Duration
	hasRTT       bool
	rto          time.Duration
	rtTiming     bool
	rtSeq        uint32
	rtTime       engine.Time
	retries      int

	// Fast retransmit and NewReno recovery (RFC 5681 3.2, RFC 6582).
	dupAcks    int
	inRecovery bool
	recover    uint32

	tlp lossProbeState
}

// receiver is the receive half: the receive sequence space, data queued
// for the application and out-of-order segments (receive.go).
type receiver struct {
	// (irs, rcvNxt, rcvWup, rcvAdvEdge, rcvWnd, rcvQueued and tsRecent
	// are in Endpoint.)
	finRcvd bool // the peer's FIN arrived in order
	ooo     []oooRange
}

type oooRange struct {
	seq uint32
	len uint32
	fin bool
}

func newEndpoint(h *Host, s *Settings, local, remote uint16) *Endpoint {
	e := h.newHeader()
	e.host, e.cfg, e.localPort, e.remotePort, e.conn = h, s, local, remote, h.newConn()
	e.conn.ep = e
	e.rto = s.RTOInitial
	e.setISN(h.isn(s.ISN, local, remote))
	e.sndMSS = 536 // RFC 9293 3.7.1 default until the peer's MSS option arrives
	e.cwnd = 10 * s.MSS
	e.ssthresh = 1 << 30
	e.timeWaitAt, e.timeWaitTo = -1, -1
	e.ack.init(s)
	if old := h.conns.put(e); old != nil {
		h.inState[old.state]-- // replaced: no longer live on this host
	}
	h.inState[e.state]++
	h.last = e
	return e
}

// setISN starts the send sequence space at iss, before the SYN leaves.
func (e *Endpoint) setISN(iss uint32) {
	e.iss = iss
	e.sndUna, e.sndNxt, e.sndMax, e.writeEnd = iss, iss, iss, iss+1
	e.smallUnacked = iss // no small segment sent yet
}

// State returns the connection state.
func (e *Endpoint) State() State { return e.state }

// SetTag attaches the caller's own data to the endpoint, for example the
// record a simulation keeps of its connection.
func (e *Endpoint) SetTag(t any) { e.tag = t }

// Tag returns what SetTag attached, or nil.
func (e *Endpoint) Tag() any { return e.tag }

// Owner returns the process that connected or accepted the endpoint, or nil
// (also once the endpoint is compacted: see SetCompact and Keep).
func (e *Endpoint) Owner() *Process {
	if e.conn == nil {
		return nil
	}
	return e.owner
}

// Keep exempts the endpoint from compaction (Host.SetCompact): it keeps its
// owner and its whole state after it is closed, for a caller that looks at
// it after the run.
func (e *Endpoint) Keep() {
	e.keep = true
	if e.conn != nil && e.owner != nil {
		e.owner.keep = true
	}
}

// Reached reports whether the endpoint has ever been in state s.
func (e *Endpoint) Reached(s State) bool { return e.seen&(1<<s) != 0 }

// Host returns the endpoint's host.
func (e *Endpoint) Host() *Host { return e.host }

// Settings returns the endpoint's TCP settings. They are shared with the
// host's other endpoints and processes of the same settings: read, never
// change them.
func (e *Endpoint) Settings() *Settings { return e.cfg }

// ISN returns the endpoint's initial sequence number.
func (e *Endpoint) ISN() uint32 { return e.iss }

// PeerISN returns the peer's initial sequence number (valid once synchronized).
func (e *Endpoint) PeerISN() uint32 { return e.irs }

// Ports returns the local and remote port.
func (e *Endpoint) Ports() (local, remote uint16) { return e.localPort, e.remotePort }

// TimeWaitSpan reports whether the endpoint held TIME_WAIT and when it entered
// and left it (left is -1 while still held).
func (e *Endpoint) TimeWaitSpan() (held bool, entered, left engine.Time) {
	return e.timeWaitAt >= 0, e.timeWaitAt, e.timeWaitTo
}

// GaveUp reports whether a timer ended the connection (retransmission limit
// or FIN_WAIT_2 timeout).
func (e *Endpoint) GaveUp() bool { return e.gaveUp }

// Passive reports whether the endpoint was created by a listener.
func (e *Endpoint) Passive() bool { return e.passiv }

func (e *Endpoint) now() engine.Time { return e.host.sched.Now() }

func (e *Endpoint) setState(s State) {
	if s == e.state {
		return
	}
	from := e.state
	e.state = s
	e.seen |= 1 << s
	if h := e.host; h.obs != nil {
		h.obs.State(h.sched.Now(), e, from, s)
	}
	switch s {
	case TimeWait:
		e.timeWaitAt = e.now()
	case Closed:
		if from == TimeWait {
			e.timeWaitTo = e.now()
		}
		e.waitTimer.Stop()
		if e.conn != nil {
			e.rtxTimer.Stop()
			e.delackTimer.Stop()
			e.ack.clear()
		}
	}
	// The host keeps its own books (sockets per state, TIME_WAIT, ports)
	// and forgets a closed connection.
	e.host.stateChanged(e, from, s)
	e.wake()
	if s == TimeWait || s == Closed {
		e.host.mayCompact(e)
	}
}

// wake tells a blocked application that something it may wait for changed.
func (e *Endpoint) wake() {
	if e.conn == nil {
		return // compacted: no process holds it
	}
	for _, p := range e.holders {
		p.wake()
	}
}

// rcvWindow returns the receive window to advertise: free buffer space, never
// moving the right edge back (RFC 9293 3.8.6.2.2).
func (e *Endpoint) rcvWindow() uint32 {
	free := int64(e.cfg.RcvBuf) - e.rcvQueued
	if free < 0 {
		free = 0
	}
	w := uint32(free)
	if e.rcvAdvEdge != 0 && seqGT(e.rcvAdvEdge, e.rcvNxt+w) {
		w = e.rcvAdvEdge - e.rcvNxt
	}
	return w
}

// transmit puts a segment on the wire with this endpoint's ports, the current
// ACK (when flags has ACK) and window. Every segment that carries an ACK
// cancels a pending delayed ACK: this is what merges the ACK of a FIN into the
// passive side's own FIN.
func (e *Endpoint) transmit(flags Flags, seq uint32, length int, rtx bool) {
	// The segment is built in the host's scratch space: the link copies it,
	// so no segment is allocated per transmission.
	seg := &e.host.tx
	*seg = Segment{SrcPort: e.localPort, DstPort: e.remotePort, Seq: seq, Flags: flags, Len: length}
	if flags&SYN != 0 {
		seg.MSS = uint16(e.cfg.MSS)
	}
	if flags&SYN != 0 && (flags&ACK == 0 && e.cfg.SACK || e.sackOK) {
		seg.SACKOK = true
	}
	if e.tsOK || flags&(SYN|ACK) == SYN && e.cfg.Timestamps {
		seg.TS, seg.TSVal = true, e.host.tsClock()
		if flags&ACK != 0 {
			seg.TSEcr = e.tsRecent
		}
	}
	if flags&ACK != 0 {
		seg.Ack = e.rcvNxt
		w := e.rcvWindow()
		seg.Window = w
		e.rcvWup = e.rcvNxt
		e.rcvAdvEdge = e.rcvNxt + w
		e.rcvWnd = w
		if e.conn != nil {
			// A compacted endpoint (TIME_WAIT) has no delayed-ACK
			// state left to update, and would never read it again.
			e.ack.sent(e)
		}
	} else if flags&SYN != 0 {
		seg.Window = e.rcvWindow()
		e.rcvWnd = seg.Window
	}
	if length > 0 {
		e.ack.dataSent(e)
	}
	h := e.host
	if h.obs != nil {
		ev := SegSent
		if rtx {
			ev = SegRetransmit
		}
		h.obs.Segment(h.sched.Now(), e, seg, ev)
	}
	h.out(e, seg, rtx)
}

// sendAck sends a bare ACK now; with ack_resends_fin (FreeBSD), while our
// FIN is unacknowledged, the ACK is a retransmission of the FIN instead
// (tcp_output steps snd_nxt back onto the FIN it already sent).
func (e *Endpoint) sendAck() {
	if e.cfg.AckResendsFin && e.finSent && seqLE(e.sndUna, e.writeEnd) {
		switch e.state {
		case FinWait1, Closing, LastAck:
			e.transmit(FIN|ACK, e.writeEnd, 0, true)
			return
		}
	}
	e.transmit(ACK, e.sndMax, 0, false)
}

// sendActiveReset sends RST,ACK from this endpoint's current sequence state,
// as close() with unread data or SO_LINGER 0 does (Linux tcp_send_active_reset).
func (e *Endpoint) sendActiveReset() {
	e.transmit(RST|ACK, e.sndMax, 0, false)
}
