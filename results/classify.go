package results

import (
	"time"

	"github.com/emu-sim/emu/engine"
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
// The rules, in order (docs/close-types.md):
//
//  1. Not established: no-connect; but incomplete when stop_after or the
//     event budget ended the run before anything decided the handshake (no
//     RST, no failed connect, no timer gave up).
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
// Only a segment transmitted after a FIN can acknowledge it. Sequence
// comparisons are modulo 2^32, so wrap-around is handled. The segments are
// read through a [Tracker]; a run that gives r.Track instead of Segments
// is classified from it.
func Classify(r *Run) Outcome {
	if r.Track != nil {
		return r.Track.outcome(r)
	}
	var t Tracker
	t.Reset()
	for i := range r.Segments {
		t.Sent(&r.Segments[i])
	}
	for i := range r.Segments {
		if s := &r.Segments[i]; !s.Lost() {
			t.Arrived(int64(i), s.From, s.Flags, s.Ack, s.Arrived)
		}
	}
	return t.outcome(r)
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
