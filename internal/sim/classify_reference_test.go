package sim

import (
	"github.com/emu-sim/emu/engine"
	. "github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// classifyReference is results.Classify as it was before results.Tracker:
// it keeps every segment and reads them at the end. TestTrackerMatchesRecord
// compares the two on runs of the simulator.
func classifyReference(r *Run) Outcome {
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
	tw := Classify(&Run{TimeWait: r.TimeWait, End: r.End})
	o.TimeWaitSide, o.TimeWait = tw.TimeWaitSide, tw.TimeWait

	if !r.Established {
		// A handshake still under way when stop_after or the event budget
		// ended the run (no RST, no failed connect yet) is undecided.
		if r.CutShort && firstRST < 0 && r.Errors[Client] == "" && !r.GaveUp[Client] {
			o.CloseType = Incomplete
			return o
		}
		o.CloseType = NoConnect
		o.FirstCloser = o.RstFrom
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
		fin := finSeq(&segs[firstFIN[side]])
		at := engine.Never
		for i := range segs {
			s := &segs[i]
			if s.From == side.Peer() && !s.Lost() && acks(s, fin) && s.Arrived < at {
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
	finA := finSeq(&segs[firstFIN[a]])
	if !acks(&segs[firstFIN[b]], finA) {
		return Simultaneous
	}
	for i := range segs {
		s := &segs[i]
		// First transmissions only; B's first FIN counts even if the driver
		// marked it a retransmission (a FIN merged into retransmitted data).
		if s.From != b || (s.Retransmit && i != firstFIN[b]) || !acks(s, finA) {
			continue
		}
		if s.Flags&tcp.FIN != 0 {
			return ThreeWay
		}
		return FourWay
	}
	return FourWay // unreachable: B's first FIN acknowledges A's FIN
}

func finSeq(s *Segment) uint32 {
	n := s.Seq + uint32(s.Len)
	if s.Flags&tcp.SYN != 0 {
		n++
	}
	return n
}

func acks(s *Segment, seq uint32) bool {
	return s.Flags&tcp.ACK != 0 && int32(s.Ack-(seq+1)) >= 0
}
