package sim

import (
	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// connRec is the segment record of one connection of a run of many
// connections, kept until both its endpoints are closed and then
// classified, so that a run can count how all its connections ended
// without keeping every segment of the run.
type connRec struct {
	track  results.Tracker
	c, s   *tcp.Endpoint
	port   uint16 // the client's port
	closed [2]bool
	done   bool
	index  int // in the trace's Conns, when the run is traced
}

// recFor returns the record of the connection a segment belongs to,
// creating it for a client's first SYN, or nil.
func (w *Worker) recFor(side results.Side, e *tcp.Endpoint, seg *tcp.Segment) *connRec {
	port := seg.SrcPort
	if side == results.Server {
		port = seg.DstPort
	}
	if e == nil {
		// A RST the host sends for a connection it does not have.
		return w.byPort[port]
	}
	if r, ok := e.Tag().(*connRec); ok {
		return r
	}
	switch {
	case side == results.Client && seg.Flags&tcp.SYN != 0:
		if old := w.byPort[port]; old != nil {
			w.finalize(old)
		}
		r := &connRec{c: e, port: port}
		if w.trace != nil {
			r.index = w.trace.opened()
		}
		r.track.Reset()
		w.byPort[port] = r
		e.SetTag(r)
		return r
	case side == results.Server:
		if r := w.byPort[port]; r != nil && r.s == nil {
			r.s = e
			e.SetTag(r)
			return r
		}
	}
	return nil
}

// endpointClosed finalises a connection once both its endpoints are closed.
func (w *Worker) endpointClosed(e *tcp.Endpoint) {
	r, ok := e.Tag().(*connRec)
	if !ok || r.done {
		return
	}
	if e == r.c {
		r.closed[results.Client] = true
	} else {
		r.closed[results.Server] = true
	}
	if r.closed[results.Client] && (r.s == nil || r.closed[results.Server]) {
		w.finalize(r)
	}
}

// finalize classifies a connection and counts its close type.
func (w *Worker) finalize(r *connRec) {
	if r.done {
		return
	}
	r.done = true
	if w.byPort[r.port] == r {
		delete(w.byPort, r.port)
	}
	run := results.Run{Track: &r.track}
	for side, e := range [2]*tcp.Endpoint{r.c, r.s} {
		if e == nil {
			continue
		}
		run.Established = run.Established || e.Reached(tcp.Established)
		run.GaveUp[side] = e.GaveUp()
	}
	ct := results.Classify(&run).CloseType
	w.stats.CloseTypes[ct]++
	if w.trace != nil {
		w.trace.t.Conns[r.index] = results.ConnFacts{Established: run.Established, GaveUp: run.GaveUp, CloseType: ct, Classified: true}
	}
}

// finalizeAll classifies the connections still open when the run ended, in
// port order so that nothing depends on map order.
func (w *Worker) finalizeAll() {
	for p := 0; p < 1<<16 && len(w.byPort) > 0; p++ {
		if r := w.byPort[uint16(p)]; r != nil {
			w.finalize(r)
		}
	}
}

// arrived notes a tracked segment's arrival (sent by from).
func (w *Worker) arrived(now engine.Time, p *packet, from results.Side) {
	if p.idx >= 0 {
		w.track.Arrived(p.idx, from, p.seg.Flags, p.seg.Ack, now)
		if w.trace != nil {
			w.run.Segments[p.idx].Arrived = now
		}
	}
	if p.rec != nil {
		p.rec.track.Arrived(p.ridx, from, p.seg.Flags, p.seg.Ack, now)
	}
}
