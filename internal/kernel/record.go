package kernel

import (
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// established reports whether the handshake completed on the wire: the
// server's SYN-ACK was answered by an ACK of it from the client that
// reached the server.
func established(segs []results.Segment) bool {
	var isn uint32
	synAck := false
	for i := range segs {
		s := &segs[i]
		switch {
		case s.From == results.Server && s.Flags&(tcp.SYN|tcp.ACK) == tcp.SYN|tcp.ACK:
			isn, synAck = s.Seq, true
		case synAck && s.From == results.Client && s.Flags&tcp.SYN == 0 && s.Flags&tcp.ACK != 0 && s.Flags&tcp.RST == 0 &&
			s.Ack == isn+1 && !s.Lost():
			return true
		}
	}
	return false
}

// settled reports whether the connection is over on the wire: a RST went
// through, or both FINs were sent and acknowledged by segments that
// arrived.
func settled(segs []results.Segment) bool {
	fin := [2]int{-1, -1}
	for i := range segs {
		s := &segs[i]
		if s.Flags&tcp.RST != 0 && !s.Lost() {
			return true
		}
		if s.Flags&tcp.FIN != 0 && fin[s.From] < 0 {
			fin[s.From] = i
		}
	}
	if fin[0] < 0 || fin[1] < 0 {
		return false
	}
	for side := range 2 {
		f := &segs[fin[side]]
		end := f.Seq + uint32(f.Len) + 1
		if f.Flags&tcp.SYN != 0 {
			end++
		}
		acked := false
		for i := range segs {
			s := &segs[i]
			if int(s.From) != side && s.Flags&tcp.ACK != 0 && !s.Lost() && int32(s.Ack-end) >= 0 {
				acked = true
				break
			}
		}
		if !acked {
			return false
		}
	}
	return true
}

// wireConventions completes an outcome classified from the wire alone, as
// emu classify does for a capture: TIME_WAIT is held by the side that
// closed first after a three-way or four-way close, by both after a
// simultaneous close, by neither otherwise, for a time the wire does not
// show (left zero); a refused connect was closed by the side that sent
// the RST.
func wireConventions(o *results.Outcome) {
	if o.CloseType == results.NoConnect {
		o.FirstCloser = o.RstFrom
	}
	switch o.CloseType {
	case results.ThreeWay, results.FourWay:
		o.TimeWaitSide = o.FirstCloser
	case results.Simultaneous:
		o.TimeWaitSide = results.BothSides
	default:
		o.TimeWaitSide = results.NoSide
	}
	o.TimeWait = 0
}
