package results

import (
	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

// Tracker classifies a connection as its segments are transmitted and
// arrive, keeping a fixed amount of state however long the connection runs:
// a run of ten million events no longer keeps ten million segments to
// classify them at the end. [Classify] feeds a recorded run through a
// Tracker, so a classification from the record (emu trace, a capture) and
// one made on the fly (emu run) are the same by construction.
//
// Sent must be called for every segment in order of transmission; Arrived
// for each segment that reached its peer, at any time after its Sent. The
// result does not depend on how the two are interleaved, because a segment
// can only count towards a FIN, or towards the teardown, if it was
// transmitted after that FIN or after the teardown began.
type Tracker struct {
	n           int64 // segments transmitted so far; the next one's index
	retransmits int

	firstRST     int64 // index of the first RST, or -1
	firstRSTAt   engine.Time
	firstRSTFrom Side

	firstFIN [2]int64  // index of each side's first FIN, or -1
	finSeq   [2]uint32 // the sequence number each first FIN occupies

	// ackAt is, per side, the earliest arrival of a segment of the peer,
	// transmitted after that side's first FIN, that acknowledges it.
	ackAt [2]engine.Time

	start     int64 // index of the first FIN or RST: the teardown's start, or -1
	startAt   engine.Time
	startFrom Side
	end       engine.Time // the teardown's last moment on the wire so far

	// The side whose FIN came first is a; bDecided says whether the other
	// side's first segment acknowledging a's FIN has been seen, bFIN whether
	// it carried a FIN, and bFirstFINAcks whether b's first FIN
	// acknowledges a's.
	a             Side
	bDecided      bool
	bFIN          bool
	bFirstFINAcks bool
}

// NewTracker returns a tracker of a connection with no segments yet.
func NewTracker() *Tracker {
	t := &Tracker{}
	t.Reset()
	return t
}

// Reset forgets every segment, for the next connection.
func (t *Tracker) Reset() {
	*t = Tracker{firstRST: -1, firstFIN: [2]int64{-1, -1}, start: -1,
		ackAt: [2]engine.Time{engine.Never, engine.Never}}
}

// Sent records the transmission of s (its Arrived is ignored) and returns
// its index, to be given to Arrived.
func (t *Tracker) Sent(s *Segment) int64 {
	i := t.n
	t.n++
	if s.Retransmit {
		t.retransmits++
	}
	if s.Flags&tcp.RST != 0 && t.firstRST < 0 {
		t.firstRST, t.firstRSTAt, t.firstRSTFrom = i, s.At, s.From
	}
	isFirstFIN := false
	if s.Flags&tcp.FIN != 0 && s.From <= Server && t.firstFIN[s.From] < 0 {
		isFirstFIN = true
		t.firstFIN[s.From], t.finSeq[s.From] = i, s.finSeq()
		if t.firstFIN[s.From.Peer()] < 0 {
			t.a = s.From // the first FIN of the connection
		} else {
			t.bFirstFINAcks = s.acks(t.finSeq[t.a])
		}
	}
	if t.start < 0 && s.Flags&(tcp.RST|tcp.FIN) != 0 {
		t.start, t.startAt, t.startFrom, t.end = i, s.At, s.From, s.At
	}
	if t.start >= 0 {
		// A lost segment's moment is its transmission; an arrival, later,
		// moves the end further (Arrived).
		t.end = max(t.end, s.At)
	}
	// b's first segment acknowledging a's FIN, first transmissions only (b's
	// first FIN counts even when marked a retransmission).
	a := t.a
	if af := t.firstFIN[a]; af >= 0 && i > af && !t.bDecided && s.From == a.Peer() &&
		(!s.Retransmit || isFirstFIN) && s.acks(t.finSeq[a]) {
		t.bDecided, t.bFIN = true, s.Flags&tcp.FIN != 0
	}
	return i
}

// Arrived records that segment i (from, with flags and ack as sent)
// reached the peer at.
func (t *Tracker) Arrived(i int64, from Side, flags tcp.Flags, ack uint32, at engine.Time) {
	if t.start >= 0 && i >= t.start {
		t.end = max(t.end, at)
	}
	if from > Server || flags&tcp.ACK == 0 {
		return
	}
	side := from.Peer() // whose FIN this segment may acknowledge
	if f := t.firstFIN[side]; f >= 0 && i > f && at < t.ackAt[side] {
		s := Segment{Flags: flags, Ack: ack}
		if s.acks(t.finSeq[side]) {
			t.ackAt[side] = at
		}
	}
}

// outcome classifies the connection tracked so far; r gives the facts a
// wire record cannot (see Classify).
func (t *Tracker) outcome(r *Run) Outcome {
	o := Outcome{
		Errors:        r.Errors,
		BytesSent:     r.BytesSent,
		BytesReceived: r.BytesReceived,
		Retransmits:   t.retransmits,
	}
	if t.firstRST >= 0 {
		o.RstFrom = t.firstRSTFrom.Set()
	}
	o.TimeWaitSide, o.TimeWait = timeWait(r)
	if !r.Established {
		// A handshake still under way when stop_after or the event budget
		// ended the run (no RST, no failed connect yet) is undecided.
		if r.CutShort && t.firstRST < 0 && r.Errors[Client] == "" && !r.GaveUp[Client] {
			o.CloseType = Incomplete
			return o
		}
		// A refused connect: the side that sent the RST closed it (the
		// same convention as for captures).
		o.CloseType = NoConnect
		o.FirstCloser = o.RstFrom
		return o
	}
	if t.start >= 0 {
		o.HasTeardown = true
		o.FirstCloser = t.startFrom.Set()
		o.TeardownSegments = int(t.n - t.start)
		o.Teardown = t.end.Sub(t.startAt)
	}
	complete := t.firstFIN[Client] >= 0 && t.firstFIN[Server] >= 0 &&
		t.ackAt[Client] != engine.Never && t.ackAt[Server] != engine.Never
	completedAt := engine.Never
	if complete {
		completedAt = max(t.ackAt[Client], t.ackAt[Server])
	}
	if t.firstRST >= 0 && (!complete || t.firstRSTAt < completedAt) {
		sender := t.firstRSTFrom
		if sender <= Server && t.firstFIN[sender] >= 0 && t.firstFIN[sender] < t.firstRST {
			o.CloseType = FinRST
		} else {
			o.CloseType = RST
		}
		return o
	}
	if complete {
		switch {
		case !t.bFirstFINAcks:
			o.CloseType = Simultaneous
		case t.bFIN:
			o.CloseType = ThreeWay
		default:
			o.CloseType = FourWay
		}
		return o
	}
	if r.GaveUp[Client] || r.GaveUp[Server] {
		o.CloseType = Timeout
		return o
	}
	o.CloseType = Incomplete
	return o
}

// Outcome classifies the connection tracked so far; r gives what the
// segments cannot show (establishment, timers giving up, TIME_WAIT, the
// applications' errors and bytes). r.Segments is not read.
func (t *Tracker) Outcome(r *Run) Outcome { return t.outcome(r) }
