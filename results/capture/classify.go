package capture

import (
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// classify builds the record of c, classifies it with results.Classify and
// applies the capture conventions; horizon is the capture time at which the
// connection is judged (the end of the file, or a new SYN on its tuple).
func (t *tracker) classify(c *conn, horizon engine.Time) *Connection {
	r := results.Run{
		Segments:    c.segs,
		Established: c.estab,
		HitHorizon:  !c.finished(),
		End:         horizon,
		BytesSent:   c.bytes,
	}
	for _, s := range []results.Side{results.Client, results.Server} {
		r.GaveUp[s] = c.gaveUp(s, int64(horizon)+t.t0)
	}
	o := results.Classify(&r)
	results.WireConventions(&o)
	o.Retransmits += c.preRetrans + c.extraRetrans
	if c.extraSegs > 0 && o.HasTeardown {
		// Segments beyond maxKept come after every kept teardown segment
		// had started; they extend the count and perhaps the end.
		o.TeardownSegments += c.extraSegs
		start := o.Teardown
		for i := range c.segs {
			if c.segs[i].Flags&(tcp.FIN|tcp.RST) != 0 {
				start = c.extraLast.Sub(c.segs[i].At)
				break
			}
		}
		o.Teardown = max(o.Teardown, start)
	}

	server := c.k.lo
	if server == c.client {
		server = c.k.hi
	}
	conn := &t.out
	*conn = Connection{
		File:       t.file,
		Client:     c.client.addrPort(c.k.v6),
		Server:     server.addrPort(c.k.v6),
		Start:      t.rel(c.start).Duration(),
		HasSYN:     c.hasSYN,
		Run:        r,
		Outcome:    o,
		Duplicates: c.dups,
		rstGap:     time.Duration(c.rstGap),
		hasRstGap:  c.hasRstGap,
	}
	a, finA, finB := firstFINs(c.segs)
	if finA >= 0 {
		b := a.Peer()
		seqA := finSeq(&c.segs[finA])
		for i := finA + 1; i < len(c.segs); i++ {
			s := &c.segs[i]
			if s.From == b && s.Flags&tcp.ACK != 0 && int32(s.Ack-(seqA+1)) >= 0 {
				conn.FinAck, conn.HasFinAck = s.At.Sub(c.segs[finA].At), true
				break
			}
		}
		if finB >= 0 {
			conn.PassiveClose, conn.HasPassiveClose = c.segs[finB].At.Sub(c.segs[finA].At), true
		}
	}
	return conn
}

// firstFINs returns the side whose FIN comes first in segs, the index of
// that FIN (-1 if there is none) and the index of the other side's first
// FIN (-1 if none).
func firstFINs(segs []results.Segment) (results.Side, int, int) {
	first := [2]int{-1, -1}
	for i := range segs {
		if s := &segs[i]; s.Flags&tcp.FIN != 0 && first[s.From] < 0 {
			first[s.From] = i
		}
	}
	a := results.Client
	if first[a] < 0 || first[results.Server] >= 0 && first[results.Server] < first[a] {
		a = results.Server
	}
	if first[a] < 0 {
		return a, -1, -1
	}
	return a, first[a], first[a.Peer()]
}

// finSeq is the sequence number of the FIN that s carries.
func finSeq(s *results.Segment) uint32 {
	n := s.Seq + uint32(s.Len)
	if s.Flags&tcp.SYN != 0 {
		n++
	}
	return n
}
