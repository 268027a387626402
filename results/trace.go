package results

import (
	"time"

	"github.com/emu-sim/emu/engine"
)

// TraceEventKind says what a trace event is.
type TraceEventKind uint8

// Trace event kinds.
const (
	StateChange TraceEventKind = iota + 1 // Text is the new state, e.g. "FIN_WAIT_1"
	AppCall                               // an application's call (Call, Result)
	GaveUp                                // Text says which timer gave up
)

// TraceEvent is something that happened at one side, other than a segment.
type TraceEvent struct {
	At   engine.Time
	Side Side
	Kind TraceEventKind
	Text string // the state, the timer that gave up, or for AppCall the call and its result
	// For AppCall: the call as the application made it, its result, the
	// number of the process that made it (1 = the side's first process),
	// and whether it was a signal rather than a call.
	Call, Result string
	Proc         int
	Signal       bool
}

// WireSegment is one segment of any connection as it crossed the link: the
// header fields a capture shows and when it left and arrived.
type WireSegment struct {
	Segment
	SrcPort, DstPort uint16
	Window           uint32
	MSS              uint16
	// The timestamps option (TS, with its values) and, on a SYN, SACK
	// permitted, as the endpoint sent them.
	TS           bool
	TSVal, TSEcr uint32
	SACKOK       bool
}

// Trace is the full record of one run, for ladder diagrams and pcaps: the
// run's segments plus what the record for classification leaves out. The
// simulator fills it (internal/sim); the outputs that draw it (ladder,
// pcap) depend on this record only.
type Trace struct {
	Run     Run          // a copy; its Segments are the trace's own
	Events  []TraceEvent // state changes, application calls and timers, in time order
	Windows []uint32     // the window field of each segment, by index
	MSS     []uint16     // the MSS option of each segment (0 = none)
	Ports   [2]uint16    // local port of the client and of the server
	// Wire holds every segment of every connection of the run, in order
	// of transmission, for captures of runs of many connections; Run and
	// the fields above describe the first connection only.
	Wire []WireSegment
	ISN  [2]uint32 // initial sequence numbers, for relative numbering
	// Delay is the link's one-way delay from the client and from the
	// server, for drawing segments in flight.
	Delay [2]time.Duration
	// Order lists segments and events in the order they happened: an entry
	// i >= 0 is Run.Segments[i], an entry -1-j is Events[j].
	Order []int
	// Conns are, for runs of many connections, what the simulator knew of
	// each connection when it classified it, in the order the client
	// opened them (the numbering of Wire's connections).
	Conns []ConnFacts
}

// ConnFacts are the facts about one connection of many that its segments
// do not show, and how it ended.
type ConnFacts struct {
	Established bool
	GaveUp      [2]bool
	CloseType   CloseType
	Classified  bool // false: the run's trace ended before it was
}
