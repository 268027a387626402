package sim

import (
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/units"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// recorder fills a Trace as a run goes: it observes the endpoints (a
// tcp.Observer) and is told of every segment the worker puts on the link.
type recorder struct {
	t      *results.Trace
	owners []*tcp.Endpoint // the endpoint of each event (nil for some calls)
}

func (r *recorder) reset(p *Params) {
	t := r.t
	*t = results.Trace{Events: t.Events[:0], Windows: t.Windows[:0], MSS: t.MSS[:0], Order: t.Order[:0], Wire: t.Wire[:0], Conns: t.Conns[:0],
		Delay: [2]time.Duration{p.Link.Forward.Delay, p.Link.Reverse.Delay}}
	r.owners = r.owners[:0]
}

// wire records a segment of any connection and returns its index in Wire.
func (r *recorder) wire(at engine.Time, side results.Side, seg *tcp.Segment, rtx bool) int32 {
	t := r.t
	t.Wire = append(t.Wire, results.WireSegment{
		Segment: results.Segment{At: at, Arrived: engine.Never, From: side, Flags: seg.Flags,
			Seq: seg.Seq, Ack: seg.Ack, Len: seg.Len, Retransmit: rtx},
		SrcPort: seg.SrcPort, DstPort: seg.DstPort, Window: seg.Window, MSS: seg.MSS,
		TS: seg.TS, TSVal: seg.TSVal, TSEcr: seg.TSEcr, SACKOK: seg.SACKOK,
	})
	return int32(len(t.Wire) - 1)
}

// opened notes a new connection of a run of many and returns its index in
// the trace's Conns.
func (r *recorder) opened() int {
	r.t.Conns = append(r.t.Conns, results.ConnFacts{})
	return len(r.t.Conns) - 1
}

func (r *recorder) sent(seg *tcp.Segment) {
	t := r.t
	t.Order = append(t.Order, len(t.Windows))
	t.Windows = append(t.Windows, seg.Window)
	t.MSS = append(t.MSS, seg.MSS)
}

func (rec *recorder) finish(r *results.Run, c0, s0 *tcp.Endpoint, many bool) {
	t := rec.t
	if many {
		// Keep the events of the first connection, whose segments are the
		// ones recorded.
		order := t.Order[:0]
		for _, o := range t.Order {
			if o < 0 {
				if e := rec.owners[-1-o]; e != c0 || e == nil {
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
}

func sideOf(e *tcp.Endpoint) results.Side {
	if e != nil && e.Host().Name == "server" {
		return results.Server
	}
	return results.Client
}

// Segment implements tcp.Observer; segments are recorded where they are sent.
func (r *recorder) Segment(now engine.Time, e *tcp.Endpoint, seg *tcp.Segment, ev tcp.SegmentEvent) {
	t := r.t
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
func (r *recorder) State(now engine.Time, e *tcp.Endpoint, from, to tcp.State) {
	r.add(e, results.TraceEvent{At: now, Side: sideOf(e), Kind: results.StateChange, Text: to.String()})
}

// App implements tcp.Observer.
func (r *recorder) App(now engine.Time, h *tcp.Host, e *tcp.Endpoint, ev tcp.AppEvent) {
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
	r.add(e, results.TraceEvent{At: now, Side: side, Kind: results.AppCall, Text: text, Call: ev.Call, Result: ev.Result, Proc: ev.Proc, Signal: ev.Signal})
}

// TimerGaveUp implements tcp.Observer.
func (r *recorder) TimerGaveUp(now engine.Time, e *tcp.Endpoint, why string) {
	r.add(e, results.TraceEvent{At: now, Side: sideOf(e), Kind: results.GaveUp, Text: why})
}

func (r *recorder) add(e *tcp.Endpoint, ev results.TraceEvent) {
	t := r.t
	t.Order = append(t.Order, -1-len(t.Events))
	t.Events = append(t.Events, ev)
	r.owners = append(r.owners, e)
}
