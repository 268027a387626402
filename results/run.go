package results

import (
	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

// Side names one endpoint of the emulated connection. Client is the side
// that connects, Server the side that accepts; the values index the
// two-element arrays in [Run].
type Side uint8

// The two endpoints of a run.
const (
	Client Side = 0
	Server Side = 1
)

// String returns "client" or "server", the spelling used in the output
// columns.
func (s Side) String() string {
	switch s {
	case Client:
		return "client"
	case Server:
		return "server"
	}
	return "invalid-side"
}

// Peer returns the other side.
func (s Side) Peer() Side { return 1 - s }

// Set returns the one-element set holding s.
func (s Side) Set() SideSet { return SideSet(1) << s }

// SideSet is a set of sides: none, client, server or both. Columns such as
// first_closer, rst_from and time_wait_side take their values from it.
type SideSet uint8

// The four possible sets of sides.
const (
	NoSide     SideSet = 0
	ClientSide SideSet = 1 << Client
	ServerSide SideSet = 1 << Server
	BothSides  SideSet = ClientSide | ServerSide
)

// String returns "none", "client", "server" or "both".
func (s SideSet) String() string {
	switch s {
	case NoSide:
		return "none"
	case ClientSide:
		return "client"
	case ServerSide:
		return "server"
	case BothSides:
		return "both"
	}
	return "invalid-sides"
}

// Has reports whether side is in the set.
func (s SideSet) Has(side Side) bool { return s&side.Set() != 0 }

// Segment is one segment as a side transmitted it, with its fate on the
// link. Classification looks only at these wire facts (flags, sequence and
// acknowledgement numbers, times), the way one would read a capture, so that
// a close type never depends on an endpoint's internal bookkeeping.
type Segment struct {
	At         engine.Time // when its sender transmitted it
	Arrived    engine.Time // when it reached the peer; engine.Never if it was lost
	From       Side        // its sender
	Flags      tcp.Flags   // TCP header flags
	Seq, Ack   uint32      // absolute sequence and acknowledgement numbers as on the wire
	Len        int         // payload bytes
	Retransmit bool        // a retransmission rather than a first transmission
}

// Lost reports whether the segment never reached the peer.
func (s *Segment) Lost() bool { return s.Arrived == engine.Never }

// finSeq returns the sequence number of the FIN the segment carries: the
// byte after its SYN (if any) and its payload. Meaningful only with FIN set.
func (s *Segment) finSeq() uint32 {
	n := s.Seq + uint32(s.Len)
	if s.Flags&tcp.SYN != 0 {
		n++
	}
	return n
}

// acks reports whether the segment acknowledges the sequence number seq,
// i.e. carries ACK with an acknowledgement number beyond seq, comparing
// modulo 2^32 (RFC 9293's serial-number arithmetic) so that wrap-around
// is handled.
func (s *Segment) acks(seq uint32) bool {
	return s.Flags&tcp.ACK != 0 && int32(s.Ack-(seq+1)) >= 0
}

// Span is an interval one side spent in a state (TIME_WAIT).
type Span struct {
	Held    bool        // the side entered the state at all
	Entered engine.Time // when it entered
	Left    engine.Time // when it ended: expiry, a RST, or the run's end
}

// Run is the record of one run: everything the simulation driver observed
// that the outputs need. The driver fills it; [Classify] and the writers
// only read it.
type Run struct {
	Point       int      // sweep point index, from 0
	Run         int      // replication index within the point, from 0
	Seed        uint64   // the seed this run used
	SweepValues []string // the point's value for each sweep key, in the order of the keys

	// Segments holds every segment either side transmitted, lost ones
	// included, in order of transmission time. A run driver may leave it
	// empty and give Track instead, which classifies without keeping them.
	Segments []Segment
	// Track, when set, is what Classify reads instead of Segments.
	Track *Tracker

	Established bool      // the handshake completed
	GaveUp      [2]bool   // a timer of that side gave up (FIN_WAIT_2 orphan timeout, retransmission limit)
	TimeWait    [2]Span   // each side's TIME_WAIT
	FinalState  [2]string // RFC 9293 state name at the end of the run, e.g. "CLOSED", "TIME_WAIT"
	HitHorizon  bool      // the run reached stop_after (or its event budget) rather than running out of events
	HitBudget   bool      // of those, the event budget (max_events) ended it
	// CutShort says the simulator's budget (stop_after or max_events)
	// ended the run: a handshake then still under way is incomplete, not
	// no-connect. A capture's end is not a budget and leaves it false.
	CutShort      bool
	Errors        [2]string   // first error each application saw ("ECONNRESET", "EPIPE", ...) or ""
	Exit          [2]string   // how each side's program ended: "ok", "crash", "SIGPIPE" or "blocked"
	BytesSent     [2]int64    // application bytes written
	BytesReceived [2]int64    // application bytes read
	End           engine.Time // virtual time at which the run ended
}
