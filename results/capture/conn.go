package capture

import (
	"bytes"
	"net/netip"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// endpoint is one end of a connection: an address and a port.
type endpoint struct {
	addr [16]byte
	port uint16
}

// less orders endpoints by address, then port.
func (e endpoint) less(o endpoint) bool {
	if c := bytes.Compare(e.addr[:], o.addr[:]); c != 0 {
		return c < 0
	}
	return e.port < o.port
}

// key identifies a connection's 4-tuple independently of direction: the
// smaller endpoint first.
type key struct {
	lo, hi endpoint
	v6     bool
}

// keyOf returns p's 4-tuple key and whether p travels from lo to hi.
func keyOf(p *packet) (key, bool) {
	src, dst := endpoint{p.src, p.sport}, endpoint{p.dst, p.dport}
	if src.less(dst) {
		return key{src, dst, p.v6}, true
	}
	return key{dst, src, p.v6}, false
}

// signature is what makes two captured segments the same segment: two
// copies of one packet agree on all of it; a retransmission differs at
// least in time, and over IPv4 in the IP identification.
type signature struct {
	at       int64
	seq, ack uint32
	flags    tcp.Flags
	len      int
	window   uint16
	ipID     uint16
}

// recentN is how many segments per direction are remembered for finding
// second copies. Copies from two interfaces are interleaved by capture
// time, so a copy can follow its original by a few other segments.
const recentN = 8

// conn is a connection being tracked.
type conn struct {
	id     int64 // order of first appearance in the file
	k      key
	client endpoint // the SYN sender, or the endpoint with the higher port
	hasSYN bool     // the client's SYN was captured
	start  int64    // capture time of the first packet (the SYN when there is one), ns
	last   int64    // capture time of the last packet, ns

	synSeq    uint32 // the client's ISN, when hasSYN
	synAck    bool   // the server's SYN+ACK was seen
	serverISN uint32
	acked     [2]bool // each side sent an ACK that was neither SYN nor RST
	estab     bool

	sndMax    [2]uint32 // per side: the end of the highest sequence range sent
	sndMaxSet [2]bool

	segs         []results.Segment // handshake and teardown segments (see add)
	torn         bool              // a FIN or RST has been seen: keep segments from now on (up to maxKept)
	preRetrans   int               // retransmissions among the dropped segments before the teardown
	extraSegs    int               // teardown segments beyond maxKept, counted only
	extraRetrans int
	extraLast    engine.Time // the time of the last of them
	finSeq       [2]uint32
	finSent      [2]bool
	finAcked     [2]bool
	rstSeen      bool
	rstGap       int64 // ns from the last segment of the first RST's receiver to that RST
	hasRstGap    bool
	bytes        [2]int64 // payload bytes sent, first transmissions
	recent       [2][recentN]signature
	recentNext   [2]int
	recentCount  [2]int
	dups         int

	// For telling a timer that gave up (see gaveUp): per side, the last
	// segment's time, whether it was a retransmission, the end of its
	// sequence range and the time since the side's previous segment; and
	// the highest acknowledgement each side sent.
	lastAt      [2]int64
	lastSet     [2]bool
	lastRetrans [2]bool
	lastEnd     [2]uint32
	lastGap     [2]int64
	ackMax      [2]uint32
	ackMaxSet   [2]bool

	queued   bool  // in the tracker's queue of finished connections
	queuedAt int64 // c.last when it was queued
	emitted  bool
}

// finished reports whether the connection has ended on the wire: a RST,
// or both FINs sent and acknowledged.
func (c *conn) finished() bool {
	return c.rstSeen || c.finAcked[results.Client] && c.finAcked[results.Server]
}

// side returns which side sent p.
func (c *conn) side(p *packet) results.Side {
	if p.sport == c.client.port && p.src == c.client.addr {
		return results.Client
	}
	return results.Server
}

// isDup reports whether p is a second copy of a recent segment of side s,
// and otherwise remembers it.
func (c *conn) isDup(s results.Side, p *packet) bool {
	sig := signature{at: p.at, seq: p.seq, ack: p.ack, flags: p.flags, len: p.len, window: p.window, ipID: p.ipID}
	window := int64(DupWindowNoID)
	if !p.v6 && p.ipID != 0 {
		window = int64(DupWindowIPID)
	}
	for i := 0; i < c.recentCount[s]; i++ {
		r := &c.recent[s][i]
		if r.seq == sig.seq && r.ack == sig.ack && r.flags == sig.flags && r.len == sig.len &&
			r.window == sig.window && r.ipID == sig.ipID && sig.at-r.at <= window && r.at-sig.at <= window {
			return true
		}
	}
	c.recent[s][c.recentNext[s]] = sig
	c.recentNext[s] = (c.recentNext[s] + 1) % recentN
	c.recentCount[s] = min(c.recentCount[s]+1, recentN)
	return false
}

// add records p, sent by side s, at time at (relative to the file's
// start). It returns false when p is a second copy and was dropped.
//
// Segments before the teardown that carry neither SYN, FIN nor RST do not
// enter the record: classification looks only at the handshake and at
// what follows the first FIN or RST, and dropping the data phase keeps a
// long transfer from growing the record. Their retransmissions are
// counted in preRetrans.
func (c *conn) add(s results.Side, p *packet, at engine.Time) bool {
	if c.isDup(s, p) {
		c.dups++
		return false
	}
	c.last = p.at
	f := p.flags
	consumes := uint32(p.len)
	if f&tcp.SYN != 0 {
		consumes++
	}
	if f&tcp.FIN != 0 {
		consumes++
	}
	end := p.seq + consumes
	retrans := false
	if consumes > 0 && f&tcp.RST == 0 {
		if c.sndMaxSet[s] && int32(p.seq-c.sndMax[s]) < 0 {
			retrans = true
		}
		if !c.sndMaxSet[s] || int32(end-c.sndMax[s]) > 0 {
			c.sndMax[s], c.sndMaxSet[s] = end, true
		}
	}
	if !retrans {
		c.bytes[s] += int64(p.len)
	}

	if f&tcp.ACK != 0 && (!c.ackMaxSet[s] || int32(p.ack-c.ackMax[s]) > 0) {
		c.ackMax[s], c.ackMaxSet[s] = p.ack, true
	}
	if c.lastSet[s] {
		c.lastGap[s] = p.at - c.lastAt[s]
	}
	c.lastAt[s], c.lastSet[s], c.lastRetrans[s], c.lastEnd[s] = p.at, true, retrans, end

	// Establishment.
	switch {
	case f&tcp.RST != 0:
	case f&tcp.SYN != 0:
		if s == results.Server && f&tcp.ACK != 0 {
			c.synAck, c.serverISN = true, p.seq
		}
	case f&tcp.ACK != 0:
		c.acked[s] = true
		if c.hasSYN {
			if s == results.Server || c.synAck && int32(p.ack-(c.serverISN+1)) >= 0 {
				c.estab = true
			}
		} else if c.acked[results.Client] && c.acked[results.Server] {
			c.estab = true
		}
	}

	// FINs and their acknowledgements.
	peer := s.Peer()
	firstAckOfFIN := false
	if f&tcp.ACK != 0 && c.finSent[peer] && int32(p.ack-(c.finSeq[peer]+1)) >= 0 {
		firstAckOfFIN = !c.finAcked[peer]
		c.finAcked[peer] = true
	}
	if f&tcp.FIN != 0 && !c.finSent[s] {
		c.finSent[s], c.finSeq[s] = true, end-1
	}
	if f&tcp.RST != 0 && !c.rstSeen {
		c.rstSeen = true
		if c.lastSet[peer] {
			c.rstGap, c.hasRstGap = p.at-c.lastAt[peer], true
		}
	}
	if f&(tcp.FIN|tcp.RST) != 0 {
		c.torn = true
	}
	if !c.torn && f&tcp.SYN == 0 {
		if retrans {
			c.preRetrans++
		}
		return true
	}
	if len(c.segs) >= maxKept && f&(tcp.SYN|tcp.FIN|tcp.RST) == 0 && !firstAckOfFIN {
		// A long transfer after a half-close: only counted.
		c.extraSegs++
		if retrans {
			c.extraRetrans++
		}
		c.extraLast = at
		return true
	}
	c.segs = append(c.segs, results.Segment{At: at, Arrived: at, From: s, Flags: f, Seq: p.seq, Ack: p.ack, Len: p.len, Retransmit: retrans})
	return true
}

// maxKept bounds the segments kept per connection. Beyond it, segments
// that carry neither SYN, FIN nor RST and are not the first
// acknowledgement of a FIN (all that classification looks at) are only
// counted, so that a transfer after a half-close cannot grow the record
// without bound.
const maxKept = 1024

// addrPort returns e as a netip.AddrPort.
func (e endpoint) addrPort(v6 bool) netip.AddrPort {
	if v6 {
		return netip.AddrPortFrom(netip.AddrFrom16(e.addr), e.port)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(e.addr[:4])), e.port)
}

// gaveUp reports whether a timer of side s evidently gave up before the
// capture's horizon (ns): the side's last segment was a retransmission that
// the peer never acknowledged, and the capture went on past the moment the
// next one was due (twice the last interval, as the retransmission timer
// backs off).
func (c *conn) gaveUp(s results.Side, horizon int64) bool {
	if !c.lastRetrans[s] {
		return false
	}
	p := s.Peer()
	if c.ackMaxSet[p] && int32(c.ackMax[p]-c.lastEnd[s]) >= 0 {
		return false
	}
	return horizon-c.lastAt[s] > 2*c.lastGap[s]
}
