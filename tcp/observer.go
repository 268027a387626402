package tcp

import "github.com/emu-sim/emu/engine"

// SegmentEvent says what happened to a segment at an endpoint.
type SegmentEvent uint8

// Segment events.
const (
	SegSent       SegmentEvent = iota + 1 // first transmission
	SegRetransmit                         // retransmission of sequence space already sent
	SegReceived                           // arrived at this endpoint (or at its host, for unknown connections)
)

// AppEvent is an application-visible event: a socket call's start or result.
type AppEvent struct {
	Call   string // "connect", "read", "close", ...
	Result string // "", "EOF", "100B", an errno name, "blocked", ...
	Proc   int    // the calling process's number on its host (Process.ID)
	// Size is the byte count a send wrote (Result then spells it in
	// bytes), for observers that write sizes their own way.
	Size int64
	// Signal marks an event that is not a call: the process was killed by
	// the signal named in Call (SIGPIPE); Result says what became of it.
	Signal bool
}

// Observer sees everything an endpoint does. Tracing, pcap writing and
// classification hang off it. A nil Observer costs one comparison per event.
//
// The *Segment passed to Segment is only valid during the call.
type Observer interface {
	Segment(now engine.Time, e *Endpoint, seg *Segment, ev SegmentEvent)
	State(now engine.Time, e *Endpoint, from, to State)
	App(now engine.Time, h *Host, e *Endpoint, ev AppEvent)
	// TimerGaveUp reports that a timer ended the connection without an
	// exchange finishing: a retransmission limit or the FIN_WAIT_2 timeout.
	TimerGaveUp(now engine.Time, e *Endpoint, why string)
}
