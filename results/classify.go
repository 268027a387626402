package results

import (
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

// Outcome is what one run amounts to: its close type and the measurements
// that become a row of runs.csv. It is derived from a [Run] by [Classify]
// and holds no references into it.
type Outcome struct {
	CloseType CloseType

	// FirstCloser is the side whose FIN or RST was transmitted first
	// (NoSide when neither side sent one, and for no-connect runs).
	FirstCloser SideSet

	// HasTeardown reports whether the run had a teardown at all: a FIN or a
	// RST after the connection was established. When false, Teardown and
	// TeardownSegments are zero and teardown_ms is written empty.
	HasTeardown bool

	// TeardownSegments counts the segments transmitted from the first FIN or
	// RST on (that segment included), retransmissions included.
	TeardownSegments int

	// Teardown runs from the transmission of the first FIN or RST to the
	// moment the last teardown segment left the wire: the latest arrival of
	// any teardown segment, or for a lost segment its transmission.
	Teardown time.Duration

	// TimeWaitSide is the set of sides that held TIME_WAIT.
	TimeWaitSide SideSet

	// TimeWait is how long TIME_WAIT was held (Left-Entered), the longer of
	// the two when both sides held it; zero when TimeWaitSide is NoSide. A
	// TIME_WAIT still held at the end of the run counts up to the run's end.
	TimeWait time.Duration

	// Retransmits counts retransmitted segments over the whole run, both
	// sides.
	Retransmits int

	// RstFrom is the sender of the first RST of the run, or NoSide. It is
	// reported even when that RST did not decide the close type (a refused
	// connect, a RST that hit a finished connection in TIME_WAIT).
	RstFrom SideSet

	Errors        [2]string // copied from Run.Errors
	BytesSent     [2]int64  // copied from Run.BytesSent
	BytesReceived [2]int64  // copied from Run.BytesReceived
}

// Classify returns the outcome of r. It reads only the record (the
// segments as transmitted and the few endpoint facts a capture cannot show:
// establishment, timers giving up, TIME_WAIT), never the simulator, so that
// a close type means the same thing as it would in a packet capture.
//
// The rules, in order (CONTRACT.md, "Close types"):
//
//  1. Not established: no-connect.
//  2. The first RST transmitted before the FIN exchange completed decides:
//     fin-rst if its sender had transmitted a FIN before it, else rst. A RST
//     transmitted after both FINs had been sent and acknowledged (one that
//     ends a TIME_WAIT early, say) did not end the connection and leaves
//     the close type to the FINs; it still shows in RstFrom.
//  3. Let A be the side whose FIN was transmitted first and B the other.
//     When both FINs were transmitted and each was acknowledged by a segment
//     that arrived (the exchange is complete):
//     simultaneous if B's first FIN does not acknowledge A's FIN (B sent it
//     before A's FIN had arrived, or while A's FIN waited out of order
//     behind lost data: either way B was still ESTABLISHED, as in RFC 9293's
//     simultaneous close); otherwise three-way if B's first segment
//     acknowledging A's FIN (first transmissions only) carries B's FIN, and
//     four-way if it does not.
//  4. A timer gave up: timeout.
//  5. Anything else: incomplete (for example still in CLOSE_WAIT at the
//     horizon).
//
// Sequence comparisons are modulo 2^32, so wrap-around is handled.
func Classify(r *Run) Outcome {
	o := Outcome{
		Errors:        r.Errors,
		BytesSent:     r.BytesSent,
		BytesReceived: r.BytesReceived,
	}
	segs := r.Segments

	firstRST := -1
	firstFIN := [2]int{-1, -1}
	for i := range segs {
		s := &segs[i]
		if s.Retransmit {
			o.Retransmits++
		}
		if s.Flags&tcp.RST != 0 && firstRST < 0 {
			firstRST = i
		}
		if s.Flags&tcp.FIN != 0 && s.From <= Server && firstFIN[s.From] < 0 {
			firstFIN[s.From] = i
		}
	}
	if firstRST >= 0 {
		o.RstFrom = segs[firstRST].From.Set()
	}
	o.TimeWaitSide, o.TimeWait = timeWait(r)

	if !r.Established {
		// A handshake still under way when stop_after or the event budget
		// ended the run (no RST, no failed connect yet) is undecided.
		if r.HitHorizon && firstRST < 0 && r.Errors[Client] == "" && !r.GaveUp[Client] {
			o.CloseType = Incomplete
			return o
		}
		o.CloseType = NoConnect
		return o
	}

	start := earliest(firstRST, firstFIN[Client], firstFIN[Server])
	if start >= 0 {
		o.HasTeardown = true
		o.FirstCloser = segs[start].From.Set()
		o.TeardownSegments = len(segs) - start
		o.Teardown = teardownEnd(segs[start:]).Sub(segs[start].At)
	}

	complete, completedAt := finExchange(segs, firstFIN)
	if firstRST >= 0 && (!complete || segs[firstRST].At < completedAt) {
		sender := segs[firstRST].From
		if sender <= Server && firstFIN[sender] >= 0 && firstFIN[sender] < firstRST {
			o.CloseType = FinRST
		} else {
			o.CloseType = RST
		}
		return o
	}
	if complete {
		o.CloseType = finCloseType(segs, firstFIN)
		return o
	}
	if r.GaveUp[Client] || r.GaveUp[Server] {
		o.CloseType = Timeout
		return o
	}
	o.CloseType = Incomplete
	return o
}

// earliest returns the smallest non-negative index among is, or -1.
func earliest(is ...int) int {
	best := -1
	for _, i := range is {
		if i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// teardownEnd returns the last moment a teardown segment was on the wire:
// its arrival, or its transmission if it was lost. Segments are in order of
// transmission, but with jitter an earlier one may arrive later, hence the
// maximum rather than the last element.
func teardownEnd(segs []Segment) engine.Time {
	var end engine.Time
	for i := range segs {
		t := segs[i].Arrived
		if segs[i].Lost() {
			t = segs[i].At
		}
		if i == 0 || t > end {
			end = t
		}
	}
	return end
}

// finExchange reports whether both FINs were transmitted and each was
// acknowledged by a segment of the peer that arrived, and when the later of
// those two acknowledgements first arrived.
func finExchange(segs []Segment, firstFIN [2]int) (bool, engine.Time) {
	if firstFIN[Client] < 0 || firstFIN[Server] < 0 {
		return false, engine.Never
	}
	var done engine.Time
	for _, side := range []Side{Client, Server} {
		fin := segs[firstFIN[side]].finSeq()
		at := engine.Never
		for i := range segs {
			s := &segs[i]
			if s.From == side.Peer() && !s.Lost() && s.acks(fin) && s.Arrived < at {
				at = s.Arrived
			}
		}
		if at == engine.Never {
			return false, engine.Never
		}
		done = max(done, at)
	}
	return true, done
}

// finCloseType tells simultaneous, three-way and four-way apart for a
// complete FIN exchange (see Classify, rule 3).
func finCloseType(segs []Segment, firstFIN [2]int) CloseType {
	a := Client
	if firstFIN[Server] < firstFIN[Client] {
		a = Server
	}
	b := a.Peer()
	finA := segs[firstFIN[a]].finSeq()
	if !segs[firstFIN[b]].acks(finA) {
		return Simultaneous
	}
	for i := range segs {
		s := &segs[i]
		// First transmissions only; B's first FIN counts even if the driver
		// marked it a retransmission (a FIN merged into retransmitted data).
		if s.From != b || (s.Retransmit && i != firstFIN[b]) || !s.acks(finA) {
			continue
		}
		if s.Flags&tcp.FIN != 0 {
			return ThreeWay
		}
		return FourWay
	}
	return FourWay // unreachable: B's first FIN acknowledges A's FIN
}

// timeWait returns the sides that held TIME_WAIT and the longest time one
// held it. A span whose Left is Never (not filled in) ends at the run's end.
func timeWait(r *Run) (SideSet, time.Duration) {
	var sides SideSet
	var longest time.Duration
	for _, side := range []Side{Client, Server} {
		sp := r.TimeWait[side]
		if !sp.Held {
			continue
		}
		sides |= side.Set()
		left := sp.Left
		if left == engine.Never {
			left = r.End
		}
		longest = max(longest, max(left.Sub(sp.Entered), 0))
	}
	return sides, longest
}
