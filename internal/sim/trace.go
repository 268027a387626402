package sim

import (
	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/units"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// EventKind says what a trace event is.
type EventKind uint8

// Trace event kinds.
const (
	StateChange EventKind = iota + 1 // Text is the new state, e.g. "FIN_WAIT_1"
	AppCall                          // Text is the call and its result, e.g. "read EOF"
	GaveUp                           // Text says which timer gave up
)

// Event is something that happened at one side, other than a segment.
type Event struct {
	At   engine.Time
	Side results.Side
	Kind EventKind
	Text string // the state, the timer that gave up, or for AppCall the call and its result
	// For AppCall: the call as the application made it, its result, the
	// number of the process that made it (1 = the side's first process),
	// and whether it was a signal rather than a call.
	Call, Result string
	Proc         int
	Signal       bool
}

// Trace is the full record of one run, for ladder diagrams and pcaps: the
// run's segments plus what the record for classification leaves out.
type Trace struct {
	Run     results.Run // a copy; its Segments are the trace's own
	Events  []Event     // state changes, application calls and timers, in time order
	Windows []uint32    // the window field of each segment, by index
	MSS     []uint16    // the MSS option of each segment (0 = none)
	Ports   [2]uint16   // local port of the client and of the server
	// Wire holds every segment of every connection of the run, in order
	// of transmission, for captures of runs of many connections; Run and
	// the fields above describe the first connection only.
	Wire   []WireSegment
	ISN    [2]uint32 // initial sequence numbers, for relative numbering
	Params *Params
	// Order lists segments and events in the order they happened: an entry
	// i >= 0 is Run.Segments[i], an entry -1-j is Events[j].
	Order    []int
	finished bool
	owners   []*tcp.Endpoint // the endpoint of each event (nil for some calls)
}

func (t *Trace) reset(p *Params) {
	*t = Trace{Events: t.Events[:0], Windows: t.Windows[:0], MSS: t.MSS[:0], Order: t.Order[:0], Params: p, owners: t.owners[:0], Wire: t.Wire[:0]}
}

// WireSegment is one segment of any connection as it crossed the link: the
// header fields a capture shows and when it left and arrived.
type WireSegment struct {
	results.Segment
	SrcPort, DstPort uint16
	Window           uint32
	MSS              uint16
	// The timestamps option (TS, with its values) and, on a SYN, SACK
	// permitted, as the endpoint sent them.
	TS           bool
	TSVal, TSEcr uint32
	SACKOK       bool
}

// wire records a segment of any connection and returns its index in Wire.
func (t *Trace) wire(at engine.Time, side results.Side, seg *tcp.Segment, rtx bool) int32 {
	t.Wire = append(t.Wire, WireSegment{
		Segment: results.Segment{At: at, Arrived: engine.Never, From: side, Flags: seg.Flags,
			Seq: seg.Seq, Ack: seg.Ack, Len: seg.Len, Retransmit: rtx},
		SrcPort: seg.SrcPort, DstPort: seg.DstPort, Window: seg.Window, MSS: seg.MSS,
		TS: seg.TS, TSVal: seg.TSVal, TSEcr: seg.TSEcr, SACKOK: seg.SACKOK,
	})
	return int32(len(t.Wire) - 1)
}

func (t *Trace) sent(seg *tcp.Segment) {
	t.Order = append(t.Order, len(t.Windows))
	t.Windows = append(t.Windows, seg.Window)
	t.MSS = append(t.MSS, seg.MSS)
}

func (t *Trace) finish(r *results.Run, c0, s0 *tcp.Endpoint, many bool) {
	if many {
		// Keep the events of the first connection, whose segments are the
		// ones recorded.
		order := t.Order[:0]
		for _, o := range t.Order {
			if o < 0 {
				if e := t.owners[-1-o]; e != c0 || e == nil {
					if e != s0 || e == nil {
						continue
					}
				}
			}
			order = append(order, o)
		}
		t.Order = order
	}
	t.Run = *r
	t.Run.Segments = append([]results.Segment(nil), r.Segments...)
	t.Run.Track = nil // the worker's, reused by its next run; Segments say the same
	t.finished = true
}

func sideOf(e *tcp.Endpoint) results.Side {
	if e != nil && e.Host().Name == "server" {
		return results.Server
	}
	return results.Client
}

// Segment implements tcp.Observer; segments are recorded where they are sent.
func (t *Trace) Segment(now engine.Time, e *tcp.Endpoint, seg *tcp.Segment, ev tcp.SegmentEvent) {
	if e == nil || ev == tcp.SegReceived {
		return
	}
	s := sideOf(e)
	if t.Ports[s] == 0 {
		t.Ports[s], _ = e.Ports()
		t.ISN[s] = e.ISN()
	}
}

// State implements tcp.Observer.
func (t *Trace) State(now engine.Time, e *tcp.Endpoint, from, to tcp.State) {
	t.add(e, Event{At: now, Side: sideOf(e), Kind: StateChange, Text: to.String()})
}

// App implements tcp.Observer.
func (t *Trace) App(now engine.Time, h *tcp.Host, e *tcp.Endpoint, ev tcp.AppEvent) {
	if ev.Size > 0 {
		ev.Result = units.FormatSize(ev.Size) // as the scenario writes sizes: 10KiB
	}
	text := ev.Call
	if ev.Result != "" {
		text += " " + ev.Result
	}
	side := results.Client
	if h.Name == "server" {
		side = results.Server
	}
	t.add(e, Event{At: now, Side: side, Kind: AppCall, Text: text, Call: ev.Call, Result: ev.Result, Proc: ev.Proc, Signal: ev.Signal})
}

// TimerGaveUp implements tcp.Observer.
func (t *Trace) TimerGaveUp(now engine.Time, e *tcp.Endpoint, why string) {
	t.add(e, Event{At: now, Side: sideOf(e), Kind: GaveUp, Text: why})
}

func (t *Trace) add(e *tcp.Endpoint, ev Event) {
	t.Order = append(t.Order, -1-len(t.Events))
	t.Events = append(t.Events, ev)
	t.owners = append(t.owners, e)
}
