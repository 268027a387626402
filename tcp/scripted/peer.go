// Package scripted puts one emu TCP endpoint in front of a scripted peer:
// the peer injects segments with any flags, sequence and acknowledgment
// numbers, length, window and MSS option at chosen virtual times, and
// collects every segment the endpoint's host sends, so that a test (or
// `emu packetdrill`) can check them field by field.
//
// Numbers are relative, as packetdrill writes them: the endpoint's sequence
// numbers count from its own ISN, the peer's from the peer's ISN, and each
// acknowledgment number from the ISN of the side it acknowledges. A test
// that writes its expectations by hand from the kernels' rules is an oracle
// independent of emu's two-endpoint simulations, where a mistake made by
// both ends could pass unnoticed.
package scripted

import (
	"fmt"
	"strings"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

// Seg is a segment as a script writes it: relative numbers, payload length,
// window and the MSS option (0 = absent).
type Seg struct {
	Flags tcp.Flags
	Seq   uint32 // relative to the sender's ISN
	Ack   uint32 // relative to the receiver's ISN; meaningful with ACK
	Len   int
	Win   uint32
	MSS   uint16
	// TS puts the timestamps option on the segment, with TSVal and TSEcr
	// as given (the peer's clock is the script's).
	TS           bool
	TSVal, TSEcr uint32
}

// End returns the relative sequence number after the segment's payload
// (packetdrill's `seq:end(len)`; SYN and FIN are not counted, as there).
func (s Seg) End() uint32 { return s.Seq + uint32(s.Len) }

// FlagString writes the flags as packetdrill does: S F R P in that order,
// then '.' for ACK; '-' when none is set.
func FlagString(f tcp.Flags) string {
	var b strings.Builder
	for _, x := range []struct {
		f tcp.Flags
		c byte
	}{{tcp.SYN, 'S'}, {tcp.FIN, 'F'}, {tcp.RST, 'R'}, {tcp.PSH, 'P'}} {
		if f&x.f != 0 {
			b.WriteByte(x.c)
		}
	}
	if f&tcp.ACK != 0 {
		b.WriteByte('.')
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// String writes the segment in packetdrill's syntax, e.g.
// "F. 101:101(0) ack 1 win 65535".
func (s Seg) String() string {
	str := fmt.Sprintf("%s %d:%d(%d)", FlagString(s.Flags), s.Seq, s.End(), s.Len)
	if s.Flags&tcp.ACK != 0 {
		str += fmt.Sprintf(" ack %d", s.Ack)
	}
	str += fmt.Sprintf(" win %d", s.Win)
	if s.MSS != 0 {
		str += fmt.Sprintf(" <mss %d>", s.MSS)
	}
	return str
}

// Sent is one segment the endpoint's host sent.
type Sent struct {
	At  engine.Time
	Seg Seg         // relative numbers
	Abs tcp.Segment // as it was on the wire
	Rtx bool        // the endpoint counted it as a retransmission
	// FromHost: the host sent it for a connection it does not have (a
	// RST answering a segment), not an endpoint.
	FromHost bool
}

// Peer is the scripted side. Build one with New, open the endpoint on
// Host() (Listen, or Connect to PeerPort), inject segments with Inject or
// InjectAt, run the scheduler, and read Sent().
type Peer struct {
	sched *engine.Scheduler
	host  *tcp.Host

	// PeerPort is the peer's port; LocalPort the endpoint's (learned from
	// the first segment the endpoint sends when left 0).
	PeerPort, LocalPort uint16
	// PeerISN is the peer's initial sequence number: injected sequence
	// numbers are relative to it. Choose it far from 0 so that a mix-up of
	// relative and absolute numbers shows.
	PeerISN uint32

	localISN uint32
	knowISN  bool
	sent     []Sent
	OnSend   func(s *Sent) // called for each segment the host sends, if set
}

// New returns a peer facing a fresh host named "emu" whose randomness (ISN,
// timer phase, ports) comes from seed. hz is the kernel timer tick rate of
// the endpoint's settings (0 = exact timers).
func New(sched *engine.Scheduler, seed uint64, hz int) *Peer {
	p := &Peer{sched: sched, PeerPort: 40000, PeerISN: 1_000_000_000}
	p.host = tcp.NewHost("emu", sched, engine.NewStream(seed, "scripted"), hz, p.capture, nil)
	return p
}

// Host returns the endpoint's host.
func (p *Peer) Host() *tcp.Host { return p.host }

// Scheduler returns the scheduler both sides run on.
func (p *Peer) Scheduler() *engine.Scheduler { return p.sched }

// LocalISN returns the endpoint's ISN as learned from its latest
// connection's SYN or SYN,ACK, and whether it is known yet.
func (p *Peer) LocalISN() (uint32, bool) { return p.localISN, p.knowISN }

func (p *Peer) capture(e *tcp.Endpoint, seg *tcp.Segment, rtx bool) {
	if seg.Flags&tcp.SYN != 0 && (!p.knowISN || !rtx && e != nil && seg.Seq != p.localISN) {
		// A new connection's SYN or SYN,ACK: its numbers count from here.
		p.localISN, p.knowISN = seg.Seq, true
	}
	if p.LocalPort == 0 {
		p.LocalPort = seg.SrcPort
	}
	s := Sent{At: p.sched.Now(), Abs: *seg, Rtx: rtx, FromHost: e == nil, Seg: Seg{
		Flags: seg.Flags, Seq: seg.Seq - p.localISN, Len: seg.Len, Win: seg.Window, MSS: seg.MSS,
	}}
	if seg.Flags&tcp.ACK != 0 {
		s.Seg.Ack = seg.Ack - p.PeerISN
	}
	p.sent = append(p.sent, s)
	if p.OnSend != nil {
		p.OnSend(&p.sent[len(p.sent)-1])
	}
}

// Sent returns the segments the host sent so far, in order.
func (p *Peer) Sent() []Sent { return p.sent }

// Absolute converts a relative segment to the one the peer puts on the
// wire now.
func (p *Peer) Absolute(s Seg) tcp.Segment {
	seg := tcp.Segment{SrcPort: p.PeerPort, DstPort: p.LocalPort, Flags: s.Flags,
		Seq: p.PeerISN + s.Seq, Window: s.Win, Len: s.Len, MSS: s.MSS,
		TS: s.TS, TSVal: s.TSVal, TSEcr: s.TSEcr}
	if s.Flags&tcp.ACK != 0 || s.Ack != 0 {
		seg.Ack = p.localISN + s.Ack
	}
	return seg
}

// Inject delivers s to the host now.
func (p *Peer) Inject(s Seg) {
	seg := p.Absolute(s)
	p.host.Input(&seg)
}

// InjectAt schedules s to arrive at virtual time at. Relative numbers are
// turned into absolute ones when it arrives, so a segment scheduled before
// the endpoint's SYN left still acknowledges the right ISN.
func (p *Peer) InjectAt(at engine.Time, s Seg) {
	p.sched.At(at, func(engine.Time, uint64) { p.Inject(s) }, 0)
}

// Do runs fn at virtual time at, in an event of its own: an application's
// socket call.
func (p *Peer) Do(at engine.Time, fn func()) {
	p.sched.At(at, func(engine.Time, uint64) { fn() }, 0)
}
